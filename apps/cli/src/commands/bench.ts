// ftlab bench: training throughput of the reference config (d=128, L=4, heads=4, T=64, B=32)
// and its variants on every engine that starts here, plus N concurrent training processes.
// One JSON line per case on stdout (as it is measured); a summary table on stderr.
// With --reference torch: ftlab against the PyTorch twin on the same cases, alternating, one
// ratio per case (reference-benchmark.ts in @ftlab/training).
import { BACKEND_NAMES, type BackendName } from '@ftlab/backend';
import {
  BENCH_CASES,
  type BenchmarkRecord,
  type KernelProfile,
  type ReferenceRecord,
  runBenchmarks,
  runReferenceBenchmarks,
} from '@ftlab/training';
import { formatNumber, formatTable } from '../output.js';

export interface BenchOptions {
  cases?: string[];
  engines?: string[];
  steps?: number;
  processes?: number[];
  multi: boolean;
  json: boolean;
  reference?: 'torch';
  rounds?: number;
  python?: string;
  threads?: number;
  profile?: boolean;
}

export async function benchCommand(options: BenchOptions): Promise<number> {
  for (const engine of options.engines ?? []) {
    if (!(BACKEND_NAMES as readonly string[]).includes(engine)) {
      throw new Error(`--engines: "${engine}" is not an engine; use ${BACKEND_NAMES.join(', ')}`);
    }
  }
  if (options.reference !== undefined) {
    if (options.profile) throw new Error('--profile profiles ftlab alone: run it without --reference');
    return referenceCommand(options);
  }
  if (options.rounds !== undefined || options.python !== undefined) {
    throw new Error('--rounds and --python belong to --reference torch');
  }
  // A profile is of single runs: the multi-process case would only add minutes.
  const multi = options.multi && !options.profile;
  if (options.processes !== undefined && !multi) {
    throw new Error(
      `--processes sets the multi-process case, which ${options.profile ? '--profile' : '--no-multi'} leaves out: drop one of them`,
    );
  }
  const records: BenchmarkRecord[] = await runBenchmarks({
    ...(options.cases ? { cases: options.cases } : {}),
    ...(options.engines ? { engines: options.engines as BackendName[] } : {}),
    ...(options.steps ? { steps: options.steps } : {}),
    ...(multi ? (options.processes ? { processes: options.processes } : {}) : { processes: [] }),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.profile ? { profile: true } : {}),
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
    for (const r of records) {
      if (r.kind === 'case' && r.profile) process.stderr.write(`\n${profileSummary(r.case, r.backend, r.profile)}\n`);
    }
  }
  return 0;
}

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;

/** A case's kernel profile as printed after `ftlab bench --profile`: by kernel, then by shape. */
function profileSummary(caseName: string, engine: string, profile: KernelProfile): string {
  const byKernel = formatTable(
    ['kernel', 'ms/step', 'share', 'calls/step'],
    [
      ...profile.kernels.map((k) => [k.kernel, k.msPerStep.toFixed(2), percent(k.share), String(k.callsPerStep)]),
      [
        '(outside kernels)',
        profile.outsideKernelsMsPerStep.toFixed(2),
        percent(profile.outsideKernelsMsPerStep / profile.msPerStep),
        '',
      ],
    ],
  );
  const byShape = formatTable(
    ['kernel', 'input shapes', 'ms/step', 'share', 'calls/step'],
    profile.byShape.map((k) => [
      k.kernel,
      k.shapes ?? '',
      k.msPerStep.toFixed(2),
      percent(k.share),
      String(k.callsPerStep),
    ]),
  );
  return [
    `profile of ${caseName} on ${engine}: ${profile.msPerStep} ms per profiled step (${profile.steps} steps; timing each kernel slows the step, so read the shares)`,
    byKernel,
    '',
    'slowest kernels by input shapes:',
    byShape,
  ].join('\n');
}

async function referenceCommand(options: BenchOptions): Promise<number> {
  if ((options.engines?.length ?? 0) > 1) {
    throw new Error('--reference torch compares one ftlab engine with PyTorch: give one in --engines');
  }
  const records: ReferenceRecord[] = await runReferenceBenchmarks({
    ...(options.cases ? { cases: options.cases } : {}),
    ...(options.engines?.[0] ? { engine: options.engines[0] as BackendName } : {}),
    ...(options.steps ? { steps: options.steps } : {}),
    ...(options.rounds ? { rounds: options.rounds } : {}),
    ...(options.python ? { python: options.python } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    onRecord: (record) => process.stdout.write(`${JSON.stringify(record)}\n`),
  });
  if (!options.json && records.length > 0) process.stderr.write(`\n${referenceSummary(records)}\n`);
  return 0;
}

const range = (values: number[]) => `${Math.min(...values)}-${Math.max(...values)}`;

/** The comparison table and what each side ran on, as printed after a --reference run. */
export function referenceSummary(records: readonly ReferenceRecord[]): string {
  const first = records[0] as ReferenceRecord;
  const kernels = first.ftlabKernels
    ? `GEMM ${first.ftlabKernels.gemmKernel}, SIMD ${first.ftlabKernels.simd}`
    : 'tfjs kernels';
  const blas = first.torch.blas.openblasCore
    ? `OpenBLAS (core ${first.torch.blas.openblasCore})`
    : first.torch.blas.library;
  const lines = [
    `CPU: ${first.cpu.model} (${first.cpu.isa.join(', ') || 'flags unknown'})`,
    `ftlab: ${first.engine} engine, ${kernels}, ${first.threads} thread(s)`,
    `PyTorch ${first.torch.torch}: ${first.torch.threads} thread(s), its kernels ${first.torch.cpuCapability}, BLAS ${blas}`,
  ];
  if (first.torch.openblasCoretype) {
    lines.push(
      `note: OPENBLAS_CORETYPE=${first.torch.openblasCoretype} is set, so OpenBLAS runs that core's kernels, not the ` +
        "ones it would pick for this CPU: for PyTorch's own speed, run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`",
    );
  }
  const rows = records.map((r) => [
    r.case,
    formatNumber(r.ftlabMedianTokensPerSec, 5),
    formatNumber(r.torchMedianTokensPerSec, 5),
    `x${r.ratio}`,
    range(r.ratios),
    String(r.ratios.length),
  ]);
  const table = formatTable(['case', 'ftlab tok/s', 'PyTorch tok/s', 'ftlab/PyTorch', 'range', 'rounds'], rows);
  return `${lines.join('\n')}\n\n${table}\n(medians over rounds that alternate ftlab and PyTorch; load average ${first.loadAverage})`;
}

export const BENCH_CASE_NAMES = Object.keys(BENCH_CASES);
