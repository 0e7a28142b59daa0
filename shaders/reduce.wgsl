// Whole-buffer reductions in two deterministic stages (fixed order, no atomics):
//   *_partial  G workgroups of WG invocations; invocation l of group g folds x[(g*WG + l) + k*G*WG] for
//              k = 0, 1, ..., then a tree in workgroup memory leaves one partial per group in part[g];
//   *_final    one workgroup folds the G partials the same way and writes out[0].
// sumsq: sum of x^2 (global gradient norm = sqrt). nonfinite: 1 if any x is inf or NaN, else 0; tested on
// the exponent bits because compilers may assume floats are finite and fold isinf/isnan-style tests away.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

const WG = 256u; // power of two, the tree below halves it; fixed so partial counts are stable

struct P { o_out: u32, o_x: u32, o_part: u32, n: u32, G: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [1] result
@group(0) @binding(1) var<storage, read_write> x: array<f32>;    // [n] values reduced
@group(0) @binding(2) var<storage, read_write> part: array<f32>; // [G] per-workgroup partials (scratch)
@group(1) @binding(0) var<uniform> p: P;

var<workgroup> acc: array<f32, WG>;

fn bad(v: f32) -> f32 { return select(0.0, 1.0, (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u); }

fn tree_sum(l: u32) {
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (l < s) { acc[l] += acc[l + s]; }
    workgroupBarrier();
  }
}

fn tree_max(l: u32) {
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (l < s) { acc[l] = max(acc[l], acc[l + s]); }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn sumsq_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) l: u32) {
  var s = 0.0;
  for (var i = wid.x * WG + l; i < p.n; i += p.G * WG) { let v = x[p.o_x + i]; s = fma(v, v, s); }
  acc[l] = s;
  workgroupBarrier();
  tree_sum(l);
  if (l == 0u) { part[p.o_part + wid.x] = acc[0]; }
}

@compute @workgroup_size(WG)
fn nonfinite_partial(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) l: u32) {
  var s = 0.0;
  for (var i = wid.x * WG + l; i < p.n; i += p.G * WG) { s = max(s, bad(x[p.o_x + i])); }
  acc[l] = s;
  workgroupBarrier();
  tree_max(l);
  if (l == 0u) { part[p.o_part + wid.x] = acc[0]; }
}

@compute @workgroup_size(WG)
fn sum_final(@builtin(local_invocation_index) l: u32) {
  var s = 0.0;
  for (var i = l; i < p.G; i += WG) { s += part[p.o_part + i]; }
  acc[l] = s;
  workgroupBarrier();
  tree_sum(l);
  if (l == 0u) { out[p.o_out] = acc[0]; }
}

@compute @workgroup_size(WG)
fn max_final(@builtin(local_invocation_index) l: u32) {
  var s = 0.0;
  for (var i = l; i < p.G; i += WG) { s = max(s, part[p.o_part + i]); }
  acc[l] = s;
  workgroupBarrier();
  tree_max(l);
  if (l == 0u) { out[p.o_out] = acc[0]; }
}
