// Training throughput benchmark: runBenchmarks(), what `ftlab bench` runs (and the package's
// `bench` script, bench/throughput.ts).
//
// Trains the reference config (d=128, L=4, heads=4, SwiGLU, T=64, B=32, vocab 28) with the
// real step of the trainer (lossAndGradients + clipByGlobalNorm + AdamW) for a fixed number of
// steps after warm-up, and returns one record per (case, engine). Every case runs in its own
// child process (throughput-child.ts), so its peak RSS is its own. The multi-process case starts
// N such processes at once (N = 1..cores) and reports their total tokens/s against N x one process.
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BACKEND_NAMES,
  type BackendName,
  BackendUnavailableError,
  selectBackend,
  setEngineThreads,
  tf,
} from '@ftlab/backend';
import { Rng } from '@ftlab/contract';
import {
  createModel,
  flopsPerToken,
  lossAndGradients,
  type ModelConfig,
  type ModelConfigInput,
  parameterCount,
  resolveModelConfig,
} from '@ftlab/model';
import { type KernelProfile, profileSteps } from './kernel-profile.js';
import { median } from './median.js';
import { AdamW, clipByGlobalNorm } from './optimizer.js';

const REFERENCE = { vocabSize: 28, width: 128, layers: 4, heads: 4, contextLength: 64, kappa: { bits: 0.5 } } as const;
/** The batch shape every case trains with: B sequences of T = the reference context. */
export const BENCH_BATCH = 32;
export const BENCH_TIME = REFERENCE.contextLength;
const BATCH = BENCH_BATCH;

/** The benchmark cases: the reference config and its variants. */
export const BENCH_CASES: Readonly<Record<string, ModelConfigInput>> = {
  baseline: { variant: 'baseline' },
  'ft-h8-dense': { variant: 'free-transformer', latentBits: 8, estimator: 'dense' },
  'ft-h16-dense': { variant: 'free-transformer', latentBits: 16, estimator: 'dense' },
  'ft-h16-factored': { variant: 'free-transformer', latentBits: 16, estimator: 'factored' },
  'baseline-d256-l8': { variant: 'baseline', width: 256, layers: 8, heads: 8 },
};

export interface BenchmarkOptions {
  /** Case names (keys of BENCH_CASES); default all. */
  cases?: string[];
  /** Engines to measure; default every engine that starts here (node-gpu, node, native, wasm, cpu). */
  engines?: BackendName[];
  /** Measured steps per case after warm-up (default 10; the cpu engine and H=16 dense get fewer). */
  steps?: number;
  warmupSteps?: number;
  /** Process counts of the multi-process case (default 1..cores); [] skips it. */
  processes?: number[];
  /** Threads of each run on the native engine (default 1); the other engines run one. */
  threads?: number;
  /** After the timed steps, profile as many more kernel by kernel (CaseRecord.profile). */
  profile?: boolean;
  /** Called with each record as soon as it is measured (the CLI prints it). */
  onRecord?: (record: BenchmarkRecord) => void;
}

export interface CaseRecord {
  kind: 'case';
  case: string;
  variant: string;
  /** H (latent bits; 0 for the baseline). */
  latentBits: number;
  estimator: string | null;
  backend: BackendName;
  /** Threads of the run (the native engine's kernels). */
  threads: number;
  shape: { d: number; L: number; heads: number; T: number; B: number; V: number };
  params: number;
  /** Model FLOPs per token for training (forward + backward, @ftlab/model flopsPerToken). */
  flopsPerToken: number;
  steps: number;
  tokensPerSec: number;
  /** Median wall time of one step. */
  msPerStep: number;
  /** Median CPU time of one step (less sensitive than wall time to other processes on the machine). */
  cpuMsPerStep: number;
  /** Achieved model GFLOP/s at the median wall time. */
  gflops: number;
  peakRssMB: number;
  /** 1-minute load average when the case finished: compare cases from runs with similar load. */
  loadAverage: number;
  /** Where the step's time goes, kernel by kernel (with the profile option). */
  profile?: KernelProfile;
}

export interface MultiProcessRecord {
  kind: 'multi-process';
  case: string;
  backend: BackendName;
  processes: number;
  /** Sum over the processes of their tokens/s, all measured while all of them ran. */
  totalTokensPerSec: number;
  perProcessTokensPerSec: number[];
  /** totalTokensPerSec / (processes x the 1-process rate of the same run). */
  efficiency: number;
  loadAverage: number;
}

export interface SkippedRecord {
  kind: 'skipped';
  backend: BackendName;
  why: string;
}

export type BenchmarkRecord = CaseRecord | MultiProcessRecord | SkippedRecord;

/** The resolved model config of a benchmark case. */
export function benchCaseConfig(caseName: string): ModelConfig {
  const overrides = BENCH_CASES[caseName];
  if (overrides === undefined) {
    throw new Error(`bench: unknown case "${caseName}"; cases: ${Object.keys(BENCH_CASES).join(', ')}`);
  }
  return resolveModelConfig({ ...REFERENCE, ...overrides });
}

/** What a child process is asked to measure. */
export interface ChildSpec {
  caseName: string;
  engine: BackendName;
  steps: number;
  warmupSteps: number;
  /** Wait for "go" on stdin after warm-up (multi-process runs start measuring together). */
  barrier: boolean;
  /** Threads of the run (setEngineThreads; default 1). */
  threads?: number;
  /** Profile `steps` more steps after the timed ones. */
  profile?: boolean;
}

/** Seeded token batches, a fresh one per step as in training. */
function tokenStream(seed: number, vocab: number): () => Int32Array {
  const rng = Rng.derive(seed, 'bench', 'tokens');
  return () => Int32Array.from({ length: BATCH * (REFERENCE.contextLength + 1) }, () => rng.int(vocab));
}

async function waitForGo(): Promise<void> {
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      if (chunk.includes('go')) resolve();
    });
  });
}

/** Runs one case in this process and returns its record (the child side, throughput-child.ts). */
export async function measureCase(spec: ChildSpec): Promise<CaseRecord> {
  const config = benchCaseConfig(spec.caseName);
  await selectBackend(spec.engine);
  setEngineThreads(spec.engine, spec.threads ?? 1);
  const model = createModel(config, 1);
  const optimizer = new AdamW(model.variables, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
  const time = REFERENCE.contextLength;
  const nextTokens = tokenStream(7, config.vocabSize);
  const step = (index: number) => {
    const tokens = nextTokens();
    const rows = (from: number) =>
      Int32Array.from(
        { length: BATCH * time },
        (_, i) => tokens[Math.floor(i / time) * (time + 1) + (i % time) + from]!,
      );
    const inputs = tf.tensor2d(rows(0), [BATCH, time], 'int32');
    const targets = tf.tensor2d(rows(1), [BATCH, time], 'int32');
    const result = lossAndGradients(model, inputs, targets, { seed: index, training: true });
    tf.dispose([inputs, targets]);
    const grads = Object.fromEntries(result.grads);
    const clipped = clipByGlobalNorm(grads, 1);
    optimizer.apply(clipped.grads, 1e-3);
    tf.dispose(Object.values(grads));
    if (clipped.grads !== grads) tf.dispose(Object.values(clipped.grads));
    if (!Number.isFinite(result.loss)) throw new Error(`bench ${spec.caseName}: loss ${result.loss} at step ${index}`);
  };
  for (let i = 0; i < spec.warmupSteps; i++) step(i);
  if (spec.barrier) await waitForGo();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < spec.steps; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    step(spec.warmupSteps + i);
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
  }
  const msPerStep = median(wall);
  const profile = spec.profile ? await profileSteps(step, spec.steps, spec.warmupSteps + spec.steps) : undefined;
  const tokens = BATCH * time;
  const flops = flopsPerToken(config, { training: true, sequenceLength: time });
  optimizer.dispose();
  model.dispose();
  return {
    kind: 'case',
    case: spec.caseName,
    variant: config.variant,
    latentBits: config.variant === 'baseline' ? 0 : config.latentBits,
    estimator: config.variant === 'baseline' ? null : config.estimator,
    backend: spec.engine,
    threads: spec.threads ?? 1,
    shape: { d: config.width, L: config.layers, heads: config.heads, T: time, B: BATCH, V: config.vocabSize },
    params: parameterCount(config).total,
    flopsPerToken: flops,
    steps: spec.steps,
    tokensPerSec: Math.round((tokens * 1000) / msPerStep),
    msPerStep: Number(msPerStep.toFixed(1)),
    cpuMsPerStep: Number(median(cpu).toFixed(1)),
    gflops: Number(((flops * tokens) / (msPerStep / 1000) / 1e9).toFixed(2)),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    loadAverage: Number(loadavg()[0].toFixed(2)),
    ...(profile ? { profile } : {}),
  };
}

/** node + the flags that run the child entry beside this file: dist/throughput-child.js or the .ts source. */
function childCommand(spec: ChildSpec): string[] {
  const here = fileURLToPath(import.meta.url);
  const script = fileURLToPath(new URL(`./throughput-child${extname(here)}`, import.meta.url));
  const flags = [...process.execArgv];
  // tsx registered by a flag (--import tsx, --import=tsx); a path that merely contains "tsx"
  // (vitest's own, from node_modules/.pnpm/vitest@..._tsx@...) does not count.
  const hasTsx = flags.some(
    (f, i) =>
      /^--(import|loader|require)=tsx$/.test(f) ||
      (f === 'tsx' && /^--(import|loader|require)$/.test(flags[i - 1] ?? '')),
  );
  if (script.endsWith('.ts') && !hasTsx) {
    flags.push('--conditions=@ftlab/source', '--import', 'tsx');
  }
  return [...flags, script, JSON.stringify(spec)];
}

export interface Child {
  ready: Promise<void>;
  result: Promise<CaseRecord>;
  go(): void;
}

export function startChild(spec: ChildSpec): Child {
  const child = spawn(process.execPath, childCommand(spec), { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
    if (output.includes('ready\n')) signalReady();
  });
  const result = new Promise<CaseRecord>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const line = output.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`bench child for ${spec.caseName} on ${spec.engine} exited with ${code}: ${output.trim()}`));
        return;
      }
      resolve(JSON.parse(line) as CaseRecord);
    });
  });
  return {
    ready,
    result,
    go: () => {
      child.stdin.write('go\n');
      child.stdin.end();
    },
  };
}

/** The engines that start here, in BACKEND_NAMES order; the others as skipped records. */
export async function availableEngines(requested: readonly BackendName[]): Promise<[BackendName[], SkippedRecord[]]> {
  const engines: BackendName[] = [];
  const skipped: SkippedRecord[] = [];
  for (const engine of requested) {
    try {
      await selectBackend(engine);
      engines.push(engine);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      skipped.push({ kind: 'skipped', backend: engine, why: error.reason });
    }
  }
  return [engines, skipped];
}

export function stepsFor(caseName: string, engine: BackendName, steps: number): number {
  if (engine === 'cpu') return Math.min(steps, 2); // ~15x slower than wasm
  return caseName === 'ft-h16-dense' ? Math.min(steps, 5) : steps;
}

/**
 * Runs every (case, engine) pair in a child process, then the multi-process case (the baseline
 * on the fastest engine measured, N = 1..cores processes at once). Returns all records.
 */
export async function runBenchmarks(options: BenchmarkOptions = {}): Promise<BenchmarkRecord[]> {
  const caseNames = options.cases ?? Object.keys(BENCH_CASES);
  for (const name of caseNames) {
    if (!(name in BENCH_CASES)) {
      throw new Error(`bench: unknown case "${name}"; cases: ${Object.keys(BENCH_CASES).join(', ')}`);
    }
  }
  const steps = options.steps ?? 10;
  const warmupSteps = options.warmupSteps ?? 2;
  if (options.processes?.length && !options.processes.includes(1) && !caseNames.includes('baseline')) {
    throw new Error(
      'bench: the multi-process case compares N processes with one: add 1 to --processes, or the baseline case to --cases',
    );
  }
  const records: BenchmarkRecord[] = [];
  const emit = (record: BenchmarkRecord) => {
    records.push(record);
    options.onRecord?.(record);
  };
  const [engines, skipped] = await availableEngines(options.engines ?? BACKEND_NAMES);
  for (const record of skipped) emit(record);
  for (const engine of engines) {
    for (const caseName of caseNames) {
      const threads = engine === 'native' ? (options.threads ?? 1) : 1;
      const spec: ChildSpec = {
        caseName,
        engine,
        steps: stepsFor(caseName, engine, steps),
        warmupSteps,
        barrier: false,
        threads,
        ...(options.profile ? { profile: true } : {}),
      };
      emit(await startChild(spec).result);
    }
  }
  const fastest = engines[0];
  const counts = options.processes ?? Array.from({ length: availableParallelism() }, (_, i) => i + 1);
  if (fastest === undefined || counts.length === 0) return records;
  // The 1-process rate efficiency is measured against: the 1-process run of this loop, else the
  // baseline case measured above on the same engine (when --processes leaves 1 out).
  let single = records.find(
    (r): r is CaseRecord => r.kind === 'case' && r.case === 'baseline' && r.backend === fastest,
  )?.tokensPerSec;
  for (const processes of [...counts].sort((x, y) => x - y)) {
    const spec: ChildSpec = { caseName: 'baseline', engine: fastest, steps, warmupSteps, barrier: true };
    const children = Array.from({ length: processes }, () => startChild(spec));
    await Promise.all(children.map((c) => c.ready));
    for (const child of children) child.go();
    const results = await Promise.all(children.map((c) => c.result));
    const perProcess = results.map((r) => r.tokensPerSec);
    const total = perProcess.reduce((a, b) => a + b, 0);
    if (processes === 1) single = total;
    emit({
      kind: 'multi-process',
      case: 'baseline',
      backend: fastest,
      processes,
      totalTokensPerSec: total,
      perProcessTokensPerSec: perProcess,
      efficiency: Number((total / (processes * (single as number))).toFixed(3)),
      loadAverage: Number(loadavg()[0].toFixed(2)),
    });
  }
  return records;
}
