// `pnpm --filter @ftlab/training bench`: runBenchmarks (src/throughput-benchmark.ts, what
// `ftlab bench` runs) from the package, printing each record as one JSON line as it is measured.
//
//   pnpm --filter @ftlab/training bench [--cases baseline,ft-h8-dense] [--engines native,wasm]
//                                       [--steps 10] [--processes 1,2] [--no-multi]
import { BACKEND_NAMES, type BackendName } from '@ftlab/backend';
import { benchArgs } from '../../../bench.shared.js';
import { BENCH_CASES, runBenchmarks } from '../src/throughput-benchmark.js';

const args = benchArgs({
  usage: 'pnpm --filter @ftlab/training bench',
  description:
    "Training throughput of the reference config's cases with the trainer's real step, each case on each " +
    'engine in its own child process, then N training processes at once: one JSON line per record.',
  options: {
    cases: { type: 'string', value: 'a,b', help: `cases (default all): ${Object.keys(BENCH_CASES).join(', ')}` },
    engines: { type: 'string', value: 'a,b', help: `engines (default all that start): ${BACKEND_NAMES.join(', ')}` },
    steps: { type: 'string', value: 'n', help: 'measured steps per case after warm-up (default 10)' },
    processes: { type: 'string', value: 'n,m', help: 'process counts of the multi-process case (default 1..cores)' },
    'no-multi': { type: 'boolean', help: 'skip the multi-process case' },
  },
});
const processes = args.list('processes')?.map((item) => {
  if (!/^\d+$/.test(item) || Number(item) < 1)
    args.fail(`--processes: ${JSON.stringify(item)} is not a whole number >= 1`);
  return Number(item);
});
if (processes !== undefined && args.flag('no-multi')) args.fail('--processes and --no-multi contradict each other');
await runBenchmarks({
  cases: args.list('cases', Object.keys(BENCH_CASES)),
  engines: args.list('engines', BACKEND_NAMES) as BackendName[] | undefined,
  steps: args.integer('steps', 1),
  processes: args.flag('no-multi') ? [] : processes,
  onRecord: (record) => process.stdout.write(`${JSON.stringify(record)}\n`),
});
