// Elementwise kernels over n f32 values: add (out = a + b), add_inplace (acc += x), scale (x *= s),
// fill (out = value), sum_rows (out[N] (+=) column sums of x[R,N], one invocation per column).
// Grids are 2-D when n / WG exceeds 65535 workgroups; i is the linear invocation index.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P { o_out: u32, o_a: u32, o_b: u32, n: u32, s: f32, R: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // [n] result (add, fill), acc (add_inplace), x (scale), [N] sums (sum_rows)
@group(0) @binding(1) var<storage, read_write> a: array<f32>;   // [n] first operand (add), x (add_inplace), [R,N] rows (sum_rows)
@group(0) @binding(2) var<storage, read_write> b: array<f32>;   // [n] second operand (add)
@group(1) @binding(0) var<uniform> p: P;                        // offsets; n (N for sum_rows); s = scale factor or fill value

fn idx(wid: vec3u, nwg: vec3u, li: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + li; }

@compute @workgroup_size(WG)
fn add(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.n) { return; }
  out[p.o_out + i] = a[p.o_a + i] + b[p.o_b + i];
}

@compute @workgroup_size(WG)
fn add_inplace(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.n) { return; }
  out[p.o_out + i] += a[p.o_a + i];
}

@compute @workgroup_size(WG)
fn scale(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.n) { return; }
  out[p.o_out + i] *= p.s;
}

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.n) { return; }
  out[p.o_out + i] = p.s;
}

@compute @workgroup_size(WG)
fn sum_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let c = idx(wid, nwg, li);
  if (c >= p.n) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.R; r++) { s += a[p.o_a + r * p.n + c]; }
  out[p.o_out + c] += s;
}
