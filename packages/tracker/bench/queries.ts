// `pnpm --filter @ftlab/tracker bench`: metric ingest rate through the store's API, then p50/p95
// of the dashboard's main queries on a generated database of 1,000 runs x 10,000 points (a sweep
// of 40 configs x 25 seeds; 2 metrics x 5,000 steps per run). The big database is generated once
// under $TMPDIR/ftlab-tracker-bench/ (raw prepared statements in one transaction) and reused;
// pass --fresh to regenerate it. Prints one JSON line per measurement.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { benchArgs, percentile } from '../../../bench.shared.js';
import { openTracker } from '../src/open.js';
import type { Tracker } from '../src/tracker.js';
import type { RunInput } from '../src/types.js';

const RUNS = 1000;
const STEPS = 5000;
const KEYS = ['train/loss', 'train/kl'] as const;
const KAPPAS = [0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1, 1.5, 2];
const LATENT_BITS = [4, 8, 12, 16];
const SEEDS = RUNS / (KAPPAS.length * LATENT_BITS.length);
const REPEATS = 40;

const dir = join(tmpdir(), 'ftlab-tracker-bench');
const print = (record: Record<string, unknown>) => console.log(JSON.stringify(record));

function lossAt(run: number, step: number): number {
  return 3 * Math.exp(-step / 1500) + 0.5 + 0.02 * Math.sin(step * 0.37 + run);
}

async function ingest(): Promise<void> {
  for (const batch of [1000, 10_000]) {
    const path = join(dir, `ingest-${batch}.db`);
    rmSync(path, { force: true });
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    const tracker = await openTracker(path);
    const run = await tracker.startRun({ name: 'ingest', config: {} });
    const writer = await tracker.metricWriter(run.id, { maxBatch: batch, flushIntervalMs: 0 });
    const points = 200_000;
    const start = performance.now();
    for (let step = 0; step < points / 2; step++) {
      writer.log('train/loss', step, lossAt(0, step));
      writer.log('train/kl', step, 0.3);
      if (step % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
    const seconds = (performance.now() - start) / 1000;
    await tracker.close();
    print({
      bench: 'ingest',
      via: 'MetricWriter',
      batch,
      points,
      seconds: +seconds.toFixed(2),
      pointsPerSec: Math.round(points / seconds),
    });
  }
}

async function generate(path: string): Promise<void> {
  const start = performance.now();
  const tracker = await openTracker(path);
  const { sweep } = await tracker.ensureSweep({
    name: 'bench',
    method: 'grid',
    space: { 'model.kappaNats': KAPPAS, 'model.latentBits': LATENT_BITS, seed: SEEDS },
  });
  const inputs: RunInput[] = [];
  for (const kappaNats of KAPPAS) {
    for (const latentBits of LATENT_BITS) {
      for (let seed = 0; seed < SEEDS; seed++) {
        inputs.push({
          name: `free kappa=${kappaNats} H=${latentBits} seed=${seed}`,
          variant: kappaNats === 0 ? 'baseline' : 'free',
          seed,
          config: {
            model: { kappaNats, latentBits, layers: 4, width: 128 },
            training: { steps: STEPS, lr: 3e-4 },
            seed,
          },
        });
      }
    }
  }
  const runs = (await tracker.createRuns(sweep.id, inputs)).map((c) => c.run);
  await tracker.close();

  const db = new Database(path);
  db.pragma('synchronous = OFF'); // a throwaway benchmark file: speed over durability
  const point = db.prepare('INSERT INTO metrics (run_id, key, step, value, wall_time_ms) VALUES (?, ?, ?, ?, ?)');
  const latest = db.prepare(
    'INSERT INTO latest_metrics (run_id, key, step, value, wall_time_ms) VALUES (?, ?, ?, ?, ?)',
  );
  const status = db.prepare(
    `UPDATE runs SET status = ?, worker = 'bench', started_at = created_at, heartbeat_at = created_at + 60000,
       ended_at = CASE WHEN ? = 'RUNNING' THEN NULL ELSE created_at + 60000 END, last_step = ? WHERE id = ?`,
  );
  const t0 = Date.now() - 86_400_000;
  db.transaction(() => {
    for (const [r, run] of runs.entries()) {
      for (const key of KEYS) {
        for (let step = 0; step < STEPS; step++) {
          const value = key === 'train/loss' ? lossAt(r, step) : 0.1 + (r % 7) / 10;
          point.run(run.id, key, step, value, t0 + step * 10);
        }
        latest.run(
          run.id,
          key,
          STEPS - 1,
          key === 'train/loss' ? lossAt(r, STEPS - 1) : 0.1 + (r % 7) / 10,
          t0 + STEPS * 10,
        );
      }
      const state = r % 50 === 0 ? 'RUNNING' : r % 37 === 0 ? 'CRASHED' : 'FINISHED';
      status.run(state, state, STEPS - 1, run.id);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  const bytes = statSync(path).size;
  print({
    bench: 'generate',
    runs: RUNS,
    pointsPerRun: STEPS * KEYS.length,
    points: RUNS * STEPS * KEYS.length,
    seconds: +((performance.now() - start) / 1000).toFixed(1),
    megabytes: Math.round(bytes / 1e6),
    path,
  });
}

async function time(
  name: string,
  query: (i: number) => Promise<unknown>,
  detail: (result: unknown) => unknown = () => undefined,
): Promise<void> {
  let result: unknown;
  for (let i = 0; i < 3; i++) result = await query(i); // warm the page cache and statement cache
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    result = await query(i);
    samples.push(performance.now() - start);
  }
  print({
    bench: 'query',
    query: name,
    p50ms: percentile(samples, 0.5),
    p95ms: percentile(samples, 0.95),
    repeats: REPEATS,
    result: detail(result),
  });
}

async function queries(path: string): Promise<void> {
  const tracker: Tracker = await openTracker(path, { readonly: true });
  const [sweep] = await tracker.listSweeps();
  if (!sweep) throw new Error(`${path} has no sweep; rerun with --fresh`);
  const all = await tracker.listRuns({ sweepId: sweep.id, limit: RUNS, paramKeys: [] });
  const ids = all.runs.map((r) => r.id);
  const hashes = [...new Set(all.runs.map((r) => r.configHash))];
  const pick = <T>(list: T[], i: number) => list[(i * 7919) % list.length] as T;

  await time(
    'listRuns newest 100',
    () => tracker.listRuns(),
    (r) => (r as { runs: unknown[] }).runs.length,
  );
  await time(
    'listRuns filtered (sweep, FINISHED, kappa in [0.2,0.7], H>=8, by latest train/loss, 50)',
    () =>
      tracker.listRuns({
        sweepId: sweep.id,
        status: 'FINISHED',
        params: { 'model.kappaNats': { min: 0.2, max: 0.7 }, 'model.latentBits': { min: 8 } },
        orderBy: { metric: 'train/loss' },
        limit: 50,
      }),
    (r) => (r as { total: number }).total,
  );
  await time(
    'listRuns name search',
    () => tracker.listRuns({ search: 'h=16 seed=1', limit: 50 }),
    (r) => (r as { total: number }).total,
  );
  await time(
    'getRun',
    (i) => tracker.getRun(pick(ids, i)),
    (r) => Object.keys((r as { params: object }).params).length,
  );
  await time(
    'curve train/loss 5000 -> <=1000 points',
    (i) => tracker.curve(pick(ids, i), 'train/loss', { maxPoints: 1000 }),
    (r) => (r as { points: unknown[] }).points.length,
  );
  await time(
    'groupCurves 25 seeds x 5000 steps -> <=1000 points',
    (i) => tracker.groupCurves({ configHash: pick(hashes, i) }, 'train/loss', { maxPoints: 1000 }),
    (r) => (r as { points: unknown[] }).points.length,
  );
  await time(
    'sweepSummary 1000 runs',
    () => tracker.sweepSummary(sweep.id),
    (r) => (r as { groups: unknown[] }).groups.length,
  );
  await tracker.close();
}

async function main(): Promise<void> {
  const args = benchArgs({
    usage: 'pnpm --filter @ftlab/tracker bench',
    description:
      `Metric ingest rate through the store's API, then p50/p95 of the dashboard's queries on a database of ` +
      `${RUNS.toLocaleString('en-US')} runs x ${(STEPS * KEYS.length).toLocaleString('en-US')} points, generated once under ${dir}: ` +
      'one JSON line per measurement.',
    options: { fresh: { type: 'boolean', help: 'generate the big database again' } },
  });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'bench.db');
  if (args.flag('fresh') || !existsSync(path)) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    await generate(path);
  }
  await ingest();
  await queries(path);
}

await main();
