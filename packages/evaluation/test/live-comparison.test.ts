import { join } from 'node:path';
import { type JsonObject, openTracker, type Tracker } from '@ftlab/tracker';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ComparisonError, compareSweep, LiveComparison } from '../src/index.js';
import { LIVE_COMPARISON_MAX_AGE_MS } from '../src/live-comparison.js';
import { tempDir } from './helpers.js';

function config(variant: string, kappaNats: number, seed: number): JsonObject {
  return {
    seed,
    data: { kind: 'toy' },
    model: { variant, kappaNats, latentBits: 8, width: 64, layers: 4, encoderPlacement: 2 },
    training: { steps: 100 },
  };
}

/** Creates, claims, evaluates and ends one run of the sweep (FINISHED, or FAILED when asked). */
async function trainRun(
  tracker: Tracker,
  sweepId: string,
  variant: string,
  kappa: number,
  seed: number,
  end: 'finish' | 'fail' = 'finish',
): Promise<string> {
  await tracker.createRuns(sweepId, [
    { name: `${variant} kappa=${kappa} seed=${seed}`, variant, seed, config: config(variant, kappa, seed) },
  ]);
  const run = await tracker.claimNextRun(sweepId, 'test');
  if (run === null) throw new Error('nothing to claim');
  const value = 0.5 + 0.01 * seed + (variant === 'baseline' ? 0 : kappa / 10 + 0.003 * ((seed * 7) % 5));
  await tracker.logEvaluations(run.id, [
    { step: 100, task: 'toy', metric: 'pass@1', value },
    { step: 100, task: 'likelihood', metric: 'elbo_nll_bits_per_token', value: 1 - value },
  ]);
  if (end === 'finish') await tracker.finishRun(run.id, 100);
  else await tracker.failRun(run.id, 'test failure', 100);
  return run.id;
}

async function sweepWith(seeds: number[]) {
  const tracker = await openTracker(join(tempDir(), 'tracker.db'));
  onTestFinished(() => tracker.close());
  const { sweep } = await tracker.ensureSweep({ name: 'live', method: 'grid', space: {} });
  for (const seed of seeds) {
    await trainRun(tracker, sweep.id, 'baseline', 0, seed);
    for (const kappa of [0.2, 0.7]) await trainRun(tracker, sweep.id, 'free-transformer', kappa, seed);
  }
  return { tracker, sweepId: sweep.id };
}

describe('LiveComparison', () => {
  it('reads all runs once, then only the runs that ended since, and always equals a fresh compareSweep', async () => {
    const { tracker, sweepId } = await sweepWith([1, 2, 3]);
    let now = 1_000_000;
    const live = new LiveComparison(tracker, sweepId, {}, () => now);
    const first = await live.update();
    expect(first.read).toBe('all');
    expect(first.table).toEqual(await compareSweep(tracker, sweepId));
    const again = await live.update();
    expect(again.read).toBe('none');
    expect(again.table).toBe(first.table);

    // Runs of a new seed finish one by one: each update reads what ended and matches a full rebuild.
    for (const [variant, kappa] of [
      ['free-transformer', 0.7],
      ['baseline', 0],
      ['free-transformer', 0.2],
    ] as const) {
      await trainRun(tracker, sweepId, variant, kappa, 4);
      now += 1000;
      const update = await live.update();
      expect(update.read).toBe('ended-since');
      expect(update.table).toEqual(await compareSweep(tracker, sweepId));
    }
    expect((await live.update()).table.columns.map((c) => c.runIds.length)).toEqual([4, 4, 4]);
  });

  it('shows an evaluation recorded after its run ended once the table is older than the maximum age', async () => {
    const { tracker, sweepId } = await sweepWith([1, 2]);
    let now = 1_000_000;
    const live = new LiveComparison(tracker, sweepId, {}, () => now);
    await live.update();
    const [late] = (await tracker.listRuns({ sweepId, variant: 'free-transformer', limit: 1 })).runs;
    await tracker.logEvaluations(late!.id, [{ step: 200, task: 'toy', metric: 'pass@1', value: 0.99 }]);
    now += LIVE_COMPARISON_MAX_AGE_MS - 1;
    expect((await live.update()).read).toBe('none');
    now += 1;
    const aged = await live.update();
    expect(aged.read).toBe('all');
    expect(aged.table).toEqual(await compareSweep(tracker, sweepId));
  });

  it('reads everything again when a compared run leaves the compared statuses (a failed run requeued)', async () => {
    const { tracker, sweepId } = await sweepWith([1, 2]);
    const failed = await trainRun(tracker, sweepId, 'free-transformer', 0.7, 3, 'fail');
    const options = { statuses: ['FINISHED', 'FAILED'] as Array<'FINISHED' | 'FAILED'> };
    const live = new LiveComparison(tracker, sweepId, options, () => 1_000_000);
    expect((await live.update()).table.columns.flatMap((c) => c.runIds)).toContain(failed);
    await tracker.requeueRun(failed);
    const update = await live.update();
    expect(update.read).toBe('all');
    expect(update.table).toEqual(await compareSweep(tracker, sweepId, options));
    expect(update.table.columns.flatMap((c) => c.runIds)).not.toContain(failed);
  });

  it('throws ComparisonError until there are runs to compare, then compares them', async () => {
    const tracker = await openTracker(join(tempDir(), 'tracker.db'));
    onTestFinished(() => tracker.close());
    const { sweep } = await tracker.ensureSweep({ name: 'empty', method: 'grid', space: {} });
    const live = new LiveComparison(tracker, sweep.id);
    await expect(live.update()).rejects.toThrow(ComparisonError);
    await expect(live.update()).rejects.toThrow(/has no FINISHED runs to compare/);
    await trainRun(tracker, sweep.id, 'baseline', 0, 1);
    await expect(live.update()).rejects.toThrow(/no runs other than baseline runs/);
    await trainRun(tracker, sweep.id, 'free-transformer', 0.7, 1);
    expect((await live.update()).table.pairs).toHaveLength(1);
  });

  it('serves two updates started together from one read, in turn', async () => {
    const { tracker, sweepId } = await sweepWith([1, 2]);
    const live = new LiveComparison(tracker, sweepId);
    const [a, b] = await Promise.all([live.update(), live.update()]);
    expect([a.read, b.read]).toEqual(['all', 'none']);
    expect(b.table).toBe(a.table);
  });
});
