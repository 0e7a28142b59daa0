// FP16 gradient accumulation with native f16 arithmetic, used only when the device has shader-f16
// (absent on SwiftShader: compile-checked by scripts/wgsl-check.mjs, executed on hardware adapters).
// Same storage as f16.wgsl's packed words (array<vec2<h>> = little-endian pairs), same rounding contract:
// the sum is formed in f32 and converted once to f16. n = element count.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.
enable f16;

override WG: u32 = 64;

struct P { o_out: u32, o_x: u32, n: u32 }

@group(0) @binding(0) var<storage, read_write> words: array<vec2<f16>>; // [ceil(n/2)] f16 pairs
@group(0) @binding(1) var<storage, read_write> x: array<f32>;           // [n] f32 values added / written
@group(1) @binding(0) var<uniform> p: P;

fn idx(wid: vec3u, nwg: vec3u, li: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + li; }

@compute @workgroup_size(WG)
fn f16_accumulate_native(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let w = idx(wid, nwg, li);
  let e = 2u * w;
  if (e >= p.n) { return; }
  var h = words[p.o_out + w];
  h.x = f16(f32(h.x) + x[p.o_x + e]);
  if (e + 1u < p.n) { h.y = f16(f32(h.y) + x[p.o_x + e + 1u]); }
  words[p.o_out + w] = h;
}

@compute @workgroup_size(WG)
fn f16_unpack_native(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let w = idx(wid, nwg, li);
  let e = 2u * w;
  if (e >= p.n) { return; }
  let h = words[p.o_out + w];
  x[p.o_x + e] = f32(h.x);
  if (e + 1u < p.n) { x[p.o_x + e + 1u] = f32(h.y); }
}
