import { join } from 'node:path';
import { type JsonObject, openTracker } from '@ftlab/tracker';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildComparison, type RunEvaluations } from '../src/compare.js';
import { ComparisonError, compareSweep, defaultComparisonRows, exportComparison } from '../src/index.js';
import { studentTQuantile } from '../src/stats.js';
import { comparisonToCsv, comparisonToLatex, comparisonToMarkdown } from '../src/table-export.js';
import { tempDir } from './helpers.js';

const KAPPA_A = Math.LN2 / 4; // a quarter of a bit
const KAPPA_B = Math.LN2; // one bit

/** A resolved-looking run config: only the variant, kappa and seed vary unless overridden. */
function config(variant: string, kappaNats: number, seed: number, training: JsonObject = {}): JsonObject {
  return {
    name: 'toy-kappa',
    seed,
    data: { kind: 'toy', toy: { bodyLength: 64 }, evaluationSeed: 0 },
    model: { variant, kappaNats, latentBits: 8, width: 64, layers: 4, encoderPlacement: 2, estimator: 'dense' },
    training: { steps: 1000, lr: 0.003, ...training },
  };
}

const baseValue = (seed: number) => 0.5 + 0.01 * seed;
const DELTA_A = { 1: 0.1, 2: 0.12, 3: 0.08 } as Record<number, number>; // clearly positive
const DELTA_B = { 1: 0.05, 2: -0.05, 3: 0.01 } as Record<number, number>; // not distinguishable from 0

function run(
  id: string,
  variant: string,
  kappa: number,
  seed: number,
  value: number,
  extra: Record<string, number> = {},
): RunEvaluations {
  return {
    runId: id,
    name: id,
    seed,
    config: config(variant, kappa, seed),
    values: { 'toy/pass@1': value, 'likelihood/elbo_nll_bits_per_token': 1 - value, ...extra },
  };
}

/** Runs in an order where pairing by position would be wrong: seeds are shuffled per variant. */
function sweepRuns(): RunEvaluations[] {
  return [
    ...[3, 1, 2].map((s) => run(`base-${s}`, 'baseline', 0, s, baseValue(s))),
    ...[2, 3, 1].map((s) => run(`a-${s}`, 'free-transformer', KAPPA_A, s, baseValue(s) + DELTA_A[s])),
    ...[1, 2, 3].map((s) => run(`b-${s}`, 'free-transformer', KAPPA_B, s, baseValue(s) + DELTA_B[s])),
  ];
}

describe('defaultComparisonRows', () => {
  it('keeps benchmarks, bits-per-token likelihoods, KL, live channels, the collapse verdict and the toy study', () => {
    const keys = [
      'toy_z_study/block_start_agreement_chance',
      'latent/kl_bits_bit0',
      'latent/collapsed',
      'likelihood/elbo_nll_nats_per_token',
      'likelihood/sampled_kl_bits_per_token',
      'toy_z_study/block_start_agreement_pinned',
      'latent/kl_bits_per_token',
      'likelihood/elbo_nll_bits_per_token',
      'toy/pass@1',
      'latent/live_channels',
    ];
    expect(defaultComparisonRows(keys)).toEqual([
      'toy/pass@1',
      'likelihood/elbo_nll_bits_per_token',
      'latent/collapsed',
      'latent/kl_bits_per_token',
      'latent/live_channels',
      'toy_z_study/block_start_agreement_pinned',
    ]);
  });
});

describe('buildComparison', () => {
  it('pairs each run with the baseline of its seed and gives paired-t intervals across seeds', () => {
    const table = buildComparison(sweepRuns());
    expect(table.axes).toEqual(['model.kappaNats']);
    expect(table.columns.map((c) => c.label)).toEqual(['baseline', 'kappa=0.25 bit', 'kappa=1 bit']);
    expect(table.pairs).toHaveLength(6);
    for (const pair of table.pairs) expect(pair.baselineRunId).toBe(`base-${pair.seed}`);
    expect(table.rows.map((r) => r.key)).toEqual(['toy/pass@1', 'likelihood/elbo_nll_bits_per_token']);

    const [baseline, a, b] = table.rows[0]?.cells ?? [];
    expect(baseline?.mean).toBeCloseTo(0.52, 12);
    expect(baseline?.n).toBe(3);
    expect(baseline?.delta).toBeUndefined();
    expect(a?.mean).toBeCloseTo(0.62, 12);
    // differences 0.1, 0.12, 0.08: mean 0.1, s = 0.02, half-width t(0.975, 2) * 0.02 / sqrt(3)
    const half = (studentTQuantile(0.975, 2) * 0.02) / Math.sqrt(3);
    expect(a?.delta?.mean).toBeCloseTo(0.1, 12);
    expect(a?.delta?.low).toBeCloseTo(0.1 - half, 10);
    expect(a?.delta?.high).toBeCloseTo(0.1 + half, 10);
    expect(a?.delta?.significant).toBe(true);
    expect(b?.delta?.mean).toBeCloseTo(0.01 / 3, 12);
    expect(b?.delta?.significant).toBe(false);
    // The likelihood row is 1 - value: the deltas flip sign.
    expect(table.rows[1]?.cells[1]?.delta?.mean).toBeCloseTo(-0.1, 12);
  });

  it('refuses to pair runs that differ in anything but seeds, the swept axes and the latent fields', () => {
    const runs = sweepRuns().map((r) =>
      r.runId.startsWith('base') ? r : { ...r, config: { ...r.config, training: { steps: 1000, lr: 0.001 } } },
    );
    expect(() => buildComparison(runs)).toThrow(ComparisonError);
    expect(() => buildComparison(runs)).toThrow(
      /cannot pair run a-\d \(a-\d\) with baseline base-\d \(base-\d\), both seed \d: .* training.lr: 0.001 vs 0.003/,
    );
    // A difference in the data is refused the same way, even when the axis is given.
    const data = sweepRuns().map((r) =>
      r.runId === 'b-2'
        ? { ...r, config: { ...r.config, data: { kind: 'toy', toy: { bodyLength: 32 }, evaluationSeed: 0 } } }
        : r,
    );
    expect(() => buildComparison(data, { axes: ['model.kappaNats'] })).toThrow(
      /run b-2 .* data.toy.bodyLength: 32 vs 64/,
    );
    // Runs scored on another validation set (another evaluation seed) are not paired either.
    const validation = sweepRuns().map((r) =>
      r.runId === 'a-1'
        ? { ...r, config: { ...r.config, data: { kind: 'toy', toy: { bodyLength: 64 }, evaluationSeed: 5 } } }
        : r,
    );
    expect(() => buildComparison(validation)).toThrow(/run a-1 .* data.evaluationSeed: 5 vs 0/);
    // Naming the path as ignorable accepts it.
    expect(buildComparison(runs, { ignorePaths: ['training.lr'] }).pairs).toHaveLength(6);
  });

  it('leaves a run without a baseline of its seed out of the deltas, with a warning', () => {
    const runs = [...sweepRuns(), run('a-4', 'free-transformer', KAPPA_A, 4, 0.9)];
    const table = buildComparison(runs);
    expect(table.warnings).toEqual(['run a-4 (a-4) has no baseline run with seed 4: left out of the deltas']);
    const a = table.rows[0]?.cells[1];
    expect(a?.n).toBe(4);
    expect(a?.delta?.n).toBe(3);
    expect(() => buildComparison(sweepRuns().filter((r) => r.runId.startsWith('base')))).toThrow(
      /no runs other than baseline/,
    );
  });

  it('makes a column per placement with the L+1 control, labelled by what varies', () => {
    const runs = [1, 2].flatMap((seed) => [
      { ...run(`b${seed}`, 'baseline', 0, seed, 0.5), config: config('baseline', 0, seed) },
      { ...run(`p${seed}`, 'baseline-plus-one', 0, seed, 0.51), config: config('baseline-plus-one', 0, seed) },
      ...[1, 3].map((m) => {
        const c = config('free-transformer', KAPPA_A, seed);
        (c.model as JsonObject).encoderPlacement = m;
        return { ...run(`f${m}-${seed}`, 'free-transformer', KAPPA_A, seed, 0.55), config: c };
      }),
    ]);
    const table = buildComparison(runs);
    expect(table.axes).toEqual(['model.encoderPlacement', 'model.kappaNats', 'model.variant']);
    expect(table.columns.map((c) => c.label)).toEqual([
      'baseline',
      'm=1, kappa=0.25 bit, free-transformer',
      'm=2, kappa=0 bit, baseline-plus-one',
      'm=3, kappa=0.25 bit, free-transformer',
    ]);
  });
});

describe('table exports', () => {
  const table = buildComparison(sweepRuns());

  it('writes Markdown with a mark on significant deltas and a caption', () => {
    const md = comparisonToMarkdown(table);
    const lines = md.split('\n');
    expect(lines[0]).toBe('| metric | baseline (n=3) | kappa=0.25 bit (n=3) | kappa=1 bit (n=3) |');
    expect(lines[1]).toBe('| --- | ---: | ---: | ---: |');
    const halfWidth = (d: number[]) => {
      const m = d.reduce((x, y) => x + y, 0) / d.length;
      const s = Math.sqrt(d.reduce((x, y) => x + (y - m) ** 2, 0) / (d.length - 1));
      return ((studentTQuantile(0.975, d.length - 1) * s) / Math.sqrt(d.length)).toFixed(3);
    };
    const [a, b] = [halfWidth(Object.values(DELTA_A)), halfWidth(Object.values(DELTA_B))];
    expect(lines[2]).toBe(`| toy/pass@1 | 0.520 | 0.620 (+0.100 ±${a})* | 0.523 (+0.003 ±${b}) |`);
    expect(md).toMatch(/95% confidence interval \(paired t across seeds\); \* the interval excludes 0/);
    expect(exportComparison(table, 'markdown')).toBe(md);
  });

  it('writes LaTeX with escaped names and booktabs rules', () => {
    const tex = comparisonToLatex(table);
    expect(tex).toContain('\\begin{tabular}{lrrr}');
    expect(tex).toContain('\\toprule');
    expect(tex).toContain('likelihood/elbo\\_nll\\_bits\\_per\\_token &');
    expect(tex).toContain('0.620 {\\small(+0.100 $\\pm$ 0.050)}$^{*}$ & 0.523 {\\small(+0.003 $\\pm$ 0.125)} \\\\');
    expect(tex).toContain('difference to the baseline of the same seed $\\pm$ the half-width of its 95\\% confidence');
    expect(tex).toContain('\\bottomrule');
  });

  it('writes CSV with one line per row and column and every number', () => {
    const csv = comparisonToCsv(table);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'task,metric,column,is_baseline,mean,std,n,delta,delta_stderr,ci_low,ci_high,pairs,significant',
    );
    expect(lines).toHaveLength(1 + 2 * 3);
    const a = lines[2].split(',');
    expect(a.slice(0, 4)).toEqual(['toy', 'pass@1', 'kappa=0.25 bit', 'false']);
    expect(Number(a[4])).toBeCloseTo(0.62, 12);
    expect(Number(a[7])).toBeCloseTo(0.1, 12);
    expect(a[12]).toBe('true');
    expect(() => exportComparison(table, 'html' as never)).toThrow(/unknown table format "html"/);
  });
});

describe('compareSweep', () => {
  it('reads finished runs and their latest evaluations from the tracker', async () => {
    const tracker = await openTracker(join(tempDir(), 'tracker.db'));
    onTestFinished(() => tracker.close());
    const { sweep } = await tracker.ensureSweep({ name: 'toy-kappa', method: 'grid', space: {} });
    const runs = sweepRuns();
    const created = await tracker.createRuns(
      sweep.id,
      runs.map((r) => ({
        name: r.name,
        seed: r.seed,
        config: r.config,
        variant: String((r.config.model as JsonObject).variant),
      })),
    );
    for (;;) {
      const claimed = await tracker.claimNextRun(sweep.id, 'test');
      if (claimed === null) break;
      await tracker.finishRun(claimed.id, 100);
    }
    for (const [i, { run: stored }] of created.entries()) {
      const source = runs[i] as RunEvaluations;
      const evaluations = Object.entries(source.values).flatMap(([key, value]) => {
        const [task, metric] = key.split('/') as [string, string];
        // An older evaluation at step 50 must be ignored in favour of step 100.
        return [
          { step: 50, task, metric, value: value - 0.3 },
          { step: 100, task, metric, value },
        ];
      });
      await tracker.logEvaluations(stored.id, evaluations);
    }
    const table = await compareSweep(tracker, sweep.id);
    const expected = buildComparison(runs);
    expect(table.columns.map((c) => c.label)).toEqual(expected.columns.map((c) => c.label));
    expect(table.rows.map((r) => r.cells.map((c) => c.mean))).toEqual(
      expected.rows.map((r) => r.cells.map((c) => expect.closeTo(c.mean as number, 10))),
    );
    expect(table.pairs).toHaveLength(6);
    const atStep50 = await compareSweep(tracker, sweep.id, { step: 50 });
    expect(atStep50.rows[0]?.cells[0]?.mean).toBeCloseTo(0.22, 10);
    await expect(compareSweep(tracker, sweep.id, { statuses: ['RUNNING'] })).rejects.toThrow(
      /has no RUNNING runs to compare/,
    );
  });
});
