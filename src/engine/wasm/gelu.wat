;; Exact GELU with WebAssembly SIMD (f32x4), forward and backward side by side; twin of
;; src/engine/ops/gelu.ts. n = element count; pointers are byte addresses in the CPU backend's heap.
;;   gelu(x) = x Phi(x),  gelu'(x) = Phi(x) + x phi(x),  phi(x) = exp(-x^2/2) / sqrt(2 pi),
;;   Phi(x) = erfc(-x / sqrt 2) / 2, with erfc from the Chebyshev fit of Numerical Recipes (2nd ed., 6.2;
;;   relative error < 1.2e-7 everywhere), the fit the TS twin uses for |x| >= 1. Going through erfc keeps
;;   Phi accurate relative to itself in the left tail, where 1 + erf(x) would cancel.
;; Four elements per step; the last n mod 4 go through a 16-byte scratch block so nothing past n is
;; read or written.
(module
  (import "env" "mem" (memory 1))
  (import "math" "exp4" (func $exp4 (param v128) (result v128)))

  ;; Phi(x) on 4 lanes.
  (func $Phi (param $x v128) (result v128)
    (local $z v128) (local $t v128) (local $p v128) (local $e v128)
    (local.set $z (f32x4.mul (f32x4.abs (local.get $x)) (v128.const f32x4 0.70710678118654752 0.70710678118654752 0.70710678118654752 0.70710678118654752)))
    (local.set $t (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $z)))))
    (local.set $p (f32x4.splat (f32.const 0.17087277)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -0.82215223))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 1.48851587))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -1.13520398))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 0.27886807))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -0.18628806))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 0.09678418))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 0.37409196))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 1.00002368))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -1.26551223))))
    ;; e = erfc(|x| / sqrt 2) = t exp(-z^2 + p); Phi = e/2 for x < 0, 1 - e/2 for x >= 0
    (local.set $e (f32x4.mul (f32x4.mul (local.get $t)
      (call $exp4 (f32x4.sub (local.get $p) (f32x4.mul (local.get $z) (local.get $z)))))
      (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (v128.bitselect (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $e)) (local.get $e)
                    (f32x4.ge (local.get $x) (v128.const f32x4 0 0 0 0))))

  (func $fwd4 (param $x v128) (result v128)
    (f32x4.mul (local.get $x) (call $Phi (local.get $x))))

  ;; dout * (Phi(x) + x phi(x))
  (func $bwd4 (param $x v128) (param $g v128) (result v128)
    (local $pdf v128)
    (local.set $pdf (f32x4.mul
      (call $exp4 (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (v128.const f32x4 -0.5 -0.5 -0.5 -0.5)))
      (v128.const f32x4 0.39894228040143268 0.39894228040143268 0.39894228040143268 0.39894228040143268)))
    (f32x4.mul (local.get $g) (f32x4.add (call $Phi (local.get $x)) (f32x4.mul (local.get $x) (local.get $pdf)))))

  ;; out[i] = gelu(x[i]) for i < n; ws = 16 bytes of scratch for the tail.
  (func (export "gelu_fwd") (param $out i32) (param $x i32) (param $n i32) (param $ws i32)
    (local $end i32) (local $tail i32)
    (local.set $tail (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $v
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $out) (call $fwd4 (v128.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $v)))
    (if (local.get $tail)
      (then
        (v128.store (local.get $ws) (v128.const i32x4 0 0 0 0))
        (memory.copy (local.get $ws) (local.get $x) (local.get $tail))
        (v128.store (local.get $ws) (call $fwd4 (v128.load (local.get $ws))))
        (memory.copy (local.get $out) (local.get $ws) (local.get $tail)))))

  ;; dx[i] = dout[i] * gelu'(x[i]) for i < n; ws = 32 bytes of scratch for the tail.
  (func (export "gelu_bwd") (param $dx i32) (param $dout i32) (param $x i32) (param $n i32) (param $ws i32)
    (local $end i32) (local $tail i32)
    (local.set $tail (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $v
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $dx) (call $bwd4 (v128.load (local.get $x)) (v128.load (local.get $dout))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $dout (i32.add (local.get $dout) (i32.const 16)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
        (br $v)))
    (if (local.get $tail)
      (then
        (v128.store (local.get $ws) (v128.const i32x4 0 0 0 0))
        (v128.store offset=16 (local.get $ws) (v128.const i32x4 0 0 0 0))
        (memory.copy (local.get $ws) (local.get $x) (local.get $tail))
        (memory.copy (i32.add (local.get $ws) (i32.const 16)) (local.get $dout) (local.get $tail))
        (v128.store (local.get $ws) (call $bwd4 (v128.load (local.get $ws)) (v128.load offset=16 (local.get $ws))))
        (memory.copy (local.get $dx) (local.get $ws) (local.get $tail)))))
)
