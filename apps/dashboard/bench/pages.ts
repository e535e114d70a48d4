// `pnpm --filter @ftlab/dashboard bench` (after `build`): p50/p95 server response time of every
// page of the built dashboard on a generated tracker database of 1,000 runs x 10,000 points (a
// sweep of 40 configs x 25 seeds: 13 κ x 3 H Free Transformers and the baseline; per run 8
// training keys x 1,200 steps + 5 validation keys x 80 evaluations, and two evaluation results). The database is written once through the tracker's
// public API under $TMPDIR/ftlab-dashboard-bench/ and reused; --fresh regenerates it. Each page is
// fetched sequentially (3 warm-up requests, then REPEATS timed ones, whole body read). Prints one
// JSON line per page, then a Markdown table. Charts draw in the browser and are not included.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MetricPoint, openTracker, type RunInput } from '@ftlab/tracker';
import { ensureBuilt, startDashboardProcess } from '../test/helpers/dashboard';

const KAPPA_BITS = [1 / 64, 1 / 32, 1 / 16, 0.125, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 8];
const LATENT_BITS = [4, 8, 16];
const SEEDS = 25;
const TRAIN_KEYS = [
  'train/loss',
  'train/ce',
  'train/kl_bits',
  'train/kl_nats',
  'train/lr',
  'train/grad_norm',
  'train/tokens_per_sec',
  'train/step_ms',
];
const VAL_KEYS = ['val/prior_ce', 'val/elbo', 'val/posterior_ce', 'val/kl_bits', 'val/iwae'];
const TRAIN_STEPS = 1200;
const VAL_EVERY = 15; // 80 validation points per key
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);

const dir = join(tmpdir(), 'ftlab-dashboard-bench');
const print = (record: Record<string, unknown>) => console.log(JSON.stringify(record));

function value(key: string, step: number, run: number, kappa: number): number {
  const decay = Math.exp(-step / 300);
  if (key.includes('kl_bits')) return kappa * (1 - decay);
  if (key.includes('kl_nats')) return kappa * Math.LN2 * (1 - decay);
  if (key.endsWith('/lr')) return 3e-3 * Math.min(1, step / 100);
  if (key.endsWith('grad_norm')) return 0.5 + decay + 0.05 * Math.sin(step + run);
  if (key.endsWith('tokens_per_sec')) return 2000 + 50 * Math.sin(step / 7 + run);
  if (key.endsWith('step_ms')) return 30 + Math.sin(step + run);
  return 1.5 + 2 * decay + 0.01 * Math.sin(step * 0.37 + run) - 0.02 * Math.log2(1 + kappa);
}

async function generate(path: string): Promise<void> {
  const start = performance.now();
  const tracker = await openTracker(path);
  const { sweep } = await tracker.ensureSweep({
    name: 'bench-kappa-h',
    method: 'grid',
    space: { 'model.kappaBits': KAPPA_BITS, 'model.latentBits': LATENT_BITS, seed: SEEDS },
  });
  const inputs: RunInput[] = [];
  const common = { data: { kind: 'toy' }, training: { steps: TRAIN_STEPS, lr: 3e-3 } };
  for (let seed = 0; seed < SEEDS; seed++) {
    inputs.push({
      name: `baseline seed=${seed}`,
      variant: 'baseline',
      seed,
      totalSteps: TRAIN_STEPS,
      config: { ...common, model: { variant: 'baseline', layers: 4, width: 128 }, seed },
    });
  }
  for (const kappaBits of KAPPA_BITS) {
    for (const latentBits of LATENT_BITS) {
      for (let seed = 0; seed < SEEDS; seed++) {
        inputs.push({
          name: `free kappa=${kappaBits} H=${latentBits} seed=${seed}`,
          variant: 'free-transformer',
          seed,
          totalSteps: TRAIN_STEPS,
          config: {
            data: { kind: 'toy' },
            model: {
              variant: 'free-transformer',
              kappaNats: kappaBits * Math.LN2,
              latentBits,
              encoderPlacement: 2,
              layers: 4,
              width: 128,
            },
            training: { steps: TRAIN_STEPS, lr: 3e-3 },
            seed,
          },
        });
      }
    }
  }
  await tracker.createRuns(sweep.id, inputs);
  let index = 0;
  for (;;) {
    const run = await tracker.claimNextRun(sweep.id, 'bench');
    if (run === null) break;
    const kappa = ((run.config.model as { kappaNats?: number }).kappaNats ?? 0) / Math.LN2;
    const points: MetricPoint[] = [];
    for (let step = 0; step < TRAIN_STEPS; step++) {
      for (const key of TRAIN_KEYS) points.push({ runId: run.id, key, step, value: value(key, step, index, kappa) });
      if (step % VAL_EVERY === VAL_EVERY - 1) {
        for (const key of VAL_KEYS) points.push({ runId: run.id, key, step, value: value(key, step, index, kappa) });
      }
    }
    await tracker.logMetrics(points);
    await tracker.logEvaluations(run.id, [
      {
        step: TRAIN_STEPS - 1,
        task: 'likelihood',
        metric: 'prior_ce_bits_per_token',
        value: value('x', TRAIN_STEPS, index, kappa) / Math.LN2,
        stderr: 0.01,
        n: 256,
      },
      {
        step: TRAIN_STEPS - 1,
        task: 'toy_z_study',
        metric: 'block_start_agreement_pinned',
        value: Math.min(1, kappa / 4),
        stderr: 0.05,
        n: 32,
      },
    ]);
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

async function time(url: string, label: string, pick: (i: number) => string): Promise<{ p50: number; p95: number }> {
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    const body = await response.text();
    if (!response.ok) throw new Error(`${label}: GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
    return body.length;
  };
  for (let i = 0; i < 3; i++) await get(pick(i));
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    bytes = await get(pick(i + 3));
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    +(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number).toFixed(1);
  const result = { p50: at(0.5), p95: at(0.95) };
  print({ bench: 'page', page: label, p50ms: result.p50, p95ms: result.p95, repeats: REPEATS, bytes });
  return result;
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'bench.db');
  if (process.argv.includes('--fresh') || !existsSync(path)) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    await generate(path);
  }
  ensureBuilt();
  const tracker = await openTracker(path, { readonly: true });
  const [sweep] = await tracker.listSweeps();
  if (!sweep) throw new Error(`${path} has no sweep; rerun with --fresh`);
  const all = await tracker.listRuns({ sweepId: sweep.id, limit: 1000, paramKeys: [] });
  await tracker.close();
  const ids = all.runs.map((run) => run.id);
  const byHash = new Map<string, string[]>();
  for (const run of all.runs) byHash.set(run.configHash, [...(byHash.get(run.configHash) ?? []), run.id]);
  const groups = [...byHash.values()];
  const pick = <T>(list: T[], i: number) => list[(i * 7919) % list.length] as T;

  const dashboard = await startDashboardProcess(path);
  const results: Array<[string, { p50: number; p95: number }]> = [];
  const measure = async (label: string, at: (i: number) => string) =>
    results.push([label, await time(dashboard.url, label, at)]);
  try {
    await measure('runs: newest 100', () => '/');
    await measure(
      'runs: sweep + κ ≥ 0.5 bits + H=8, by prior CE',
      () => `/?sweep=${sweep.id}&kappa_min=0.5&H=8&sort=priorCe`,
    );
    await measure('runs: name search', () => '/?q=seed%3D1');
    await measure('run: 12 curves of 1,200 or 80 points', (i) => `/runs/${pick(ids, i)}`);
    await measure(
      'compare: 5 runs, train/loss',
      (i) => `/compare?runs=${[0, 1, 2, 3, 4].map((k) => pick(ids, i + k)).join(',')}`,
    );
    await measure(
      'compare: 25 seeds grouped, mean ± std',
      (i) => `/compare?runs=${pick(groups, i).join(',')}&group=config`,
    );
    await measure('sweeps list', () => '/sweeps');
    await measure('sweep: 1,000 runs (heatmap, line, parallel, table)', () => `/sweeps/${sweep.id}`);
    await measure('sweep table CSV download', () => `/sweeps/${sweep.id}/table?format=csv`);
    await measure('sweep runs CSV download', () => `/sweeps/${sweep.id}/export?format=csv`);
  } finally {
    await dashboard.stop();
  }
  console.log('\n| page | p50 (ms) | p95 (ms) |\n| --- | ---: | ---: |');
  for (const [label, { p50, p95 }] of results) console.log(`| ${label} | ${p50} | ${p95} |`);
}

await main();
