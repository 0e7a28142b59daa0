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

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_rb(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  // Ragged edges: clamp the loads to the last row/column (always in bounds) and skip those stores.
  var ra: array<u32, 4>;
  var cb: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    ra[i] = p.o_a + min(r0 + i, p.M - 1u) * p.a_sm;
    cb[i] = p.o_b + min(c0 + i, p.N - 1u) * p.b_sn;
  }
  var acc: array<vec4f, 4>;
  for (var k = 0u; k < p.K; k++) {
    let ka = k * p.a_sk;
    let kb = k * p.b_sk;
    let bv = vec4f(b[cb[0] + kb], b[cb[1] + kb], b[cb[2] + kb], b[cb[3] + kb]);
    acc[0] = fma(vec4f(a[ra[0] + ka]), bv, acc[0]);
    acc[1] = fma(vec4f(a[ra[1] + ka]), bv, acc[1]);
    acc[2] = fma(vec4f(a[ra[2] + ka]), bv, acc[2]);
    acc[3] = fma(vec4f(a[ra[3] + ka]), bv, acc[3]);
  }
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (c0 + j < p.N) { epilogue(row, c0 + j, acc[i][j]); }
    }
  }
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
  var acc: array<vec4f, 4>;
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
      for (var i = 0u; i < 4u; i++) {
        acc[i] = fma(vec4f(ta[kk * TM + lid.y * 4u + i]), bv, acc[i]);
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = tr + lid.y * 4u + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = tc + lid.x * 4u + j;
      if (col < p.N) { epilogue(row, col, acc[i][j]); }
    }
  }
}

// vec4 views of the same bindings (a different entry point may re-declare a binding with another type).
@group(0) @binding(1) var<storage, read_write> a4: array<vec4f>; // op(a) as vec4 (see above)
@group(0) @binding(2) var<storage, read_write> b4: array<vec4f>; // op(b) as vec4

fn store4(r0: u32, c0: u32, acc: array<vec4f, 4>) {
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (c0 + j < p.N) { epilogue(row, c0 + j, acc[i][j]); }
    }
  }
}

// a [M,K] row-major (vec4 along k), b [K,N] row-major (vec4 along n).
@compute @workgroup_size(WG_X, WG_Y)
fn matmul_v4_nn(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  let K4 = p.K / 4u;
  let N4 = p.N / 4u;
  var ra: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) { ra[i] = p.o_a / 4u + min(r0 + i, p.M - 1u) * K4; }
  var ib = p.o_b / 4u + gid.x;
  var acc: array<vec4f, 4>;
  for (var k4 = 0u; k4 < K4; k4++) {
    let x0 = a4[ra[0] + k4];
    let x1 = a4[ra[1] + k4];
    let x2 = a4[ra[2] + k4];
    let x3 = a4[ra[3] + k4];
    for (var kk = 0u; kk < 4u; kk++) {
      let bv = b4[ib];
      ib += N4;
      acc[0] = fma(vec4f(x0[kk]), bv, acc[0]);
      acc[1] = fma(vec4f(x1[kk]), bv, acc[1]);
      acc[2] = fma(vec4f(x2[kk]), bv, acc[2]);
      acc[3] = fma(vec4f(x3[kk]), bv, acc[3]);
    }
  }
  store4(r0, c0, acc);
}

// a [M,K] row-major (vec4 along k), b stored [N,K] (nn.Linear weight; vec4 along k).
@compute @workgroup_size(WG_X, WG_Y)
fn matmul_v4_nt(@builtin(global_invocation_id) gid: vec3u) {
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  let K4 = p.K / 4u;
  var ra: array<u32, 4>;
  var rb: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    ra[i] = p.o_a / 4u + min(r0 + i, p.M - 1u) * K4;
    rb[i] = p.o_b / 4u + min(c0 + i, p.N - 1u) * K4;
  }
  var acc: array<vec4f, 4>;
  for (var k4 = 0u; k4 < K4; k4++) {
    let y0 = b4[rb[0] + k4];
    let y1 = b4[rb[1] + k4];
    let y2 = b4[rb[2] + k4];
    let y3 = b4[rb[3] + k4];
    for (var i = 0u; i < 4u; i++) {
      let x = a4[ra[i] + k4];
      acc[i] += vec4f(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    }
  }
  store4(r0, c0, acc);
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
  var acc: array<vec4f, 4>;
  for (var k = 0u; k < p.K; k++) {
    let x = a4[ia];
    let bv = b4[ib];
    ia += M4;
    ib += N4;
    acc[0] = fma(vec4f(x.x), bv, acc[0]);
    acc[1] = fma(vec4f(x.y), bv, acc[1]);
    acc[2] = fma(vec4f(x.z), bv, acc[2]);
    acc[3] = fma(vec4f(x.w), bv, acc[3]);
  }
  store4(r0, c0, acc);
}
