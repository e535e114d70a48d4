// `ftlab bench --reference torch`: ftlab against PyTorch on the same machine, in one invocation.
// For each case, rounds alternate: ftlab trains the case in a child process
// (throughput-benchmark.ts), then the PyTorch twin (python/ftlab_torch/bench.py) trains the same
// config with the same step (loss and gradients, global-norm clipping at 1, AdamW) and batch
// shape, one thread each (or --threads N each: ftlab's native kernels and torch.set_num_threads).
// The ratio per round is ftlab's tokens/s over PyTorch's; the record holds every round's pair, so
// a reader sees the spread as well as the median, and what each side ran on (CPU model and its
// vector ISA, ftlab's GEMM kernel and SIMD build, PyTorch's version, its kernels' ISA and its BLAS
// core).
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { type BackendName, checkEngineThreads, type NativeInfo, nativeKernelInfo } from '@ftlab/backend';
import { findPython, runPythonJson, TWIN_PYTHON_DIR } from '@ftlab/model';
import { median } from './median.js';
import {
  availableEngines,
  BENCH_BATCH,
  BENCH_TIME,
  benchCaseConfig,
  startChild,
  stepsFor,
} from './throughput-benchmark.js';

/** Cases the comparison runs by default: the two the per-core goal is stated for. */
export const REFERENCE_DEFAULT_CASES = ['baseline', 'ft-h8-dense'] as const;
/** The Pythons tried, in order, when none is named: FTLAB_PYTHON, then these. */
export const REFERENCE_PYTHON_CANDIDATES = ['python3', '/usr/bin/python3'] as const;
const REFERENCE_MODULES = ['torch', 'numpy'] as const;

export interface ReferenceBenchmarkOptions {
  cases?: string[];
  /** The ftlab engine (default: the first of native, wasm, cpu that starts here). */
  engine?: BackendName;
  /** A python3 that imports torch (default: FTLAB_PYTHON, python3, /usr/bin/python3). */
  python?: string;
  /** ftlab/PyTorch pairs per case (default 3). */
  rounds?: number;
  /** Measured steps per side and round after warm-up (default 10; H=16 dense gets fewer). */
  steps?: number;
  warmupSteps?: number;
  /** Threads on each side (ftlab's native GEMM, torch.set_num_threads); default 1, per core. */
  threads?: number;
  onRecord?: (record: ReferenceRecord) => void;
  /** Where FTLAB_PYTHON is read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface TorchSide {
  tokensPerSec: number;
  msPerStep: number;
  cpuMsPerStep: number;
  steps: number;
  /** Parameters of the model PyTorch trained (ftlab's parameterCount of the same config). */
  parameters: number;
  threads: number;
  torch: string;
  /** The vector ISA PyTorch's own CPU kernels were dispatched to (AVX2, AVX512, ...). */
  cpuCapability: string;
  /** The BLAS library loaded and, for OpenBLAS, the core type its kernels were chosen for. */
  blas: { library: string; openblasCore?: string; openblasConfig?: string };
  /** OPENBLAS_CORETYPE as set for PyTorch's process: it overrides OpenBLAS's own CPU detection. */
  openblasCoretype: string | null;
}

export interface ReferenceRecord {
  kind: 'reference';
  case: string;
  engine: BackendName;
  batch: number;
  time: number;
  /** Threads on each side. */
  threads: number;
  /** ftlab's tokens/s over PyTorch's, per round, in the order run. */
  ratios: number[];
  /** The median of `ratios`. */
  ratio: number;
  /** Each round's tokens/s, and their medians. */
  ftlabTokensPerSec: number[];
  torchTokensPerSec: number[];
  ftlabMedianTokensPerSec: number;
  torchMedianTokensPerSec: number;
  cpu: { model: string; isa: string[] };
  ftlabKernels: NativeInfo | null;
  torch: Omit<TorchSide, 'tokensPerSec' | 'msPerStep' | 'cpuMsPerStep' | 'steps'>;
  loadAverage: number;
}

/** Vector instruction sets that matter to these kernels, as /proc/cpuinfo lists them. */
const ISA_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_bf16', 'amx_tile'];

/** The CPU model and which of ISA_FLAGS it has (empty where /proc/cpuinfo cannot be read). */
export function cpuDescription(cpuinfo?: string): { model: string; isa: string[] } {
  const model = cpus()[0]?.model ?? 'unknown';
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return { model, isa: [] };
    }
  }
  const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(text)?.[1]?.split(/\s+/) ?? []);
  return { model, isa: ISA_FLAGS.filter((flag) => flags.has(flag)) };
}

/** The Python to run PyTorch with: the one named, else the first candidate that imports torch. */
export function referencePython(named: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const candidates = named ? [named] : env.FTLAB_PYTHON ? [env.FTLAB_PYTHON] : [...REFERENCE_PYTHON_CANDIDATES];
  const python = findPython(candidates, REFERENCE_MODULES);
  if (python === undefined) {
    throw new Error(
      `bench --reference torch: no Python among ${candidates.join(', ')} imports ${REFERENCE_MODULES.join(' and ')}. ` +
        "Install Debian's PyTorch (`apt-get install -y python3-torch libopenblas0-openmp`), or name one with " +
        '--python or FTLAB_PYTHON.',
    );
  }
  return python;
}

/** One PyTorch measurement of a case, in a fresh Python process (as ftlab's side is a fresh child). */
function torchSide(python: string, caseName: string, steps: number, warmupSteps: number, threads: number): TorchSide {
  const request = {
    op: 'bench',
    config: benchCaseConfig(caseName),
    batch: BENCH_BATCH,
    time: BENCH_TIME,
    steps,
    warmupSteps,
    threads,
    seed: 1,
  };
  const [answer] = runPythonJson(python, ['-m', 'ftlab_torch', 'json'], [request], TWIN_PYTHON_DIR) as [TorchSide];
  return answer;
}

/** Runs the side-by-side comparison and returns one record per case. */
export async function runReferenceBenchmarks(options: ReferenceBenchmarkOptions = {}): Promise<ReferenceRecord[]> {
  const env = options.env ?? process.env;
  const cases = options.cases ?? [...REFERENCE_DEFAULT_CASES];
  for (const name of cases) benchCaseConfig(name); // unknown names fail before anything runs
  const rounds = options.rounds ?? 3;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`bench: --rounds must be a whole number >= 1, not ${rounds}`);
  const python = referencePython(options.python, env);
  const [engines, skipped] = await availableEngines(options.engine ? [options.engine] : ['native', 'wasm', 'cpu']);
  const engine = engines[0];
  if (engine === undefined) {
    throw new Error(
      `bench --reference torch: no ftlab engine starts here (${skipped.map((s) => `${s.backend}: ${s.why}`).join('; ')})`,
    );
  }
  const warmupSteps = options.warmupSteps ?? 2;
  const threads = options.threads ?? 1;
  // Checked here, before any round; the threads themselves start in each measuring child.
  checkEngineThreads(engine, threads);
  const records: ReferenceRecord[] = [];
  for (const caseName of cases) {
    const steps = stepsFor(caseName, engine, options.steps ?? 10);
    const ours: number[] = [];
    const theirs: TorchSide[] = [];
    for (let round = 0; round < rounds; round++) {
      const record = await startChild({ caseName, engine, steps, warmupSteps, barrier: false, threads }).result;
      ours.push(record.tokensPerSec);
      theirs.push(torchSide(python, caseName, steps, warmupSteps, threads));
    }
    const ratios = ours.map((value, i) => Number((value / (theirs[i] as TorchSide).tokensPerSec).toFixed(3)));
    const { tokensPerSec: _t, msPerStep: _m, cpuMsPerStep: _c, steps: _s, ...torch } = theirs[0] as TorchSide;
    const record: ReferenceRecord = {
      kind: 'reference',
      case: caseName,
      engine,
      batch: BENCH_BATCH,
      time: BENCH_TIME,
      threads,
      ratios,
      ratio: Number(median(ratios).toFixed(3)),
      ftlabTokensPerSec: ours,
      torchTokensPerSec: theirs.map((side) => side.tokensPerSec),
      ftlabMedianTokensPerSec: Math.round(median(ours)),
      torchMedianTokensPerSec: Math.round(median(theirs.map((side) => side.tokensPerSec))),
      cpu: cpuDescription(),
      ftlabKernels: engine === 'native' ? nativeKernelInfo() : null,
      torch,
      loadAverage: Number(loadavg()[0].toFixed(2)),
    };
    records.push(record);
    options.onRecord?.(record);
  }
  return records;
}
