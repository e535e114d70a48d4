// The functions the C++ addon exports (addon/src/addon.cc). Every kernel reads and writes
// float32 data in place inside one buffer (the tfjs wasm heap, or any ArrayBuffer/TypedArray)
// at byte offsets, and throws a TypeError naming the argument when one is out of bounds.

/** An ArrayBuffer (offsets from its start) or a TypedArray (offsets from its first byte). */
export type NativeBuffer = ArrayBufferLike | ArrayBufferView;

export interface NativeInfo {
  /** The GEMM micro-kernel in use: 'avx512f' (12 x 16 tile), 'avx2-fma' (6 x 16) or 'portable'. */
  gemmKernel: 'avx512f' | 'avx2-fma' | 'portable';
  /** The build of the vectorised kernels in use: 'avx2' or 'baseline'. */
  simd: 'avx2' | 'baseline';
  avx2Fma: boolean;
  /** The CPU (and OS) can run AVX-512 Foundation code. */
  avx512f: boolean;
  /** Threads the kernels split their work between (setThreads; default 1). */
  threads: number;
}

/** The arguments after the buffer that both attention kernels start with (the query/key shape). */
export type AttentionShapeArgs = [
  batch: number,
  queryBatch: number,
  queryTime: number,
  keyTime: number,
  heads: number,
  headDim: number,
  causal: boolean,
];

export interface NativeAddon {
  info(): NativeInfo;
  /** Forces the portable GEMM micro-kernel and the baseline SIMD build (tests compare them with AVX2). */
  setPortable(flag: boolean): void;
  /** false keeps GEMM on the AVX2 micro-kernel where the CPU has AVX-512 (tests compare the two); default true. */
  setAvx512(flag: boolean): void;
  /** Threads for the kernels (1..64; default 1): results are bit-identical for every count. */
  setThreads(threads: number): void;
  /**
   * For each batch item b: C_b = alpha op(A_b) op(B_b) + beta C_b, row-major and contiguous
   * (A_b m x k, or k x m when transposed; B_b k x n, or n x k; C_b m x n), operands at byte
   * offsets, batch strides in floats (0 broadcasts that operand). beta = 0 never reads C.
   * With `addendOffset`: C_b = alpha op(A_b) op(B_b) + beta addend_b, the addend laid out as C and
   * not overlapping it; C is written once, with the bits of the product followed by adding the
   * addend (a sum of products, or a residual added to a projection, in one pass).
   */
  gemm(
    buffer: NativeBuffer,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    aOffset: number,
    aBatchStride: number,
    bOffset: number,
    bBatchStride: number,
    cOffset: number,
    alpha: number,
    beta: number,
    addendOffset?: number,
  ): void;

  /**
   * out = a op b (op: BINARY_OPS) over a collapsed broadcast layout: `dims` (rank 1..4) is the
   * output's shape, the strides (in floats) are 0 along broadcast dimensions, and the innermost
   * strides are 0 or 1.
   */
  binary(
    buffer: NativeBuffer,
    op: number,
    dims: number[],
    aStrides: number[],
    bStrides: number[],
    aOffset: number,
    bOffset: number,
    outOffset: number,
  ): void;
  /** out = f(x) elementwise (f: UNARY_OPS) over n floats. */
  unary(buffer: NativeBuffer, op: number, n: number, xOffset: number, outOffset: number): void;
  /**
   * Reduces the middle axis of a dense outer x reduced x inner array (op: REDUCE_OPS):
   * out[o, i] = op over r of x[o, r, i]. Covers any contiguous block of reduction axes.
   */
  reduceAxis(
    buffer: NativeBuffer,
    op: number,
    outer: number,
    reduced: number,
    inner: number,
    xOffset: number,
    outOffset: number,
  ): void;
  /** softmax of each row of a rows x cols matrix. */
  softmaxRows(buffer: NativeBuffer, rows: number, cols: number, xOffset: number, outOffset: number): void;
  /** out = x transposed by perm (rank <= 6), 4-byte elements. */
  transpose(buffer: NativeBuffer, shape: number[], perm: number[], xOffset: number, outOffset: number): void;
  /**
   * out[i, :] = table[ids[i], :] for int32 ids; returns -1, or the position of the first id
   * outside [0, tableRows) (the rows before it are written).
   */
  gatherRows(
    buffer: NativeBuffer,
    tableOffset: number,
    tableRows: number,
    cols: number,
    idsOffset: number,
    n: number,
    outOffset: number,
  ): number;

  // Fused training kernels. Outputs must not overlap inputs; all offsets are in bytes.
  /** RMSNorm of n rows of d: y = x r w with r = 1 / sqrt(mean(x^2) + eps); r [n] is kept for backward. */
  rmsNormForward(
    buffer: NativeBuffer,
    n: number,
    d: number,
    xOffset: number,
    wOffset: number,
    eps: number,
    yOffset: number,
    rOffset: number,
  ): void;
  /** dx = r (g - xhat mean(g xhat)), g = dy w, xhat = x r; dw [d] = sum over rows of dy xhat. */
  rmsNormBackward(
    buffer: NativeBuffer,
    n: number,
    d: number,
    dyOffset: number,
    xOffset: number,
    wOffset: number,
    rOffset: number,
    dxOffset: number,
    dwOffset: number,
  ): void;
  /** h = silu(g) u over n floats. */
  swiGluForward(buffer: NativeBuffer, n: number, gOffset: number, uOffset: number, hOffset: number): void;
  /** dg = dh u silu'(g), du = dh silu(g). */
  swiGluBackward(
    buffer: NativeBuffer,
    n: number,
    dhOffset: number,
    gOffset: number,
    uOffset: number,
    dgOffset: number,
    duOffset: number,
  ): void;
  /**
   * Rotary embedding (Hugging Face rotate_half) of x [batch, time, heads * headDim] by tables
   * cos, sin [time, headDim]; `transposed` applies the transposed rotation (its gradient).
   */
  rope(
    buffer: NativeBuffer,
    batch: number,
    time: number,
    heads: number,
    headDim: number,
    xOffset: number,
    cosOffset: number,
    sinOffset: number,
    transposed: boolean,
    outOffset: number,
  ): void;
  /**
   * out = softmax(Q_h K_h^T (+ causal mask)) V_h per head, for q [queryBatch, queryTime, heads *
   * headDim] (queryBatch 1 shares the query across the batch), k, v [batch, keyTime, ...]; also
   * writes probs [batch, heads, queryTime, keyTime] for the backward pass.
   */
  attentionForward(
    buffer: NativeBuffer,
    ...shapeAndOffsets: [
      ...AttentionShapeArgs,
      qOffset: number,
      kOffset: number,
      vOffset: number,
      outOffset: number,
      probsOffset: number,
    ]
  ): void;
  /** dq, dk, dv of attentionForward from dOut and its probs (dq summed over the batch when shared). */
  attentionBackward(
    buffer: NativeBuffer,
    ...shapeAndOffsets: [
      ...AttentionShapeArgs,
      dOutOffset: number,
      qOffset: number,
      kOffset: number,
      vOffset: number,
      probsOffset: number,
      dqOffset: number,
      dkOffset: number,
      dvOffset: number,
    ]
  ): void;
  /**
   * The dense Binary Mapper estimator's gradient fused with the post-sampler (spec section 2):
   * dLogits[t, h] = sum over codes d of g_d G_d (bit_h(d) - p_h), g = dR W^T, G_d = prod_h
   * P(b_h = bit_h(d)), for logits [n, bits], dR [n, width], W [2^bits, width]. Never stores a
   * (tokens, codes) array.
   */
  denseBitGradient(
    buffer: NativeBuffer,
    n: number,
    bits: number,
    width: number,
    logitsOffset: number,
    dROffset: number,
    tableOffset: number,
    dLogitsOffset: number,
  ): void;
  /**
   * One AdamW step over n parameters into new arrays: m' = b1 m + (1 - b1) g,
   * v' = b2 v + (1 - b2) g^2, w' = decay w - stepSize m' / (sqrt(v') + epsHat), with the bias
   * corrections folded into stepSize and epsHat and decay = 1 - lr weightDecay (or 1).
   */
  adamW(
    buffer: NativeBuffer,
    n: number,
    wOffset: number,
    mOffset: number,
    vOffset: number,
    gOffset: number,
    beta1: number,
    beta2: number,
    stepSize: number,
    epsHat: number,
    decay: number,
    wOutOffset: number,
    mOutOffset: number,
    vOutOffset: number,
  ): void;
  /** The sum of x^2 over several float32 arrays (byte offsets, element counts), accumulated in float64. */
  sumOfSquares(buffer: NativeBuffer, offsets: number[], sizes: number[]): number;
}

/** The `op` codes of `binary` (addon/src/elementwise.h). */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, squaredDifference: 6 } as const;
/** The `op` codes of `unary`. exp and sigmoid use a polynomial exp (relative error ~2 ulp). */
export const UNARY_OPS = { neg: 0, exp: 1, sigmoid: 2, sqrt: 3, rsqrt: 4, square: 5, relu: 6, abs: 7 } as const;
/** The `op` codes of `reduceAxis`. */
export const REDUCE_OPS = { sum: 0, mean: 1, max: 2 } as const;
