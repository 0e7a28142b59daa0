;; Causal multi-head self-attention with WebAssembly SIMD (f32x4), forward and backward side by side;
;; twin of src/engine/ops/attention.ts, same arguments and layouts (see KernelArgs in backend/types.ts).
;; B = batch, T = time, C = channels, H = heads, hs = C / H; qkv[B,T,3C] holds q | k | v, heads
;; contiguous; out[B,T,C]; lse[B,H,T]. Pointers are byte addresses in the CPU backend's heap.
;;
;; How: one (batch, head) at a time is gathered into scratch: q by rows [T, hsp] and k, v transposed
;; [hsp, Tp] (hsp = hs and Tp = T rounded up to 4, zero-padded), so each query row computes the scores of
;; 4 keys at once (a splat of q[t,d] times 4 adjacent keys' d-th element) with no horizontal sums, and
;; p @ v is one dot product over keys per output element. No T x T matrix is stored: the forward keeps one
;; row of scores, the backward recomputes probabilities from lse. The causal mask is applied to the last
;; block of 4 keys of each row. exp is math.wat's f32x4 polynomial; log is not needed in wasm: the
;; forward writes each row's max to lse and its sum of exponentials to scratch, and the caller adds log.
;; Rounding: f32 throughout (the twin sums in f64); see tests/unit/wasm-attention.test.ts for the bound.
(module
  (import "env" "mem" (memory 1))
  (import "math" "exp4" (func $exp4 (param v128) (result v128)))

  ;; Sum and max of 4 lanes, in a fixed order (lane 0 + 1, + 2, + 3).
  (func $hsum (param $v v128) (result f32)
    (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
                      (f32x4.extract_lane 2 (local.get $v)))
             (f32x4.extract_lane 3 (local.get $v))))
  (func $hmax (param $v v128) (result f32)
    (f32.max (f32.max (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
                      (f32x4.extract_lane 2 (local.get $v)))
             (f32x4.extract_lane 3 (local.get $v))))

  ;; Lanes of the key block starting at j0 that lie after query t (j0 + lane > t): all ones there.
  (func $after (param $j0 i32) (param $t i32) (result v128)
    (i32x4.gt_s (i32x4.add (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $j0))) (i32x4.splat (local.get $t))))

  (func $round4 (param $x i32) (result i32)
    (i32.and (i32.add (local.get $x) (i32.const 3)) (i32.const -4)))

  ;; Scratch bytes for T, hs and BHT = B*H*T rows: q, kT, vT, dkT, dvT, two rows of Tp, BHT sums.
  (func (export "attention_scratch_bytes") (param $T i32) (param $hs i32) (param $BHT i32) (result i32)
    (i32.shl
      (i32.add (i32.add (i32.mul (i32.const 5) (i32.mul (call $round4 (local.get $T)) (call $round4 (local.get $hs))))
                        (i32.shl (call $round4 (local.get $T)) (i32.const 1)))
               (local.get $BHT))
      (i32.const 2)))

  ;; Address of qkv[b, t, part*C + h*hs] (part 0 q, 1 k, 2 v).
  (func $at (param $qkv i32) (param $b i32) (param $t i32) (param $T i32) (param $C i32) (param $part i32)
            (param $h i32) (param $hs i32) (result i32)
    (i32.add (local.get $qkv)
      (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $t)) (i32.mul (local.get $C) (i32.const 3)))
                        (i32.add (i32.mul (local.get $part) (local.get $C)) (i32.mul (local.get $h) (local.get $hs))))
               (i32.const 2))))

  ;; Gather head h of one part of batch b: by rows into dst[T, hsp] (transposed = 0) or transposed into
  ;; dst[hsp, Tp] (transposed = 1); padding is zero.
  (func $gather (param $dst i32) (param $qkv i32) (param $b i32) (param $T i32) (param $C i32) (param $part i32)
                (param $h i32) (param $hs i32) (param $transposed i32)
    (local $hsp i32) (local $Tp i32) (local $t i32) (local $d i32) (local $src i32)
    (local.set $hsp (call $round4 (local.get $hs)))
    (local.set $Tp (call $round4 (local.get $T)))
    (memory.fill (local.get $dst) (i32.const 0) (i32.shl (i32.mul (local.get $hsp) (local.get $Tp)) (i32.const 2)))
    (loop $ts
      (local.set $src (call $at (local.get $qkv) (local.get $b) (local.get $t) (local.get $T) (local.get $C)
                                (local.get $part) (local.get $h) (local.get $hs)))
      (local.set $d (i32.const 0))
      (loop $ds
        (f32.store
          (i32.add (local.get $dst) (i32.shl
            (select (i32.add (i32.mul (local.get $d) (local.get $Tp)) (local.get $t))
                    (i32.add (i32.mul (local.get $t) (local.get $hsp)) (local.get $d))
                    (local.get $transposed))
            (i32.const 2)))
          (f32.load (i32.add (local.get $src) (i32.shl (local.get $d) (i32.const 2)))))
        (br_if $ds (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hs))))
      (br_if $ts (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $T)))))

  ;; The inverse of a transposed gather: src[hsp, Tp] into head h of one part of batch b of dqkv.
  (func $scatter (param $src i32) (param $dqkv i32) (param $b i32) (param $T i32) (param $C i32) (param $part i32)
                 (param $h i32) (param $hs i32)
    (local $Tp i32) (local $t i32) (local $d i32) (local $dst i32)
    (local.set $Tp (call $round4 (local.get $T)))
    (loop $ts
      (local.set $dst (call $at (local.get $dqkv) (local.get $b) (local.get $t) (local.get $T) (local.get $C)
                                (local.get $part) (local.get $h) (local.get $hs)))
      (local.set $d (i32.const 0))
      (loop $ds
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $d) (i32.const 2)))
          (f32.load (i32.add (local.get $src)
            (i32.shl (i32.add (i32.mul (local.get $d) (local.get $Tp)) (local.get $t)) (i32.const 2)))))
        (br_if $ds (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hs))))
      (br_if $ts (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $T)))))

  ;; Scores of query row `qrow` (hs floats, splat one at a time) against keys [j0, j0+4) of kT[hsp, Tp]:
  ;; sum over d of q[d] * kT[d, j0..j0+4).
  (func $scores4 (param $qrow i32) (param $kT i32) (param $j0 i32) (param $Tp i32) (param $hs i32) (result v128)
    (local $acc v128) (local $d i32) (local $k i32) (local $step i32)
    (local.set $k (i32.add (local.get $kT) (i32.shl (local.get $j0) (i32.const 2))))
    (local.set $step (i32.shl (local.get $Tp) (i32.const 2)))
    (loop $ds
      (local.set $acc (f32x4.add (local.get $acc)
        (f32x4.mul (v128.load32_splat (i32.add (local.get $qrow) (i32.shl (local.get $d) (i32.const 2))))
                   (v128.load (local.get $k)))))
      (local.set $k (i32.add (local.get $k) (local.get $step)))
      (br_if $ds (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hs))))
    (local.get $acc))

  ;; sum over j < 4 nb of row[j] * xT[d, j]: one output element of p @ v (or ds @ k).
  (func $rowdot (param $row i32) (param $xT i32) (param $d i32) (param $Tp i32) (param $nb i32) (result f32)
    (local $acc v128) (local $x i32) (local $end i32)
    (local.set $x (i32.add (local.get $xT) (i32.shl (i32.mul (local.get $d) (local.get $Tp)) (i32.const 2))))
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $nb) (i32.const 4))))
    (loop $js
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $row)) (v128.load (local.get $x)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br_if $js (i32.lt_u (local.tee $row (i32.add (local.get $row) (i32.const 16))) (local.get $end))))
    (call $hsum (local.get $acc)))

  ;; out = softmax(q k^T * scale, causal) v per (batch, head); lse[b,h,t] = the row's max score, and
  ;; ws's sums area the row's sum of exp(score - max) (the caller sets lse = max + log(sum)).
  ;; ws = attention_scratch_bytes(T, hs, B*H*T) bytes; hs = C / H exactly; scale = 1/sqrt(hs) as f32.
  (func (export "attention_fwd") (param $out i32) (param $lse i32) (param $qkv i32)
        (param $B i32) (param $T i32) (param $C i32) (param $H i32) (param $scale f32) (param $ws i32)
    (local $hs i32) (local $hsp i32) (local $Tp i32) (local $q i32) (local $kT i32) (local $vT i32) (local $S i32)
    (local $sums i32) (local $b i32) (local $h i32) (local $t i32) (local $nb i32) (local $jb i32) (local $j0 i32)
    (local $d i32) (local $row i32) (local $acc v128) (local $maxv v128) (local $sumv v128) (local $m f32) (local $inv f32)
    (local $orow i32)
    (local.set $hs (i32.div_u (local.get $C) (local.get $H)))
    (local.set $hsp (call $round4 (local.get $hs)))
    (local.set $Tp (call $round4 (local.get $T)))
    (local.set $q (local.get $ws))
    (local.set $kT (i32.add (local.get $q) (i32.shl (i32.mul (local.get $Tp) (local.get $hsp)) (i32.const 2))))
    (local.set $vT (i32.add (local.get $kT) (i32.shl (i32.mul (local.get $Tp) (local.get $hsp)) (i32.const 2))))
    ;; S (one row of scores) sits where the backward keeps P: after q, kT, vT, dkT, dvT
    (local.set $S (i32.add (local.get $vT) (i32.mul (i32.mul (local.get $Tp) (local.get $hsp)) (i32.const 12))))
    (local.set $sums (i32.add (local.get $S) (i32.shl (local.get $Tp) (i32.const 3))))
    (loop $bs
      (local.set $h (i32.const 0))
      (loop $hs_loop
        (call $gather (local.get $q) (local.get $qkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 0) (local.get $h) (local.get $hs) (i32.const 0))
        (call $gather (local.get $kT) (local.get $qkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 1) (local.get $h) (local.get $hs) (i32.const 1))
        (call $gather (local.get $vT) (local.get $qkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 2) (local.get $h) (local.get $hs) (i32.const 1))
        (local.set $t (i32.const 0))
        (loop $ts
          (local.set $nb (i32.add (i32.shr_u (local.get $t) (i32.const 2)) (i32.const 1)))
          (local.set $row (i32.add (local.get $q) (i32.shl (i32.mul (local.get $t) (local.get $hsp)) (i32.const 2))))
          ;; scores of keys 0..t (the last block masked to -inf past t), and their max
          (local.set $maxv (v128.const f32x4 -inf -inf -inf -inf))
          (local.set $jb (i32.const 0))
          (loop $score
            (local.set $j0 (i32.shl (local.get $jb) (i32.const 2)))
            (local.set $acc (f32x4.mul (call $scores4 (local.get $row) (local.get $kT) (local.get $j0) (local.get $Tp) (local.get $hs))
                                       (f32x4.splat (local.get $scale))))
            (local.set $acc (v128.bitselect (v128.const f32x4 -inf -inf -inf -inf) (local.get $acc)
                                            (call $after (local.get $j0) (local.get $t))))
            (v128.store (i32.add (local.get $S) (i32.shl (local.get $j0) (i32.const 2))) (local.get $acc))
            (local.set $maxv (f32x4.max (local.get $maxv) (local.get $acc)))
            (br_if $score (i32.lt_u (local.tee $jb (i32.add (local.get $jb) (i32.const 1))) (local.get $nb))))
          (local.set $m (call $hmax (local.get $maxv)))
          ;; exponentials in place, and their sum
          (local.set $sumv (v128.const i32x4 0 0 0 0))
          (local.set $jb (i32.const 0))
          (loop $expo
            (local.set $j0 (i32.add (local.get $S) (i32.shl (local.get $jb) (i32.const 4))))
            (local.set $acc (call $exp4 (f32x4.sub (v128.load (local.get $j0)) (f32x4.splat (local.get $m)))))
            (v128.store (local.get $j0) (local.get $acc))
            (local.set $sumv (f32x4.add (local.get $sumv) (local.get $acc)))
            (br_if $expo (i32.lt_u (local.tee $jb (i32.add (local.get $jb) (i32.const 1))) (local.get $nb))))
          (local.set $inv (f32.div (f32.const 1) (call $hsum (local.get $sumv))))
          ;; out row = (sum over keys of e_j v_j) / sum
          (local.set $orow (i32.add (local.get $out) (i32.shl
            (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $t)) (local.get $C))
                     (i32.mul (local.get $h) (local.get $hs)))
            (i32.const 2))))
          (local.set $d (i32.const 0))
          (loop $outs
            (f32.store (i32.add (local.get $orow) (i32.shl (local.get $d) (i32.const 2)))
              (f32.mul (call $rowdot (local.get $S) (local.get $vT) (local.get $d) (local.get $Tp) (local.get $nb)) (local.get $inv)))
            (br_if $outs (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hs))))
          (local.set $row (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $T)) (local.get $t)) (i32.const 2)))
          (f32.store (i32.add (local.get $lse) (local.get $row)) (local.get $m))
          (f32.store (i32.add (local.get $sums) (local.get $row)) (call $hsum (local.get $sumv)))
          (br_if $ts (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $T))))
        (br_if $hs_loop (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $H))))
      (br_if $bs (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $B)))))

  ;; dqkv (overwritten) from dout: with p = exp(s - lse), dp = dout . v, D = dout . out,
  ;; ds = p (dp - D) scale: dq = ds k, dk = ds^T q, dv = p^T dout. Same scratch as the forward.
  (func (export "attention_bwd") (param $dqkv i32) (param $dout i32) (param $qkv i32) (param $out i32) (param $lse i32)
        (param $B i32) (param $T i32) (param $C i32) (param $H i32) (param $scale f32) (param $ws i32)
    (local $hs i32) (local $hsp i32) (local $Tp i32) (local $q i32) (local $kT i32) (local $vT i32) (local $dkT i32)
    (local $dvT i32) (local $P i32) (local $DS i32) (local $b i32) (local $h i32) (local $t i32) (local $nb i32)
    (local $jb i32) (local $j0 i32) (local $d i32) (local $row i32) (local $grow i32) (local $x i32) (local $y i32)
    (local $L f32) (local $D f32) (local $sacc v128) (local $pacc v128) (local $p v128) (local $g v128) (local $qs v128)
    (local $step i32)
    (local.set $hs (i32.div_u (local.get $C) (local.get $H)))
    (local.set $hsp (call $round4 (local.get $hs)))
    (local.set $Tp (call $round4 (local.get $T)))
    (local.set $step (i32.shl (i32.mul (local.get $Tp) (local.get $hsp)) (i32.const 2)))
    (local.set $q (local.get $ws))
    (local.set $kT (i32.add (local.get $q) (local.get $step)))
    (local.set $vT (i32.add (local.get $kT) (local.get $step)))
    (local.set $dkT (i32.add (local.get $vT) (local.get $step)))
    (local.set $dvT (i32.add (local.get $dkT) (local.get $step)))
    (local.set $P (i32.add (local.get $dvT) (local.get $step)))
    (local.set $DS (i32.add (local.get $P) (i32.shl (local.get $Tp) (i32.const 2))))
    (loop $bs
      (local.set $h (i32.const 0))
      (loop $hs_loop
        (call $gather (local.get $q) (local.get $qkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 0) (local.get $h) (local.get $hs) (i32.const 0))
        (call $gather (local.get $kT) (local.get $qkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 1) (local.get $h) (local.get $hs) (i32.const 1))
        (call $gather (local.get $vT) (local.get $qkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 2) (local.get $h) (local.get $hs) (i32.const 1))
        (memory.fill (local.get $dkT) (i32.const 0) (i32.shl (local.get $step) (i32.const 1))) ;; dkT and dvT
        (local.set $t (i32.const 0))
        (loop $ts
          (local.set $nb (i32.add (i32.shr_u (local.get $t) (i32.const 2)) (i32.const 1)))
          (local.set $row (i32.add (local.get $q) (i32.shl (i32.mul (local.get $t) (local.get $hsp)) (i32.const 2))))
          ;; dout and out rows share the [B,T,C] layout: offset of head h at (b, t)
          (local.set $x (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $t)) (local.get $C))
                                          (i32.mul (local.get $h) (local.get $hs))) (i32.const 2)))
          (local.set $grow (i32.add (local.get $dout) (local.get $x)))
          (local.set $L (f32.load (i32.add (local.get $lse) (i32.shl
            (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $T)) (local.get $t)) (i32.const 2)))))
          ;; D = dout . out over the row
          (local.set $D (f32.const 0))
          (local.set $y (i32.add (local.get $out) (local.get $x)))
          (local.set $d (i32.const 0))
          (loop $dd
            (local.set $D (f32.add (local.get $D)
              (f32.mul (f32.load (i32.add (local.get $grow) (i32.shl (local.get $d) (i32.const 2))))
                       (f32.load (i32.add (local.get $y) (i32.shl (local.get $d) (i32.const 2)))))))
            (br_if $dd (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hs))))
          ;; p and ds for keys 0..t, 4 at a time (0 past t)
          (local.set $jb (i32.const 0))
          (loop $keys
            (local.set $j0 (i32.shl (local.get $jb) (i32.const 2)))
            (local.set $sacc (call $scores4 (local.get $row) (local.get $kT) (local.get $j0) (local.get $Tp) (local.get $hs)))
            (local.set $pacc (call $scores4 (local.get $grow) (local.get $vT) (local.get $j0) (local.get $Tp) (local.get $hs)))
            (local.set $p (call $exp4 (f32x4.sub (f32x4.mul (local.get $sacc) (f32x4.splat (local.get $scale))) (f32x4.splat (local.get $L)))))
            (local.set $p (v128.bitselect (v128.const i32x4 0 0 0 0) (local.get $p) (call $after (local.get $j0) (local.get $t))))
            (v128.store (i32.add (local.get $P) (i32.shl (local.get $j0) (i32.const 2))) (local.get $p))
            (v128.store (i32.add (local.get $DS) (i32.shl (local.get $j0) (i32.const 2)))
              (f32x4.mul (f32x4.mul (local.get $p) (f32x4.sub (local.get $pacc) (f32x4.splat (local.get $D)))) (f32x4.splat (local.get $scale))))
            (br_if $keys (i32.lt_u (local.tee $jb (i32.add (local.get $jb) (i32.const 1))) (local.get $nb))))
          ;; dq row = ds @ k, straight into dqkv
          (local.set $y (call $at (local.get $dqkv) (local.get $b) (local.get $t) (local.get $T) (local.get $C) (i32.const 0) (local.get $h) (local.get $hs)))
          (local.set $d (i32.const 0))
          (loop $dqs
            (f32.store (i32.add (local.get $y) (i32.shl (local.get $d) (i32.const 2)))
              (call $rowdot (local.get $DS) (local.get $kT) (local.get $d) (local.get $Tp) (local.get $nb)))
            (br_if $dqs (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hs))))
          ;; dk[j] += ds_j q_t and dv[j] += p_j dout_t, transposed: row d of dkT gets ds * q[t,d]
          (local.set $d (i32.const 0))
          (loop $dks
            (local.set $qs (v128.load32_splat (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2)))))
            (local.set $g (v128.load32_splat (i32.add (local.get $grow) (i32.shl (local.get $d) (i32.const 2)))))
            (local.set $x (i32.shl (i32.mul (local.get $d) (local.get $Tp)) (i32.const 2)))
            (local.set $jb (i32.const 0))
            (loop $upd
              (local.set $j0 (i32.shl (local.get $jb) (i32.const 4)))
              (local.set $y (i32.add (i32.add (local.get $dkT) (local.get $x)) (local.get $j0)))
              (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y))
                (f32x4.mul (v128.load (i32.add (local.get $DS) (local.get $j0))) (local.get $qs))))
              (local.set $y (i32.add (i32.add (local.get $dvT) (local.get $x)) (local.get $j0)))
              (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y))
                (f32x4.mul (v128.load (i32.add (local.get $P) (local.get $j0))) (local.get $g))))
              (br_if $upd (i32.lt_u (local.tee $jb (i32.add (local.get $jb) (i32.const 1))) (local.get $nb))))
            (br_if $dks (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hs))))
          (br_if $ts (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $T))))
        (call $scatter (local.get $dkT) (local.get $dqkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 1) (local.get $h) (local.get $hs))
        (call $scatter (local.get $dvT) (local.get $dqkv) (local.get $b) (local.get $T) (local.get $C) (i32.const 2) (local.get $h) (local.get $hs))
        (br_if $hs_loop (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $H))))
      (br_if $bs (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $B)))))
)
