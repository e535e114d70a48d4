import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, UnknownRunError } from '../src/index.js';
import { forEachDialect } from './helpers.js';

forEachDialect((open) => {
  describe('logging metrics', () => {
    it('a MetricWriter buffers points and writes one batch per maxBatch, per interval and on close', async () => {
      const store = await open();
      const { tracker } = store;
      const run = await tracker.startRun({ name: 'r', config: {} });
      const writer = await tracker.metricWriter(run.id, { maxBatch: 100, flushIntervalMs: 0 });
      for (let step = 0; step < 99; step++) writer.log('train/loss', step, 1 / (step + 1));
      expect(writer.pending).toBe(99);
      expect(await store.countRows('metrics')).toBe(0);
      writer.logStep(99, { 'train/loss': 0.01, 'train/kl': 0.5 }); // reaches 100: a flush starts by itself
      for (let i = 0; i < 100 && (await store.countRows('metrics')) < 101; i++) await sleep(5);
      expect(await store.countRows('metrics')).toBe(101);
      expect(writer.pending).toBe(0);
      writer.log('train/loss', 100, 0.009);
      await writer.close();
      expect(await store.countRows('metrics')).toBe(102);
      expect(() => writer.log('train/loss', 101, 1)).toThrow(/is closed; create a new one/);

      const timed = await tracker.metricWriter(run.id, { maxBatch: 1_000_000, flushIntervalMs: 20 });
      timed.log('val/loss', 0, 2.5);
      for (let i = 0; i < 100 && (await store.countRows('metrics')) < 103; i++) await sleep(10);
      expect(await store.countRows('metrics')).toBe(103);
      await timed.close();
    });

    it("closing the tracker flushes its writers' buffered points", async () => {
      const store = await open();
      const { tracker } = store;
      const run = await tracker.startRun({ name: 'r', config: {} });
      const writer = await tracker.metricWriter(run.id, { flushIntervalMs: 0 });
      for (let step = 0; step < 10; step++) writer.log('loss', step, step);
      expect(await store.countRows('metrics')).toBe(0);
      await tracker.close();
      expect(await store.countRows('metrics')).toBe(10);
    });

    it('the latest-metrics summary follows the highest step, in the same transaction as the points', async () => {
      const { tracker } = await open();
      const run = await tracker.startRun({ name: 'r', config: {} });
      await tracker.logMetrics([
        { runId: run.id, key: 'loss', step: 5, value: 3 },
        { runId: run.id, key: 'loss', step: 9, value: 2 },
        { runId: run.id, key: 'loss', step: 7, value: 2.5 },
        { runId: run.id, key: 'kl', step: 1, value: 0.1, wallTimeMs: 1234 },
      ]);
      let latest = (await tracker.getRun(run.id)).latestMetrics;
      expect(latest.loss).toMatchObject({ step: 9, value: 2 });
      expect(latest.kl).toEqual({ key: 'kl', step: 1, value: 0.1, nonFinite: null, wallTimeMs: 1234 });
      await tracker.logMetrics([{ runId: run.id, key: 'loss', step: 3, value: 9 }]); // an older step
      latest = (await tracker.getRun(run.id)).latestMetrics;
      expect(latest.loss).toMatchObject({ step: 9, value: 2 });
      await tracker.logMetrics([{ runId: run.id, key: 'loss', step: 9, value: 1.5 }]); // the same step again
      expect((await tracker.getRun(run.id)).latestMetrics.loss).toMatchObject({ step: 9, value: 1.5 });
      expect(await tracker.metricKeys(run.id)).toEqual(['kl', 'loss']);
    });

    it('re-logging steps after a resume replaces them: no duplicates, the newer value wins', async () => {
      const store = await open();
      const { tracker } = store;
      const run = await tracker.startRun({ name: 'r', config: {} });
      const first = await tracker.metricWriter(run.id, { flushIntervalMs: 0 });
      for (let step = 0; step < 1000; step++) first.log('loss', step, 10 - step / 100);
      await first.close();
      // Resumed from the checkpoint at step 600: steps 600..1199 are logged (again).
      const resumed = await tracker.metricWriter(run.id, { flushIntervalMs: 0 });
      for (let step = 600; step < 1200; step++) resumed.log('loss', step, -step);
      resumed.log('loss', 1199, -1199.5); // twice in one batch: the last one wins
      await resumed.close();
      expect(await store.countRows('metrics')).toBe(1200);
      const history = await tracker.metricHistory(run.id, 'loss');
      expect(history.map((p) => p.step)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
      expect(history[599]?.value).toBeCloseTo(4.01);
      expect(history[600]?.value).toBe(-600);
      expect(history[1199]?.value).toBe(-1199.5);
      expect((await tracker.getRun(run.id)).latestMetrics.loss).toMatchObject({ step: 1199, value: -1199.5 });
    });

    it('NaN and Infinity are stored and flagged, never rejected, and read back as what was logged', async () => {
      const { tracker } = await open();
      const run = await tracker.startRun({ name: 'r', config: {} });
      await tracker.logMetrics([
        { runId: run.id, key: 'loss', step: 0, value: 1 },
        { runId: run.id, key: 'loss', step: 1, value: Number.NaN },
        { runId: run.id, key: 'loss', step: 2, value: Number.POSITIVE_INFINITY },
        { runId: run.id, key: 'loss', step: 3, value: Number.NEGATIVE_INFINITY },
      ]);
      const history = await tracker.metricHistory(run.id, 'loss');
      expect(history.map((p) => [p.value, p.nonFinite])).toEqual([
        [1, null],
        [null, 'NaN'],
        [null, 'Infinity'],
        [null, '-Infinity'],
      ]);
      expect((await tracker.getRun(run.id)).latestMetrics.loss).toMatchObject({
        step: 3,
        value: null,
        nonFinite: '-Infinity',
      });
      const curve = await tracker.curve(run.id, 'loss');
      expect(curve.points.map((p) => p.nonFiniteCount)).toEqual([0, 1, 1, 1]);
      const csv = await tracker.exportRun(run.id, { format: 'csv' });
      expect(
        csv
          .split('\n')
          .slice(1, 5)
          .map((line) => line.split(',')[3]),
      ).toEqual(['1', 'NaN', 'Infinity', '-Infinity']);
    });

    it('bad points are refused with a clear error and leave the database unchanged', async () => {
      const store = await open();
      const { tracker } = store;
      const run = await tracker.startRun({ name: 'r', config: {} });
      await tracker.logMetrics([{ runId: run.id, key: 'loss', step: 0, value: 1 }]);
      const before = await store.snapshot();
      const good = { runId: run.id, key: 'loss', step: 1, value: 0.5 };
      const cases: Array<[unknown, RegExp]> = [
        [{ ...good, runId: 'no-such-run' }, /logMetrics: no run with id "no-such-run"/],
        [{ ...good, step: '3' }, /point 1: step must be a non-negative integer, got "3"/],
        [{ ...good, step: -1 }, /step must be a non-negative integer, got -1/],
        [{ ...good, step: 1.5 }, /step must be a non-negative integer, got 1.5/],
        [{ ...good, step: Number.NaN }, /step must be a non-negative integer, got NaN/],
        [{ ...good, value: '0.5' }, /value must be a number \(NaN and Infinity are allowed\), got "0.5"/],
        [{ ...good, key: '' }, /metric key must be a non-empty string/],
      ];
      for (const [bad, message] of cases) {
        const failure = tracker.logMetrics([good, bad as typeof good]);
        await expect(failure).rejects.toThrow(message);
      }
      await expect(tracker.logMetrics([good, { ...good, runId: 'gone' }])).rejects.toBeInstanceOf(UnknownRunError);
      await expect(tracker.metricWriter('no-such-run')).rejects.toBeInstanceOf(UnknownRunError);
      await expect(tracker.metricWriter(run.id, { maxBatch: 0 })).rejects.toThrow(
        /maxBatch must be a positive integer, got 0/,
      );
      const writer = await tracker.metricWriter(run.id, { flushIntervalMs: 0 });
      expect(() => writer.log('loss', '7' as never, 1)).toThrow(InvalidInputError);
      expect(() => writer.log('loss', 7, 'x' as never)).toThrow(/value must be a number/);
      expect(writer.pending).toBe(0);
      await writer.close();
      expect(await store.snapshot()).toBe(before);
      await expect(tracker.curve('no-such-run', 'loss')).rejects.toThrow(
        /curve\("no-such-run", "loss"\): no run with id/,
      );
      await expect(tracker.metricKeys('no-such-run')).rejects.toBeInstanceOf(UnknownRunError);
    });
  });

  describe('what else a run records', () => {
    it('params are typed, immutable once logged, and re-logging the same value is a no-op', async () => {
      const store = await open();
      const { tracker } = store;
      const run = await tracker.startRun({ name: 'r', config: { model: { kappaNats: 0.35 } } });
      await tracker.logParams(run.id, { optimizer: { lr: 3e-4, betas: [0.9, 0.95] }, useBias: false, note: 'x' });
      await tracker.logParams(run.id, { optimizer: { lr: 3e-4 } });
      const params = (await tracker.getRun(run.id)).params;
      expect(params).toEqual({
        'model.kappaNats': { number: 0.35, text: '0.35' },
        'optimizer.lr': { number: 3e-4, text: '0.0003' },
        'optimizer.betas': { number: null, text: '[0.9,0.95]' },
        useBias: { number: 0, text: 'false' },
        note: { number: null, text: 'x' },
      });
      const before = await store.snapshot();
      await expect(tracker.logParams(run.id, { optimizer: { lr: 1e-3 }, extra: 1 })).rejects.toThrow(
        /params never change once logged \(optimizer.lr: stored 0.0003, given 0.001\)/,
      );
      await expect(tracker.logParams('missing', { a: 1 })).rejects.toBeInstanceOf(UnknownRunError);
      expect(await store.snapshot()).toBe(before);
    });

    it('tags, notes, evaluations and artifacts come back with the run', async () => {
      const { tracker } = await open();
      const run = await tracker.startRun({ name: 'r', config: {} });
      await tracker.setTags(run.id, { stage: 'pilot', owner: 'ana' });
      await tracker.setTags(run.id, { stage: 'final' });
      await tracker.removeTag(run.id, 'owner');
      await tracker.addNote(run.id, 'KL collapsed after step 300', 'ana');
      await tracker.logEvaluations(run.id, [
        { step: 100, task: 'toy', metric: 'elbo_nll', value: 1.25, stderr: 0.01, n: 512, extra: { k: 8 } },
        { step: 100, task: 'toy', metric: 'prior_ce', value: Number.NaN, n: 512 },
      ]);
      const replaced = await tracker.logEvaluations(run.id, [
        { step: 100, task: 'toy', metric: 'elbo_nll', value: 1.2, stderr: 0.02, n: 1024 },
      ]);
      expect(replaced).toHaveLength(1);
      const sha = 'a'.repeat(64);
      await tracker.logArtifact(run.id, {
        kind: 'checkpoint',
        path: 'ckpt/step-100.safetensors',
        sha256: sha,
        bytes: 1024,
      });
      await tracker.logArtifact(run.id, {
        kind: 'checkpoint',
        path: 'ckpt/step-100.safetensors',
        sha256: sha,
        bytes: 2048,
      });
      const detail = await tracker.getRun(run.id);
      expect(detail.tags).toEqual({ stage: 'final' });
      expect(detail.notes.map((n) => [n.text, n.author])).toEqual([['KL collapsed after step 300', 'ana']]);
      expect(detail.evaluations.map((e) => [e.metric, e.value, e.nonFinite, e.stderr, e.n, e.extra])).toEqual([
        ['elbo_nll', 1.2, null, 0.02, 1024, null],
        ['prior_ce', null, 'NaN', null, 512, null],
      ]);
      expect(detail.artifacts.map((a) => [a.kind, a.path, a.bytes])).toEqual([
        ['checkpoint', 'ckpt/step-100.safetensors', 2048],
      ]);
      await expect(tracker.logArtifact(run.id, { kind: 'x', path: 'p', sha256: 'xyz' })).rejects.toThrow(
        /sha256 must be 64 lowercase hex digits/,
      );
      await expect(tracker.logEvaluations(run.id, [{ step: -1, task: 't', metric: 'm', value: 1 }])).rejects.toThrow(
        /result 0: step must be/,
      );
      await expect(tracker.addNote('missing', 'x')).rejects.toBeInstanceOf(UnknownRunError);
      await expect(tracker.setTags(run.id, { k: 3 as never })).rejects.toThrow(/tag k must be a string, got 3/);
    });
  });
});
