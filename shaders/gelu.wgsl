// GELU, exact (erf) form, forward and backward, elementwise over n values.
// gelu(x) = 0.5 x (1 + erf(x / sqrt 2)); gelu'(x) = 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi).
// WGSL has no erf: erf_f32 below is Abramowitz & Stegun 7.1.26 refined for small |x| with the Taylor
// series (|error| < 2e-7 absolute, about f32 rounding).
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P { o_out: u32, o_x: u32, o_dout: u32, n: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [n] fwd: gelu(x); bwd: dx
@group(0) @binding(1) var<storage, read_write> x: array<f32>;    // [n] input of the forward
@group(0) @binding(2) var<storage, read_write> dout: array<f32>; // [n] gradient of the output (bwd)
@group(1) @binding(0) var<uniform> p: P;

fn erf_f32(v: f32) -> f32 {
  let a = abs(v);
  if (a < 0.5) {
    // erf(x) = 2/sqrt(pi) (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320)
    let z = a * a;
    let s = a * (1.0 + z * (-1.0 / 3.0 + z * (0.1 + z * (-1.0 / 42.0 + z * (1.0 / 216.0 + z * (-1.0 / 1320.0))))));
    return sign(v) * 1.1283791670955126 * s;
  }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * exp(-a * a);
  return sign(v) * y;
}

fn idx(wid: vec3u, nwg: vec3u, li: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + li; }

@compute @workgroup_size(WG)
fn gelu_fwd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.n) { return; }
  let v = x[p.o_x + i];
  out[p.o_out + i] = 0.5 * v * (1.0 + erf_f32(v * 0.7071067811865476));
}

@compute @workgroup_size(WG)
fn gelu_bwd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.n) { return; }
  let v = x[p.o_x + i];
  let cdf = 0.5 * (1.0 + erf_f32(v * 0.7071067811865476));
  let pdf = exp(-0.5 * v * v) * 0.3989422804014327;
  out[p.o_out + i] = dout[p.o_dout + i] * (cdf + v * pdf);
}
