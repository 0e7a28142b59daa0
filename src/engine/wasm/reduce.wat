;; The allreduce's reduction, dst[i] += src[i] on f32 (src/engine/collectives/reduce.ts streams message
;; arrays through this module's own memory, 2 pages = two scratch blocks of 64 KiB). Unlike the CPU
;; backend's kernels it owns its memory: messages arrive as ArrayBuffers, not as heap buffers.
(module
  (memory (export "mem") 2)

  ;; dst[i] += src[i] for i < n: byte addresses, n a multiple of 16 (4 vectors of 4 per step).
  (func (export "add") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store offset=0 (local.get $dst) (f32x4.add (v128.load offset=0 (local.get $dst)) (v128.load offset=0 (local.get $src))))
        (v128.store offset=16 (local.get $dst) (f32x4.add (v128.load offset=16 (local.get $dst)) (v128.load offset=16 (local.get $src))))
        (v128.store offset=32 (local.get $dst) (f32x4.add (v128.load offset=32 (local.get $dst)) (v128.load offset=32 (local.get $src))))
        (v128.store offset=48 (local.get $dst) (f32x4.add (v128.load offset=48 (local.get $dst)) (v128.load offset=48 (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (local.set $src (i32.add (local.get $src) (i32.const 64)))
        (br $step))))
)
