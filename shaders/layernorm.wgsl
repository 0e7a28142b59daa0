// LayerNorm over the last dim, forward and backward. R=rows, C=channels, eps added to the variance.
// Forward, one invocation per row: mean, rstd = 1/sqrt(var + eps) (biased variance, two passes),
// out = (x - mean) * rstd * w + b.
// Backward in two dispatches so nothing needs float atomics:
//   layernorm_bwd_dx    per row r: xhat = (x - mean) rstd, g = dout * w,
//                       dx += rstd * (g - mean_c(g) - xhat * mean_c(g * xhat));
//   layernorm_bwd_dwdb  per channel c: dw += sum_r dout * xhat, db += sum_r dout.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl; 8 of them in the backward,
// within the 8 storage buffers per stage WebGPU guarantees.

override WG: u32 = 64;

struct P {
  o_out: u32, o_mean: u32, o_rstd: u32, o_x: u32, o_w: u32, o_b: u32, o_dout: u32, o_dw: u32,
  R: u32, C: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [R,C] fwd: normalised output; bwd: dx (+=)
@group(0) @binding(1) var<storage, read_write> mean: array<f32>; // [R] row means (fwd writes, bwd reads)
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>; // [R] 1/sqrt(var + eps)
@group(0) @binding(3) var<storage, read_write> x: array<f32>;    // [R,C] input
@group(0) @binding(4) var<storage, read_write> w: array<f32>;    // [C] weight
@group(0) @binding(5) var<storage, read_write> b: array<f32>;    // [C] fwd: bias; bwd: db (+=)
@group(0) @binding(6) var<storage, read_write> dout: array<f32>; // [R,C] gradient of out (bwd)
@group(0) @binding(7) var<storage, read_write> dw: array<f32>;   // [C] weight gradient (+=) (bwd)
@group(1) @binding(0) var<uniform> p: P;

fn row_id(wid: vec3u, nwg: vec3u, li: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + li; }

@compute @workgroup_size(WG)
fn layernorm_fwd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = row_id(wid, nwg, li);
  if (r >= p.R) { return; }
  let xi = p.o_x + r * p.C;
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { s += x[xi + c]; }
  let mu = s / f32(p.C);
  var v = 0.0;
  for (var c = 0u; c < p.C; c++) { let dx = x[xi + c] - mu; v = fma(dx, dx, v); }
  let rs = 1.0 / sqrt(v / f32(p.C) + p.eps);
  let oi = p.o_out + r * p.C;
  for (var c = 0u; c < p.C; c++) { out[oi + c] = (x[xi + c] - mu) * rs * w[p.o_w + c] + b[p.o_b + c]; }
  mean[p.o_mean + r] = mu;
  rstd[p.o_rstd + r] = rs;
}

@compute @workgroup_size(WG)
fn layernorm_bwd_dx(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = row_id(wid, nwg, li);
  if (r >= p.R) { return; }
  let xi = p.o_x + r * p.C;
  let gi = p.o_dout + r * p.C;
  let mu = mean[p.o_mean + r];
  let rs = rstd[p.o_rstd + r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = 0u; c < p.C; c++) {
    let g = dout[gi + c] * w[p.o_w + c];
    sg += g;
    sgx = fma(g, (x[xi + c] - mu) * rs, sgx);
  }
  let mg = sg / f32(p.C);
  let mgx = sgx / f32(p.C);
  let oi = p.o_out + r * p.C;
  for (var c = 0u; c < p.C; c++) {
    let g = dout[gi + c] * w[p.o_w + c];
    let xh = (x[xi + c] - mu) * rs;
    out[oi + c] += rs * (g - mg - xh * mgx);
  }
}

@compute @workgroup_size(WG)
fn layernorm_bwd_dwdb(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.C) { return; }
  var sw = 0.0;
  var sb = 0.0;
  for (var r = 0u; r < p.R; r++) {
    let g = dout[p.o_dout + r * p.C + c];
    sw = fma(g, (x[p.o_x + r * p.C + c] - mean[p.o_mean + r]) * rstd[p.o_rstd + r], sw);
    sb += g;
  }
  dw[p.o_dw + c] += sw;
  b[p.o_b + c] += sb;
}
