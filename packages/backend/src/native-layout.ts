// Shape bookkeeping for the native kernels: broadcasting collapsed to at most 4 dimensions
// with strides, and reduction axes. Pure functions, tested on their own.

export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

export interface BroadcastLayout {
  /** The broadcast result's shape (numpy rules, as tfjs). */
  outShape: number[];
  /** Collapsed output dimensions, 1 to 4 of them, whose product is the output size. */
  dims: number[];
  /** Strides in elements per collapsed dimension, 0 where the operand is broadcast. */
  aStrides: number[];
  bStrides: number[];
}

/** At most this many collapsed dimensions (the addon's loop nest). */
const MAX_COLLAPSED_RANK = 4;

/**
 * The layout of `a op b` with broadcasting: dimensions of size 1 in the output are dropped and
 * neighbouring dimensions that both operands either span or broadcast alike are merged. null
 * when the shapes do not broadcast or need more than 4 collapsed dimensions (the caller then
 * uses the wasm kernel, which reports a bad broadcast itself).
 */
export function broadcastLayout(aShape: readonly number[], bShape: readonly number[]): BroadcastLayout | null {
  const rank = Math.max(aShape.length, bShape.length);
  const a = [...Array<number>(rank - aShape.length).fill(1), ...aShape];
  const b = [...Array<number>(rank - bShape.length).fill(1), ...bShape];
  const outShape: number[] = [];
  // Collapsed dimensions as [size, a spans it, b spans it].
  const merged: Array<[number, boolean, boolean]> = [];
  for (let i = 0; i < rank; i++) {
    const ad = a[i];
    const bd = b[i];
    if (ad !== bd && ad !== 1 && bd !== 1) return null;
    const size = Math.max(ad, bd);
    outShape.push(ad === 0 || bd === 0 ? 0 : size);
    if (size === 1) continue;
    const aSpans = ad !== 1;
    const bSpans = bd !== 1;
    const last = merged[merged.length - 1];
    if (last && last[1] === aSpans && last[2] === bSpans) last[0] *= size;
    else merged.push([size, aSpans, bSpans]);
  }
  if (merged.length === 0) merged.push([1, true, true]);
  if (merged.length > MAX_COLLAPSED_RANK) return null;
  const strides = (spans: (d: [number, boolean, boolean]) => boolean): number[] => {
    const out = new Array<number>(merged.length).fill(0);
    let stride = 1;
    for (let i = merged.length - 1; i >= 0; i--) {
      const dim = merged[i] as [number, boolean, boolean];
      if (spans(dim)) {
        out[i] = stride;
        stride *= dim[0];
      }
    }
    return out;
  };
  return {
    outShape,
    dims: merged.map((d) => d[0]),
    aStrides: strides((d) => d[1]),
    bStrides: strides((d) => d[2]),
  };
}

/** Reduction axes as sorted, non-negative, distinct dimension indices (tfjs accepts negatives). */
export function normaliseAxes(axis: number | number[] | null | undefined, rank: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((x, y) => x - y);
}
