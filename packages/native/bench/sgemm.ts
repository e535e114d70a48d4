// `pnpm --filter @ftlab/native bench [--repeats n]`: GFLOP/s of the addon's SGEMM on the products of
// one training step of the reference config (d=128, SwiGLU width 352, vocab 28, B*T = 2048 tokens):
// forward x W, the input gradient dY W^T and the weight gradient X^T dY (K = 2048), plus the
// micro-kernel's ceiling on a product that fits in L1. Prints one JSON line per shape: median and
// best GFLOP/s over the repeats.
import { benchArgs } from '../../../bench.shared.js';
import { loadNative } from '../src/load.js';

interface Shape {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

const TOKENS = 2048;
const D = 128;
const HIDDEN = 352;
const VOCAB = 28;

const SHAPES: Shape[] = [
  { name: 'L1 ceiling 96x128x128', m: 96, n: 128, k: 128, transA: false, transB: false },
  { name: 'forward x W (d->d)', m: TOKENS, n: D, k: D, transA: false, transB: false },
  { name: 'forward x W (d->ffn)', m: TOKENS, n: HIDDEN, k: D, transA: false, transB: false },
  { name: 'forward x W (ffn->d)', m: TOKENS, n: D, k: HIDDEN, transA: false, transB: false },
  { name: 'logits x E^T', m: TOKENS, n: VOCAB, k: D, transA: false, transB: true },
  { name: 'input grad dY W^T (d->d)', m: TOKENS, n: D, k: D, transA: false, transB: true },
  { name: 'input grad dY W^T (ffn->d)', m: TOKENS, n: D, k: HIDDEN, transA: false, transB: true },
  { name: 'weight grad X^T dY (d x d)', m: D, n: D, k: TOKENS, transA: true, transB: false },
  { name: 'weight grad X^T dY (d x ffn)', m: D, n: HIDDEN, k: TOKENS, transA: true, transB: false },
  { name: 'weight grad X^T dY (ffn x d)', m: HIDDEN, n: D, k: TOKENS, transA: true, transB: false },
];

function main(): void {
  const args = benchArgs({
    usage: 'pnpm --filter @ftlab/native bench',
    description:
      "GFLOP/s of the addon's SGEMM on the products of one training step of the reference config, and " +
      "the micro-kernel's ceiling on an L1-sized product: one JSON line per shape (median and best).",
    options: { repeats: { type: 'string', value: 'n', help: 'samples per shape (default 40)' } },
  });
  const repeats = args.integer('repeats', 1) ?? 40;
  const status = loadNative();
  if (!status.available) {
    console.error(`@ftlab/native bench: the addon is not available: ${status.reason}`);
    process.exitCode = 1;
    return;
  }
  const addon = status.addon;
  for (const s of SHAPES) {
    const sizes = [s.m * s.k, s.k * s.n, s.m * s.n];
    const memory = new Float32Array(sizes[0]! + sizes[1]! + sizes[2]!);
    for (let i = 0; i < memory.length; i++) memory[i] = Math.sin(i) * 0.5;
    const [aOffset, bOffset, cOffset] = [0, sizes[0]! * 4, (sizes[0]! + sizes[1]!) * 4];
    // Enough calls per sample that one sample lasts about a millisecond or more.
    const flops = 2 * s.m * s.n * s.k;
    const calls = Math.max(1, Math.round(2e8 / flops));
    const run = () => addon.gemm(memory, 1, s.m, s.n, s.k, s.transA, s.transB, aOffset, 0, bOffset, 0, cOffset, 1, 0);
    for (let i = 0; i < 3 * calls; i++) run(); // warm-up: scratch buffers, caches, clocks
    const rates: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) run();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      rates.push((flops * calls) / seconds / 1e9);
    }
    rates.sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    console.log(
      JSON.stringify({
        shape: s.name,
        m: s.m,
        n: s.n,
        k: s.k,
        transA: s.transA,
        transB: s.transB,
        kernel: addon.info().gemmKernel,
        medianGflops: round(rates[Math.floor(rates.length / 2)]!),
        bestGflops: round(rates[rates.length - 1]!),
      }),
    );
  }
}

main();
