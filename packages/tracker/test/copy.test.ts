// Copying a history between databases (`ftlab copy`): every row arrives unchanged, a second copy
// adds nothing, a conflicting copy is refused with the destination untouched, and the dashboard's
// read path gives the same answers on PostgreSQL as on SQLite for the same data.
import { describe, expect, it } from 'vitest';
import type { CopyTableReport } from '../src/copy.js';
import type { Tracker } from '../src/index.js';
import { DIALECTS, freshStore, PG_URL, type TestStore } from './helpers.js';

/** A small but varied history: an experiment, a sweep of 3 configs x 3 seeds in every state, a standalone run. */
async function history(tracker: Tracker) {
  const experiment = await tracker.ensureExperiment('toy', 'the synthetic task');
  const { sweep } = await tracker.ensureSweep({
    name: 'kappa',
    method: 'grid',
    space: { 'model.kappaNats': [0, 0.35, 0.7], seed: [1, 2, 3] },
    experimentId: experiment.id,
  });
  const inputs = [0, 0.35, 0.7].flatMap((kappaNats) =>
    [1, 2, 3].map((seed) => ({
      name: `free kappa=${kappaNats} seed=${seed}`,
      variant: kappaNats === 0 ? 'baseline' : 'free-transformer',
      seed,
      config: { model: { kappaNats, latentBits: 8, estimator: 'dense' }, training: { steps: 200, lr: 3e-4 }, seed },
      artifactRoot: '/shared/ftlab-runs',
      totalSteps: 200,
      gitCommit: 'abc123',
      gitDirty: false,
      packageVersions: { node: 'v20.20.2' },
      tags: { 'axis:kappa': String(kappaNats) },
    })),
  );
  const runs = (await tracker.createRuns(sweep.id, inputs)).map((c) => c.run);
  for (const [i, planned] of runs.entries()) {
    const worker = `host-${i % 3}:${100 + i}`;
    const run = (await tracker.claimNextRun(sweep.id, worker))!;
    expect(run.id).toBe(planned.id);
    await tracker.recordRunEnvironment(run.id, { backend: 'wasm', host: `host-${i % 3}` }, { worker });
    const writer = await tracker.metricWriter(run.id, { maxBatch: 500, flushIntervalMs: 0 });
    for (let step = 0; step < 200; step++) {
      const loss = 3 * Math.exp(-step / (40 + i)) + 0.5 + 0.01 * Math.sin(step + i);
      writer.logStep(step, { 'train/loss': i === 2 && step === 50 ? Number.NaN : loss, 'train/kl_bits': i / 10 });
      if (step % 20 === 19) writer.log('val/loss', step, loss + 0.1 * (i % 4));
    }
    if (i === 5) writer.log('train/loss', 200, Number.POSITIVE_INFINITY);
    await writer.close();
    await tracker.heartbeat(run.id, 199, { worker });
    if (i === 0) {
      await tracker.failRun(run.id, 'step 120: loss is NaN', 120, { worker });
    } else if (i === 3) {
      await tracker.killRun(run.id, 'stopped by hand');
      await tracker.requeueRun(run.id);
      await tracker.claimRun(run.id, 'host-9:1');
      await tracker.addNote(run.id, 'resumed on host-9 from step 180', 'ana');
    } else if (i !== 4) {
      await tracker.finishRun(run.id, 199, { worker });
      await tracker.logEvaluations(run.id, [
        { step: 199, task: 'toy', metric: 'elbo_nll', value: 1.1 + i / 100, stderr: 0.01, n: 256, extra: { k: 8 } },
        { step: 199, task: 'toy', metric: 'prior_ce', value: 1.3 + i / 100, stderr: 0.02, n: 256 },
      ]);
      await tracker.logArtifact(run.id, { kind: 'checkpoint', path: `/shared/ftlab-runs/${run.id}/ckpt`, bytes: 4096 });
    }
  }
  await tracker.setTags(runs[1]!.id, { stage: 'pilot' });
  await tracker.logParams(runs[1]!.id, { note: 'first pilot', 'optimizer.beta2': 0.95 });
  const solo = await tracker.startRun({ name: 'standalone check', config: { quick: true }, worker: 'laptop:1' });
  await tracker.logMetrics([{ runId: solo.id, key: 'train/loss', step: 0, value: 2.5 }]);
  return { experiment, sweep, runs, solo };
}

/** What the dashboard and the CLI read, for every run, curve and group of the history. */
async function readPath(tracker: Tracker, sweepId: string) {
  const all = await tracker.listRuns({ limit: 1000 });
  const out: Record<string, unknown> = {
    experiments: await tracker.listExperiments(),
    sweeps: await tracker.listSweeps(),
    newest: await tracker.listRuns(),
    filtered: await tracker.listRuns({
      sweepId,
      status: ['FINISHED', 'FAILED'],
      params: { 'model.kappaNats': { min: 0.3 } },
      orderBy: { metric: 'train/loss' },
      limit: 5,
    }),
    byParam: await tracker.listRuns({
      orderBy: { param: 'model.kappaNats' },
      descending: true,
      offset: 2,
      limit: 4,
      paramKeys: ['model.kappaNats'],
    }),
    byName: await tracker.listRuns({ orderBy: 'name', search: 'SEED=2' }),
    byStatus: await tracker.listRuns({ orderBy: 'status', variant: ['baseline', 'free-transformer'] }),
    tagged: await tracker.listRuns({ tags: { 'axis:kappa': '0.35' }, metrics: { 'val/loss': { max: 3 } } }),
    summary: await tracker.sweepSummary(sweepId),
    sweepJson: JSON.parse(await tracker.exportSweep(sweepId, { format: 'json' })),
    sweepCsv: await tracker.exportSweep(sweepId, { format: 'csv', table: 'metrics' }),
  };
  for (const run of all.runs) {
    out[`run ${run.name}`] = {
      detail: await tracker.getRun(run.id),
      keys: await tracker.metricKeys(run.id),
      full: await tracker.curve(run.id, 'train/loss'),
      coarse: await tracker.curve(run.id, 'train/loss', { maxPoints: 17 }),
      window: await tracker.curve(run.id, 'train/loss', { maxPoints: 9, fromStep: 20, toStep: 120 }),
      validation: await tracker.metricHistory(run.id, 'val/loss'),
      json: JSON.parse(await tracker.exportRun(run.id, { format: 'json' })),
    };
  }
  for (const hash of new Set(all.runs.map((r) => r.configHash))) {
    out[`group ${hash}`] = await tracker.groupCurves({ configHash: hash, sweepId }, 'train/loss', { maxPoints: 50 });
  }
  out.picked = await tracker.groupCurves({ runIds: all.runs.slice(0, 4).map((r) => r.id) }, 'val/loss');
  return out;
}

/** Paths where two read results differ; floats may differ in their last bits (AVG sums in another order). */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a !== b && !(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a)))) out.push(`${path}: ${a} != ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: length ${a.length} != ${b.length}`);
    else for (const [i, item] of a.entries()) differences(item, b[i], `${path}[${i}]`, out);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`, out);
    }
  } else if (a !== b) {
    out.push(`${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
  }
  return out;
}

const byTable = (tables: CopyTableReport[]) => Object.fromEntries(tables.map((t) => [t.table, t]));

/** The rows of every table except the migrator's (whose applied_at differs per database). */
async function data(store: TestStore): Promise<unknown> {
  return (JSON.parse(await store.snapshot()) as Array<[string, unknown]>).filter(
    ([table]) => table !== 'tracker_schema',
  );
}

describe('copying a history', () => {
  for (const dialect of DIALECTS) {
    describe.skipIf(dialect === 'postgres' && !PG_URL)(`from SQLite to ${dialect}`, () => {
      it('copies every row unchanged, in batches; copying again adds nothing; copying back gives the same rows', async () => {
        const source = await freshStore('sqlite');
        const { sweep } = await history(source.tracker);
        const destination = await freshStore(dialect);
        const progress: CopyTableReport[] = [];
        const report = await source.tracker.copyTo(destination.tracker, {
          batchSize: 64,
          onProgress: (p) => progress.push(p),
        });
        const tables = byTable(report.tables);
        for (const table of ['experiments', 'sweeps', 'runs', 'params', 'tags', 'notes', 'artifacts']) {
          expect({ table, copied: tables[table]?.copied }).toEqual({ table, copied: await source.countRows(table) });
        }
        expect(tables.metrics).toEqual({ table: 'metrics', copied: await source.countRows('metrics'), unchanged: 0 });
        expect(tables.metrics?.copied).toBeGreaterThan(3000);
        expect(progress.filter((p) => p.table === 'metrics').length).toBeGreaterThan(40); // batches of 64
        expect(report).toMatchObject({ from: source.location, to: destination.location });

        const before = await destination.snapshot();
        const again = await source.tracker.copyTo(destination.tracker);
        expect(again.tables.every((t) => t.copied === 0)).toBe(true);
        expect(byTable(again.tables).metrics?.unchanged).toBe(tables.metrics?.copied);
        expect(await destination.snapshot()).toBe(before);

        const back = await freshStore('sqlite');
        await destination.tracker.copyTo(back.tracker);
        expect(await data(back)).toEqual(await data(source));
        // The copy is a working tracker: its queue and writers carry on.
        const pending = await destination.tracker.claimNextRun(sweep.id, 'new-machine:1');
        expect(pending).toBeNull();
        const stale = (await destination.tracker.listRuns({ status: 'RUNNING' })).runs.map((r) => r.name);
        expect(stale.sort()).toEqual(['free kappa=0.35 seed=1', 'free kappa=0.35 seed=2', 'standalone check']);
      });

      it('refuses to overwrite rows that differ, or names taken by other rows, leaving the destination unchanged', async () => {
        const source = await freshStore('sqlite');
        const { sweep, runs } = await history(source.tracker);
        const destination = await freshStore(dialect);
        await source.tracker.copyTo(destination.tracker);
        // The run went on in the source after the copy: its row and a metric point now differ.
        await source.tracker.heartbeat(runs[4]!.id, 205);
        await source.tracker.logMetrics([{ runId: runs[4]!.id, key: 'train/loss', step: 10, value: 42 }]);
        const before = await destination.snapshot();
        const refused = source.tracker.copyTo(destination.tracker);
        await expect(refused).rejects.toMatchObject({ code: 'COPY_CONFLICT' });
        await expect(refused).rejects.toThrow(
          new RegExp(
            `copy from .* to .* refused; the destination was left unchanged\\. It already holds different data for: ` +
              `runs \\(id="${runs[4]!.id}"\\): heartbeat_at .*last_step 205 here, 199 there.*never overwrites`,
          ),
        );
        expect(await destination.snapshot()).toBe(before);

        // A sweep of the same name made elsewhere is another sweep, not this one.
        const other = await freshStore(dialect);
        await other.tracker.ensureSweep({ name: 'kappa', method: 'random', space: {} });
        const otherBefore = await other.snapshot();
        await expect(source.tracker.copyTo(other.tracker)).rejects.toThrow(
          new RegExp(`sweeps \\(id="${sweep.id}"\\) collides with another row of the destination on a unique name`),
        );
        expect(await other.snapshot()).toBe(otherBefore);
        await expect(source.tracker.copyTo(source.tracker)).rejects.toThrow(
          /the source and the destination are the same/,
        );
        await expect(source.tracker.copyTo(other.tracker, { batchSize: 0 })).rejects.toThrow(
          /batchSize must be a positive integer, got 0/,
        );
      });
    });
  }

  it.skipIf(!PG_URL)(
    'the dashboard reads the same answers from PostgreSQL as from SQLite for the same history',
    async () => {
      const sqlite = await freshStore('sqlite');
      const { sweep } = await history(sqlite.tracker);
      const postgres = await freshStore('postgres');
      await sqlite.tracker.copyTo(postgres.tracker);
      const reader = await (await import('../src/index.js')).openTracker(postgres.location, { readonly: true });
      try {
        const expected = await readPath(sqlite.tracker, sweep.id);
        const actual = await readPath(reader, sweep.id);
        expect(Object.keys(actual)).toEqual(Object.keys(expected));
        expect(Object.keys(expected).length).toBeGreaterThan(20);
        expect(differences(actual, expected)).toEqual([]);
      } finally {
        await reader.close();
      }
    },
  );
});
