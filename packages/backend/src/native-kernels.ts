// tfjs kernels computed by the @ftlab/native addon directly in the wasm heap. Each factory
// receives wasm's own kernel for the same op and returns a kernel that handles the float32
// cases a training step produces natively and hands anything else (other dtypes, reductions
// over inner axes, broadcasts that do not collapse to rank 4) to wasm's kernel unchanged.
import { BINARY_OPS, type NativeAddon, REDUCE_OPS, UNARY_OPS } from '@ftlab/native';
import { broadcastLayout, normaliseAxes, shapeSize } from './native-layout.js';
import type { tf } from './tf.js';

type KernelFunc = tf.KernelFunc;
type TensorInfo = tf.TensorInfo;
type KernelArgs = Parameters<KernelFunc>[0];

/** The parts of the tfjs wasm backend (BackendWasm) the native kernels use. */
export interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  incRef(dataId: object): void;
}

export type KernelReplacement = (wasmKernel: KernelFunc) => KernelFunc;

function heapOf(args: KernelArgs): WasmHeapBackend {
  return args.backend as unknown as WasmHeapBackend;
}

/** Byte offset of a tensor's data in the wasm heap. */
function offset(backend: WasmHeapBackend, tensor: TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId).memoryOffset;
}

/** The heap to pass the addon: read after makeOutput, which may grow (replace) it. */
function heap(backend: WasmHeapBackend): ArrayBufferLike {
  return backend.wasm.HEAPU8.buffer;
}

/** Row-major strides of a shape, in elements. */
function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/**
 * BatchMatMul (tf.matMul, any rank >= 2, transpose flags). Equal batch dimensions, or one side
 * with a single batch item, are one addon call; any other broadcast of the batch dimensions (as
 * [2, 1] x [1, 3]) is one call per output item (wasm's kernel computes those wrongly in 4.22).
 */
function batchMatMul(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const [aRows, aCols] = a.shape.slice(-2) as [number, number];
    const [bRows, bCols] = b.shape.slice(-2) as [number, number];
    const m = transposeA ? aCols : aRows;
    const k = transposeA ? aRows : aCols;
    const n = transposeB ? bRows : bCols;
    if ((transposeB ? bCols : bRows) !== k) return fallback(args); // wasm's kernel says what is wrong
    const rank = Math.max(a.shape.length, b.shape.length) - 2;
    const aBatch = [...Array<number>(rank - (a.shape.length - 2)).fill(1), ...a.shape.slice(0, -2)];
    const bBatch = [...Array<number>(rank - (b.shape.length - 2)).fill(1), ...b.shape.slice(0, -2)];
    const outBatch: number[] = [];
    for (let i = 0; i < rank; i++) {
      const [ad, bd] = [aBatch[i], bBatch[i]];
      if (ad !== bd && ad !== 1 && bd !== 1) return fallback(args); // not broadcastable: wasm says so
      outBatch.push(ad === 1 ? bd : ad);
    }
    const backend = heapOf(args);
    const out = backend.makeOutput([...outBatch, m, n], 'float32');
    const items = shapeSize(outBatch);
    const aItems = shapeSize(aBatch);
    const bItems = shapeSize(bBatch);
    if (items === 0 || m === 0 || n === 0) return out;
    const [aAt, bAt, outAt] = [offset(backend, a), offset(backend, b), offset(backend, out)];
    const aSame = aItems === items;
    const bSame = bItems === items;
    if ((aSame || aItems === 1) && (bSame || bItems === 1)) {
      addon.gemm(
        heap(backend),
        items,
        m,
        n,
        k,
        transposeA,
        transposeB,
        aAt,
        aSame && aItems > 1 ? m * k : 0,
        bAt,
        bSame && bItems > 1 ? k * n : 0,
        outAt,
        1,
        0,
      );
      return out;
    }
    // Both sides broadcast along different batch dimensions: one product per output item.
    const outStrides = stridesOf(outBatch);
    const aStrides = stridesOf(aBatch);
    const bStrides = stridesOf(bBatch);
    for (let item = 0; item < items; item++) {
      let [aItem, bItem] = [0, 0];
      for (let d = 0; d < rank; d++) {
        const index = Math.floor(item / outStrides[d]) % outBatch[d];
        if (aBatch[d] !== 1) aItem += index * aStrides[d];
        if (bBatch[d] !== 1) bItem += index * bStrides[d];
      }
      addon.gemm(
        heap(backend),
        1,
        m,
        n,
        k,
        transposeA,
        transposeB,
        aAt + 4 * aItem * m * k,
        0,
        bAt + 4 * bItem * k * n,
        0,
        outAt + 4 * item * m * n,
        1,
        0,
      );
    }
    return out;
  };
}

function binary(addon: NativeAddon, op: number): KernelReplacement {
  return (fallback) => (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const layout = broadcastLayout(a.shape, b.shape);
    if (layout === null) return fallback(args);
    const backend = heapOf(args);
    const out = backend.makeOutput(layout.outShape, 'float32');
    if (shapeSize(layout.outShape) === 0) return out;
    addon.binary(
      heap(backend),
      op,
      layout.dims,
      layout.aStrides,
      layout.bStrides,
      offset(backend, a),
      offset(backend, b),
      offset(backend, out),
    );
    return out;
  };
}

function unary(addon: NativeAddon, op: number): KernelReplacement {
  return (fallback) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32') return fallback(args);
    const backend = heapOf(args);
    const out = backend.makeOutput(x.shape, 'float32');
    const size = shapeSize(x.shape);
    if (size > 0) addon.unary(heap(backend), op, size, offset(backend, x), offset(backend, out));
    return out;
  };
}

/** Sum, Mean and Max over one contiguous block of axes; scattered axes go to wasm. */
function reduce(addon: NativeAddon, op: number, axisAttr: 'axis' | 'reductionIndices'): KernelReplacement {
  return (fallback) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as Record<string, unknown>;
    if (x.dtype !== 'float32') return fallback(args);
    const axes = normaliseAxes(attrs[axisAttr] as number | number[], x.shape.length);
    if (axes.length === 0) return fallback(args);
    const first = axes[0];
    if (axes.some((axis, i) => axis !== first + i)) return fallback(args); // not one block
    const end = first + axes.length;
    const reduced = shapeSize(x.shape.slice(first, end));
    if (reduced === 0) return fallback(args);
    const kept = (i: number) => i < first || i >= end;
    const outShape = x.shape.flatMap((d, i) => (kept(i) ? [d] : attrs.keepDims === true ? [1] : []));
    const backend = heapOf(args);
    const out = backend.makeOutput(outShape, 'float32');
    const outer = shapeSize(x.shape.slice(0, first));
    const inner = shapeSize(x.shape.slice(end));
    if (outer * inner > 0) {
      addon.reduceAxis(heap(backend), op, outer, reduced, inner, offset(backend, x), offset(backend, out));
    }
    return out;
  };
}

function softmax(addon: NativeAddon): KernelReplacement {
  return (fallback) => (args) => {
    const { logits } = args.inputs as { logits: TensorInfo };
    const { dim } = args.attrs as { dim: number };
    const rank = logits.shape.length;
    if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(args);
    const cols = logits.shape[rank - 1];
    const rows = shapeSize(logits.shape) / Math.max(cols, 1);
    const backend = heapOf(args);
    const out = backend.makeOutput(logits.shape, 'float32');
    if (rows > 0 && cols > 0)
      addon.softmaxRows(heap(backend), rows, cols, offset(backend, logits), offset(backend, out));
    return out;
  };
}

function transpose(addon: NativeAddon): KernelReplacement {
  return (fallback) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length > 6) return fallback(args);
    const backend = heapOf(args);
    const out = backend.makeOutput(
      perm.map((p) => x.shape[p]),
      x.dtype,
    );
    if (shapeSize(x.shape) > 0) addon.transpose(heap(backend), x.shape, perm, offset(backend, x), offset(backend, out));
    return out;
  };
}

/**
 * Identity (and Cast to the same dtype) shares the input's memory, as tfjs's cpu engine does:
 * tfjs never writes into a tensor's memory after creating it, and wasm's Identity copies,
 * which costs a full copy of every tensor the tape saves for the backward pass.
 */
function shareInput(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const target = (args.attrs as { dtype?: string } | undefined)?.dtype ?? x.dtype;
    if (x.dtype === 'string' || target !== x.dtype) return fallback(args);
    heapOf(args).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** GatherV2 along axis 0 (embedding lookups, row gathers) of a float32 table by int32 ids. */
function gather(addon: NativeAddon): KernelReplacement {
  return (fallback) => (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const rank = x.shape.length;
    const along = axis < 0 ? axis + rank : axis;
    if (x.dtype !== 'float32' || indices.dtype !== 'int32' || along !== 0 || batchDims !== 0 || rank === 0) {
      return fallback(args);
    }
    const rows = x.shape[0];
    const cols = shapeSize(x.shape.slice(1));
    const count = shapeSize(indices.shape);
    const backend = heapOf(args);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
    if (count === 0 || cols === 0) return out;
    const bad = addon.gatherRows(
      heap(backend),
      offset(backend, x),
      rows,
      cols,
      offset(backend, indices),
      count,
      offset(backend, out),
    );
    if (bad >= 0) {
      const id = new Int32Array(heap(backend), offset(backend, indices) + 4 * bad, 1)[0];
      throw new Error(
        `GatherV2: index ${id} at position ${bad} is outside [0, ${rows - 1}] (table shape [${x.shape}])`,
      );
    }
    return out;
  };
}

/** Kernel name -> replacement, for the kernels the addon computes. */
export function nativeKernels(addon: NativeAddon): Map<string, KernelReplacement> {
  return new Map<string, KernelReplacement>([
    ['BatchMatMul', (fallback) => batchMatMul(addon, fallback)],
    ['Add', binary(addon, BINARY_OPS.add)],
    ['Sub', binary(addon, BINARY_OPS.sub)],
    ['Multiply', binary(addon, BINARY_OPS.mul)],
    ['RealDiv', binary(addon, BINARY_OPS.div)],
    ['Maximum', binary(addon, BINARY_OPS.max)],
    ['Minimum', binary(addon, BINARY_OPS.min)],
    ['SquaredDifference', binary(addon, BINARY_OPS.squaredDifference)],
    ['Neg', unary(addon, UNARY_OPS.neg)],
    ['Exp', unary(addon, UNARY_OPS.exp)],
    ['Sigmoid', unary(addon, UNARY_OPS.sigmoid)],
    ['Sqrt', unary(addon, UNARY_OPS.sqrt)],
    ['Rsqrt', unary(addon, UNARY_OPS.rsqrt)],
    ['Square', unary(addon, UNARY_OPS.square)],
    ['Relu', unary(addon, UNARY_OPS.relu)],
    ['Abs', unary(addon, UNARY_OPS.abs)],
    ['Sum', reduce(addon, REDUCE_OPS.sum, 'axis')],
    ['Mean', reduce(addon, REDUCE_OPS.mean, 'axis')],
    ['Max', reduce(addon, REDUCE_OPS.max, 'reductionIndices')],
    ['Softmax', softmax(addon)],
    ['Transpose', transpose(addon)],
    ['Identity', shareInput],
    ['Cast', shareInput],
    ['GatherV2', gather(addon)],
  ]);
}
