// Optimizer updates, elementwise over n parameters (formulas as in src/engine/backend/types.ts):
//   adamw  m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (wd p + (m/bc1) / (sqrt(v/bc2) + eps));
//   sgd    g' = g + wd p; buf = momentum buf + g' (buf = g' when first); p -= lr (momentum > 0 ? buf : g');
//   ema    ema = decay ema + (1 - decay) p   (binding p holds the EMA weights, g the live weights).
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P {
  o_p: u32, o_g: u32, o_m: u32, o_v: u32, n: u32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32,
  momentum: f32, first: u32, decay: f32,
}

@group(0) @binding(0) var<storage, read_write> p: array<f32>; // [n] parameters updated in place (ema: EMA weights)
@group(0) @binding(1) var<storage, read_write> g: array<f32>; // [n] gradients (ema: live parameters)
@group(0) @binding(2) var<storage, read_write> m: array<f32>; // [n] first moment (adamw) / momentum buffer (sgd)
@group(0) @binding(3) var<storage, read_write> v: array<f32>; // [n] second moment (adamw)
@group(1) @binding(0) var<uniform> u: P;

fn idx(wid: vec3u, nwg: vec3u, li: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + li; }

@compute @workgroup_size(WG)
fn adamw(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= u.n) { return; }
  let gi = g[u.o_g + i];
  let mi = u.beta1 * m[u.o_m + i] + (1.0 - u.beta1) * gi;
  let vi = u.beta2 * v[u.o_v + i] + (1.0 - u.beta2) * gi * gi;
  m[u.o_m + i] = mi;
  v[u.o_v + i] = vi;
  let pi = p[u.o_p + i];
  p[u.o_p + i] = pi - u.lr * (u.wd * pi + (mi / u.bc1) / (sqrt(vi / u.bc2) + u.eps));
}

@compute @workgroup_size(WG)
fn sgd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= u.n) { return; }
  let pi = p[u.o_p + i];
  var d = g[u.o_g + i] + u.wd * pi;
  if (u.momentum > 0.0) {
    var b = d;
    if (u.first == 0u) { b = u.momentum * m[u.o_m + i] + d; }
    m[u.o_m + i] = b;
    d = b;
  }
  p[u.o_p + i] = pi - u.lr * d;
}

@compute @workgroup_size(WG)
fn ema(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = idx(wid, nwg, li);
  if (i >= u.n) { return; }
  p[u.o_p + i] = u.decay * p[u.o_p + i] + (1.0 - u.decay) * g[u.o_g + i];
}
