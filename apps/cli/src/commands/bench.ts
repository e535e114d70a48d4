// ftlab bench: training throughput of the reference config (d=128, L=4, heads=4, T=64, B=32)
// and its variants on every engine that starts here, plus N concurrent training processes.
// One JSON line per case on stdout (as it is measured); a summary table on stderr.
import { BACKEND_NAMES, type BackendName } from '@ftlab/backend';
import { BENCH_CASES, type BenchmarkRecord, runBenchmarks } from '@ftlab/training';
import { formatNumber, formatTable } from '../output.js';

export interface BenchOptions {
  cases?: string[];
  engines?: string[];
  steps?: number;
  processes?: number[];
  multi: boolean;
  json: boolean;
}

export async function benchCommand(options: BenchOptions): Promise<number> {
  for (const engine of options.engines ?? []) {
    if (!(BACKEND_NAMES as readonly string[]).includes(engine)) {
      throw new Error(`--engines: "${engine}" is not an engine; use ${BACKEND_NAMES.join(', ')}`);
    }
  }
  const records: BenchmarkRecord[] = await runBenchmarks({
    ...(options.cases ? { cases: options.cases } : {}),
    ...(options.engines ? { engines: options.engines as BackendName[] } : {}),
    ...(options.steps ? { steps: options.steps } : {}),
    ...(options.multi ? (options.processes ? { processes: options.processes } : {}) : { processes: [] }),
    onRecord: (record) => process.stdout.write(`${JSON.stringify(record)}\n`),
  });
  if (!options.json) {
    const rows = records.flatMap((r) => {
      if (r.kind === 'case') {
        return [
          [
            r.case,
            r.backend,
            formatNumber(r.tokensPerSec, 5),
            formatNumber(r.msPerStep, 4),
            formatNumber(r.gflops, 3),
            r.peakRssMB,
          ],
        ];
      }
      if (r.kind === 'multi-process') {
        return [
          [
            `${r.processes} process(es)`,
            r.backend,
            formatNumber(r.totalTokensPerSec, 5),
            '',
            `x${r.efficiency} per process`,
            '',
          ],
        ];
      }
      return [['skipped', r.backend, '', '', r.why, '']];
    });
    process.stderr.write(
      `\n${formatTable(['case', 'engine', 'tokens/s', 'ms/step', 'GFLOP/s', 'peak RSS MB'], rows)}\n`,
    );
  }
  return 0;
}

export const BENCH_CASE_NAMES = Object.keys(BENCH_CASES);
