// The sweep page's paper-style table through the evaluation package: built once per state of
// the sweep, rebuilt as soon as another run finishes, and its refusals shown as messages.

import { exportComparison } from '@ftlab/evaluation/report';
import { openTracker, type Tracker } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import { MAX_LIVE_COMPARISONS, sweepComparison } from '../src/lib/comparison';
import { KAPPA_BITS, LATENT_BITS, type LabDatabase } from './fixtures/lab-database';
import { withLabDatabase } from './helpers/lab-reader';

let lab: LabDatabase;
let reader: Tracker;
withLabDatabase('ftlab-dashboard-comparison-', (opened) => {
  ({ lab, reader } = opened);
});

describe('sweepComparison', () => {
  it('pairs each Free Transformer config with the baselines and keeps the table until a run finishes', async () => {
    const first = await sweepComparison(reader, lab.sweepId);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.table.columns.map((c) => c.label)[0]).toBe('baseline');
    expect(first.table.columns).toHaveLength(1 + KAPPA_BITS.length * LATENT_BITS.length);
    expect(first.table.pairs).toHaveLength(KAPPA_BITS.length * LATENT_BITS.length * 2);
    const again = await sweepComparison(reader, lab.sweepId);
    expect(again.ok && again.table).toBe(first.table);

    // A new configuration finishes: the next page view shows its column.
    const writer = await openTracker(lab.path);
    const config = {
      data: { kind: 'toy' },
      model: {
        variant: 'free-transformer',
        layers: 4,
        width: 64,
        heads: 4,
        kappaNats: 8 * Math.LN2,
        latentBits: 8,
        encoderPlacement: 2,
      },
      training: { steps: 120, batchSize: 8, lr: 0.003 },
      seed: 0,
    };
    const [created] = await writer.createRuns(lab.sweepId, [
      { name: 'free kappa=8 H=8 seed=0', variant: 'free-transformer', seed: 0, config },
    ]);
    const run = await writer.claimNextRun(lab.sweepId, 'test');
    expect(run?.id).toBe(created?.run.id);
    await writer.logEvaluations(run!.id, [
      { step: 1, task: 'likelihood', metric: 'prior_ce_bits_per_token', value: 2.5 },
    ]);
    await writer.finishRun(run!.id, 1);
    await writer.close();
    const updated = await sweepComparison(reader, lab.sweepId);
    expect(updated.ok && updated.table.columns.map((c) => c.label)).toContain('kappa=8 bit, H=8');
  });

  it('exports the table in each format through the evaluation package', async () => {
    const result = await sweepComparison(reader, lab.sweepId);
    if (!result.ok) throw new Error(result.message);
    expect(exportComparison(result.table, 'markdown')).toMatch(/^\| metric \| baseline \(n=2\) \|/);
    expect(exportComparison(result.table, 'latex')).toContain('\\toprule');
    expect(exportComparison(result.table, 'csv').split('\n')[0]).toBe(
      'task,metric,column,is_baseline,mean,std,n,delta,delta_stderr,ci_low,ci_high,pairs,significant',
    );
  });

  it('says why there is no table when a sweep has nothing to compare', async () => {
    const writer = await openTracker(lab.path);
    const { sweep } = await writer.ensureSweep({ name: 'baselines-only', method: 'grid', space: {} });
    await writer.createRuns(sweep.id, [
      { name: 'b', variant: 'baseline', seed: 0, config: { model: { variant: 'baseline' }, seed: 0 } },
    ]);
    const run = await writer.claimNextRun(sweep.id, 'test');
    await writer.finishRun(run!.id, 0);
    const { sweep: empty } = await writer.ensureSweep({ name: 'empty', method: 'grid', space: {} });
    await writer.close();
    expect(await sweepComparison(reader, sweep.id)).toEqual({
      ok: false,
      message: 'no runs other than baseline runs to compare',
    });
    const none = await sweepComparison(reader, empty.id);
    expect(!none.ok && none.message).toMatch(/has no FINISHED runs to compare/);
  });

  it('keeps the comparisons of the most recently viewed sweeps only', async () => {
    const writer = await openTracker(lab.path);
    const ids: string[] = [];
    for (let i = 0; i <= MAX_LIVE_COMPARISONS; i++) {
      const { sweep } = await writer.ensureSweep({ name: `tiny-${i}`, method: 'grid', space: {} });
      await writer.createRuns(sweep.id, [
        { name: 'b', variant: 'baseline', seed: 0, config: { model: { variant: 'baseline' }, seed: 0 } },
        {
          name: 'f',
          variant: 'free-transformer',
          seed: 0,
          config: { model: { variant: 'free-transformer' }, seed: 0 },
        },
      ]);
      for (let k = 0; k < 2; k++) {
        const run = await writer.claimNextRun(sweep.id, 'test');
        await writer.logEvaluations(run!.id, [{ step: 0, task: 'toy', metric: 'acc', value: k }]);
        await writer.finishRun(run!.id, 0);
      }
      ids.push(sweep.id);
    }
    await writer.close();
    const cache = (globalThis as { __ftlabComparisons?: Map<string, unknown> }).__ftlabComparisons as Map<
      string,
      unknown
    >;
    for (const id of ids) expect((await sweepComparison(reader, id)).ok).toBe(true);
    expect(cache.size).toBe(MAX_LIVE_COMPARISONS);
    const kept = [...cache.keys()].map((key) => key.split('\u0000')[1]);
    expect(kept).toEqual(ids.slice(1)); // the first viewed was let go
    await sweepComparison(reader, ids[1]); // viewing again makes it the most recent
    expect([...cache.keys()].at(-1)?.endsWith(ids[1])).toBe(true);
  });
});
