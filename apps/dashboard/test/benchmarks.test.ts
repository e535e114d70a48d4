// The compare page's benchmark table on a real tracker database: runs as columns with their own
// stderr, configurations as columns with the spread over seeds and differences to the baseline
// paired by seed, and a benchmark's values over the evaluated steps.
import { pairedInterval } from '@ftlab/evaluation/report';
import type { RunSummary, Tracker } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import { benchmarkHistory, benchmarkTable } from '../src/lib/benchmarks';
import { type LabDatabase, priorCe, SEEDS, STEPS } from './fixtures/lab-database';
import { withLabDatabase } from './helpers/lab-reader';

let lab: LabDatabase;
let reader: Tracker;
withLabDatabase('ftlab-dashboard-benchmarks-', (opened) => {
  ({ lab, reader } = opened);
});

const KEY = 'likelihood/prior_ce_bits_per_token';

async function load(ids: string[]): Promise<RunSummary[]> {
  const { runs } = await reader.listRuns({ ids, limit: 100 });
  return ids.map((id) => runs.find((run) => run.id === id) as RunSummary);
}

describe('benchmarkTable', () => {
  it('gives each run its latest value with its stderr and n', async () => {
    const ids = [lab.baselines.get(0)?.id, lab.freeRuns.get('1/8/0')?.id] as string[];
    const runs = await load(ids);
    const evaluations = await reader.listEvaluations({ ids });
    const table = benchmarkTable(runs, evaluations, 'runs');
    expect(table.columns.map((c) => c.runIds)).toEqual(ids.map((id) => [id]));
    const row = table.rows.find((r) => r.key === KEY);
    expect(row?.cells.map((c) => [c.value, c.spread, c.n])).toEqual([
      [expect.closeTo(priorCe(null, null, 0) / Math.LN2, 12), 0.01, 256],
      [expect.closeTo(priorCe(1, 8, 0) / Math.LN2, 12), 0.01, 256],
    ]);
    expect(table.rows.map((r) => r.key)).toEqual([KEY.replace('prior', 'posterior'), KEY]); // as the sweep's table orders them
  });

  it('pools seeds per configuration and pairs each with the baseline of its seed', async () => {
    const baselines = SEEDS.map((seed) => lab.baselines.get(seed)?.id as string);
    const free = SEEDS.map((seed) => lab.freeRuns.get(`4/8/${seed}`)?.id as string);
    const runs = await load([...baselines, ...free]);
    const evaluations = await reader.listEvaluations({ ids: [...baselines, ...free] });
    const table = benchmarkTable(runs, evaluations, 'config');
    expect(table.columns.map((c) => [c.isBaseline, c.runIds.length])).toEqual([
      [true, 2],
      [false, 2],
    ]);
    const [base, ft] = table.rows.find((r) => r.key === KEY)?.cells ?? [];
    const values = (kappa: number | null, latent: number | null) =>
      SEEDS.map((s) => priorCe(kappa, latent, s) / Math.LN2);
    const differences = SEEDS.map((_, i) => values(4, 8)[i] - values(null, null)[i]);
    expect(base?.value).toBeCloseTo(values(null, null).reduce((a, b) => a + b) / 2, 12);
    expect(base?.delta).toBeUndefined();
    expect(ft?.n).toBe(2);
    expect(ft?.delta).toEqual(pairedInterval(differences, 0.95));
  });

  it('draws a benchmark over the steps it was evaluated at', async () => {
    const id = lab.freeRuns.get('1/4/1')?.id as string;
    const runs = await load([id]);
    const stored = await reader.listEvaluations({ ids: [id] });
    const prior = stored.find((e) => `${e.task}/${e.metric}` === KEY);
    const evaluations = [...stored, { ...prior!, step: 10, value: 9 }];
    const history = benchmarkHistory(runs, evaluations, KEY, ['run']);
    expect(history).toEqual([
      {
        name: 'run',
        points: [
          [10, 9],
          [STEPS - 1, expect.any(Number)],
        ],
      },
    ]);
  });
});
