import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPORT_BATCH_RUNS } from '../src/export.js';
import type { Run, Tracker } from '../src/index.js';
import { forEachDialect } from './helpers.js';

/** A seeded generator so that failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two kappas x three seeds plus one baseline, with metrics and tags. */
async function populated(tracker: Tracker) {
  const { sweep } = await tracker.ensureSweep({ name: 'kappa', method: 'grid', space: { kappa: [0.1, 0.7] } });
  const inputs = [0.1, 0.7].flatMap((kappa) =>
    [1, 2, 3].map((seed) => ({
      name: `free kappa=${kappa} seed=${seed}`,
      variant: 'free',
      seed,
      config: { model: { kappaNats: kappa, latentBits: 8, estimator: 'dense' }, seed },
    })),
  );
  inputs.push({
    name: 'baseline 100%_done',
    variant: 'baseline',
    seed: 1,
    config: { model: { kappaNats: 0, latentBits: 0, estimator: 'none' }, seed: 1 },
  });
  const runs = (await tracker.createRuns(sweep.id, inputs)).map((c) => c.run);
  for (const [i, run] of runs.entries()) {
    const points = [];
    for (let step = 0; step <= 40; step++)
      points.push({ runId: run.id, key: 'val/loss', step, value: 3 - step / 20 + i / 10 });
    await tracker.logMetrics(points);
  }
  await tracker.setTags(runs[0]!.id, { stage: 'pilot' });
  await tracker.setTags(runs[4]!.id, { stage: 'final' });
  for (const run of runs.slice(0, 3)) {
    await tracker.claimNextRun(sweep.id, 'w');
    await tracker.finishRun(run.id, 40);
  }
  return { sweep, runs };
}

const names = (runs: Run[]) => runs.map((r) => r.name);

forEachDialect((open) => {
  describe('listRuns', () => {
    it('filters by status, variant, sweep, tag, param ranges, latest metric and name, and counts the total', async () => {
      const { tracker } = await open();
      const { sweep, runs } = await populated(tracker);
      await tracker.startRun({ name: 'outside', config: {} });
      expect((await tracker.listRuns()).total).toBe(8);
      expect((await tracker.listRuns({ sweepId: sweep.id })).total).toBe(7);
      expect((await tracker.listRuns({ status: 'FINISHED' })).total).toBe(3);
      expect((await tracker.listRuns({ status: ['FINISHED', 'RUNNING'] })).total).toBe(4);
      expect(names((await tracker.listRuns({ variant: 'baseline' })).runs)).toEqual(['baseline 100%_done']);
      expect(names((await tracker.listRuns({ tags: { stage: 'final' } })).runs)).toEqual([runs[4]!.name]);
      expect((await tracker.listRuns({ tags: { stage: true } })).total).toBe(2);
      const high = await tracker.listRuns({ params: { 'model.kappaNats': { min: 0.5, max: 1 } }, orderBy: 'name' });
      expect(names(high.runs)).toEqual(['free kappa=0.7 seed=1', 'free kappa=0.7 seed=2', 'free kappa=0.7 seed=3']);
      expect(high.runs[0]?.params['model.kappaNats']).toEqual({ number: 0.7, text: '0.7' });
      expect(
        (
          await tracker.listRuns({
            params: { 'model.estimator': { equals: 'dense' }, 'model.latentBits': { in: [8, 16] } },
          })
        ).total,
      ).toBe(6);
      expect(
        (await tracker.listRuns({ params: { 'model.kappaNats': { min: 0.05 }, seed: { equals: 2 } } })).total,
      ).toBe(2);
      expect((await tracker.listRuns({ metrics: { 'val/loss': { max: 1.15 } } })).total).toBe(2);
      // `%` and `_` are literal in a search, not wildcards.
      expect(names((await tracker.listRuns({ search: '100%_' })).runs)).toEqual(['baseline 100%_done']);
      expect((await tracker.listRuns({ search: 'KAPPA=0.1' })).total).toBe(3);
      expect((await tracker.listRuns({ search: '0%1' })).total).toBe(0);
      expect((await tracker.listRuns({ status: [] })).total).toBe(0);
      expect((await tracker.listRuns({ variant: [], ids: [] })).total).toBe(0);
      expect((await tracker.listRuns({ ids: [runs[1]!.id, runs[2]!.id] })).total).toBe(2);
    });

    it('sorts by a field, a latest metric or a param, pages with limit/offset, and attaches metrics, params and tags', async () => {
      const { tracker } = await open();
      const { runs } = await populated(tracker);
      const byLoss = await tracker.listRuns({ orderBy: { metric: 'val/loss' } });
      const losses = byLoss.runs.map((r) => r.latestMetrics['val/loss']?.value as number);
      expect(losses).toEqual([...losses].sort((a, b) => a - b));
      expect(byLoss.runs[0]?.id).toBe(runs[0]?.id);
      const byKappa = await tracker.listRuns({
        orderBy: { param: 'model.kappaNats' },
        descending: true,
        limit: 2,
        offset: 3,
      });
      expect(byKappa.total).toBe(7);
      expect(byKappa.runs.map((r) => r.params['model.kappaNats']?.number)).toEqual([0.1, 0.1]);
      const page = await tracker.listRuns({ orderBy: 'name', limit: 3, paramKeys: ['model.kappaNats'] });
      expect(page.runs).toHaveLength(3);
      expect(Object.keys(page.runs[0]?.params ?? {})).toEqual(['model.kappaNats']);
      expect(page.runs.find((r) => r.id === runs[0]?.id)?.tags).toEqual({ stage: 'pilot' });
      const newestFirst = await tracker.listRuns();
      expect(newestFirst.runs[0]?.id).toBe(runs[6]?.id);
      await expect(tracker.listRuns({ status: 'DONE' as never })).rejects.toThrow(
        /status must be one of PENDING, RUNNING/,
      );
      await expect(tracker.listRuns({ orderBy: 'colour' as never })).rejects.toThrow(/orderBy must be one of/);
      await expect(tracker.listRuns({ limit: 0 })).rejects.toThrow(/limit must be a positive integer/);
      await expect(tracker.listRuns({ params: { k: { min: 'a' as never } } })).rejects.toThrow(
        /params\["k"\]: min must be a number/,
      );
    });

    it('getRun returns everything about one run and names the id it cannot find', async () => {
      const { tracker } = await open();
      const { runs } = await populated(tracker);
      const detail = await tracker.getRun(runs[0]!.id);
      expect(detail).toMatchObject({
        id: runs[0]?.id,
        status: 'FINISHED',
        tags: { stage: 'pilot' },
        notes: [],
        artifacts: [],
        evaluations: [],
      });
      expect(detail.latestMetrics['val/loss']).toMatchObject({ step: 40, value: 1 });
      await expect(tracker.getRun('nope')).rejects.toThrow(/getRun\("nope"\): no run with id "nope"/);
    });
  });

  it('endedSince keeps the runs that ended at or after a time, by the database clock', async () => {
    const { tracker } = await open();
    const { sweep, runs } = await populated(tracker);
    const ended = await Promise.all(runs.slice(0, 3).map(async (run) => (await tracker.getRun(run.id)).endedAt));
    const last = Math.max(...(ended as number[]));
    const since = await tracker.listRuns({ sweepId: sweep.id, endedSince: last });
    expect(since.runs.map((r) => r.id).sort()).toEqual(
      runs
        .slice(0, 3)
        .filter((_, i) => ended[i] === last)
        .map((r) => r.id)
        .sort(),
    );
    expect((await tracker.listRuns({ sweepId: sweep.id, endedSince: last + 1 })).total).toBe(0);
    expect((await tracker.listRuns({ sweepId: sweep.id, endedSince: 0 })).total).toBe(3); // never-ended runs excluded
    await expect(tracker.listRuns({ endedSince: -1 })).rejects.toThrow(/endedSince must be a non-negative integer/);
  });

  it('listEvaluations reads every evaluation of the matching runs at once, as getRun has them', async () => {
    const { tracker } = await open();
    const { sweep, runs } = await populated(tracker);
    for (const [i, run] of runs.entries()) {
      await tracker.logEvaluations(run.id, [
        { step: 40, task: 'toy', metric: 'acc', value: i / 10, stderr: 0.01, n: 32 },
        { step: 10, task: 'likelihood', metric: 'ce', value: 2 + i },
      ]);
    }
    const finished = await tracker.listEvaluations({ sweepId: sweep.id, status: 'FINISHED' });
    const expected = [];
    for (const run of runs.slice(0, 3).sort((a, b) => (a.id < b.id ? -1 : 1))) {
      expected.push(...(await tracker.getRun(run.id)).evaluations);
    }
    expect(finished).toEqual(expected);
    expect(finished).toHaveLength(6);
    // Ids beyond one IN list (500) are read in chunks; unknown ids match nothing.
    const ids = [...Array.from({ length: 600 }, (_, i) => `missing-${i}`), runs[6]!.id];
    expect((await tracker.listEvaluations({ ids })).map((e) => e.runId)).toEqual([runs[6]!.id, runs[6]!.id]);
    expect(await tracker.listEvaluations({ ids: [] })).toEqual([]);
    // recordedSince: a replaced evaluation counts as recorded anew.
    const [before] = await tracker.listEvaluations({ ids: [runs[1]!.id], recordedSince: 0 });
    const replaced = await tracker.logEvaluations(runs[1]!.id, [
      { step: 10, task: 'likelihood', metric: 'ce', value: 9 },
    ]);
    const since = await tracker.listEvaluations({ sweepId: sweep.id, recordedSince: replaced[0]!.createdAt });
    expect(since.map((e) => [e.runId, e.task, e.value])).toContainEqual([runs[1]!.id, 'likelihood', 9]);
    expect(since.every((e) => e.createdAt >= replaced[0]!.createdAt)).toBe(true);
    expect(before?.createdAt).toBeLessThanOrEqual(replaced[0]!.createdAt);
    await expect(tracker.listEvaluations({ recordedSince: 1.5 })).rejects.toThrow(
      /listEvaluations: recordedSince must be a non-negative integer/,
    );
    await expect(tracker.listEvaluations({ status: 'DONE' as never })).rejects.toThrow(/status must be one of/);
  });

  describe('curves', () => {
    it('downsampling returns at most maxPoints buckets, each with its exact extremes, mean, count and last value', async () => {
      const { tracker } = await open();
      const run = await tracker.startRun({ name: 'r', config: {} });
      const next = random(7);
      const steps: number[] = [];
      for (let step = 0; steps.length < 5000; step += 1 + Math.floor(next() * 3)) steps.push(step);
      const values = new Map(
        steps.map((s) => [s, next() < 0.001 ? Number.NaN : (next() - 0.5) * (next() < 0.01 ? 100 : 1)]),
      );
      await tracker.logMetrics(
        steps.map((step) => ({ runId: run.id, key: 'loss', step, value: values.get(step) as number })),
      );
      for (const maxPoints of [1, 7, 100, 999, 4999, 5000, 8000]) {
        const curve = await tracker.curve(run.id, 'loss', { maxPoints });
        expect(curve.totalPoints).toBe(5000);
        expect(curve.points.length).toBeLessThanOrEqual(maxPoints);
        expect(curve.downsampled).toBe(maxPoints < 5000);
        expect(curve.points.reduce((n, p) => n + p.count, 0)).toBe(5000);
        let cursor = 0; // buckets are contiguous and sorted: walk the steps once
        const wrong: string[] = [];
        const check = (what: string, got: unknown, want: unknown, step: number) => {
          const same =
            typeof got === 'number' && typeof want === 'number'
              ? Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want))
              : got === want;
          if (!same) wrong.push(`maxPoints ${maxPoints}, bucket ending at ${step}: ${what} ${got} != ${want}`);
        };
        for (const point of curve.points) {
          const inBucket: number[] = [];
          while (cursor < steps.length && steps[cursor] <= point.step) inBucket.push(steps[cursor++]);
          const finite = inBucket.map((s) => values.get(s) as number).filter(Number.isFinite);
          const last = values.get(point.step) as number;
          check('firstStep', point.firstStep, inBucket[0], point.step);
          check('step', point.step, inBucket.at(-1), point.step);
          check('count', point.count, inBucket.length, point.step);
          check('nonFiniteCount', point.nonFiniteCount, inBucket.length - finite.length, point.step);
          check('value', point.value, Number.isNaN(last) ? null : last, point.step);
          check('min', point.min, finite.length ? Math.min(...finite) : null, point.step);
          check('max', point.max, finite.length ? Math.max(...finite) : null, point.step);
          check(
            'mean',
            point.mean,
            finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null,
            point.step,
          );
        }
        expect(cursor).toBe(steps.length);
        expect(wrong).toEqual([]);
      }
      const window = await tracker.curve(run.id, 'loss', { maxPoints: 10, fromStep: 100, toStep: 300 });
      expect(window.points[0]?.firstStep).toBeGreaterThanOrEqual(100);
      expect(window.points.at(-1)?.step).toBeLessThanOrEqual(300);
      expect(window.totalPoints).toBe(steps.filter((s) => s >= 100 && s <= 300).length);
      await expect(tracker.curve(run.id, 'loss', { maxPoints: 0 })).rejects.toThrow(
        /maxPoints must be a positive integer/,
      );
    });

    it('groupCurves gives mean, std and n across the seeds of one config, per step', async () => {
      const { tracker } = await open();
      const { runs } = await populated(tracker);
      const group = await tracker.groupCurves({ configHash: runs[0]!.configHash }, 'val/loss');
      expect(group.runIds.sort()).toEqual(
        runs
          .slice(0, 3)
          .map((r) => r.id)
          .sort(),
      );
      expect(group.downsampled).toBe(false);
      expect(group.points).toHaveLength(41);
      // Seed i logged 3 - step/20 + i/10 for i = 0, 1, 2: mean 3 - step/20 + 0.1, std 0.1.
      for (const point of group.points) {
        expect(point.n).toBe(3);
        expect(point.mean).toBeCloseTo(3 - point.step / 20 + 0.1, 12);
        expect(point.std).toBeCloseTo(0.1, 12);
        expect(point.stderr).toBeCloseTo(0.1 / Math.sqrt(3), 12);
      }
      const coarse = await tracker.groupCurves({ runIds: [runs[0]!.id, runs[1]!.id] }, 'val/loss', { maxPoints: 5 });
      expect(coarse.downsampled).toBe(true);
      expect(coarse.points.length).toBeLessThanOrEqual(5);
      expect(coarse.points.every((p) => p.n === 2)).toBe(true);
      // Sparse steps (every 100): buckets wider than one step that still hold one step are not downsampled.
      const sparse = await Promise.all(
        [1, 2].map((seed) => tracker.startRun({ name: `sparse ${seed}`, seed, config: { sparse: true } })),
      );
      await tracker.logMetrics(
        sparse.flatMap((run) =>
          Array.from({ length: 101 }, (_, i) => ({ runId: run.id, key: 'eval', step: i * 100, value: i })),
        ),
      );
      const perStep = await tracker.groupCurves({ configHash: sparse[0]!.configHash }, 'eval', { maxPoints: 1000 });
      expect(perStep).toMatchObject({ downsampled: false, bucketSteps: 11 });
      expect(perStep.points.map((p) => p.step)).toEqual(Array.from({ length: 101 }, (_, i) => i * 100));
      const merged = await tracker.groupCurves({ configHash: sparse[0]!.configHash }, 'eval', { maxPoints: 50 });
      expect(merged.downsampled).toBe(true);
      expect(merged.points.length).toBeLessThanOrEqual(50);
      await expect(tracker.groupCurves({}, 'val/loss')).rejects.toThrow(
        /exactly one of \{ configHash \} or \{ runIds \}/,
      );
      await expect(tracker.groupCurves({ runIds: ['nope'] }, 'val/loss')).rejects.toThrow(/no run with id "nope"/);
    });
  });

  describe('sweep summary and export', () => {
    it('sweepSummary counts statuses, finds the axes and aggregates seeds of each config', async () => {
      const { tracker } = await open();
      const { sweep, runs } = await populated(tracker);
      const summary = await tracker.sweepSummary(sweep.id);
      expect(summary.total).toBe(7);
      expect(summary.counts).toEqual({ PENDING: 4, RUNNING: 0, FINISHED: 3, FAILED: 0, CRASHED: 0, KILLED: 0 });
      expect(summary.axes.map((a) => [a.key, a.values.map((v) => v.text)])).toEqual([
        ['model.estimator', ['dense', 'none']],
        ['model.kappaNats', ['0', '0.1', '0.7']],
        ['model.latentBits', ['0', '8']],
      ]);
      expect(summary.runs.map((r) => r.id)).toEqual(runs.map((r) => r.id));
      expect(summary.groups).toHaveLength(3);
      const first = summary.groups[0]!;
      expect(first.seeds).toEqual([1, 2, 3]);
      expect(first.counts).toEqual({ FINISHED: 3 });
      expect(first.metrics['val/loss']?.n).toBe(3);
      expect(first.metrics['val/loss']?.mean).toBeCloseTo(1.1, 12);
      expect(first.metrics['val/loss']?.std).toBeCloseTo(0.1, 12);
      await expect(tracker.sweepSummary('nope')).rejects.toThrow(/no sweep with id "nope"/);
    });

    it('exports a run and a sweep as JSON and CSV, to a string and to a file', async () => {
      const { tracker, dir } = await open();
      const { sweep, runs } = await populated(tracker);
      const runJson = JSON.parse(await tracker.exportRun(runs[0]!.id));
      expect(runJson.format).toBe('ftlab-tracker-run');
      expect(runJson.run.metrics['val/loss']).toHaveLength(41);
      expect(runJson.run.params['model.kappaNats']).toEqual({ number: 0.1, text: '0.1' });
      const runCsv = (await tracker.exportRun(runs[0]!.id, { format: 'csv' })).trim().split('\n');
      expect(runCsv[0]).toBe('run_id,key,step,value,wall_time_ms');
      expect(runCsv).toHaveLength(42);
      const path = join(dir, 'sweep.csv');
      const sweepCsv = await tracker.exportSweep(sweep.id, { format: 'csv', path });
      expect(readFileSync(path, 'utf8')).toBe(sweepCsv);
      const [header, ...rows] = sweepCsv.trim().split('\n');
      expect(header?.split(',')).toEqual(
        expect.arrayContaining(['id', 'status', 'param:model.kappaNats', 'metric:val/loss', 'tag:stage']),
      );
      expect(rows).toHaveLength(7);
      expect(rows.find((r) => r.startsWith(runs[6]!.id))).toContain('"baseline 100%_done"'.replace(/"/g, ''));
      const long = await tracker.exportSweep(sweep.id, { format: 'csv', table: 'metrics' });
      expect(long.trim().split('\n')).toHaveLength(1 + 7 * 41);
      const sweepJson = JSON.parse(await tracker.exportSweep(sweep.id));
      expect(sweepJson.runs).toHaveLength(7);
      expect(sweepJson.counts.FINISHED).toBe(3);
      await expect(tracker.exportRun(runs[0]!.id, { format: 'xml' as never })).rejects.toThrow(
        /format must be "json" or "csv"/,
      );
    });

    it('streams a sweep export in batches of runs, piece by piece the same text as exportSweep', async () => {
      const { tracker } = await open();
      const { sweep } = await tracker.ensureSweep({ name: 'wide', method: 'grid', space: { kappa: [0.1, 0.7] } });
      const count = 2 * EXPORT_BATCH_RUNS + 30;
      const created = await tracker.createRuns(
        sweep.id,
        Array.from({ length: count }, (_, i) => ({
          name: `run, "${i}"`, // a comma and quotes: CSV quoting
          variant: i % 2 === 0 ? 'free' : 'baseline',
          seed: i,
          config: { model: { kappaNats: i % 2 === 0 ? 0.1 : 0.7 }, seed: i },
        })),
      );
      const ids = created.map((c) => c.run.id);
      await tracker.logMetrics(
        ids.flatMap((runId, i) =>
          [0, 1, 2].map((step) => ({ runId, key: i % 3 ? 'val/loss' : 'val/ce', step, value: i + step / 10 })),
        ),
      );
      await tracker.setTags(ids[count - 1]!, { stage: 'last' });
      await tracker.logEvaluations(ids[5]!, [{ step: 2, task: 'toy', metric: 'acc', value: Number.NaN }]);
      const collect = async (options: { format: 'csv' | 'json'; table?: 'runs' | 'metrics' }, id = sweep.id) => {
        const pieces: string[] = [];
        for await (const piece of tracker.streamSweepExport(id, options)) pieces.push(piece);
        return pieces;
      };

      // CSV of runs: a header piece, then one piece per batch, the rows in queue order.
      const runsCsv = await collect({ format: 'csv' });
      expect(runsCsv).toHaveLength(1 + Math.ceil(count / EXPORT_BATCH_RUNS));
      expect(runsCsv.join('')).toBe(await tracker.exportSweep(sweep.id, { format: 'csv' }));
      const header = runsCsv[0]!.trim().split(',');
      expect(header.filter((column) => /^(param|metric|tag):/.test(column))).toEqual([
        'param:model.kappaNats',
        'param:seed',
        'metric:val/ce',
        'metric:val/loss',
        'tag:stage',
      ]);
      const rows = runsCsv.slice(1).join('').trim().split('\n');
      expect(rows.map((row) => row.slice(0, row.indexOf(',')))).toEqual(ids);
      expect(rows[7]).toContain(',"run, ""7""",');
      expect(rows[count - 1]?.endsWith(',last')).toBe(true);

      // CSV of points: a header piece, then one piece per run with points.
      const metricsCsv = await collect({ format: 'csv', table: 'metrics' });
      expect(metricsCsv).toHaveLength(1 + count);
      expect(metricsCsv.join('').trim().split('\n')).toHaveLength(1 + 3 * count);

      // JSON: the document as JSON.stringify(document, null, 2) writes it, with every run's points.
      const json = await collect({ format: 'json' });
      expect(json).toHaveLength(2 + count);
      const document = JSON.parse(json.join(''));
      // What exportSweep wrote before it streamed: one JSON.stringify of the whole document.
      const reference = async (id: string, runIds: string[]) => {
        const { counts, axes, groups } = await tracker.sweepSummary(id);
        const runs = await Promise.all(runIds.map(async (runId) => JSON.parse(await tracker.exportRun(runId)).run));
        const document = { format: 'ftlab-tracker-sweep', version: 1, sweep: await tracker.getSweep(id) };
        return `${JSON.stringify({ ...document, counts, axes, groups, runs }, null, 2)}\n`;
      };
      expect(json.join('')).toBe(await reference(sweep.id, ids));
      expect(document.runs[5].evaluations[0]).toMatchObject({ value: null, nonFinite: 'NaN' });

      // An empty sweep, and the refusals, which come before any piece.
      const { sweep: empty } = await tracker.ensureSweep({ name: 'empty', method: 'grid', space: {} });
      expect((await collect({ format: 'json' }, empty.id)).join('')).toBe(await reference(empty.id, []));
      expect(await tracker.exportSweep(empty.id, { format: 'csv' })).toMatch(/^id,name,status,[^\n]*\n$/);
      await expect(tracker.streamSweepExport('nope').next()).rejects.toThrow(/no sweep with id "nope"/);
      await expect(tracker.streamSweepExport(sweep.id, { format: 'xml' as never }).next()).rejects.toThrow(
        /format must be "json" or "csv"/,
      );
    });
  });
});
