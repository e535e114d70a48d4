import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataset } from '@ftlab/data';
import { createModel, type Model } from '@ftlab/model';
import { openTracker } from '@ftlab/tracker';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { defaultTasksFor } from '../src/evaluate-run.js';
import {
  charactersPerToken,
  type EvaluationResults,
  evaluateModel,
  failedTasks,
  formatMetricsTable,
  RESULTS_FORMAT,
  recordEvaluation,
  type TaskConfig,
} from '../src/index.js';
import { tempDir, train, useWasm } from './helpers.js';

beforeAll(useWasm);

const toy = { bodyLength: 8, blockLength: 2 };
const settings = {
  maxRows: 12,
  batchSize: 6,
  iwaeSamples: 2,
  priorSamples: 1,
  zGroups: 2,
  zGroupSize: 3,
  taskLimit: 3,
};

describe('evaluateModel on a toy run', () => {
  let model: Model;
  let results: EvaluationResults;
  const data = createDataset({ kind: 'toy', toy, validationSequences: 12 }, { seed: 1 });

  beforeAll(async () => {
    // contextLength 9 = T: the toy study and the toy tasks generate one token past it.
    model = createModel(
      { vocabSize: data.vocabSize, width: 16, layers: 2, heads: 2, contextLength: 9, latentBits: 2 },
      1,
    );
    train(model, data, 10, { batchSize: 8, lr: 1e-2 });
    results = await evaluateModel({
      model,
      dataset: data,
      seed: 3,
      settings,
      run: 'run-1',
      step: 10,
      klHistory: [
        { step: 4, klBitsPerToken: 0.001 },
        { step: 8, klBitsPerToken: 0.002 },
      ],
      collapse: { thresholdBits: 10 }, // every KL counts as low: the flag must then be set
    });
  }, 60_000);

  it('returns one results shape: likelihood, latent, the toy study with its sheet, and the toy tasks', () => {
    expect(results.format).toBe(RESULTS_FORMAT);
    expect(results).toMatchObject({ run: 'run-1', step: 10, seed: 3 });
    expect(results.context).toMatchObject({
      split: 'validation',
      rows: 12,
      sequenceLength: 9,
      dataKind: 'toy',
      variant: 'free-transformer',
    });
    const tasks = new Set(results.metrics.map((m) => m.task));
    expect([...tasks]).toEqual(['likelihood', 'latent', 'toy_z_study', 'toy', 'toy_validity']);
    for (const m of results.metrics) {
      expect(typeof m.value).toBe('number');
      expect(m.n).toBeGreaterThanOrEqual(0);
    }
    const find = (task: string, metric: string) => results.metrics.find((m) => m.task === task && m.metric === metric);
    expect(find('toy', 'pass@1')?.n).toBe(3);
    expect(find('likelihood', 'iwae_nll_k2_bits_per_char')?.n).toBe(12);
    expect(find('toy_z_study', 'block_start_agreement_chance')?.value).toBeCloseTo(1 / 7, 3);
    expect(results.latentUsage?.perBitKlBits).toHaveLength(2);
    const klNats = find('likelihood', 'kl_nats_per_token');
    expect(find('latent', 'kl_bits_per_token')).toMatchObject({
      value: expect.closeTo((klNats?.value as number) / Math.LN2, 6),
      stderr: expect.closeTo((klNats?.stderr as number) / Math.LN2, 9),
    });
    expect(results.collapse).toMatchObject({ collapsed: true, lowEvaluations: 3, window: 3 });
    // ...and the verdict is a record of task 'latent' with its reason, over the 3 evaluations seen.
    expect(find('latent', 'collapsed')).toMatchObject({ value: 1, stderr: null, n: 3, note: results.collapse?.reason });
    expect(results.toyStudy?.pinnedGroups).toHaveLength(2);
    expect(results.sheet?.split('\n').filter((l) => /^[A-Z]>/.test(l))).toHaveLength(2 * 2 * 3);
  });

  it('is reproducible from its seed', async () => {
    const again = await evaluateModel({ model, dataset: data, seed: 3, settings, run: 'run-1', step: 10 });
    // Without a KL history there is no collapse verdict; everything else is identical.
    expect(again.metrics).toEqual(results.metrics.filter((m) => !(m.task === 'latent' && m.metric === 'collapsed')));
    expect(again.sheet).toBe(results.sheet);
  });

  it('prints the metrics as an aligned table with numbered notes', () => {
    const text = formatMetricsTable(results);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^task +metric +value +stderr +n$/);
    const leaky = lines.find((l) => l.includes('posterior_ce_leaky_nats_per_token')) as string;
    expect(leaky).toMatch(/\[1\]/);
    expect(text).toMatch(/\n\[1\] leaky: Z from the encoder saw the future tokens/);
    const rows = lines.slice(2, 2 + results.metrics.length);
    expect(new Set(rows.map((r) => r.length)).size).toBeLessThanOrEqual(3); // aligned columns (stderr may be empty)
  });

  it('records every metric in the tracker and the results JSON, atomically', async () => {
    const dir = tempDir();
    const tracker = await openTracker(join(dir, 'tracker.db'));
    onTestFinished(() => tracker.close());
    const run = await tracker.startRun({ name: 'toy', config: { seed: 1 } });
    const path = join(dir, 'runs', run.id, 'eval', 'step-10.json');
    const recorded = await recordEvaluation(tracker, run.id, 10, { ...results, run: null }, { resultsPath: path });
    expect(recorded.evaluations).toBe(results.metrics.length);
    const detail = await tracker.getRun(run.id);
    expect(detail.evaluations).toHaveLength(results.metrics.length);
    const leaky = detail.evaluations.find((e) => e.metric === 'posterior_ce_leaky_bits_per_token');
    expect(leaky?.extra).toEqual({ note: expect.stringMatching(/^leaky/) });
    expect(detail.artifacts).toEqual([
      expect.objectContaining({ kind: 'evaluation', path, sha256: recorded.sha256, bytes: recorded.bytes }),
    ]);
    const written = JSON.parse(readFileSync(path, 'utf8')) as EvaluationResults;
    expect(written.run).toBe(run.id);
    expect(written.step).toBe(10);
    expect(written.metrics).toHaveLength(results.metrics.length);
    expect(written.sheet).toBe(results.sheet);
    expect(readdirSync(join(dir, 'runs', run.id, 'eval'))).toEqual(['step-10.json']); // no temporary file left
    // Re-recording the step replaces its values instead of duplicating them.
    await recordEvaluation(tracker, run.id, 10, results.run === null ? results : { ...results, run: null }, {
      resultsPath: path,
    });
    expect((await tracker.getRun(run.id)).evaluations).toHaveLength(results.metrics.length);
    await expect(recordEvaluation(tracker, run.id, 10, results, { resultsPath: path })).rejects.toThrow(
      /the results belong to run run-1, not to/,
    );
  });
});

describe('evaluateModel on other data', () => {
  it('uses the built-in tasks of the data kind, and refuses a model of another vocabulary', async () => {
    expect(defaultTasksFor('arithmetic')).toEqual(['arithmetic', 'arithmetic_choice']);
    expect(defaultTasksFor('text')).toEqual([]);
    const data = createDataset({ kind: 'arithmetic', validationSequences: 6 }, { seed: 1 });
    const baseline = createModel(
      { variant: 'baseline', vocabSize: data.vocabSize, width: 16, layers: 2, heads: 2, contextLength: 12 },
      1,
    );
    const results = await evaluateModel({
      model: baseline,
      dataset: data,
      seed: 1,
      settings: { ...settings, taskLimit: 2, sequenceLength: 8 },
    });
    expect(results.context).toMatchObject({ sequenceLength: 8, rows: 6, variant: 'baseline', latentBits: 0 });
    expect([...new Set(results.metrics.map((m) => m.task))]).toEqual([
      'likelihood',
      'latent',
      'arithmetic',
      'arithmetic_choice',
    ]);
    expect(results.toyStudy).toBeUndefined();
    const value = (metric: string) =>
      results.metrics.find((m) => m.task === 'likelihood' && m.metric === metric)?.value;
    expect(value('elbo_nll_nats_per_token')).toBe(value('prior_ce_nats_per_token'));
    const other = createDataset({ kind: 'toy' }, { seed: 1 });
    await expect(evaluateModel({ model: baseline, dataset: other, seed: 1 })).rejects.toThrow(
      /the model has 14 tokens but the dataset's tokenizer 29/,
    );
    baseline.dispose();
  });

  it('hands each group of records over as it finishes, and a failing task loses nothing else', async () => {
    const data = createDataset({ kind: 'arithmetic', validationSequences: 6 }, { seed: 1 });
    const baseline = createModel(
      { variant: 'baseline', vocabSize: data.vocabSize, width: 16, layers: 2, heads: 2, contextLength: 12 },
      1,
    );
    const sums = (items: Array<[string, string[], number]>) =>
      items.map(([question, choices, answer]) => ({ question, choices, answer }));
    // Every item of "unwritable" has a character the arithmetic tokenizer lacks: the task fails.
    const unwritable: TaskConfig = {
      name: 'unwritable',
      output: 'multiple_choice',
      data: { items: sums([['2 + 2 =', ['4', '5'], 0]]) },
      metrics: ['acc'],
    };
    // One of three items of "sums" is unwritable and one too long: counted, the rest scored.
    const choicesTooLong = ['1234567890123', '1'];
    const valid: TaskConfig = {
      name: 'sums',
      output: 'multiple_choice',
      data: {
        items: sums([
          ['2+2=', ['4', '5'], 0],
          ['2 + 3 =', ['5', '6'], 0],
          ['1+0=', choicesTooLong, 1],
        ]),
      },
      metrics: ['acc'],
    };
    const groups: string[][] = [];
    const results = await evaluateModel({
      model: baseline,
      dataset: data,
      seed: 1,
      settings: { ...settings, sequenceLength: 8 },
      tasks: [unwritable, valid],
      onRecords: (records) => {
        groups.push([...new Set(records.map((r) => r.task))]);
      },
    });
    expect(groups).toEqual([['likelihood', 'latent'], ['sums']]);
    expect(failedTasks(results)).toEqual([
      {
        task: 'unwritable',
        error: expect.stringMatching(
          /^task "unwritable": none of its 1 items could be scored \(item unwritable-0: cannot encode the context "2 \+ 2 ="/,
        ),
      },
    ]);
    expect(results.tasks?.sums).toEqual({
      output: 'multiple_choice',
      available: 3,
      requested: 3,
      n: 1,
      skipped: { unencodable: 1, 'too-long': 1, empty: 0 },
      truncated: 0,
      problems: [
        expect.stringMatching(/^item sums-1: cannot encode the context "2 \+ 3 ="/),
        "item sums-2: a continuation of 13 tokens does not fit the model's context of 12",
      ],
      nShot: 0,
      limit: 3,
      dataHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      version: 0,
    });
    // The same numbers in lm-evaluation-harness's keys.
    expect(results.results?.sums).toEqual({ alias: 'sums', 'acc,none': 1, 'acc_stderr,none': 'N/A' });
    expect(results['n-samples']?.sums).toEqual({ original: 3, effective: 3 });
    expect(results.configs?.unwritable).toBeUndefined(); // a failed task has no results
    expect(results.metrics.find((m) => m.task === 'sums')).toMatchObject({
      n: 1,
      note: '2 of 3 items skipped (unencodable 1, too-long 1)',
    });
    // An unknown task name is refused before anything is computed.
    groups.length = 0;
    await expect(
      evaluateModel({
        model: baseline,
        dataset: data,
        seed: 1,
        settings,
        tasks: ['no_such_task'],
        onRecords: () => groups.push([]),
      }),
    ).rejects.toThrow(/no_such_task/);
    expect(groups).toEqual([]);
    baseline.dispose();
  });

  it('gives bits per character from the split sizes for a BPE tokenizer', () => {
    const text = createDataset({ kind: 'text', tokenizer: 'bpe', bpeVocabSize: 300 }, { seed: 1 });
    const ratio = charactersPerToken(text, 'validation');
    const sizes = (text.describe().splits as Record<string, { characters: number; tokens: number }>).validation;
    expect(ratio).toBe(sizes?.characters / sizes?.tokens);
    expect(ratio).toBeGreaterThan(1);
    expect(charactersPerToken(createDataset({ kind: 'text' }, { seed: 1 }), 'test')).toBe(1);
  });
});
