// Real processes on a real SQLite file and a real PostgreSQL database: the queue, concurrent metric
// writers with a live reader, and a writer killed with SIGKILL.

import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openTracker, type RunInput } from '../src/index.js';
import { loadMigrations } from '../src/migrate.js';
import { type Fixture, forEachDialect, newLocation, nextJson, rowCount, spawnFixture } from './helpers.js';

async function startTogether(fixtures: Fixture[]): Promise<void> {
  for (const fixture of fixtures) expect(await nextJson<{ ready: boolean }>(fixture)).toEqual({ ready: true });
  for (const fixture of fixtures) fixture.child.stdin.write('go\n');
}

async function exitedCleanly(fixture: Fixture): Promise<void> {
  const { code, stderr } = await fixture.exited;
  expect(stderr).not.toMatch(/SQLITE_BUSY|database is locked|deadlock|could not serialize/);
  expect(code, stderr).toBe(0);
}

function runs(count: number): RunInput[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `run ${i}`,
    seed: i,
    config: { model: { kappaNats: i / 100 }, seed: i },
  }));
}

forEachDialect((open, dialect) => {
  describe('several processes on one database', () => {
    it('4 processes opening one brand-new database at once: it is created and migrated exactly once', async () => {
      const path = await newLocation(dialect);
      const workers = [0, 1, 2, 3].map(() => spawnFixture('open-and-start', [path]));
      await startTogether(workers);
      const ids = [];
      for (const worker of workers) ids.push((await nextJson<{ runId: string }>(worker)).runId);
      await Promise.all(workers.map(exitedCleanly));
      const tracker = await openTracker(path, { readonly: true });
      expect((await tracker.listRuns()).runs.map((r) => r.id).sort()).toEqual(ids.sort());
      await tracker.close();
      expect(await rowCount(path, 'tracker_schema')).toBe(loadMigrations(dialect).length);
    });

    it('4 workers claiming from one sweep never get the same run, and every run is done once', async () => {
      const { tracker, location: path } = await open();
      const { sweep } = await tracker.ensureSweep({ name: 'race', method: 'grid', space: {} });
      const created = await tracker.createRuns(sweep.id, runs(40));
      const workers = [0, 1, 2, 3].map((i) => spawnFixture('claim-worker', [path, sweep.id, `worker-${i}`]));
      await startTogether(workers);
      const results = [];
      for (const worker of workers) results.push(await nextJson<{ worker: string; claimed: string[] }>(worker));
      console.log(`claims per worker: ${results.map((r) => r.claimed.length).join(', ')}`);
      await Promise.all(workers.map(exitedCleanly));

      const all = results.flatMap((r) => r.claimed);
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
      expect(new Set(all)).toEqual(new Set(created.map((c) => c.run.id)));
      // They really raced: more than one worker got runs.
      expect(results.filter((r) => r.claimed.length > 0).length).toBeGreaterThan(1);
      const summary = await tracker.sweepSummary(sweep.id);
      expect(summary.counts.FINISHED).toBe(40);
      for (const r of results) {
        for (const id of r.claimed) expect(summary.runs.find((run) => run.id === id)?.worker).toBe(r.worker);
      }
    });

    // 50k points per writer on SQLite (the tracker issue's figure); 20k on PostgreSQL keeps the suite quick.
    const points = dialect === 'sqlite' ? 50_000 : 20_000;
    const steps = points / 2;
    it(`4 processes logging ${points / 1000}k points each while a reader queries: no point lost, no lock error`, async () => {
      const { tracker, location: path } = await open();
      const { sweep } = await tracker.ensureSweep({ name: 'ingest', method: 'grid', space: {} });
      const ids = (await tracker.createRuns(sweep.id, runs(4))).map((c) => c.run.id);
      await tracker.close();
      const writers = ids.map((id) => spawnFixture('metric-writer', [path, id, String(points), '2']));
      const reader = await openTracker(path, { readonly: true });
      try {
        await startTogether(writers);
        let running = true;
        const finished = Promise.all(writers.map(exitedCleanly)).finally(() => {
          running = false;
        });
        let reads = 0;
        const seen = new Map(ids.map((id) => [id, 0]));
        while (running) {
          const list = await reader.listRuns({ sweepId: sweep.id, orderBy: { metric: 'k0' } });
          expect(list.total).toBe(4);
          for (const id of ids) {
            const curve = await reader.curve(id, 'k1', { maxPoints: 200 });
            expect(curve.points.length).toBeLessThanOrEqual(200);
            // Committed points never disappear.
            expect(curve.totalPoints).toBeGreaterThanOrEqual(seen.get(id) as number);
            seen.set(id, curve.totalPoints);
          }
          reads++;
          await sleep(2);
        }
        await finished;
        expect(reads).toBeGreaterThan(0);
        console.log(`4 x ${points} points written while the reader ran ${reads} rounds of queries`);
        for (const id of ids) {
          for (const [k, key] of ['k0', 'k1'].entries()) {
            const history = await reader.metricHistory(id, key);
            expect(history).toHaveLength(steps);
            const wrong = history.filter((p, step) => p.step !== step || p.value !== step + k / 10);
            expect(wrong).toEqual([]);
          }
          expect((await reader.getRun(id)).latestMetrics.k1).toMatchObject({ step: steps - 1, value: steps - 1 + 0.1 });
        }
      } finally {
        await reader.close();
      }
    });

    it('a SIGKILLed writer: every flushed point is intact and its run is CRASHED after the timeout, then resumes without duplicates', async () => {
      const { tracker, location: path } = await open();
      const { sweep } = await tracker.ensureSweep({ name: 'crash', method: 'grid', space: {} });
      await tracker.createRuns(sweep.id, runs(1));
      const writer = spawnFixture('killable-writer', [path, sweep.id]);
      let last = { runId: '', flushedThrough: -1 };
      for (let i = 0; i < 5; i++) last = await nextJson<typeof last>(writer);
      writer.child.kill('SIGKILL');
      const { signal } = await writer.exited;
      expect(signal).toBe('SIGKILL');

      const timeoutMs = 300;
      expect(await tracker.markStaleRuns(60_000)).toEqual([]); // not yet: within the timeout
      expect((await tracker.getRun(last.runId)).status).toBe('RUNNING');
      await sleep(timeoutMs + 50);
      const crashed = await tracker.markStaleRuns(timeoutMs);
      expect(crashed.map((r) => [r.id, r.status])).toEqual([[last.runId, 'CRASHED']]);

      const history = await tracker.metricHistory(last.runId, 'loss');
      const through = history.length - 1; // a flush may have committed after the last line we read
      expect(through).toBeGreaterThanOrEqual(last.flushedThrough);
      expect(history.filter((p, step) => p.step !== step || p.value !== step / 1000)).toEqual([]);
      expect(crashed[0]?.lastStep).toBe(through);

      // Resume from a checkpoint 100 steps back: the overlap replaces, never duplicates.
      expect((await tracker.requeueRun(last.runId)).requeued).toBe(true);
      const resumed = await tracker.claimNextRun(sweep.id, 'second-worker');
      expect(resumed).toMatchObject({ id: last.runId, resumeCount: 1 });
      const points = [];
      for (let step = through - 100; step <= through + 100; step++)
        points.push({ runId: last.runId, key: 'loss', step, value: -step });
      await tracker.logMetrics(points);
      const after = await tracker.metricHistory(last.runId, 'loss');
      expect(after).toHaveLength(through + 101);
      expect(after.map((p) => p.step)).toEqual(Array.from({ length: through + 101 }, (_, i) => i));
      expect(after[through - 101]?.value).toBe((through - 101) / 1000);
      expect(after[through]?.value).toBe(-through);
    });
  });
});
