;; AdamW with WebAssembly SIMD (f32x4), the update over the flat parameter vector; twin of adamw in
;; src/engine/ops/optim.ts. n = element count; p = parameters, g = gradients, m, v = Adam moments, all f32
;; at byte addresses in the CPU backend's heap.
;;   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr (wd p + (m / bc1) / (sqrt(v / bc2) + eps))
;; In f32 throughout (the twin computes each update in f64 and rounds once on store); 4 elements per step,
;; the last n mod 4 through a 64-byte scratch block so nothing past n is read or written.
(module
  (import "env" "mem" (memory 1))

  (global $b1 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $c1 (mut v128) (v128.const i32x4 0 0 0 0)) ;; 1 - b1
  (global $b2 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $c2 (mut v128) (v128.const i32x4 0 0 0 0)) ;; 1 - b2
  (global $lr (mut v128) (v128.const i32x4 0 0 0 0))
  (global $wd (mut v128) (v128.const i32x4 0 0 0 0))
  (global $eps (mut v128) (v128.const i32x4 0 0 0 0))
  (global $bc1 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $bc2 (mut v128) (v128.const i32x4 0 0 0 0))

  ;; One step on 4 elements at p, g, m, v.
  (func $step4 (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (local $gv v128) (local $mv v128) (local $vv v128) (local $pv v128)
    (local.set $gv (v128.load (local.get $g)))
    (local.set $mv (f32x4.add (f32x4.mul (global.get $b1) (v128.load (local.get $m))) (f32x4.mul (global.get $c1) (local.get $gv))))
    (local.set $vv (f32x4.add (f32x4.mul (global.get $b2) (v128.load (local.get $v)))
                              (f32x4.mul (global.get $c2) (f32x4.mul (local.get $gv) (local.get $gv)))))
    (v128.store (local.get $m) (local.get $mv))
    (v128.store (local.get $v) (local.get $vv))
    (local.set $pv (v128.load (local.get $p)))
    (v128.store (local.get $p)
      (f32x4.sub (local.get $pv)
        (f32x4.mul (global.get $lr)
          (f32x4.add (f32x4.mul (global.get $wd) (local.get $pv))
            (f32x4.div (f32x4.div (local.get $mv) (global.get $bc1))
                       (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (global.get $bc2))) (global.get $eps))))))))

  ;; c1 = 1 - b1 and c2 = 1 - b2 come from the caller, formed in f64 and rounded once, as the twin has them.
  (func (export "adamw") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
        (param $lr f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $eps f32) (param $wd f32)
        (param $bc1 f32) (param $bc2 f32) (param $ws i32)
    (local $end i32) (local $tail i32)
    (global.set $b1 (f32x4.splat (local.get $b1)))
    (global.set $c1 (f32x4.splat (local.get $c1)))
    (global.set $b2 (f32x4.splat (local.get $b2)))
    (global.set $c2 (f32x4.splat (local.get $c2)))
    (global.set $lr (f32x4.splat (local.get $lr)))
    (global.set $wd (f32x4.splat (local.get $wd)))
    (global.set $eps (f32x4.splat (local.get $eps)))
    (global.set $bc1 (f32x4.splat (local.get $bc1)))
    (global.set $bc2 (f32x4.splat (local.get $bc2)))
    (local.set $tail (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (call $step4 (local.get $p) (local.get $g) (local.get $m) (local.get $v))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $vec)))
    (if (local.get $tail)
      (then
        (memory.fill (local.get $ws) (i32.const 0) (i32.const 64))
        (memory.copy (local.get $ws) (local.get $p) (local.get $tail))
        (memory.copy (i32.add (local.get $ws) (i32.const 16)) (local.get $g) (local.get $tail))
        (memory.copy (i32.add (local.get $ws) (i32.const 32)) (local.get $m) (local.get $tail))
        (memory.copy (i32.add (local.get $ws) (i32.const 48)) (local.get $v) (local.get $tail))
        (call $step4 (local.get $ws) (i32.add (local.get $ws) (i32.const 16)) (i32.add (local.get $ws) (i32.const 32))
                     (i32.add (local.get $ws) (i32.const 48)))
        (memory.copy (local.get $p) (local.get $ws) (local.get $tail))
        (memory.copy (local.get $m) (i32.add (local.get $ws) (i32.const 32)) (local.get $tail))
        (memory.copy (local.get $v) (i32.add (local.get $ws) (i32.const 48)) (local.get $tail)))))
)
