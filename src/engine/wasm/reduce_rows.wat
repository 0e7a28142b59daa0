;; Column sums with WebAssembly SIMD (f32x4): out[N] += sum over the R rows of x[R,N], the bias gradient;
;; twin of sumRows in src/engine/ops/reduce.ts. Pointers are byte addresses in the CPU backend's heap.
;; Columns go 16 at a time (4 accumulators: one 64-byte cache line of each row, read once), then 4 at a
;; time, then one at a time. Sums are f32 in row order (the twin sums in f64 and rounds once).
(module
  (import "env" "mem" (memory 1))

  (func (export "sum_rows") (param $out i32) (param $x i32) (param $R i32) (param $N i32)
    (local $j i32) (local $r i32) (local $p i32) (local $o i32) (local $step i32) (local $s f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $step (i32.shl (local.get $N) (i32.const 2)))
    ;; 16 columns at a time
    (block $done16 (loop $cols16
      (br_if $done16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $N)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $a3 (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $p))))
        (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
        (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
        (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $step)))
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $R))))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
      (v128.store offset=0 (local.get $o) (f32x4.add (v128.load offset=0 (local.get $o)) (local.get $a0)))
      (v128.store offset=16 (local.get $o) (f32x4.add (v128.load offset=16 (local.get $o)) (local.get $a1)))
      (v128.store offset=32 (local.get $o) (f32x4.add (v128.load offset=32 (local.get $o)) (local.get $a2)))
      (v128.store offset=48 (local.get $o) (f32x4.add (v128.load offset=48 (local.get $o)) (local.get $a3)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $cols16)))
    ;; 4 columns at a time
    (block $done4 (loop $cols4
      (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $r (i32.const 0))
      (loop $rows4
        (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $step)))
        (br_if $rows4 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $R))))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
      (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (local.get $a0)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $cols4)))
    ;; the last N mod 4 columns
    (block $done1 (loop $cols1
      (br_if $done1 (i32.ge_u (local.get $j) (local.get $N)))
      (local.set $s (f32.const 0))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $r (i32.const 0))
      (loop $rows1
        (local.set $s (f32.add (local.get $s) (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $step)))
        (br_if $rows1 (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $R))))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
      (f32.store (local.get $o) (f32.add (f32.load (local.get $o)) (local.get $s)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $cols1))))
)
