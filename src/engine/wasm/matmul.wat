;; Matrix multiply on f32 with WebAssembly SIMD (f32x4): the CPU backend's hot path, twin of
;; src/engine/ops/matmul.ts.
;;   out[M,N] = (accumulate ? out : 0) + op(a)[M,K] @ op(b)[K,N] + (bias ? bias[N] : 0)
;;   a is stored [M,K] (or [K,M] when transA); b is stored [K,N] (or [N,K] when transB, nn.Linear layout).
;; M, N, K = rows of op(a), columns of op(b), inner dimension. Every pointer is a byte address in the
;; imported memory (the CPU backend's heap); matrices are row-major and need no alignment.
;;
;; How (GotoBLAS-style): columns are cut into blocks of NC and K into chunks of KC; each (NC, KC) block of
;; op(b) is packed into panels of NR = 8 columns, and rows of op(a) in blocks of MC into panels of MR = 4
;; rows, both k-major, so the 4x8 micro-kernel reads two unit-stride streams whatever the transposes. The micro-kernel keeps the
;; 4x8 tile in 8 f32x4 registers (+2 for b, +1 for a broadcast: 11 of x64's 16 vector registers), and
;; does 8 multiplies and 8 adds per k. No fused multiply-add (relaxed SIMD would make results depend on
;; the machine), so every machine gives the same bits.
;; Sizes: a packed a block is MC*KC*4 = 64 KiB and a packed b block NC*KC*4 = 128 KiB (both in L2), one
;; packed b panel KC*NR*4 = 8 KiB (L1).
;; Rounding: each output is one f32 sum, in k order, started from out (or 0) plus bias: K roundings,
;; where the TS twin sums each k-chunk in f64 (see tests/unit/wasm-matmul.test.ts for the bound).
(module
  (import "env" "mem" (memory 1))

  (global $KC i32 (i32.const 256)) ;; k-chunk
  (global $MC i32 (i32.const 64))  ;; rows of op(a) per packed block (a multiple of 4)
  (global $NC i32 (i32.const 128)) ;; columns of op(b) per packed block (a multiple of 8)

  ;; Bytes of scratch `matmul` needs for N columns: packed a block, packed b chunk, an edge tile, a
  ;; zero-padded copy of bias.
  (func $scratch_bytes (export "matmul_scratch_bytes") (param $N i32) (result i32)
    (local $np i32)
    (local.set $np (i32.and (i32.add (local.get $N) (i32.const 7)) (i32.const -8)))
    (i32.add
      (i32.add (i32.mul (i32.mul (global.get $MC) (global.get $KC)) (i32.const 4)) (i32.const 128))
      (i32.add (i32.mul (i32.mul (global.get $NC) (global.get $KC)) (i32.const 4))
               (i32.mul (local.get $np) (i32.const 4)))))

  ;; Pack rows [i0, i0+mc) x k [k0, k0+kc) of op(a) into panels of 4 rows: panel p at dst + p*kc*16,
  ;; element (row 4p+r, k) at + k*16 + r*4. Rows past M are zero.
  (func $pack_a (param $dst i32) (param $a i32) (param $M i32) (param $K i32) (param $i0 i32) (param $mc i32)
                (param $k0 i32) (param $kc i32) (param $transA i32)
    (local $p i32) (local $np i32) (local $i i32) (local $r i32) (local $row i32)
    (local $d i32) (local $dd i32) (local $src i32) (local $step i32) (local $k i32)
    (local.set $np (i32.shr_u (i32.add (local.get $mc) (i32.const 3)) (i32.const 2)))
    (loop $panels
      (local.set $i (i32.add (local.get $i0) (i32.shl (local.get $p) (i32.const 2))))
      (local.set $d (i32.add (local.get $dst) (i32.mul (local.get $p) (i32.shl (local.get $kc) (i32.const 4)))))
      (if (i32.and (local.get $transA) (i32.le_u (i32.add (local.get $i) (i32.const 4)) (local.get $M)))
        (then
          ;; a stored [K, M]: the panel's 4 rows at step k are 4 adjacent floats, one vector copy
          (local.set $src (i32.add (local.get $a)
            (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $M)) (local.get $i)) (i32.const 2))))
          (local.set $step (i32.shl (local.get $M) (i32.const 2)))
          (local.set $k (local.get $kc))
          (loop $ks
            (v128.store (local.get $d) (v128.load (local.get $src)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $src (i32.add (local.get $src) (local.get $step)))
            (br_if $ks (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
        (else
          ;; one row at a time, strided store into the panel
          (local.set $r (i32.const 0))
          (loop $rows
            (local.set $row (i32.add (local.get $i) (local.get $r)))
            (local.set $dd (i32.add (local.get $d) (i32.shl (local.get $r) (i32.const 2))))
            (local.set $k (local.get $kc))
            (if (i32.ge_u (local.get $row) (local.get $M))
              (then
                (loop $zero
                  (f32.store (local.get $dd) (f32.const 0))
                  (local.set $dd (i32.add (local.get $dd) (i32.const 16)))
                  (br_if $zero (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
              (else
                (if (local.get $transA)
                  (then
                    (local.set $src (i32.add (local.get $a)
                      (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $M)) (local.get $row)) (i32.const 2))))
                    (local.set $step (i32.shl (local.get $M) (i32.const 2))))
                  (else
                    (local.set $src (i32.add (local.get $a)
                      (i32.shl (i32.add (i32.mul (local.get $row) (local.get $K)) (local.get $k0)) (i32.const 2))))
                    (local.set $step (i32.const 4))))
                (loop $copy
                  (f32.store (local.get $dd) (f32.load (local.get $src)))
                  (local.set $dd (i32.add (local.get $dd) (i32.const 16)))
                  (local.set $src (i32.add (local.get $src) (local.get $step)))
                  (br_if $copy (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
            (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4))))))
      (br_if $panels (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $np)))))

  ;; Pack columns [j0, j0+nc) x k [k0, k0+kc) of op(b) into panels of 8 columns: panel q at dst + q*kc*32,
  ;; element (k, column j0+8q+c) at + k*32 + c*4. Columns past N are zero.
  (func $pack_b (param $dst i32) (param $b i32) (param $N i32) (param $K i32) (param $j0 i32) (param $nc i32)
                (param $k0 i32) (param $kc i32) (param $transB i32)
    (local $j i32) (local $c i32) (local $col i32) (local $d i32) (local $dd i32)
    (local $src i32) (local $step i32) (local $k i32) (local $jend i32)
    (local.set $d (local.get $dst))
    (local.set $j (local.get $j0))
    (local.set $jend (i32.add (local.get $j0) (local.get $nc)))
    (loop $panels
      (if (i32.and (i32.eqz (local.get $transB)) (i32.le_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))
        (then
          ;; b stored [K, N]: 8 adjacent floats of one row per k, two vector copies
          (local.set $src (i32.add (local.get $b)
            (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $N)) (local.get $j)) (i32.const 2))))
          (local.set $step (i32.shl (local.get $N) (i32.const 2)))
          (local.set $dd (local.get $d))
          (local.set $k (local.get $kc))
          (loop $ks
            (v128.store (local.get $dd) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $dd) (v128.load offset=16 (local.get $src)))
            (local.set $dd (i32.add (local.get $dd) (i32.const 32)))
            (local.set $src (i32.add (local.get $src) (local.get $step)))
            (br_if $ks (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
        (else
          (local.set $c (i32.const 0))
          (loop $cols
            (local.set $col (i32.add (local.get $j) (local.get $c)))
            (local.set $dd (i32.add (local.get $d) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $k (local.get $kc))
            (if (i32.ge_u (local.get $col) (local.get $N))
              (then
                (loop $zero
                  (f32.store (local.get $dd) (f32.const 0))
                  (local.set $dd (i32.add (local.get $dd) (i32.const 32)))
                  (br_if $zero (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
              (else
                (if (local.get $transB)
                  (then
                    ;; b stored [N, K]: column col of op(b) is row col of b, contiguous in k
                    (local.set $src (i32.add (local.get $b)
                      (i32.shl (i32.add (i32.mul (local.get $col) (local.get $K)) (local.get $k0)) (i32.const 2))))
                    (local.set $step (i32.const 4)))
                  (else
                    (local.set $src (i32.add (local.get $b)
                      (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $N)) (local.get $col)) (i32.const 2))))
                    (local.set $step (i32.shl (local.get $N) (i32.const 2)))))
                (loop $copy
                  (f32.store (local.get $dd) (f32.load (local.get $src)))
                  (local.set $dd (i32.add (local.get $dd) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $step)))
                  (br_if $copy (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
            (br_if $cols (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const 8))))))
      (local.set $d (i32.add (local.get $d) (i32.shl (local.get $kc) (i32.const 5))))
      (br_if $panels (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $jend)))))

  ;; The micro-kernel: the 4x8 tile at c (row stride ldc bytes) becomes
  ;;   (load ? c : 0) + (bias ? bias[0..8) : 0) + sum over k of apanel[k][r] * bpanel[k][0..8),
  ;; kc >= 1 steps; bias = 0 means none (the heap never hands out address 0).
  (func $tile (param $pa i32) (param $pb i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $load i32)
              (param $bias i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $a v128) (local $end i32) (local $r i32)
    (if (local.get $load)
      (then
        (local.set $r (local.get $c))
        (local.set $c00 (v128.load (local.get $r)))
        (local.set $c01 (v128.load offset=16 (local.get $r)))
        (local.set $r (i32.add (local.get $r) (local.get $ldc)))
        (local.set $c10 (v128.load (local.get $r)))
        (local.set $c11 (v128.load offset=16 (local.get $r)))
        (local.set $r (i32.add (local.get $r) (local.get $ldc)))
        (local.set $c20 (v128.load (local.get $r)))
        (local.set $c21 (v128.load offset=16 (local.get $r)))
        (local.set $r (i32.add (local.get $r) (local.get $ldc)))
        (local.set $c30 (v128.load (local.get $r)))
        (local.set $c31 (v128.load offset=16 (local.get $r)))))
    (if (local.get $bias)
      (then
        (local.set $b0 (v128.load (local.get $bias)))
        (local.set $b1 (v128.load offset=16 (local.get $bias)))
        (local.set $c00 (f32x4.add (local.get $c00) (local.get $b0)))
        (local.set $c01 (f32x4.add (local.get $c01) (local.get $b1)))
        (local.set $c10 (f32x4.add (local.get $c10) (local.get $b0)))
        (local.set $c11 (f32x4.add (local.get $c11) (local.get $b1)))
        (local.set $c20 (f32x4.add (local.get $c20) (local.get $b0)))
        (local.set $c21 (f32x4.add (local.get $c21) (local.get $b1)))
        (local.set $c30 (f32x4.add (local.get $c30) (local.get $b0)))
        (local.set $c31 (f32x4.add (local.get $c31) (local.get $b1)))))
    (local.set $end (i32.add (local.get $pb) (i32.shl (local.get $kc) (i32.const 5))))
    (loop $k
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $a (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
      (br_if $k (i32.lt_u (local.tee $pb (i32.add (local.get $pb) (i32.const 32))) (local.get $end))))
    (local.set $r (local.get $c))
    (v128.store (local.get $r) (local.get $c00))
    (v128.store offset=16 (local.get $r) (local.get $c01))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c10))
    (v128.store offset=16 (local.get $r) (local.get $c11))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c20))
    (v128.store offset=16 (local.get $r) (local.get $c21))
    (local.set $r (i32.add (local.get $r) (local.get $ldc)))
    (v128.store (local.get $r) (local.get $c30))
    (v128.store offset=16 (local.get $r) (local.get $c31)))

  ;; A ragged tile (rows < 4 or cols < 8 left at the matrix edge): run the micro-kernel on a full 4x8
  ;; scratch tile and copy only the rows x cols that exist, so nothing outside out is read or written.
  (func $edge_tile (param $pa i32) (param $pb i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $load i32)
                   (param $bias i32) (param $rows i32) (param $cols i32) (param $edge i32)
    (local $r i32) (local $s i32) (local $src i32) (local $dst i32)
    (v128.store (local.get $edge) (v128.const i32x4 0 0 0 0))
    (v128.store offset=16 (local.get $edge) (v128.const i32x4 0 0 0 0))
    (v128.store offset=32 (local.get $edge) (v128.const i32x4 0 0 0 0))
    (v128.store offset=48 (local.get $edge) (v128.const i32x4 0 0 0 0))
    (v128.store offset=64 (local.get $edge) (v128.const i32x4 0 0 0 0))
    (v128.store offset=80 (local.get $edge) (v128.const i32x4 0 0 0 0))
    (v128.store offset=96 (local.get $edge) (v128.const i32x4 0 0 0 0))
    (v128.store offset=112 (local.get $edge) (v128.const i32x4 0 0 0 0))
    (if (local.get $load)
      (then
        (local.set $r (i32.const 0))
        (loop $rin
          (local.set $src (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
          (local.set $dst (i32.add (local.get $edge) (i32.shl (local.get $r) (i32.const 5))))
          (local.set $s (i32.const 0))
          (loop $sin
            (f32.store (i32.add (local.get $dst) (i32.shl (local.get $s) (i32.const 2)))
                       (f32.load (i32.add (local.get $src) (i32.shl (local.get $s) (i32.const 2)))))
            (br_if $sin (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $cols))))
          (br_if $rin (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))))
    (call $tile (local.get $pa) (local.get $pb) (local.get $kc) (local.get $edge) (i32.const 32) (local.get $load)
                (local.get $bias))
    (local.set $r (i32.const 0))
    (loop $rout
      (local.set $dst (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
      (local.set $src (i32.add (local.get $edge) (i32.shl (local.get $r) (i32.const 5))))
      (local.set $s (i32.const 0))
      (loop $sout
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $s) (i32.const 2)))
                   (f32.load (i32.add (local.get $src) (i32.shl (local.get $s) (i32.const 2)))))
        (br_if $sout (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $cols))))
      (br_if $rout (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  (func $min (param $x i32) (param $y i32) (result i32)
    (select (local.get $x) (local.get $y) (i32.lt_u (local.get $x) (local.get $y))))

;; out[M,N] = (accumulate ? out : 0) + op(a) @ op(b) + bias; M, N, K >= 1; bias = 0 for none;
  ;; ws = matmul_scratch_bytes(N) bytes of scratch that overlaps none of the operands.
  (func (export "matmul") (param $out i32) (param $a i32) (param $b i32) (param $bias i32)
        (param $M i32) (param $N i32) (param $K i32) (param $transA i32) (param $transB i32) (param $accumulate i32)
        (param $ws i32)
    (local $np i32) (local $packA i32) (local $packB i32) (local $edge i32) (local $biasPad i32) (local $ldc i32)
    (local $j0 i32) (local $nc i32) (local $jend i32) (local $k0 i32) (local $kc i32) (local $i0 i32) (local $mc i32)
    (local $j i32) (local $i i32) (local $iend i32)
    (local $pa i32) (local $pb i32) (local $load i32) (local $biasp i32) (local $tb i32) (local $x i32)
    (local.set $np (i32.and (i32.add (local.get $N) (i32.const 7)) (i32.const -8)))
    (local.set $packA (local.get $ws))
    (local.set $packB (i32.add (local.get $packA) (i32.mul (i32.mul (global.get $MC) (global.get $KC)) (i32.const 4))))
    (local.set $edge (i32.add (local.get $packB) (i32.mul (i32.mul (global.get $NC) (global.get $KC)) (i32.const 4))))
    (local.set $biasPad (i32.add (local.get $edge) (i32.const 128)))
    (local.set $ldc (i32.shl (local.get $N) (i32.const 2)))
    (if (local.get $bias)
      (then
        ;; zero-padded to a whole panel, so the micro-kernel may read 8 bias values at any panel
        (memory.fill (local.get $biasPad) (i32.const 0) (i32.shl (local.get $np) (i32.const 2)))
        (memory.copy (local.get $biasPad) (local.get $bias) (local.get $ldc))))
    (loop $colblocks
      (local.set $nc (call $min (global.get $NC) (i32.sub (local.get $N) (local.get $j0))))
      (local.set $jend (i32.add (local.get $j0) (local.get $nc)))
      (local.set $k0 (i32.const 0))
      (loop $chunks
        (local.set $kc (call $min (global.get $KC) (i32.sub (local.get $K) (local.get $k0))))
        ;; the first chunk starts from out (accumulate) or 0, plus bias; later ones add to out
        (local.set $load (i32.or (i32.ne (local.get $k0) (i32.const 0)) (local.get $accumulate)))
        (local.set $biasp (select (local.get $biasPad) (i32.const 0)
          (i32.and (i32.eqz (local.get $k0)) (i32.ne (local.get $bias) (i32.const 0)))))
        (call $pack_b (local.get $packB) (local.get $b) (local.get $N) (local.get $K) (local.get $j0) (local.get $nc)
                      (local.get $k0) (local.get $kc) (local.get $transB))
        (local.set $i0 (i32.const 0))
        (loop $blocks
          (local.set $mc (call $min (global.get $MC) (i32.sub (local.get $M) (local.get $i0))))
          (local.set $iend (i32.add (local.get $i0) (local.get $mc)))
          (call $pack_a (local.get $packA) (local.get $a) (local.get $M) (local.get $K) (local.get $i0) (local.get $mc)
                        (local.get $k0) (local.get $kc) (local.get $transA))
          (local.set $j (local.get $j0))
          (local.set $pb (local.get $packB))
          (loop $cols
            (local.set $tb (select (i32.add (local.get $biasp) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0)
                                   (local.get $biasp)))
            (local.set $i (local.get $i0))
            (local.set $pa (local.get $packA))
            (loop $rows
              (local.set $x (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))))
              (if (i32.and (i32.le_u (i32.add (local.get $i) (i32.const 4)) (local.get $M))
                           (i32.le_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))
                (then
                  (call $tile (local.get $pa) (local.get $pb) (local.get $kc) (local.get $x) (local.get $ldc)
                              (local.get $load) (local.get $tb)))
                (else
                  (call $edge_tile (local.get $pa) (local.get $pb) (local.get $kc) (local.get $x) (local.get $ldc)
                                   (local.get $load) (local.get $tb)
                                   (call $min (i32.const 4) (i32.sub (local.get $M) (local.get $i)))
                                   (call $min (i32.const 8) (i32.sub (local.get $N) (local.get $j)))
                                   (local.get $edge))))
              (local.set $pa (i32.add (local.get $pa) (i32.shl (local.get $kc) (i32.const 4))))
              (br_if $rows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $iend))))
            (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $kc) (i32.const 5))))
            (br_if $cols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $jend))))
          (br_if $blocks (i32.lt_u (local.tee $i0 (i32.add (local.get $i0) (global.get $MC))) (local.get $M))))
        (br_if $chunks (i32.lt_u (local.tee $k0 (i32.add (local.get $k0) (global.get $KC))) (local.get $K))))
      (br_if $colblocks (i32.lt_u (local.tee $j0 (i32.add (local.get $j0) (global.get $NC))) (local.get $N)))))
)
