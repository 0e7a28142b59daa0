// Matrix transpose: out[N,R] = x[R,N]^T, out[j*R + i] = x[i*N + j]. R = rows of x, N = columns of x.
// One invocation per output element, in output order, so writes are contiguous and reads stride by N
// (no workgroup memory: a tiled transpose pays barriers, which SwiftShader runs on the CPU). Grids are
// 2-D when R*N / WG exceeds 65535 workgroups; o is the linear invocation index.
// The fp16 backward transposes dy so that a block of rows of dW = dy^T @ x is a plain matmul.
// Storage bindings are read_write for the aliasing reason given in matmul.wgsl.

override WG: u32 = 64;

struct P { o_out: u32, o_x: u32, R: u32, N: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // [N,R] the transpose (overwritten)
@group(0) @binding(1) var<storage, read_write> x: array<f32>;   // [R,N] the matrix read
@group(1) @binding(0) var<uniform> p: P;                        // offsets; R rows and N columns of x

@compute @workgroup_size(WG)
fn transpose(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let o = (wid.x + wid.y * nwg.x) * WG + li;
  if (o >= p.R * p.N) { return; }
  let j = o / p.R;
  let i = o % p.R;
  out[p.o_out + o] = x[p.o_x + i * p.N + j];
}
