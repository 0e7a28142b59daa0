;; Fused softmax cross-entropy with WebAssembly SIMD (f32x4); twin of src/engine/ops/crossentropy.ts.
;; R = rows (B*T), V = vocabulary; logits, dlogits: [R, V]; targets[R] token ids as f32; losses[R].
;; Pointers are byte addresses in the CPU backend's heap. wasm has no log, so it takes two calls with the
;; caller in between: `ce_stats` writes each row's max and sum of exp(logit - max); the caller forms
;; lse = max + log(sum) and the loss; `ce_grad` writes dlogits = (exp(logit - lse) - onehot) * gradScale.
;; Each row is swept 4 logits at a time, the last V mod 4 one at a time; sums are f32 (the twin's f64).
(module
  (import "env" "mem" (memory 1))
  (import "math" "exp4" (func $exp4 (param v128) (result v128)))

  ;; e^x of one value, through lane 0 of exp4.
  (func $exp1 (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))

  ;; For each row r: maxs[r] = max over v of logits[r, v], sums[r] = sum over v of exp(logits[r, v] - maxs[r]).
  (func (export "ce_stats") (param $logits i32) (param $maxs i32) (param $sums i32) (param $R i32) (param $V i32)
    (local $r i32) (local $v i32) (local $V4 i32) (local $row i32) (local $mv v128) (local $sv v128)
    (local $m f32) (local $s f32)
    (local.set $V4 (i32.and (local.get $V) (i32.const -4)))
    (loop $rows
      (local.set $row (i32.add (local.get $logits) (i32.shl (i32.mul (local.get $r) (local.get $V)) (i32.const 2))))
      (local.set $mv (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $v (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $v) (local.get $V4)))
        (local.set $mv (f32x4.max (local.get $mv) (v128.load (i32.add (local.get $row) (i32.shl (local.get $v) (i32.const 2))))))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (br $l1)))
      (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv)))
                             (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
      (block $t1 (loop $k1
        (br_if $t1 (i32.ge_u (local.get $v) (local.get $V)))
        (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $row) (i32.shl (local.get $v) (i32.const 2))))))
        (local.set $v (i32.add (local.get $v) (i32.const 1)))
        (br $k1)))
      (local.set $sv (v128.const i32x4 0 0 0 0))
      (local.set $v (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $v) (local.get $V4)))
        (local.set $sv (f32x4.add (local.get $sv) (call $exp4
          (f32x4.sub (v128.load (i32.add (local.get $row) (i32.shl (local.get $v) (i32.const 2)))) (f32x4.splat (local.get $m))))))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (br $l2)))
      (local.set $s (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sv)) (f32x4.extract_lane 1 (local.get $sv)))
                                      (f32x4.extract_lane 2 (local.get $sv)))
                             (f32x4.extract_lane 3 (local.get $sv))))
      (block $t2 (loop $k2
        (br_if $t2 (i32.ge_u (local.get $v) (local.get $V)))
        (local.set $s (f32.add (local.get $s)
          (call $exp1 (f32.sub (f32.load (i32.add (local.get $row) (i32.shl (local.get $v) (i32.const 2)))) (local.get $m)))))
        (local.set $v (i32.add (local.get $v) (i32.const 1)))
        (br $k2)))
      (f32.store (i32.add (local.get $maxs) (i32.shl (local.get $r) (i32.const 2))) (local.get $m))
      (f32.store (i32.add (local.get $sums) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $R)))))

  ;; dlogits[r, v] = (exp(logits[r, v] - lse[r]) - (v == targets[r])) * scale; targets already checked.
  (func (export "ce_grad") (param $dlogits i32) (param $logits i32) (param $lse i32) (param $targets i32)
        (param $R i32) (param $V i32) (param $scale f32)
    (local $r i32) (local $v i32) (local $V4 i32) (local $o i32) (local $y i32) (local $L v128) (local $l f32)
    (local $sv v128)
    (local.set $V4 (i32.and (local.get $V) (i32.const -4)))
    (local.set $sv (f32x4.splat (local.get $scale)))
    (loop $rows
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $V)) (i32.const 2)))
      (local.set $l (f32.load (i32.add (local.get $lse) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $L (f32x4.splat (local.get $l)))
      (local.set $v (i32.const 0))
      (block $d (loop $vec
        (br_if $d (i32.ge_u (local.get $v) (local.get $V4)))
        (v128.store (i32.add (i32.add (local.get $dlogits) (local.get $o)) (i32.shl (local.get $v) (i32.const 2)))
          (f32x4.mul (call $exp4 (f32x4.sub (v128.load (i32.add (i32.add (local.get $logits) (local.get $o)) (i32.shl (local.get $v) (i32.const 2))))
                                            (local.get $L)))
                     (local.get $sv)))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (br $vec)))
      (block $t (loop $tail
        (br_if $t (i32.ge_u (local.get $v) (local.get $V)))
        (f32.store (i32.add (i32.add (local.get $dlogits) (local.get $o)) (i32.shl (local.get $v) (i32.const 2)))
          (f32.mul (call $exp1 (f32.sub (f32.load (i32.add (i32.add (local.get $logits) (local.get $o)) (i32.shl (local.get $v) (i32.const 2))))
                                        (local.get $l)))
                   (local.get $scale)))
        (local.set $v (i32.add (local.get $v) (i32.const 1)))
        (br $tail)))
      ;; the target's entry: (p - 1) * scale, from p itself rather than from p * scale
      (local.set $y (i32.trunc_f32_u (f32.load (i32.add (local.get $targets) (i32.shl (local.get $r) (i32.const 2))))))
      (local.set $y (i32.add (i32.shl (local.get $y) (i32.const 2)) (local.get $o)))
      (f32.store (i32.add (local.get $dlogits) (local.get $y))
        (f32.mul (f32.sub (call $exp1 (f32.sub (f32.load (i32.add (local.get $logits) (local.get $y))) (local.get $l))) (f32.const 1))
                 (local.get $scale)))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $R)))))
)
