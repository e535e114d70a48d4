// Every kernel reads its operands the same way (addon/src/napi_args.h): an offset that is not a
// whole number >= 0 is refused by the argument's name (xOffset), a misaligned one by its operand's
// (x); and each switch refuses a flag that is not a boolean, leaving the setting as it was.
import { describe, expect, it } from 'vitest';
import type { NativeAddon } from '../src/index.js';
import { addon, SKIP_NOTE } from './helpers.js';

/** A kernel's arguments after the buffer (offsets 0, small sizes) and where each operand's offset stands in them. */
const KERNELS: Array<[keyof NativeAddon, unknown[], Record<string, number>]> = [
  ['binary', [0, [4], [1], [1], 0, 0, 0], { a: 4, b: 5, out: 6 }],
  ['unary', [0, 4, 0, 0], { x: 2, out: 3 }],
  ['reduceAxis', [0, 2, 2, 2, 0, 0], { x: 4, out: 5 }],
  ['softmaxRows', [2, 2, 0, 0], { x: 2, out: 3 }],
  ['transpose', [[2, 2], [1, 0], 0, 0], { x: 2, out: 3 }],
  ['gatherRows', [0, 2, 2, 0, 2, 0], { table: 0, ids: 3, out: 5 }],
  ['rmsNormForward', [2, 4, 0, 0, 1e-5, 0, 0], { x: 2, w: 3, y: 5, r: 6 }],
  ['rmsNormBackward', [2, 4, 0, 0, 0, 0, 0, 0], { dy: 2, x: 3, w: 4, r: 5, dx: 6, dw: 7 }],
  ['swiGluForward', [4, 0, 0, 0], { g: 1, u: 2, h: 3 }],
  ['swiGluBackward', [4, 0, 0, 0, 0, 0], { dh: 1, g: 2, u: 3, dg: 4, du: 5 }],
  ['rope', [1, 2, 1, 2, 0, 0, 0, false, 0], { x: 4, cos: 5, sin: 6, out: 8 }],
  ['attentionForward', [1, 1, 2, 2, 1, 2, false, 0, 0, 0, 0, 0], { q: 7, k: 8, v: 9, out: 10, probs: 11 }],
  [
    'attentionBackward',
    [1, 1, 2, 2, 1, 2, false, 0, 0, 0, 0, 0, 0, 0, 0],
    { dOut: 7, q: 8, k: 9, v: 10, probs: 11, dq: 12, dk: 13, dv: 14 },
  ],
  ['denseBitGradient', [2, 2, 2, 0, 0, 0, 0], { logits: 3, dR: 4, table: 5, dLogits: 6 }],
  [
    'adamW',
    [4, 0, 0, 0, 0, 0.9, 0.95, 1e-3, 1e-8, 1, 0, 0, 0],
    { w: 1, m: 2, v: 3, g: 4, wOut: 10, mOut: 11, vOut: 12 },
  ],
];

describe.skipIf(addon === null)(`argument errors name the argument${SKIP_NOTE}`, () => {
  const a = addon!;
  const heap = new Float32Array(4096);

  it.each(KERNELS)('%s names each operand whose offset it refuses', (kernel, args, operands) => {
    const call = (at: number, offset: unknown) => () =>
      (a[kernel] as (...all: unknown[]) => unknown)(heap, ...args.map((value, i) => (i === at ? offset : value)));
    for (const [name, at] of Object.entries(operands)) {
      expect(call(at, -4)).toThrow(`@ftlab/native ${kernel}: ${name}Offset must be an integer >= 0, got -4`);
      expect(call(at, 'x')).toThrow(`@ftlab/native ${kernel}: ${name}Offset must be a number`);
      expect(call(at, 2)).toThrow(`@ftlab/native ${kernel}: ${name} byte offset 2 is not a non-negative multiple of 4`);
      expect(call(at, heap.byteLength)).toThrow(
        new RegExp(`^@ftlab/native ${kernel}: ${name} needs bytes ${heap.byteLength}\\.\\.\\d+ but the buffer holds`),
      );
    }
  });

  it('setAvx512 and setPortable refuse a flag that is not a boolean and keep their setting', () => {
    const before = a.info();
    expect(() => a.setAvx512('no' as unknown as boolean)).toThrow('@ftlab/native setAvx512: flag must be a boolean');
    expect(() => a.setPortable(1 as unknown as boolean)).toThrow('@ftlab/native setPortable: flag must be a boolean');
    expect(a.info()).toEqual(before);
  });
});
