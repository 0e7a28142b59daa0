// Matrix multiply with optional transposes, fused bias and accumulate.
// M, N, K: out[M,N] = (accumulate ? out : 0) + op(a)[M,K] @ op(b)[K,N] + (has bias ? bias[N] : 0).
// Transposes are strides: a(m,k) = a[o_a + m*a_sm + k*a_sk], b(k,n) = b[o_b + k*b_sk + n*b_sn], so one
// kernel serves all four (transA, transB) cases. Offsets and sizes are f32 element counts.
// Every storage binding is read_write: Dawn rejects a read-only and a writable binding of the same buffer
// in one dispatch even when the ranges are disjoint (e.g. dX and dY slices of one activation buffer).
// Three kernels, chosen per adapter by timing (src/engine/backend/webgpu/select.ts):
//   matmul_naive  one output per invocation;
//   matmul_rb     4x4 outputs per invocation held in registers, no workgroup memory (best on SwiftShader);
//   matmul_tiled  64x64 workgroup tiles staged through workgroup memory, 4x4 register blocks per invocation;
//   matmul_v4_nn, matmul_v4_nt, matmul_v4_tn  4x4 register blocks read as vec4 (one load per 4 values: the
//                 biggest win on SwiftShader, where each load is bounds-clamped); need the vec4 dimensions
//                 (K of a when not transA, M when transA; N of b when not transB, K when transB) and the
//                 a/b offsets to be multiples of 4, else the host falls back to matmul_rb.

override WG_X: u32 = 8;   // invocations along N per workgroup (naive, rb)
override WG_Y: u32 = 8;   // invocations along M per workgroup (naive, rb)

struct P {
  o_out: u32, o_a: u32, o_b: u32, o_bias: u32,
  M: u32, N: u32, K: u32,
  a_sm: u32, a_sk: u32, b_sk: u32, b_sn: u32,
  flags: u32, // bit 0: accumulate into out, bit 1: add bias
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // [M,N] result
@group(0) @binding(1) var<storage, read_write> a: array<f32>;    // [M,K] or [K,M] (transA)
@group(0) @binding(2) var<storage, read_write> b: array<f32>;    // [K,N] or [N,K] (transB)
@group(0) @binding(3) var<storage, read_write> bias: array<f32>; // [N]; any buffer when no bias
@group(1) @binding(0) var<uniform> p: P;                         // offsets, sizes, strides, flags

fn epilogue(row: u32, col: u32, acc: f32) {
  let i = p.o_out + row * p.N + col;
  var v = acc;
  if ((p.flags & 2u) != 0u) { v = v + bias[p.o_bias + col]; }
  if ((p.flags & 1u) != 0u) { v = v + out[i]; }
  out[i] = v;
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_naive(@builtin(global_invocation_id) gid: vec3u) {
  let col = gid.x;
  let row = gid.y;
  if (row >= p.M || col >= p.N) { return; }
  var acc = 0.0;
  var ia = p.o_a + row * p.a_sm;
  var ib = p.o_b + col * p.b_sn;
  for (var k = 0u; k < p.K; k++) {
    acc = fma(a[ia], b[ib], acc);
    ia += p.a_sk;
    ib += p.b_sk;
  }
  epilogue(row, col, acc);
}

// Register blocks are named variables, not private arrays: SwiftShader keeps dynamically indexed private
// arrays in memory, and the unrolled form measured 2x faster there.
fn store_row(row: u32, c0: u32, v: vec4f) {
  if (row >= p.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (c0 + j < p.N) { epilogue(row, c0 + j, v[j]); }
  }
}

fn store_block(r0: u32, c0: u32, a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f) {
  store_row(r0, c0, a0);
  store_row(r0 + 1u, c0, a1);
  store_row(r0 + 2u, c0, a2);
  store_row(r0 + 3u, c0, a3);
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_rb(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  // Ragged edges: clamp the loads to the last row/column (always in bounds) and skip those stores.
  let a0 = p.o_a + r0 * p.a_sm;
  let a1 = p.o_a + min(r0 + 1u, p.M - 1u) * p.a_sm;
  let a2 = p.o_a + min(r0 + 2u, p.M - 1u) * p.a_sm;
  let a3 = p.o_a + min(r0 + 3u, p.M - 1u) * p.a_sm;
  let b0 = p.o_b + c0 * p.b_sn;
  let b1 = p.o_b + min(c0 + 1u, p.N - 1u) * p.b_sn;
  let b2 = p.o_b + min(c0 + 2u, p.N - 1u) * p.b_sn;
  let b3 = p.o_b + min(c0 + 3u, p.N - 1u) * p.b_sn;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let ka = k * p.a_sk;
    let kb = k * p.b_sk;
    let bv = vec4f(b[b0 + kb], b[b1 + kb], b[b2 + kb], b[b3 + kb]);
    acc0 = fma(vec4f(a[a0 + ka]), bv, acc0);
    acc1 = fma(vec4f(a[a1 + ka]), bv, acc1);
    acc2 = fma(vec4f(a[a2 + ka]), bv, acc2);
    acc3 = fma(vec4f(a[a3 + ka]), bv, acc3);
  }
  store_block(r0, c0, acc0, acc1, acc2, acc3);
}

// Tiled: 16x16 invocations, each owning a 4x4 block of a 64x64 output tile; K advances TK at a time.
const TM = 64u;
const TK = 16u;
var<workgroup> ta: array<f32, 1024>; // TK x TM slice of op(a), k-major
var<workgroup> tb: array<f32, 1024>; // TK x TM slice of op(b), k-major

@compute @workgroup_size(16, 16)
fn matmul_tiled(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let tr = wid.y * TM;
  let tc = wid.x * TM;
  let flat = lid.y * 16u + lid.x;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // 256 invocations load 1024 elements of each tile: 4 each; out-of-range elements load 0.
    for (var e = 0u; e < 4u; e++) {
      let idx = flat + e * 256u;
      let kk = idx / TM;
      let mm = idx % TM;
      let k = k0 + kk;
      var va = 0.0;
      var vb = 0.0;
      if (k < p.K && tr + mm < p.M) { va = a[p.o_a + (tr + mm) * p.a_sm + k * p.a_sk]; }
      if (k < p.K && tc + mm < p.N) { vb = b[p.o_b + k * p.b_sk + (tc + mm) * p.b_sn]; }
      ta[idx] = va;
      tb[idx] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let bv = vec4f(tb[kk * TM + lid.x * 4u], tb[kk * TM + lid.x * 4u + 1u], tb[kk * TM + lid.x * 4u + 2u], tb[kk * TM + lid.x * 4u + 3u]);
      let ar = kk * TM + lid.y * 4u;
      acc0 = fma(vec4f(ta[ar]), bv, acc0);
      acc1 = fma(vec4f(ta[ar + 1u]), bv, acc1);
      acc2 = fma(vec4f(ta[ar + 2u]), bv, acc2);
      acc3 = fma(vec4f(ta[ar + 3u]), bv, acc3);
    }
    workgroupBarrier();
  }
  store_block(tr + lid.y * 4u, tc + lid.x * 4u, acc0, acc1, acc2, acc3);
}

// vec4 views of the same bindings (a different entry point may re-declare a binding with another type).
@group(0) @binding(1) var<storage, read_write> a4: array<vec4f>; // op(a) as vec4 (see above)
@group(0) @binding(2) var<storage, read_write> b4: array<vec4f>; // op(b) as vec4

// a [M,K] row-major (vec4 along k), b [K,N] row-major (vec4 along n).
@compute @workgroup_size(WG_X, WG_Y)
fn matmul_v4_nn(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  let K4 = p.K / 4u;
  let N4 = p.N / 4u;
  let a0 = p.o_a / 4u + r0 * K4;
  let a1 = p.o_a / 4u + min(r0 + 1u, p.M - 1u) * K4;
  let a2 = p.o_a / 4u + min(r0 + 2u, p.M - 1u) * K4;
  let a3 = p.o_a / 4u + min(r0 + 3u, p.M - 1u) * K4;
  var ib = p.o_b / 4u + gid.x;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k4 = 0u; k4 < K4; k4++) {
    let y0 = b4[ib];
    let y1 = b4[ib + N4];
    let y2 = b4[ib + 2u * N4];
    let y3 = b4[ib + 3u * N4];
    ib += 4u * N4;
    let x0 = a4[a0 + k4];
    acc0 = fma(vec4f(x0.x), y0, fma(vec4f(x0.y), y1, fma(vec4f(x0.z), y2, fma(vec4f(x0.w), y3, acc0))));
    let x1 = a4[a1 + k4];
    acc1 = fma(vec4f(x1.x), y0, fma(vec4f(x1.y), y1, fma(vec4f(x1.z), y2, fma(vec4f(x1.w), y3, acc1))));
    let x2 = a4[a2 + k4];
    acc2 = fma(vec4f(x2.x), y0, fma(vec4f(x2.y), y1, fma(vec4f(x2.z), y2, fma(vec4f(x2.w), y3, acc2))));
    let x3 = a4[a3 + k4];
    acc3 = fma(vec4f(x3.x), y0, fma(vec4f(x3.y), y1, fma(vec4f(x3.z), y2, fma(vec4f(x3.w), y3, acc3))));
  }
  store_block(r0, c0, acc0, acc1, acc2, acc3);
}

// a [M,K] row-major (vec4 along k), b stored [N,K] (nn.Linear weight; vec4 along k).
@compute @workgroup_size(WG_X, WG_Y)
fn matmul_v4_nt(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  let K4 = p.K / 4u;
  let a0 = p.o_a / 4u + r0 * K4;
  let a1 = p.o_a / 4u + min(r0 + 1u, p.M - 1u) * K4;
  let a2 = p.o_a / 4u + min(r0 + 2u, p.M - 1u) * K4;
  let a3 = p.o_a / 4u + min(r0 + 3u, p.M - 1u) * K4;
  let b0 = p.o_b / 4u + c0 * K4;
  let b1 = p.o_b / 4u + min(c0 + 1u, p.N - 1u) * K4;
  let b2 = p.o_b / 4u + min(c0 + 2u, p.N - 1u) * K4;
  let b3 = p.o_b / 4u + min(c0 + 3u, p.N - 1u) * K4;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k4 = 0u; k4 < K4; k4++) {
    let y0 = b4[b0 + k4];
    let y1 = b4[b1 + k4];
    let y2 = b4[b2 + k4];
    let y3 = b4[b3 + k4];
    let x0 = a4[a0 + k4];
    acc0 += vec4f(dot(x0, y0), dot(x0, y1), dot(x0, y2), dot(x0, y3));
    let x1 = a4[a1 + k4];
    acc1 += vec4f(dot(x1, y0), dot(x1, y1), dot(x1, y2), dot(x1, y3));
    let x2 = a4[a2 + k4];
    acc2 += vec4f(dot(x2, y0), dot(x2, y1), dot(x2, y2), dot(x2, y3));
    let x3 = a4[a3 + k4];
    acc3 += vec4f(dot(x3, y0), dot(x3, y1), dot(x3, y2), dot(x3, y3));
  }
  store_block(r0, c0, acc0, acc1, acc2, acc3);
}

// a stored [K,M] (vec4 along m), b [K,N] row-major (vec4 along n): weight gradients dW = dY^T X.
@compute @workgroup_size(WG_X, WG_Y)
fn matmul_v4_tn(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  let M4 = p.M / 4u;
  let N4 = p.N / 4u;
  var ia = p.o_a / 4u + gid.y;
  var ib = p.o_b / 4u + gid.x;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let x = a4[ia];
    let y = b4[ib];
    ia += M4;
    ib += N4;
    acc0 = fma(vec4f(x.x), y, acc0);
    acc1 = fma(vec4f(x.y), y, acc1);
    acc2 = fma(vec4f(x.z), y, acc2);
    acc3 = fma(vec4f(x.w), y, acc3);
  }
  store_block(r0, c0, acc0, acc1, acc2, acc3);
}
