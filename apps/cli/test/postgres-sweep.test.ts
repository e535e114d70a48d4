// A sweep across "machines": 8 real `ftlab worker` processes share one PostgreSQL database
// (FTLAB_TEST_PG_URL; skipped with a message without one) and a shared artifact root. Two of them
// are killed with SIGKILL mid-run; their runs must be marked CRASHED by the database clock and
// resumed by the others from their checkpoints; every run trains exactly once, no metric point
// is lost or duplicated, and the history reads the same after `ftlab copy` into SQLite.
//
// Everything touching PostgreSQL runs in child processes (the CLI itself): this test process only
// opens the SQLite copy.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openTracker, TRACKER_NOTE_AUTHOR, testPostgresUrl } from '@ftlab/tracker';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Cli, ftlab as runCli } from './helpers.js';

const PG_URL = testPostgresUrl('the CLI sweep test'); // throws in CI without a server

const CLI_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE_ARGS = ['--conditions=@ftlab/source', '--import', 'tsx', join(CLI_DIR, 'src', 'main.ts')];
const WORKERS = 8;
const VICTIMS = 2;
const STEPS = 24;
const LOG_EVERY = 2;
const EVAL_EVERY = 12;
const STALE_AFTER_S = 30; // 6 heartbeats (every 5 s) missed on a loaded machine still leave a live run alone

const RUN_CONFIG = `
name: pg-sweep
seed: 5
data: { kind: toy }
model: { variant: free-transformer, width: 16, layers: 2, heads: 2, latentBits: 2, kappa: { bits: 0.25 } }
training: { steps: ${STEPS}, batchSize: 4, warmupSteps: 2, lr: 0.01, logEvery: ${LOG_EVERY}, checkpointEvery: 6 }
evaluation: { every: ${EVAL_EVERY}, batches: 1, batchSize: 4, priorSamples: 2, iwaeSamples: 2, finalRows: 8, zGroups: 2, zGroupSize: 2 }
`;

// 3 kappas x 8 seeds = 24 short runs.
const SWEEP = `
name: pg-sweep
base: run.yaml
method: grid
axes:
  model.kappa.bits: [0.25, 0.5, 1]
  seed: [1, 2, 3, 4, 5, 6, 7, 8]
`;

/** Runs an ftlab command to its end; resolves with its exit code and output. */
function ftlab(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...NODE_ARGS, ...args], { cwd: CLI_DIR, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(result: { code: number | null; stdout: string; stderr: string }): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface WorkerEvent {
  event: 'start' | 'end' | 'exit';
  worker: string;
  run?: string;
  resume?: number;
  status?: string;
  step?: number;
}

interface WorkerProcess {
  child: Cli['child'];
  events: WorkerEvent[];
  exited: Cli['done'];
}

function startWorker(url: string, sweepId: string): WorkerProcess {
  const args = ['worker', '--db', url, '--sweep', sweepId, '--backend', 'wasm', '--no-evaluate', '--json'];
  const { child, done } = runCli([...args, '--stale-after', String(STALE_AFTER_S)], { cwd: CLI_DIR });
  const events: WorkerEvent[] = [];
  if (child.stdout === null) throw new Error('the worker has no stdout');
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith('{')) events.push(JSON.parse(line) as WorkerEvent);
  });
  // Exited, and every line it wrote read.
  const exited = Promise.all([done, once(lines, 'close')]).then(([result]) => result);
  return { child, events, exited };
}

interface Kill {
  runId: string;
  worker: string;
  /** The checkpoint the run had on disk when its worker died. */
  checkpointStep: number;
  killedAt: number;
}

/**
 * Waits until the worker is inside a run that has a checkpoint (and flushed the points up to it),
 * then kills it with SIGKILL: mid-run, with something to resume from.
 */
async function killMidRun(worker: WorkerProcess, artifacts: string): Promise<Kill> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const started = worker.events.filter((e) => e.event === 'start').at(-1);
    const ended = started && worker.events.some((e) => e.event === 'end' && e.run === started.run);
    const latest = started && join(artifacts, started.run as string, 'checkpoints', 'LATEST');
    if (started && !ended && latest && existsSync(latest)) {
      // The trainer flushes a checkpoint's metric points right after writing it: give that flush
      // a moment, so the kill tests crash recovery rather than that ordering.
      await sleep(500);
      if (worker.events.some((e) => e.event === 'end' && e.run === started.run)) continue;
      const checkpointStep = Number(/step-(\d+)/.exec(readFileSync(latest, 'utf8'))?.[1]);
      const killedAt = Date.now();
      worker.child.kill('SIGKILL');
      expect(checkpointStep).toBeLessThan(STEPS);
      return { runId: started.run as string, worker: started.worker, checkpointStep, killedAt };
    }
    await sleep(20);
  }
  throw new Error('no worker reached a checkpoint mid-run within 120 s');
}

/** Drops the test's database when psql is at hand (a throwaway server is removed whole anyway). */
function dropDatabase(url: string): void {
  const admin = new URL(url);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  spawnSync('psql', [admin.toString(), '-q', '-c', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], {
    stdio: 'ignore',
  });
}

describe.skipIf(!PG_URL)('ftlab worker on PostgreSQL', () => {
  it(`${WORKERS} workers on one sweep of 24 runs, ${VICTIMS} of them SIGKILLed mid-run: every run trains once, resumed from checkpoints`, {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-pg-sweep-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const url = new URL(PG_URL as string);
    url.pathname = `/ftlab_cli_${process.pid}_${Date.now()}`;
    const db = url.toString();
    onTestFinished(() => dropDatabase(db));
    const artifacts = join(dir, 'shared-runs');
    writeFileSync(join(dir, 'run.yaml'), RUN_CONFIG);
    writeFileSync(join(dir, 'sweep.yaml'), SWEEP);

    const prepared = json<{ dialect: string; fromVersion: number; toVersion: number }>(
      ftlab(['migrate', '--db', db, '--create', '--json']),
    );
    expect(prepared).toMatchObject({ dialect: 'postgres', fromVersion: 0 });
    const queued = json<{ sweep: string; pending: number }>(
      ftlab(['sweep', join(dir, 'sweep.yaml'), '--db', db, '--artifacts', artifacts, '--queue-only', '--json']),
    );
    expect(queued.pending).toBe(24);

    const workers = Array.from({ length: WORKERS }, () => startWorker(db, queued.sweep));
    const kills: Kill[] = [];
    for (const victim of workers.slice(0, VICTIMS)) kills.push(await killMidRun(victim, artifacts));
    for (const victim of workers.slice(0, VICTIMS)) expect((await victim.exited).signal).toBe('SIGKILL');
    const survivors = await Promise.all(workers.slice(VICTIMS).map((w) => w.exited));
    for (const { code, stderr } of survivors) expect(code, stderr).toBe(0);

    // Every run started once, plus once per resume; each finished exactly once; none was taken
    // from a live worker (LOST) or trained by two workers at once.
    const events = workers.flatMap((w) => w.events);
    const starts = events.filter((e) => e.event === 'start');
    const ends = events.filter((e) => e.event === 'end');
    expect(ends.filter((e) => e.status !== 'FINISHED')).toEqual([]);
    const finishedRuns = ends.map((e) => e.run as string);
    expect(finishedRuns).toHaveLength(24);
    expect(new Set(finishedRuns).size).toBe(24);
    const killedRuns = new Set(kills.map((k) => k.runId));
    for (const runId of finishedRuns) {
      const runStarts = starts.filter((e) => e.run === runId).map((e) => e.resume);
      expect({ runId, runStarts }).toEqual({ runId, runStarts: killedRuns.has(runId) ? [0, 1] : [0] });
    }
    console.log(
      `runs per worker: ${workers.map((w) => w.events.filter((e) => e.event === 'end').length).join(', ')}; ` +
        `killed ${kills.map((k) => `${k.runId} at checkpoint ${k.checkpointStep}`).join(', ')}`,
    );

    // Read the history through a copy: PostgreSQL -> SQLite, in this process.
    const copyPath = join(dir, 'copy.db');
    const copied = json<{ tables: Array<{ table: string; copied: number }> }>(
      ftlab(['copy', '--from', db, '--to', copyPath, '--json']),
    );
    expect(copied.tables.find((t) => t.table === 'runs')?.copied).toBe(24);
    const history = await openTracker(copyPath, { readonly: true });
    onTestFinished(() => history.close());
    const { runs } = await history.listRuns({ sweepId: queued.sweep, limit: 100 });
    expect(runs.map((r) => r.status)).toEqual(Array(24).fill('FINISHED'));
    for (const run of runs) {
      const kill = kills.find((k) => k.runId === run.id);
      expect({ id: run.id, resumeCount: run.resumeCount }).toEqual({ id: run.id, resumeCount: kill ? 1 : 0 });
      const detail = await history.getRun(run.id);
      if (kill) {
        // CRASHED by the database clock (the note outlives the reason, cleared by the resume).
        expect(detail.notes.map((n) => [n.author, n.text])).toEqual([
          [
            TRACKER_NOTE_AUTHOR,
            `marked CRASHED: no heartbeat for more than ${STALE_AFTER_S * 1000} ms; worker ${kill.worker}`,
          ],
        ]);
        expect(run.worker).not.toBe(kill.worker);
      }
      // No point lost or duplicated: each key holds exactly the steps it is logged at.
      for (const key of await history.metricKeys(run.id)) {
        const steps = (await history.metricHistory(run.id, key)).map((p) => p.step);
        const every = key.startsWith('train/') ? LOG_EVERY : EVAL_EVERY;
        const first = key.startsWith('train/') ? LOG_EVERY : 0;
        const expected = Array.from({ length: (STEPS - first) / every + 1 }, (_, i) => first + i * every);
        expect({ run: run.id, key, steps }).toEqual({ run: run.id, key, steps: expected });
      }
      if (kill) {
        // Resumed from the checkpoint, not from scratch: the points up to it are the first
        // worker's (written before the kill), and the ones after it were written after.
        const loss = await history.metricHistory(run.id, 'train/loss');
        const before = loss.filter((p) => p.step <= kill.checkpointStep);
        expect(before.length).toBeGreaterThan(0);
        expect(before.filter((p) => p.wallTimeMs >= kill.killedAt)).toEqual([]);
        expect(loss.filter((p) => p.wallTimeMs > kill.killedAt).map((p) => p.step)).toContain(STEPS);
      }
    }

    // The read path answers the same on PostgreSQL as on its SQLite copy.
    const status = (location: string) =>
      json<unknown>(ftlab(['status', '--db', location, '--sweep', queued.sweep, '--limit', '100', '--json']));
    expect(status(db)).toEqual(status(copyPath));
  });
});
