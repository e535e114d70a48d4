import { describe, expect, it } from 'vitest';
import { broadcastLayout, normaliseAxes } from '../src/native-layout.js';

describe('broadcastLayout', () => {
  it('collapses equal shapes to one dimension', () => {
    expect(broadcastLayout([2, 3, 4], [2, 3, 4])).toEqual({
      outShape: [2, 3, 4],
      dims: [24],
      aStrides: [1],
      bStrides: [1],
    });
  });

  it('a row vector, a column vector and a scalar', () => {
    expect(broadcastLayout([32, 64, 128], [128])).toEqual({
      outShape: [32, 64, 128],
      dims: [2048, 128],
      aStrides: [128, 1],
      bStrides: [0, 1],
    });
    expect(broadcastLayout([32, 64, 1], [32, 64, 128])).toEqual({
      outShape: [32, 64, 128],
      dims: [2048, 128],
      aStrides: [1, 0],
      bStrides: [128, 1],
    });
    expect(broadcastLayout([], [5, 7])).toEqual({ outShape: [5, 7], dims: [35], aStrides: [0], bStrides: [1] });
    expect(broadcastLayout([], [])).toEqual({ outShape: [], dims: [1], aStrides: [1], bStrides: [1] });
  });

  it('both sides broadcast, size-1 dimensions dropped', () => {
    expect(broadcastLayout([2, 1, 3], [1, 4, 1])).toEqual({
      outShape: [2, 4, 3],
      dims: [2, 4, 3],
      aStrides: [3, 0, 1],
      bStrides: [0, 1, 0],
    });
    expect(broadcastLayout([1, 5, 1, 6], [5, 4, 6])).toEqual({
      outShape: [1, 5, 4, 6],
      dims: [5, 4, 6],
      aStrides: [6, 0, 1],
      bStrides: [24, 6, 1],
    });
  });

  it('refuses shapes that do not broadcast, and layouts that need more than 4 dimensions', () => {
    expect(broadcastLayout([2, 3], [3, 2])).toBeNull();
    expect(broadcastLayout([2, 1, 2, 1, 2], [1, 2, 1, 2, 1])).toBeNull();
  });

  it('keeps zero-sized outputs zero-sized', () => {
    expect(broadcastLayout([0, 3], [1, 3])?.outShape).toEqual([0, 3]);
  });
});

describe('normaliseAxes', () => {
  it('resolves negative, duplicate, missing and unordered axes', () => {
    expect(normaliseAxes(-1, 3)).toEqual([2]);
    expect(normaliseAxes([2, 0, -3], 3)).toEqual([0, 2]);
    expect(normaliseAxes(null, 2)).toEqual([0, 1]);
    expect(normaliseAxes(undefined, 0)).toEqual([]);
  });
});
