// `pnpm --filter @ftlab/dashboard bench` (after `build`): p50/p95 server response time of every
// page of the built dashboard on a generated tracker database of 1,000 runs x 10,000 points (see
// data.ts). The database is written once through the tracker's public API under
// $TMPDIR/ftlab-dashboard-bench/ and reused (--fresh regenerates it); each invocation works on a
// fresh copy of it, because the live cases add runs.
//
// Every page is timed twice: on a quiet database, and while a sweep writes to it (writer.ts in a
// child process: two runs logging 10 steps every 100 ms, one finishing about every second). The
// case "sweep right after a run finished" finishes a run of the sweep (with its evaluations)
// before each request, so the page never finds its comparison up to date. Each page is fetched
// sequentially (3 warm-up requests, then REPEATS timed ones, whole body read); the first byte is
// the first chunk of the body. Prints one JSON line per page, then a Markdown table. Charts draw
// in the browser and are not included.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTracker, type RunInput, type Tracker } from '@ftlab/tracker';
import { benchArgs, percentile } from '../../../bench.shared';
import { ensureBuilt, startDashboardProcess } from '../test/helpers/dashboard';
import {
  baselineRunInput,
  benchRunInput,
  evaluationsOf,
  KAPPA_BITS,
  LATENT_BITS,
  metricPoints,
  SEEDS,
  TRAIN_KEYS,
  TRAIN_STEPS,
  VAL_EVERY,
  VAL_KEYS,
} from './data';
import { finishRun, LIVE_RUN_STEPS, logSteps, startRun } from './live-sweep';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const dir = join(tmpdir(), 'ftlab-dashboard-bench');
const print = (record: Record<string, unknown>) => console.log(JSON.stringify(record));

async function generate(path: string): Promise<void> {
  const start = performance.now();
  const tracker = await openTracker(path);
  const { sweep } = await tracker.ensureSweep({
    name: 'bench-kappa-h',
    method: 'grid',
    space: { 'model.kappaBits': KAPPA_BITS, 'model.latentBits': LATENT_BITS, seed: SEEDS },
  });
  const inputs: RunInput[] = [];
  for (let seed = 0; seed < SEEDS; seed++) inputs.push(baselineRunInput(seed));
  for (const kappaBits of KAPPA_BITS) {
    for (const latentBits of LATENT_BITS) {
      for (let seed = 0; seed < SEEDS; seed++) inputs.push(benchRunInput(kappaBits, latentBits, seed));
    }
  }
  await tracker.createRuns(sweep.id, inputs);
  let index = 0;
  for (;;) {
    const run = await tracker.claimNextRun(sweep.id, 'bench');
    if (run === null) break;
    const kappa = ((run.config.model as { kappaNats?: number }).kappaNats ?? 0) / Math.LN2;
    await tracker.logMetrics(metricPoints(run.id, 0, TRAIN_STEPS, index, kappa));
    await tracker.logEvaluations(run.id, evaluationsOf(TRAIN_STEPS - 1, index, kappa));
    // A few runs stay RUNNING, as in a live sweep.
    if (index % 50 !== 0) await tracker.finishRun(run.id, TRAIN_STEPS - 1);
    index++;
    if (index % 100 === 0) console.error(`bench: generated ${index} runs`);
  }
  await tracker.close();
  print({
    bench: 'generate',
    runs: index,
    pointsPerRun: TRAIN_STEPS * TRAIN_KEYS.length + (TRAIN_STEPS / VAL_EVERY) * VAL_KEYS.length,
    seconds: +((performance.now() - start) / 1000).toFixed(1),
    megabytes: Math.round(statSync(path).size / 1e6),
    path,
  });
}

interface Timing {
  p50: number;
  p95: number;
  firstByteP95: number;
}

/** Peak resident memory of a process so far (VmHWM), in MB; null where /proc is not there. */
function peakMegabytes(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

interface Case {
  label: string;
  path: (i: number) => string;
  /** Runs before each request, untimed (e.g. finish a run so that the page's cache is stale). */
  before?: () => Promise<void>;
}

async function time(url: string, pid: number, setName: string, page: Case): Promise<Timing> {
  const get = async (path: string) => {
    const start = performance.now();
    const response = await fetch(`${url}${path}`);
    if (!response.ok || !response.body) {
      throw new Error(
        `${page.label}: GET ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    }
    let firstByte = Number.NaN;
    let bytes = 0;
    const body = response.body.getReader();
    for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
      if (Number.isNaN(firstByte)) firstByte = performance.now() - start;
      bytes += chunk.value.byteLength;
    }
    return { ms: performance.now() - start, firstByte, bytes };
  };
  for (let i = 0; i < 3; i++) {
    await page.before?.();
    await get(page.path(i));
  }
  const samples: number[] = [];
  const firstBytes: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REPEATS; i++) {
    await page.before?.();
    const result = await get(page.path(i + 3));
    samples.push(result.ms);
    firstBytes.push(result.firstByte);
    bytes = result.bytes;
  }
  const result = {
    p50: percentile(samples, 0.5, 1),
    p95: percentile(samples, 0.95, 1),
    firstByteP95: percentile(firstBytes, 0.95, 1),
  };
  print({
    bench: 'page',
    set: setName,
    page: page.label,
    p50ms: result.p50,
    p95ms: result.p95,
    firstByteP95ms: result.firstByteP95,
    repeats: REPEATS,
    bytes,
    serverPeakMB: peakMegabytes(pid),
    load1: +loadavg()[0].toFixed(2),
  });
  return result;
}

/** The concurrent writer (writer.ts) in a child process, stopped with SIGTERM. */
function startWriter(path: string, sweepId: string): { stop: () => Promise<void> } {
  const script = fileURLToPath(new URL('./writer.ts', import.meta.url));
  const args = ['--database', path, '--sweep', sweepId, '--first-run', '0'];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return {
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if (child.exitCode !== null) {
          reject(new Error(`the bench writer exited early with ${child.exitCode}`));
          return;
        }
        child.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`the bench writer exited with ${code}`)),
        );
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const args = benchArgs({
    usage: 'pnpm --filter @ftlab/dashboard bench',
    description:
      'p50/p95 server response time of every page of the built dashboard on a database of 1,000 runs x ' +
      `10,000 points generated once under ${dir}, quiet and while a sweep writes to it: one JSON line per ` +
      'page, then a Markdown table. BENCH_REPEATS sets the timed requests per page (default 20).',
    options: { fresh: { type: 'boolean', help: 'generate the database again' } },
  });
  mkdirSync(dir, { recursive: true });
  const pristine = join(dir, 'bench.db');
  if (args.flag('fresh') || !existsSync(pristine)) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${pristine}${suffix}`, { force: true });
    await generate(pristine);
  }
  const path = join(dir, 'work.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  copyFileSync(pristine, path);
  ensureBuilt();
  const reader = await openTracker(path, { readonly: true });
  const [sweep] = await reader.listSweeps();
  if (!sweep) throw new Error(`${pristine} has no sweep; rerun with --fresh`);
  const all = await reader.listRuns({ sweepId: sweep.id, limit: 1000, paramKeys: [] });
  await reader.close();
  const ids = all.runs.map((run) => run.id);
  const byHash = new Map<string, string[]>();
  for (const run of all.runs) byHash.set(run.configHash, [...(byHash.get(run.configHash) ?? []), run.id]);
  const groups = [...byHash.values()];
  const pick = <T>(list: T[], i: number) => list[(i * 7919) % list.length] as T;

  // The bench's own writer for the "right after a run finished" case.
  const writer: Tracker = await openTracker(path);
  let next = 100_000; // the writer child numbers its runs from 0
  const finishOne = async () => {
    const run = await startRun(writer, sweep.id, next++, 'bench');
    await logSteps(writer, run, 0, LIVE_RUN_STEPS);
    await finishRun(writer, run, LIVE_RUN_STEPS - 1);
  };

  const cases: Case[] = [
    { label: 'runs: newest 100', path: () => '/' },
    {
      label: 'runs: sweep + κ ≥ 0.5 bits + H=8, by prior CE',
      path: () => `/?sweep=${sweep.id}&kappa_min=0.5&H=8&sort=priorCe`,
    },
    { label: 'runs: name search', path: () => '/?q=seed%3D1' },
    { label: 'run: 12 curves of 1,200 or 80 points', path: (i) => `/runs/${pick(ids, i)}` },
    {
      label: 'compare: 5 runs, train/loss',
      path: (i) => `/compare?runs=${[0, 1, 2, 3, 4].map((k) => pick(ids, i + k)).join(',')}`,
    },
    {
      label: 'compare: 25 seeds grouped, mean ± std',
      path: (i) => `/compare?runs=${pick(groups, i).join(',')}&group=config`,
    },
    { label: 'sweeps list', path: () => '/sweeps' },
    { label: 'sweep: 1,000 runs (heatmap, line, parallel, table)', path: () => `/sweeps/${sweep.id}` },
    { label: 'sweep: right after a run finished', path: () => `/sweeps/${sweep.id}`, before: finishOne },
    { label: 'sweep table CSV download', path: () => `/sweeps/${sweep.id}/table?format=csv` },
    { label: 'sweep runs CSV download', path: () => `/sweeps/${sweep.id}/export?format=csv` },
  ];

  const dashboard = await startDashboardProcess(path);
  const results = new Map<string, Record<string, Timing>>();
  const measureAll = async (setName: string) => {
    for (const page of cases) {
      const timing = await time(dashboard.url, dashboard.pid, setName, page);
      results.set(page.label, { ...results.get(page.label), [setName]: timing });
    }
  };
  try {
    await measureAll('quiet');
    const live = startWriter(path, sweep.id);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // let it start and finish a run
    try {
      await measureAll('writing');
    } finally {
      await live.stop();
    }
  } finally {
    await dashboard.stop();
    await writer.close();
  }
  console.log(
    `\nload average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    '\n| page | p50 (ms) | p95 (ms) | first byte p95 (ms) | p50 while a sweep writes | p95 while a sweep writes |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [label, { quiet, writing }] of results) {
    console.log(
      `| ${label} | ${quiet?.p50} | ${quiet?.p95} | ${quiet?.firstByteP95} | ${writing?.p50} | ${writing?.p95} |`,
    );
  }
}

await main();
