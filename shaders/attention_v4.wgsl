// Causal multi-head self-attention with vec4 loads: the same kernels and math as attention.wgsl (read its
// legend), for head sizes that are multiples of 4 with 4-aligned offsets (the host checks; other shapes
// use attention.wgsl). One load per 4 values matters on software adapters, where every storage access is
// bounds-clamped. B=batch, T=time, C=channels, H=heads, hs=C/H; h4 = hs/4, C4 = C/4 (vec4 units).
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;  // invocations per workgroup (row kernels); query rows per workgroup (tiled)
const MAX_H4 = 32u;     // head size <= 128
const TILE_H4 = 16u;    // head size <= 64 in the tiled kernel

struct P {
  o_out: u32, o_lse: u32, o_qkv: u32, o_dout: u32, o_dqkv: u32, o_d: u32,
  B: u32, T: u32, C: u32, H: u32, hs: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<vec4f>;  // [B,T,C] attention output
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;    // [B,H,T] softmax log-sum-exp
@group(0) @binding(2) var<storage, read_write> qkv: array<vec4f>;  // [B,T,3C] queries | keys | values
@group(0) @binding(3) var<storage, read_write> dout: array<vec4f>; // [B,T,C] gradient of out (bwd)
@group(0) @binding(4) var<storage, read_write> dqkv: array<vec4f>; // [B,T,3C] gradient of qkv (bwd: written)
@group(0) @binding(5) var<storage, read_write> d: array<f32>;      // [B,H,T] D_i = dout_i . out_i (bwd scratch)
@group(1) @binding(0) var<uniform> p: P;

// vec4 index of head (bh % H) at time t in qkv (query part) and in out/dout (without the slice offset).
fn q4(bh: u32, t: u32) -> u32 { return (p.o_qkv + ((bh / p.H) * p.T + t) * 3u * p.C + (bh % p.H) * p.hs) / 4u; }
fn o4(bh: u32, t: u32) -> u32 { return (((bh / p.H) * p.T + t) * p.C + (bh % p.H) * p.hs) / 4u; }
fn linear(wid: vec3u, nwg: vec3u, lid: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + lid; }

@compute @workgroup_size(WG)
fn attention_fwd_row(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = linear(wid, nwg, li);
  if (r >= p.B * p.H * p.T) { return; }
  let bh = r / p.T;
  let t = r % p.T;
  let h4 = p.hs / 4u;
  let C4 = p.C / 4u;
  let qi = q4(bh, t);
  var q: array<vec4f, MAX_H4>;
  var acc: array<vec4f, MAX_H4>;
  for (var c = 0u; c < h4; c++) { q[c] = qkv[qi + c] * p.scale; acc[c] = vec4f(0.0); }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j <= t; j++) {
    let kj = q4(bh, j) + C4;
    var s = 0.0;
    for (var c = 0u; c < h4; c++) { s += dot(q[c], qkv[kj + c]); }
    if (s > m) {
      let corr = exp(m - s);
      l *= corr;
      for (var c = 0u; c < h4; c++) { acc[c] *= corr; }
      m = s;
    }
    let e = exp(s - m);
    l += e;
    let vj = kj + C4;
    for (var c = 0u; c < h4; c++) { acc[c] = fma(vec4f(e), qkv[vj + c], acc[c]); }
  }
  let oi = p.o_out / 4u + o4(bh, t);
  let inv = 1.0 / l;
  for (var c = 0u; c < h4; c++) { out[oi + c] = acc[c] * inv; }
  lse[p.o_lse + r] = m + log(l);
}

var<workgroup> kt: array<vec4f, WG * TILE_H4>; // BC keys x hs
var<workgroup> vt: array<vec4f, WG * TILE_H4>; // BC values x hs

// Grid: x = query blocks of WG rows, y = b*H + h; key blocks are WG wide (see attention.wgsl).
@compute @workgroup_size(WG)
fn attention_fwd_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let bh = wid.y;
  let t0 = wid.x * WG;
  let t = t0 + li;
  let h4 = p.hs / 4u;
  let C4 = p.C / 4u;
  var q: array<vec4f, TILE_H4>;
  var acc: array<vec4f, TILE_H4>;
  let qi = q4(bh, min(t, p.T - 1u));
  for (var c = 0u; c < h4; c++) { q[c] = qkv[qi + c] * p.scale; acc[c] = vec4f(0.0); }
  var m = -3.0e38;
  var l = 0.0;
  let last = min(t0 + WG, p.T);
  let tq = min(t + 1u, p.T);
  for (var j0 = 0u; j0 < last; j0 += WG) {
    let jl = j0 + li;
    if (jl < p.T) {
      let kj = q4(bh, jl) + C4;
      for (var c = 0u; c < h4; c++) { kt[li * TILE_H4 + c] = qkv[kj + c]; vt[li * TILE_H4 + c] = qkv[kj + C4 + c]; }
    }
    workgroupBarrier();
    let jn = min(WG, tq - min(j0, tq));
    for (var jj = 0u; jj < jn; jj++) {
      var s = 0.0;
      for (var c = 0u; c < h4; c++) { s += dot(q[c], kt[jj * TILE_H4 + c]); }
      if (s > m) {
        let corr = exp(m - s);
        l *= corr;
        for (var c = 0u; c < h4; c++) { acc[c] *= corr; }
        m = s;
      }
      let e = exp(s - m);
      l += e;
      for (var c = 0u; c < h4; c++) { acc[c] = fma(vec4f(e), vt[jj * TILE_H4 + c], acc[c]); }
    }
    workgroupBarrier();
  }
  if (t < p.T) {
    let oi = p.o_out / 4u + o4(bh, t);
    let inv = 1.0 / l;
    for (var c = 0u; c < h4; c++) { out[oi + c] = acc[c] * inv; }
    lse[p.o_lse + bh * p.T + t] = m + log(l);
  }
}

@compute @workgroup_size(WG)
fn attention_bwd_dq(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = linear(wid, nwg, li);
  if (r >= p.B * p.H * p.T) { return; }
  let bh = r / p.T;
  let i = r % p.T;
  let h4 = p.hs / 4u;
  let C4 = p.C / 4u;
  let qi = q4(bh, i);
  let oi = o4(bh, i);
  var q: array<vec4f, MAX_H4>;
  var g: array<vec4f, MAX_H4>;
  var dq: array<vec4f, MAX_H4>;
  var di = 0.0;
  for (var c = 0u; c < h4; c++) {
    q[c] = qkv[qi + c] * p.scale;
    g[c] = dout[p.o_dout / 4u + oi + c];
    di += dot(g[c], out[p.o_out / 4u + oi + c]);
    dq[c] = vec4f(0.0);
  }
  d[p.o_d + r] = di;
  let li_ = lse[p.o_lse + r];
  for (var j = 0u; j <= i; j++) {
    let kj = q4(bh, j) + C4;
    let vj = kj + C4;
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < h4; c++) { s += dot(q[c], qkv[kj + c]); dp += dot(g[c], qkv[vj + c]); }
    let ds = exp(s - li_) * (dp - di);
    for (var c = 0u; c < h4; c++) { dq[c] = fma(vec4f(ds), qkv[kj + c], dq[c]); }
  }
  let gi = p.o_dqkv / 4u + qi - p.o_qkv / 4u;
  for (var c = 0u; c < h4; c++) { dqkv[gi + c] = dq[c] * p.scale; }
}

@compute @workgroup_size(WG)
fn attention_bwd_dkv(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = linear(wid, nwg, li);
  if (r >= p.B * p.H * p.T) { return; }
  let bh = r / p.T;
  let j = r % p.T;
  let h4 = p.hs / 4u;
  let C4 = p.C / 4u;
  let kj = q4(bh, j) + C4;
  let vj = kj + C4;
  var k: array<vec4f, MAX_H4>;
  var v: array<vec4f, MAX_H4>;
  var dk: array<vec4f, MAX_H4>;
  var dv: array<vec4f, MAX_H4>;
  for (var c = 0u; c < h4; c++) { k[c] = qkv[kj + c] * p.scale; v[c] = qkv[vj + c]; dk[c] = vec4f(0.0); dv[c] = vec4f(0.0); }
  for (var i = j; i < p.T; i++) {
    let qi = q4(bh, i);
    let gi = p.o_dout / 4u + o4(bh, i);
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < h4; c++) { s += dot(qkv[qi + c], k[c]); dp += dot(dout[gi + c], v[c]); }
    let row = bh * p.T + i;
    let pij = exp(s - lse[p.o_lse + row]);
    let ds = pij * (dp - d[p.o_d + row]);
    for (var c = 0u; c < h4; c++) {
      dv[c] = fma(vec4f(pij), dout[gi + c], dv[c]);
      dk[c] = fma(vec4f(ds), qkv[qi + c], dk[c]);
    }
  }
  let gk = p.o_dqkv / 4u + kj - p.o_qkv / 4u;
  for (var c = 0u; c < h4; c++) {
    dqkv[gk + c] = dk[c] * p.scale;
    dqkv[gk + C4 + c] = dv[c];
  }
}
