// Causal multi-head self-attention, forward and backward, without ever storing the T x T matrix.
// B=batch, T=time, C=channels, H=heads, hs=C/H head size. qkv[B,T,3C] holds q|k|v along the last dim,
// heads contiguous inside each: q of head h at row (b,t) is qkv[(b*T+t)*3C + h*hs + c], k at +C, v at +2C.
// Scores s_ij = scale * q_i . k_j for j <= i (scale = 1/sqrt(hs)); softmax row i has log-sum-exp lse_i.
// Scale, causal mask and softmax are fused into the key loop as an online softmax (running max m and
// sum l, rescaling the accumulator when m grows), so memory is O(T) per head.
//   attention_fwd_row    one invocation per query row, keys read straight from storage;
//   attention_fwd_tiled  flash-attention style: a workgroup of BR query rows of one head stages BC keys
//                        and values at a time in workgroup memory and each invocation folds them into
//                        its row's online softmax (head size <= 64 here);
//   attention_bwd_dq     per query row: D_i = dout_i . out_i (saved to d), p_ij = exp(s_ij - lse_i)
//                        recomputed, dq_i = scale * sum_j p_ij (dout_i . v_j - D_i) k_j;
//   attention_bwd_dkv    per key row (after bwd_dq): dv_j = sum_{i>=j} p_ij dout_i,
//                        dk_j = scale * sum_{i>=j} p_ij (dout_i . v_j - D_i) q_i.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;  // invocations per workgroup (row kernels); query rows per workgroup (tiled)
const MAX_HS = 128u;    // largest head size the row kernels hold in registers (checked on the host)
const TILE_HS = 64u;    // largest head size of the tiled kernel (2 x WG x 64 f32 of workgroup memory)

struct P {
  o_out: u32, o_lse: u32, o_qkv: u32, o_dout: u32, o_dqkv: u32, o_d: u32,
  B: u32, T: u32, C: u32, H: u32, hs: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [B,T,C] attention output (fwd: written)
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;  // [B,H,T] softmax log-sum-exp (fwd: written)
@group(0) @binding(2) var<storage, read_write> qkv: array<f32>;  // [B,T,3C] queries | keys | values
@group(0) @binding(3) var<storage, read_write> dout: array<f32>; // [B,T,C] gradient of out (bwd)
@group(0) @binding(4) var<storage, read_write> dqkv: array<f32>; // [B,T,3C] gradient of qkv (bwd: written)
@group(0) @binding(5) var<storage, read_write> d: array<f32>;    // [B,H,T] D_i = dout_i . out_i scratch (bwd)
@group(1) @binding(0) var<uniform> p: P;

// Row index (b,h,t) of a linear invocation id; base element of head h at time t in qkv and out.
fn qkv_at(bh: u32, t: u32) -> u32 { return p.o_qkv + ((bh / p.H) * p.T + t) * 3u * p.C + (bh % p.H) * p.hs; }
fn out_at(bh: u32, t: u32) -> u32 { return ((bh / p.H) * p.T + t) * p.C + (bh % p.H) * p.hs; }
fn linear(wid: vec3u, nwg: vec3u, lid: u32) -> u32 { return (wid.x + wid.y * nwg.x) * WG + lid; }

@compute @workgroup_size(WG)
fn attention_fwd_row(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = linear(wid, nwg, li);
  if (r >= p.B * p.H * p.T) { return; }
  let bh = r / p.T;
  let t = r % p.T;
  let hs = p.hs;
  let qi = qkv_at(bh, t);
  var q: array<f32, MAX_HS>;
  var acc: array<f32, MAX_HS>;
  for (var c = 0u; c < hs; c++) { q[c] = qkv[qi + c] * p.scale; acc[c] = 0.0; }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j <= t; j++) {
    let kj = qkv_at(bh, j) + p.C;
    var s = 0.0;
    for (var c = 0u; c < hs; c++) { s = fma(q[c], qkv[kj + c], s); }
    if (s > m) {
      let corr = exp(m - s);
      l *= corr;
      for (var c = 0u; c < hs; c++) { acc[c] *= corr; }
      m = s;
    }
    let e = exp(s - m);
    l += e;
    let vj = kj + p.C;
    for (var c = 0u; c < hs; c++) { acc[c] = fma(e, qkv[vj + c], acc[c]); }
  }
  let oi = p.o_out + out_at(bh, t);
  let inv = 1.0 / l;
  for (var c = 0u; c < hs; c++) { out[oi + c] = acc[c] * inv; }
  lse[p.o_lse + r] = m + log(l);
}

var<workgroup> kt: array<f32, WG * TILE_HS>; // BC keys x hs
var<workgroup> vt: array<f32, WG * TILE_HS>; // BC values x hs

// Grid: x = query blocks of WG rows, y = b*H + h. Key blocks are also WG wide.
@compute @workgroup_size(WG)
fn attention_fwd_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let bh = wid.y;
  let t0 = wid.x * WG;
  let t = t0 + li;
  let live = t < p.T;
  let hs = p.hs;
  var q: array<f32, TILE_HS>;
  var acc: array<f32, TILE_HS>;
  let qi = qkv_at(bh, min(t, p.T - 1u));
  for (var c = 0u; c < hs; c++) { q[c] = qkv[qi + c] * p.scale; acc[c] = 0.0; }
  var m = -3.0e38;
  var l = 0.0;
  let last = min(t0 + WG, p.T); // keys past the block's last query are masked for every row
  for (var j0 = 0u; j0 < last; j0 += WG) {
    // Stage keys/values j0..j0+WG-1 (each invocation copies one key row and one value row).
    let jl = j0 + li;
    if (jl < p.T) {
      let kj = qkv_at(bh, jl) + p.C;
      for (var c = 0u; c < hs; c++) { kt[li * TILE_HS + c] = qkv[kj + c]; vt[li * TILE_HS + c] = qkv[kj + p.C + c]; }
    }
    workgroupBarrier();
    let jn = min(WG, min(t + 1u, p.T) - min(j0, min(t + 1u, p.T)));
    for (var jj = 0u; jj < jn; jj++) {
      var s = 0.0;
      for (var c = 0u; c < hs; c++) { s = fma(q[c], kt[jj * TILE_HS + c], s); }
      if (s > m) {
        let corr = exp(m - s);
        l *= corr;
        for (var c = 0u; c < hs; c++) { acc[c] *= corr; }
        m = s;
      }
      let e = exp(s - m);
      l += e;
      for (var c = 0u; c < hs; c++) { acc[c] = fma(e, vt[jj * TILE_HS + c], acc[c]); }
    }
    workgroupBarrier();
  }
  if (live) {
    let oi = p.o_out + out_at(bh, t);
    let inv = 1.0 / l;
    for (var c = 0u; c < hs; c++) { out[oi + c] = acc[c] * inv; }
    lse[p.o_lse + bh * p.T + t] = m + log(l);
  }
}

@compute @workgroup_size(WG)
fn attention_bwd_dq(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = linear(wid, nwg, li);
  if (r >= p.B * p.H * p.T) { return; }
  let bh = r / p.T;
  let i = r % p.T;
  let hs = p.hs;
  let qi = qkv_at(bh, i);
  let oi = out_at(bh, i);
  var q: array<f32, MAX_HS>;
  var g: array<f32, MAX_HS>;
  var dq: array<f32, MAX_HS>;
  var di = 0.0;
  for (var c = 0u; c < hs; c++) {
    q[c] = qkv[qi + c] * p.scale;
    g[c] = dout[p.o_dout + oi + c];
    di = fma(g[c], out[p.o_out + oi + c], di);
    dq[c] = 0.0;
  }
  d[p.o_d + r] = di;
  let li_ = lse[p.o_lse + r];
  for (var j = 0u; j <= i; j++) {
    let kj = qkv_at(bh, j) + p.C;
    let vj = kj + p.C;
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < hs; c++) { s = fma(q[c], qkv[kj + c], s); dp = fma(g[c], qkv[vj + c], dp); }
    let ds = exp(s - li_) * (dp - di);
    for (var c = 0u; c < hs; c++) { dq[c] = fma(ds, qkv[kj + c], dq[c]); }
  }
  let gi = p.o_dqkv + qi - p.o_qkv;
  for (var c = 0u; c < hs; c++) { dqkv[gi + c] = dq[c] * p.scale; }
}

@compute @workgroup_size(WG)
fn attention_bwd_dkv(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = linear(wid, nwg, li);
  if (r >= p.B * p.H * p.T) { return; }
  let bh = r / p.T;
  let j = r % p.T;
  let hs = p.hs;
  let kj = qkv_at(bh, j) + p.C;
  let vj = kj + p.C;
  var k: array<f32, MAX_HS>;
  var v: array<f32, MAX_HS>;
  var dk: array<f32, MAX_HS>;
  var dv: array<f32, MAX_HS>;
  for (var c = 0u; c < hs; c++) { k[c] = qkv[kj + c] * p.scale; v[c] = qkv[vj + c]; dk[c] = 0.0; dv[c] = 0.0; }
  for (var i = j; i < p.T; i++) {
    let qi = qkv_at(bh, i);
    let gi = p.o_dout + out_at(bh, i);
    var s = 0.0;
    var dp = 0.0;
    for (var c = 0u; c < hs; c++) { s = fma(qkv[qi + c], k[c], s); dp = fma(dout[gi + c], v[c], dp); }
    let row = bh * p.T + i;
    let pij = exp(s - lse[p.o_lse + row]);
    let ds = pij * (dp - d[p.o_d + row]);
    for (var c = 0u; c < hs; c++) {
      dv[c] = fma(pij, dout[gi + c], dv[c]);
      dk[c] = fma(ds, qkv[qi + c], dk[c]);
    }
  }
  let gk = p.o_dqkv + kj - p.o_qkv;
  for (var c = 0u; c < hs; c++) {
    dqkv[gk + c] = dk[c] * p.scale;
    dqkv[gk + p.C + c] = dv[c];
  }
}
