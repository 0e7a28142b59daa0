// Whole-buffer reductions in two deterministic passes (fixed order, no atomics, no workgroup barriers:
// on software adapters a barrier tree over a large workgroup costs milliseconds):
//   *_partial  P invocations; invocation l folds x[l], x[l + P], x[l + 2P], ... into part[l];
//   *_final    one invocation folds part[0..P) in order and writes out[0].
// sumsq: sum of x^2 (global gradient norm = sqrt). nonfinite: 1 if any x is inf or NaN, else 0; tested on
// the exponent bits because compilers may assume floats are finite and fold isinf/isnan-style tests away.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P { o_out: u32, o_x: u32, o_part: u32, n: u32, P: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [1] result
@group(0) @binding(1) var<storage, read_write> x: array<f32>;    // [n] values reduced
@group(0) @binding(2) var<storage, read_write> part: array<f32>; // [P] partials (scratch)
@group(1) @binding(0) var<uniform> p: P;

fn bad(v: f32) -> f32 { return select(0.0, 1.0, (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u); }

@compute @workgroup_size(WG)
fn sumsq_partial(@builtin(global_invocation_id) gid: vec3u) {
  let l = gid.x;
  if (l >= p.P) { return; }
  var s = 0.0;
  for (var i = l; i < p.n; i += p.P) { let v = x[p.o_x + i]; s = fma(v, v, s); }
  part[p.o_part + l] = s;
}

@compute @workgroup_size(WG)
fn nonfinite_partial(@builtin(global_invocation_id) gid: vec3u) {
  let l = gid.x;
  if (l >= p.P) { return; }
  var s = 0.0;
  for (var i = l; i < p.n; i += p.P) { s = max(s, bad(x[p.o_x + i])); }
  part[p.o_part + l] = s;
}

@compute @workgroup_size(1)
fn sum_final() {
  var s = 0.0;
  for (var i = 0u; i < p.P; i++) { s += part[p.o_part + i]; }
  out[p.o_out] = s;
}

@compute @workgroup_size(1)
fn max_final() {
  var s = 0.0;
  for (var i = 0u; i < p.P; i++) { s = max(s, part[p.o_part + i]); }
  out[p.o_out] = s;
}
