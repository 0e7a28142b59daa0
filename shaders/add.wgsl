// Elementwise accumulate: acc[i] += x[i]. Used to sum gradients across micro-batches and
// as the smallest kernel a device worker runs to prove it owns a working GPUDevice.
// CPU twin: addInPlace in src/engine/ops/elementwise.ts.

override WG: u32 = 64;

struct Params { n: u32 }

@group(0) @binding(0) var<storage, read_write> acc: array<f32>; // running sum, length n
@group(0) @binding(1) var<storage, read> x: array<f32>;         // values added, length n
@group(0) @binding(2) var<uniform> params: Params;              // n = element count

@compute @workgroup_size(WG)
fn add_inplace(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // 2-D grid so n can exceed 65535 workgroups along x.
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  acc[i] = acc[i] + x[i];
}
