// Token + position embedding, forward and backward. B=batch, T=time, C=channels, V=vocabulary.
// ids[B*T] are token ids stored as f32 (exact below 2^24).
//   embedding_fwd      out[b*T+t, c] = wte[ids[b,t], c] + wpe[t, c], one invocation per output element;
//   embedding_bwd_wte  dwte[v, c] += sum of dout[r, c] over rows r with ids[r] == v. WGSL has no float
//                      atomics, so instead of scattering rows we gather: one invocation per (v, c) scans
//                      all B*T ids in order. Deterministic (fixed summation order); costs V*C*B*T id reads,
//                      fine for character vocabularies;
//   embedding_bwd_wpe  dwpe[t, c] += sum over b of dout[b*T+t, c].
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P { o_out: u32, o_ids: u32, o_wte: u32, o_wpe: u32, o_dout: u32, B: u32, T: u32, C: u32, V: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [B*T,C] fwd output
@group(0) @binding(1) var<storage, read_write> ids: array<f32>;  // [B*T] token ids as f32
@group(0) @binding(2) var<storage, read_write> wte: array<f32>;  // [V,C] token table (fwd) / its gradient (bwd, +=)
@group(0) @binding(3) var<storage, read_write> wpe: array<f32>;  // [T,C] position table (fwd) / its gradient (bwd, +=)
@group(0) @binding(4) var<storage, read_write> dout: array<f32>; // [B*T,C] gradient of the output (bwd)
@group(1) @binding(0) var<uniform> p: P;

fn idx(wid: vec3u, nwg: vec3u, li: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + li; }

@compute @workgroup_size(WG)
fn embedding_fwd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.B * p.T * p.C) { return; }
  let r = i / p.C;
  let c = i % p.C;
  let id = u32(ids[p.o_ids + r]);
  out[p.o_out + i] = wte[p.o_wte + id * p.C + c] + wpe[p.o_wpe + (r % p.T) * p.C + c];
}

@compute @workgroup_size(WG)
fn embedding_bwd_wte(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.V * p.C) { return; }
  let v = f32(i / p.C);
  let c = i % p.C;
  var s = 0.0;
  var hit = false;
  for (var r = 0u; r < p.B * p.T; r++) {
    if (ids[p.o_ids + r] == v) { s += dout[p.o_dout + r * p.C + c]; hit = true; }
  }
  // Rows of unused tokens are left untouched (adding 0 would also be exact, this skips the write).
  if (hit) { wte[p.o_wte + i] += s; }
}

@compute @workgroup_size(WG)
fn embedding_bwd_wpe(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= p.T * p.C) { return; }
  var s = 0.0;
  for (var b = 0u; b < p.B; b++) { s += dout[p.o_dout + b * p.T * p.C + i]; }
  wpe[p.o_wpe + i] += s;
}
