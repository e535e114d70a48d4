// `pnpm --filter @ftlab/tracker bench:postgres -- --url postgres://user@host:port/db` (after
// `build`): the queue and the metric stream on PostgreSQL next to SQLite, with real processes.
//
//   claim    N worker processes claim runs of one sweep until it is empty (claimNextRun, then
//            finishRun, as a sweep worker does): claim latency p50/p95/p99 and claims per second;
//   ingest   N processes each stream points through a MetricWriter (batches of 1,000): points
//            per second, all processes together.
//
// SQLite runs on a file in $TMPDIR; PostgreSQL on a new database beside the URL's (created, then
// dropped). Prints one JSON line per measurement. The URL may also come from FTLAB_BENCH_PG_URL
// or FTLAB_TEST_PG_URL.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isPostgresUrl } from '@ftlab/contract';
import { type BenchArgs, benchArgs, percentile } from '../../../bench.shared.js';
import { openTracker } from '../src/open.js';

const print = (record: Record<string, unknown>) => console.log(JSON.stringify(record));

/** What a claim worker child is told (--claim-worker). */
interface ClaimWorkerSpec {
  location: string;
  sweepId: string;
  name: string;
}

/** What an ingest worker child is told (--ingest-worker). */
interface IngestWorkerSpec {
  location: string;
  runId: string;
  points: number;
}

/** Child mode: claims (and finishes) runs until none is left, then prints its claim latencies. */
async function claimWorker({ location, sweepId, name }: ClaimWorkerSpec): Promise<void> {
  const tracker = await openTracker(location);
  console.log(JSON.stringify({ ready: true }));
  await once(process.stdin, 'data');
  const latencies: number[] = [];
  for (;;) {
    const start = performance.now();
    const run = await tracker.claimNextRun(sweepId, name);
    latencies.push(performance.now() - start);
    if (!run) break;
    await tracker.finishRun(run.id, 0, { worker: name });
  }
  await tracker.close();
  console.log(JSON.stringify({ latencies: latencies.slice(0, -1) }));
  process.stdin.destroy();
}

/** Child mode: streams `points` points of two keys for one run through a MetricWriter. */
async function ingestWorker({ location, runId, points }: IngestWorkerSpec): Promise<void> {
  const tracker = await openTracker(location);
  const writer = await tracker.metricWriter(runId, { maxBatch: 1000, flushIntervalMs: 0 });
  console.log(JSON.stringify({ ready: true }));
  await once(process.stdin, 'data');
  for (let step = 0; step < points / 2; step++) {
    writer.logStep(step, { 'train/loss': 3 * Math.exp(-step / 1500) + 0.5, 'train/kl': 0.3 });
    if (step % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await writer.close();
  await tracker.close();
  console.log(JSON.stringify({ done: true }));
  process.stdin.destroy();
}

/** Starts `count` children of this script, releases them together, and collects their last lines. */
async function together(
  count: number,
  args: (i: number) => [string, ClaimWorkerSpec | IngestWorkerSpec],
): Promise<{ seconds: number; lines: string[] }> {
  const children = Array.from({ length: count }, (_, i) => {
    const [mode, spec] = args(i);
    return spawn(process.execPath, [...process.execArgv, process.argv[1], mode, JSON.stringify(spec)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
  });
  const outputs = children.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  for (const output of outputs) await output.next(); // {"ready":true}
  const start = performance.now();
  for (const child of children) child.stdin.write('go\n');
  const lines = await Promise.all(outputs.map(async (output) => (await output.next()).value as string));
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  return { seconds, lines };
}

async function claimBench(engine: string, location: string, processes: number, runs: number): Promise<void> {
  const tracker = await openTracker(location);
  const { sweep } = await tracker.ensureSweep({ name: `claim-${processes}`, method: 'grid', space: {} });
  await tracker.createRuns(
    sweep.id,
    Array.from({ length: runs }, (_, i) => ({ name: `run ${i}`, seed: i, config: { i } })),
  );
  await tracker.close();
  const { seconds, lines } = await together(processes, (i) => [
    '--claim-worker',
    { location, sweepId: sweep.id, name: `bench:${i}` },
  ]);
  const latencies = lines.flatMap((line) => (JSON.parse(line) as { latencies: number[] }).latencies);
  if (latencies.length !== runs) throw new Error(`${engine}: ${latencies.length} claims for ${runs} runs`);
  print({
    bench: 'claim',
    engine,
    processes,
    runs,
    claimMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), p99: percentile(latencies, 0.99) },
    claimsPerSec: Math.round(runs / seconds),
  });
}

async function ingestBench(engine: string, location: string, processes: number, points: number): Promise<void> {
  const tracker = await openTracker(location);
  const runIds: string[] = [];
  for (let i = 0; i < processes; i++) runIds.push((await tracker.startRun({ name: `ingest ${i}`, config: {} })).id);
  await tracker.close();
  const { seconds } = await together(processes, (i) => ['--ingest-worker', { location, runId: runIds[i], points }]);
  const check = await openTracker(location, { readonly: true });
  for (const runId of runIds) {
    const stored = (await check.metricHistory(runId, 'train/loss')).length * 2;
    if (stored !== points) throw new Error(`${engine}: run ${runId} holds ${stored} points, not ${points}`);
  }
  await check.close();
  print({
    bench: 'ingest',
    engine,
    processes,
    pointsPerProcess: points,
    seconds: +seconds.toFixed(2),
    pointsPerSec: Math.round((points * processes) / seconds),
  });
}

async function withDatabases(url: string, work: (engine: string, location: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-bench-pg-'));
  try {
    await work('sqlite', join(dir, 'bench.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const target = new URL(url);
  const name = `ftlab_bench_${process.pid}`;
  target.pathname = `/${name}`;
  const created = await openTracker(target.toString(), { createDatabase: true });
  await created.close();
  try {
    await work('postgres', target.toString());
  } finally {
    const { default: pg } = await import('pg');
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }
}

/** A worker child's JSON spec (written by `together`), or a usage error. */
function workerSpec<T>(args: BenchArgs<string>, option: string): T | undefined {
  const text = args.string(option);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    return args.fail(`--${option} takes the JSON its parent writes: ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  const args = benchArgs({
    usage: 'pnpm --filter @ftlab/tracker bench:postgres',
    description:
      'The run queue (N processes claiming runs of one sweep) and the metric stream (N processes writing ' +
      'points) on PostgreSQL next to SQLite, with real processes: one JSON line per measurement. ' +
      "PostgreSQL runs on a new database beside the URL's, created and then dropped.",
    options: {
      url: {
        type: 'string',
        value: 'postgres://user@host:port/db',
        help: 'the server (default FTLAB_BENCH_PG_URL, then FTLAB_TEST_PG_URL)',
      },
      'claim-worker': { type: 'string', value: 'json', help: 'run as one claiming child (what the bench starts)' },
      'ingest-worker': { type: 'string', value: 'json', help: 'run as one writing child (what the bench starts)' },
    },
  });
  const claim = workerSpec<ClaimWorkerSpec>(args, 'claim-worker');
  if (claim !== undefined) return claimWorker(claim);
  const ingest = workerSpec<IngestWorkerSpec>(args, 'ingest-worker');
  if (ingest !== undefined) return ingestWorker(ingest);
  const url = args.string('url') ?? process.env.FTLAB_BENCH_PG_URL ?? process.env.FTLAB_TEST_PG_URL;
  if (!url || !isPostgresUrl(url)) {
    return args.fail(
      `needs a PostgreSQL server${url ? `, and ${JSON.stringify(url)} is not a postgres:// URL` : ''}: pass ` +
        '--url postgres://user@host:port/db (or set FTLAB_BENCH_PG_URL); ' +
        'packages/tracker/scripts/with-postgres.sh starts a throwaway one.',
    );
  }
  await withDatabases(url, async (engine, location) => {
    await claimBench(engine, location, 1, 500);
    await claimBench(engine, location, 8, 800);
    await ingestBench(engine, location, 1, 200_000);
    await ingestBench(engine, location, 4, 100_000);
  });
}

await main();
