// FP16 gradient accumulation in packed storage (portable: core WGSL, no shader-f16 needed).
// n = element count; packed[ceil(n/2)] u32 words, element 2w in the low half of word w, 2w+1 in the high
// half (the same bytes as a little-endian array<f16>, see f16_native.wgsl).
//   f16_accumulate  acc[e] = f16(f32(acc[e]) + x[e]): the sum is formed in f32 and rounded once to f16,
//                   round to nearest even; |sum| >= 65520 becomes +-inf and NaN stays NaN, so an overflow
//                   reaches the loss scaler's nonfinite check instead of being clamped;
//   f16_unpack      out[e] = f32(packed[e]) (exact).
// One invocation per word. pack2x16float leaves out-of-range values indeterminate, hence to_half below.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P { o_out: u32, o_x: u32, n: u32 }

@group(0) @binding(0) var<storage, read_write> words: array<u32>; // [ceil(n/2)] packed f16 pairs (acc or source)
@group(0) @binding(1) var<storage, read_write> x: array<f32>;     // [n] f32 values added (accumulate) / written (unpack)
@group(1) @binding(0) var<uniform> p: P;

fn to_half(v: f32) -> u32 {
  let bits = bitcast<u32>(v);
  let sign = (bits >> 16u) & 0x8000u;
  let a = bits & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | 0x7e00u; }  // NaN
  if (a >= 0x477ff000u) { return sign | 0x7c00u; } // >= 65520 rounds past the largest half: inf
  return pack2x16float(vec2f(v, 0.0)) & 0xffffu;
}

fn idx(wid: vec3u, nwg: vec3u, li: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + li; }

@compute @workgroup_size(WG)
fn f16_accumulate(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let w = idx(wid, nwg, li);
  let e = 2u * w;
  if (e >= p.n) { return; }
  let old = unpack2x16float(words[p.o_out + w]);
  let lo = to_half(old.x + x[p.o_x + e]);
  var hi = words[p.o_out + w] >> 16u; // past the end of an odd n the high half is kept as it was
  if (e + 1u < p.n) { hi = to_half(old.y + x[p.o_x + e + 1u]); }
  words[p.o_out + w] = lo | (hi << 16u);
}

@compute @workgroup_size(WG)
fn f16_unpack(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let w = idx(wid, nwg, li);
  let e = 2u * w;
  if (e >= p.n) { return; }
  let v = unpack2x16float(words[p.o_out + w]);
  x[p.o_x + e] = v.x;
  if (e + 1u < p.n) { x[p.o_x + e + 1u] = v.y; }
}
