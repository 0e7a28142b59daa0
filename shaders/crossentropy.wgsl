// Fused softmax cross-entropy, forward and backward in one pass. R=rows, V=vocabulary.
// losses[r] = logsumexp(logits[r]) - logits[r, target_r]; dlogits[r] = (softmax(logits[r]) - onehot) * gradScale.
// One invocation per row (V is a character vocabulary here, so a row is short).
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P { o_losses: u32, o_dlogits: u32, o_logits: u32, o_targets: u32, R: u32, V: u32, gradScale: f32 }

@group(0) @binding(0) var<storage, read_write> losses: array<f32>;  // [R] per-row loss
@group(0) @binding(1) var<storage, read_write> dlogits: array<f32>; // [R,V] gradient of the logits (overwritten)
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;  // [R,V] unnormalised scores
@group(0) @binding(3) var<storage, read_write> targets: array<f32>; // [R] target ids as f32
@group(1) @binding(0) var<uniform> p: P;

@compute @workgroup_size(WG)
fn crossentropy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = (wid.x + wid.y * nwg.x) * WG + li;
  if (r >= p.R) { return; }
  let li0 = p.o_logits + r * p.V;
  var m = -3.0e38;
  for (var v = 0u; v < p.V; v++) { m = max(m, logits[li0 + v]); }
  var s = 0.0;
  for (var v = 0u; v < p.V; v++) { s += exp(logits[li0 + v] - m); }
  let tgt = u32(targets[p.o_targets + r]);
  let lse = m + log(s);
  losses[p.o_losses + r] = lse - logits[li0 + tgt];
  let di = p.o_dlogits + r * p.V;
  let inv = 1.0 / s;
  for (var v = 0u; v < p.V; v++) {
    var g = exp(logits[li0 + v] - m) * inv;
    if (v == tgt) { g -= 1.0; }
    dlogits[di + v] = g * p.gradScale;
  }
}
