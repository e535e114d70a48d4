import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseReview, createBenchmark } from '@ftlab/data';
import { describe, expect, it } from 'vitest';
import { builtinTasks } from '../src/harness/builtin-tasks.js';
import { parseMetric, passAtK } from '../src/harness/metrics.js';
import type { GenerateRequest, LanguageModel, LoglikelihoodRequest } from '../src/harness/model-calls.js';
import { TaskConfigError } from '../src/harness/registry.js';
import { runTask } from '../src/harness/run-task.js';
import { renderTemplate, resolveTaskItems } from '../src/harness/task.js';
import { createTaskRegistry, type TaskConfig, TaskRegistry } from '../src/index.js';
import { tempDir } from './helpers.js';

/** A scorer whose log-likelihoods are a table: what the harness does with them is then known exactly. */
function tableModel(table: Record<string, number>, log: LoglikelihoodRequest[] = []): LanguageModel {
  return {
    loglikelihood(requests) {
      log.push(...requests);
      return requests.map((r) => {
        const value = table[`${r.context}|${r.continuation}`];
        if (value === undefined) throw new Error(`no entry for ${r.context}|${r.continuation}`);
        return { logLikelihood: value, isGreedy: false, tokens: r.continuation.length, truncatedTokens: 0 };
      });
    },
    generateUntil() {
      throw new Error('not a generator');
    },
  };
}

/** A generator that answers from a list of outputs per context, cycling through them. */
function scriptedGenerator(outputs: Record<string, string[]>, log: GenerateRequest[] = []): LanguageModel {
  return {
    loglikelihood() {
      throw new Error('not a scorer');
    },
    generateUntil(requests) {
      log.push(...requests);
      return requests.map((r) => ({
        outputs: Array.from({ length: r.samples ?? 1 }, (_, i) => {
          const list = outputs[r.context] ?? [''];
          return list[i % list.length];
        }),
        truncatedTokens: 0,
      }));
    },
  };
}

describe('pass@k', () => {
  it('equals the probability that a random k-subset of the n samples holds a correct one', () => {
    const choose = (n: number, k: number): number =>
      k < 0 || k > n ? 0 : k === 0 ? 1 : (choose(n - 1, k - 1) * n) / k;
    for (let n = 1; n <= 12; n++) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) {
          expect(passAtK(n, c, k)).toBeCloseTo(1 - choose(n - c, k) / choose(n, k), 12);
        }
      }
    }
    expect(passAtK(200, 3, 1)).toBeCloseTo(3 / 200, 14);
    expect(() => passAtK(3, 1, 4)).toThrow(/k=4 needs at least k samples per item, got n=3/);
    expect(() => parseMetric('pass@0')).toThrow(/unknown metric "pass@0"/);
    expect(parseMetric('pass@10')).toEqual({ base: 'pass', k: 10 });
  });
});

describe('a multiple-choice task', () => {
  const task: TaskConfig = {
    name: 'tiny_mc',
    output: 'multiple_choice',
    data: {
      items: [
        { question: 'Q1', choices: ['a', 'bb', 'c'], answer: 1 },
        { question: 'Q2', choices: ['a', 'bbbb'], answer: 0 },
        { question: 'Q3', choices: ['x', 'y'], answer: 1 },
      ],
    },
    promptTemplate: 'Question: {{question}}',
    targetDelimiter: ' ',
    metrics: ['acc', 'acc_norm'],
  };
  const table = {
    'Question: Q1| a': -1, // the highest: acc picks "a" (wrong)
    'Question: Q1| bb': -1.5,
    'Question: Q1| c': -3,
    'Question: Q2| a': -2, // acc picks "a" (right)
    'Question: Q2| bbbb': -2.4,
    'Question: Q3| x': -5,
    'Question: Q3| y': -0.5, // right for both
  };

  it('scores a hand-computed example exactly: acc 2/3, acc_norm 2/3, stderr 1/3, n 3', () => {
    const requests: LoglikelihoodRequest[] = [];
    const result = runTask(task, tableModel(table, requests), { seed: 1, keepSamples: true });
    expect(requests).toHaveLength(7);
    expect(requests[1]).toEqual({ context: 'Question: Q1', continuation: ' bb' });
    expect(result.n).toBe(3);
    const [acc, accNorm] = result.metrics;
    // acc: item 1 wrong, 2 right, 3 right; stderr sqrt(p (1 - p) / (n - 1)) = sqrt((2/9) / 2) = 1/3.
    expect(acc).toEqual({ task: 'tiny_mc', metric: 'acc', value: 2 / 3, stderr: expect.closeTo(1 / 3, 12), n: 3 });
    // acc_norm divides by the characters of each choice (the delimiter is not counted):
    //   Q1: -1/1, -1.5/2 = -0.75, -3/1 -> "bb" (right);  Q2: -2/1 vs -2.4/4 = -0.6 -> "bbbb" (wrong);  Q3: right.
    expect(accNorm).toEqual({
      task: 'tiny_mc',
      metric: 'acc_norm',
      value: 2 / 3,
      stderr: expect.closeTo(1 / 3, 12),
      n: 3,
    });
    expect(result.samples?.map((s) => s.scores)).toEqual([
      { acc: 0, acc_norm: 1 },
      { acc: 1, acc_norm: 0 },
      { acc: 1, acc_norm: 1 },
    ]);
  });

  it('bootstraps the stderr with a seed when the task asks for it', () => {
    const a = runTask({ ...task, stderr: 'bootstrap' }, tableModel(table), { seed: 1 });
    const b = runTask({ ...task, stderr: 'bootstrap' }, tableModel(table), { seed: 1 });
    expect(a.metrics[0]?.value).toBe(2 / 3);
    expect(a.metrics[0]?.stderr).toBe(b.metrics[0]?.stderr);
    expect(a.metrics[0]?.stderr).toBeGreaterThan(0.15);
    expect(a.metrics[0]?.stderr).toBeLessThan(0.4);
  });
});

describe('a generative task', () => {
  it('computes exact_match on the first generation and pass@k from the checker over all of them', () => {
    const task: TaskConfig = {
      name: 'tiny_gen',
      output: 'generate_until',
      data: {
        items: [
          { prompt: '1+1=', reference: '2' },
          { prompt: '2+2=', reference: '4' },
        ],
      },
      metrics: ['exact_match', 'pass@1', 'pass@2'],
      generation: { maxTokens: 3, stop: ['\n'], samples: 4 },
      check: (item, output) => output.trim() === item.reference,
    };
    const requests: GenerateRequest[] = [];
    const lm = scriptedGenerator({ '1+1=': ['2', '3', '2 ', '5'], '2+2=': ['5', '5', '5', '4'] }, requests);
    const result = runTask(task, lm, { seed: 3 });
    expect(requests.map((r) => ({ ...r }))).toEqual([
      { context: '1+1=', stop: ['\n'], maxTokens: 3, samples: 4 },
      { context: '2+2=', stop: ['\n'], maxTokens: 3, samples: 4 },
    ]);
    const byName = Object.fromEntries(result.metrics.map((m) => [m.metric, m.value]));
    expect(byName.exact_match).toBe(0.5); // "2" then "5"
    // item 1: 2 of 4 correct ("2", "2 "); item 2: 1 of 4.
    expect(byName['pass@1']).toBeCloseTo((2 / 4 + 1 / 4) / 2, 12);
    expect(byName['pass@2']).toBeCloseTo((passAtK(4, 2, 2) + passAtK(4, 1, 2)) / 2, 12);
  });

  it("scores a benchmark task with the benchmark's own checker", () => {
    const items = createBenchmark('arithmetic').items({ seed: 0, count: 3 });
    const answers = Object.fromEntries(items.map((item, i) => [item.prompt, [i === 0 ? 'wrong' : item.reference]]));
    const result = runTask('arithmetic', scriptedGenerator(answers), { seed: 1, limit: 3 }, createTaskRegistry());
    expect(result.metrics.map((m) => [m.metric, m.value, m.n])).toEqual([
      ['exact_match', 2 / 3, 3],
      ['pass@1', 2 / 3, 3],
    ]);
  });
});

describe('task configs and the registry', () => {
  it('finds tasks by name, suggests a near miss, and lists the built-ins', () => {
    const registry = createTaskRegistry();
    expect(registry.names()).toEqual([
      'arithmetic',
      'arithmetic_choice',
      'reviews',
      'reviews_choice',
      'toy',
      'toy_validity',
    ]);
    expect(() => registry.get('arithmatic')).toThrow(/No task named "arithmatic" \(did you mean arithmetic\?\)/);
    expect(createTaskRegistry({ builtins: false }).names()).toEqual([]);
  });

  it('rejects a bad config listing every problem, and registers nothing of the call', () => {
    const registry = new TaskRegistry();
    const good: TaskConfig = { name: 'ok', output: 'multiple_choice', data: { items: [] }, metrics: ['acc'] };
    const bad = {
      name: 'bad name',
      output: 'generate_until',
      data: { benchmark: 'chess' },
      metrics: ['acc', 'bleu'],
      generation: { samples: 0, temperature: -1 },
    } as unknown as TaskConfig;
    let error: unknown;
    try {
      registry.register([good, bad]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TaskConfigError);
    const problems = (error as TaskConfigError).problems.join('\n');
    expect(problems).toMatch(/name: must be letters, digits, _ . : or -, got "bad name"/);
    expect(problems).toMatch(
      /data.benchmark: Invalid option: expected one of "toy"\|"arithmetic"\|"reviews", got "chess"/,
    );
    expect(problems).toMatch(/metric acc needs a multiple_choice or loglikelihood task, but output is generate_until/);
    expect(problems).toMatch(/unknown metric "bleu"/);
    expect(problems).toMatch(/generation.samples: Too small: expected number to be >=1, got 0/);
    expect(problems).toMatch(/generation.temperature: Too small: expected number to be >=0, got -1/);
    expect(registry.names()).toEqual([]);
    registry.register(good);
    expect(() => registry.register(good)).toThrow(/a task of that name is already registered/);
    expect(() =>
      registry.register({
        name: 'p',
        output: 'generate_until',
        data: { items: [] },
        metrics: ['pass@3'],
        generation: { samples: 2 },
      }),
    ).toThrow(/metric pass@3 needs a checker.*generation.samples: 2 is below pass@3's k/);
  });

  it('renders templates and names a missing field', () => {
    expect(renderTemplate('Q: {{question}} ({{ n }})', { question: 'why', n: 3 }, 'here')).toBe('Q: why (3)');
    expect(() => renderTemplate('{{missing}}', { question: 'x' }, 'task "t", item 4')).toThrow(
      /task "t", item 4: the prompt template uses \{\{missing\}\} but the item has no field "missing" \(fields: question\)/,
    );
    const config: TaskConfig = {
      name: 't',
      output: 'multiple_choice',
      data: { items: [{ question: 'q', choices: ['a'], answer: 0 }] },
      metrics: ['acc'],
    };
    expect(() => resolveTaskItems(config, { seed: 1 })).toThrow(
      /item t-0: "choices" must be a list of at least two strings/,
    );
  });
});

describe('built-in tasks', () => {
  it('arithmetic_choice holds the right answer among three distinct near misses', () => {
    const task = builtinTasks().find((t) => t.name === 'arithmetic_choice') as TaskConfig;
    const items = resolveTaskItems(task, { seed: 0, limit: 50 });
    const truth = createBenchmark('arithmetic').items({ seed: 0, count: 50 });
    items.forEach((item, i) => {
      expect(item.choices).toHaveLength(4);
      expect(new Set(item.choices).size).toBe(4);
      expect(item.continuations?.[item.answer as number]).toBe(`${truth[i]?.reference}\n`);
      expect(item.context).toBe(truth[i]?.prompt);
    });
    expect(new Set(items.map((i) => i.answer)).size).toBeGreaterThan(1); // the answer's place is shuffled
  });

  it('reviews_choice pairs the consistent ending with an inconsistent one', () => {
    const task = builtinTasks().find((t) => t.name === 'reviews_choice') as TaskConfig;
    const items = resolveTaskItems(task, { seed: 0, limit: 60 });
    for (const item of items) {
      const right = item.continuations?.[item.answer as number] as string;
      const wrong = item.continuations?.[1 - (item.answer as number)] as string;
      expect(right).not.toBe(wrong);
      expect(analyseReview(item.context + right.trimEnd())).toMatchObject({ valid: true, consistent: true });
      expect(analyseReview(item.context + wrong.trimEnd())).toMatchObject({ valid: true, consistent: false });
    }
  });

  it("uses the evaluated model's data options for benchmarks of the same kind", () => {
    const toy = builtinTasks().find((t) => t.name === 'toy') as TaskConfig;
    const items = resolveTaskItems(toy, {
      seed: 0,
      limit: 3,
      dataConfig: { kind: 'toy', toy: { bodyLength: 10, blockLength: 3 } },
    });
    for (const item of items) expect(item.reference).toHaveLength(10);
    expect(resolveTaskItems(toy, { seed: 0, limit: 2 })[0]?.reference).toHaveLength(64);
  });
});

describe('items a model cannot take', () => {
  /** Always right where it can score: "€" it cannot encode, choices over 8 characters do not fit. */
  const picky: LanguageModel = {
    loglikelihood: (requests) =>
      requests.map((r) => {
        if (r.context.includes('€')) {
          return { skipped: 'unencodable', message: `cannot encode the context ${JSON.stringify(r.context)}` };
        }
        if (r.continuation.length > 8) return { skipped: 'too-long', message: 'a continuation does not fit' };
        const truncatedTokens = r.context.startsWith('long') ? 4 : 0;
        return { logLikelihood: r.continuation === 'right' ? -1 : -5, isGreedy: false, tokens: 1, truncatedTokens };
      }),
    generateUntil: (requests) =>
      requests.map((r) =>
        r.context === ''
          ? { skipped: 'empty', message: 'the context is empty' }
          : { outputs: ['42'], truncatedTokens: r.context.length > 5 ? 2 : 0 },
      ),
  };
  const question = (q: string, wrong = 'wrong') => ({ question: q, choices: [wrong, 'right'], answer: 1 });

  it('skips and counts them, scores the rest, and puts the counts on every metric', () => {
    const task: TaskConfig = {
      name: 'picky',
      output: 'multiple_choice',
      data: {
        items: [
          question('a'),
          question('costs 5 €'),
          question('b', 'far too long a choice'),
          question('long context c'),
          question('d'),
          question('€ again'),
          question('long context e'),
        ],
      },
      metrics: ['acc', 'acc_norm'],
    };
    const result = runTask(task, picky, { seed: 1 });
    expect(result).toMatchObject({
      requested: 7,
      n: 4,
      skipped: { unencodable: 2, 'too-long': 1, empty: 0 },
      truncated: 2,
    });
    expect(result.problems).toEqual([
      'item picky-1: cannot encode the context "costs 5 €"',
      'item picky-2: a continuation does not fit',
      'item picky-5: cannot encode the context "€ again"',
    ]);
    const note =
      '3 of 7 items skipped (unencodable 2, too-long 1); 2 of 4 scored items had their context cut from the left to fit the model';
    expect(result.metrics).toEqual([
      { task: 'picky', metric: 'acc', value: 1, stderr: 0, n: 4, note },
      { task: 'picky', metric: 'acc_norm', value: 1, stderr: 0, n: 4, note },
    ]);
  });

  it('counts generation requests it cannot run, and a task with nothing to score fails saying why', () => {
    const task: TaskConfig = {
      name: 'answers',
      output: 'generate_until',
      data: {
        items: [
          { prompt: '', reference: '42' },
          { prompt: '6*7=', reference: '42' },
          { prompt: 'six times seven=', reference: '42' },
        ],
      },
      metrics: ['exact_match'],
    };
    const result = runTask(task, picky, { seed: 1 });
    expect(result).toMatchObject({ requested: 3, n: 2, skipped: { empty: 1 }, truncated: 1 });
    expect(result.metrics[0]).toMatchObject({ value: 1, n: 2 });
    const hopeless: TaskConfig = { ...task, name: 'hopeless', data: { items: [{ prompt: '', reference: '1' }] } };
    expect(() => runTask(hopeless, picky, { seed: 1 })).toThrow(
      'task "hopeless": none of its 1 items could be scored (item hopeless-0: the context is empty)',
    );
  });
});

describe('few-shot examples, provenance and progress', () => {
  const items = Array.from({ length: 6 }, (_, i) => ({
    id: `q${i}`,
    question: `Q${i}:`,
    choices: [` wrong${i}`, ` right${i}`],
    answer: 1,
  }));
  const task: TaskConfig = { name: 'shots', output: 'multiple_choice', data: { items }, metrics: ['acc'] };
  /** Records every context it sees; always picks the last choice. */
  const recorder = (contexts: string[]): LanguageModel => ({
    loglikelihood: (requests) =>
      requests.map((r) => {
        contexts.push(r.context);
        return {
          logLikelihood: r.continuation.includes('right') ? -1 : -2,
          isGreedy: false,
          tokens: 1,
          truncatedTokens: 0,
        };
      }),
    generateUntil: () => {
      throw new Error('unused');
    },
  });

  it("puts k solved examples from the task's other items before each item, seeded, never the item itself", () => {
    const contexts: string[] = [];
    const result = runTask(task, recorder(contexts), { seed: 7, numFewshot: 2 });
    const perItem = [...new Set(contexts)];
    expect(perItem).toHaveLength(6);
    perItem.forEach((context, i) => {
      const parts = context.split('\n\n');
      expect(parts).toHaveLength(3);
      expect(parts[2]).toBe(`Q${i}:`);
      for (const example of parts.slice(0, 2)) {
        const j = Number(/^Q(\d):/.exec(example)?.[1]);
        expect(j).not.toBe(i);
        expect(example).toBe(`Q${j}: right${j}`); // the context, then the correct choice
      }
      expect(parts[0]).not.toBe(parts[1]);
    });
    expect(result).toMatchObject({ nShot: 2, limit: null, version: 0, available: 6, requested: 6 });
    // The same seed draws the same examples; another seed other ones.
    const again: string[] = [];
    runTask(task, recorder(again), { seed: 7, numFewshot: 2 });
    expect(again).toEqual(contexts);
    const other: string[] = [];
    runTask(task, recorder(other), { seed: 8, numFewshot: 2 });
    expect(other).not.toEqual(contexts);
    // The task's own numFewshot and delimiter apply when the caller gives none.
    const own: string[] = [];
    runTask({ ...task, numFewshot: 1, fewshotDelimiter: ' | ' }, recorder(own), { seed: 7, limit: 2 });
    expect(own[0]).toMatch(/^Q[1-5]: right[1-5] \| Q0:$/);
    // An item whose context repeats another's never gets that other one as an example.
    const twins: TaskConfig = {
      ...task,
      data: { items: [items[0], { ...items[0], id: 'twin' }, items[1]] as typeof items },
    };
    const seen: string[] = [];
    runTask(twins, recorder(seen), { seed: 3, numFewshot: 1 });
    expect([...new Set(seen)]).toEqual(['Q1: right1\n\nQ0:', 'Q0: right0\n\nQ1:']);
    expect(() => runTask(task, recorder([]), { seed: 1, numFewshot: 6 })).toThrow(
      'task "shots": 6-shot needs 6 other items to draw examples from; it has 5',
    );
  });

  it('identifies the data by the sha256 of its file, else of its items, and reports progress per batch of items', () => {
    const dir = tempDir();
    const file = join(dir, 'items.jsonl');
    const text = items.map((item) => JSON.stringify(item)).join('\n');
    writeFileSync(file, text);
    const registry = createTaskRegistry({ builtins: false });
    registry.register({ ...task, name: 'from-file', data: { path: file }, version: 2 });
    const fromFile = runTask('from-file', recorder([]), { seed: 1, limit: 4 }, registry);
    expect(fromFile).toMatchObject({
      dataHash: createHash('sha256').update(text).digest('hex'),
      version: 2,
      limit: 4,
      available: 6,
      requested: 4,
    });
    const inline = runTask(task, recorder([]), { seed: 1 });
    expect(inline.dataHash).toBe(createHash('sha256').update(JSON.stringify(items)).digest('hex'));

    const many: TaskConfig = {
      ...task,
      data: { items: Array.from({ length: 150 }, (_, i) => ({ question: `${i}`, choices: ['a', 'b'], answer: 0 })) },
    };
    const progress: Array<[number, number]> = [];
    runTask(many, recorder([]), { seed: 1, onProgress: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([
      [0, 150],
      [64, 150],
      [128, 150],
      [150, 150],
    ]);
    // Items of one context go to the model in the same call, however far apart they are.
    const repeated: TaskConfig = {
      ...task,
      data: {
        items: Array.from({ length: 150 }, (_, i) => ({ question: `${i % 70}`, choices: ['a', 'b'], answer: 0 })),
      },
    };
    const callsOf = new Map<string, number>();
    let call = 0;
    const counting: LanguageModel = {
      loglikelihood: (requests) => {
        call++;
        return requests.map((r) => {
          expect(callsOf.get(r.context) ?? call).toBe(call);
          callsOf.set(r.context, call);
          return { logLikelihood: -1, isGreedy: false, tokens: 1, truncatedTokens: 0 };
        });
      },
      generateUntil: () => [],
    };
    expect(runTask(repeated, counting, { seed: 1 }).n).toBe(150);
    expect(call).toBeGreaterThan(1);
  });
});

describe('perplexity tasks (loglikelihood_rolling)', () => {
  /** Every token has probability 1/vocab: a model that knows nothing. */
  const uniform = (vocab: number): LanguageModel => ({
    loglikelihood: () => [],
    generateUntil: () => [],
    loglikelihoodRolling: (texts) =>
      texts.map((text) =>
        text === ''
          ? { skipped: 'empty', message: 'empty' }
          : { logLikelihood: -(text.length - 1) * Math.log(vocab), tokens: text.length - 1 },
      ),
  });
  const task: TaskConfig = {
    name: 'corpus',
    output: 'loglikelihood_rolling',
    data: { items: [{ text: 'the cat sät' }, { text: 'on the mat' }, { text: '' }] },
    metrics: ['word_perplexity', 'byte_perplexity', 'bits_per_byte'],
  };

  it("gives lm-eval's corpus-level perplexities: summed log-likelihood over summed words or bytes", () => {
    const result = runTask(task, uniform(27), { seed: 1 });
    const ll = -(10 + 9) * Math.log(27); // 11- and 10-character texts, the first character given
    const [words, bytes] = [6, 22]; // "ä" is two bytes of UTF-8
    expect(result.metrics.map((m) => [m.metric, m.stderr, m.n])).toEqual([
      ['word_perplexity', null, 2],
      ['byte_perplexity', null, 2],
      ['bits_per_byte', null, 2],
    ]);
    expect(result.metrics[0]?.value).toBeCloseTo(Math.exp(-ll / words), 9);
    expect(result.metrics[1]?.value).toBeCloseTo(Math.exp(-ll / bytes), 9);
    expect(result.metrics[2]?.value).toBeCloseTo(-ll / bytes / Math.LN2, 9);
    expect(result.skipped.empty).toBe(1);
  });

  it('needs a model that scores whole texts, and no few-shot examples', () => {
    const { loglikelihoodRolling: _, ...without } = uniform(2);
    expect(() => runTask(task, without, { seed: 1 })).toThrow(/this model cannot score whole texts/);
    expect(() => createTaskRegistry({ builtins: false }).register({ ...task, numFewshot: 1 })).toThrow(
      /numFewshot: must be 0 for a loglikelihood_rolling task/,
    );
  });
});

describe('loglikelihood tasks', () => {
  it("scores one continuation per item: lm-eval's perplexity over items and the greedy accuracy", () => {
    const task: TaskConfig = {
      name: 'cloze',
      output: 'loglikelihood',
      data: {
        items: [
          { context: 'one two', continuation: ' three' },
          { context: 'red green', continuation: ' blue' },
          { context: '€', continuation: ' x' },
        ],
      },
      metrics: ['perplexity', 'acc'],
    };
    const seen: string[] = [];
    const model: LanguageModel = {
      loglikelihood: (requests) =>
        requests.map((r) => {
          seen.push(`${r.context}|${r.continuation}`);
          if (r.context === '€') return { skipped: 'unencodable', message: 'cannot encode "€"' };
          return {
            logLikelihood: r.continuation === ' three' ? -0.5 : -1.5,
            isGreedy: r.continuation === ' three',
            tokens: 1,
            truncatedTokens: 0,
          };
        }),
      generateUntil: () => [],
    };
    const result = runTask(task, model, { seed: 1, keepSamples: true });
    expect(seen).toEqual(['one two| three', 'red green| blue', '€| x']);
    expect(result.metrics.map((m) => [m.metric, m.value, m.n])).toEqual([
      ['perplexity', Math.exp(1), 2],
      ['acc', 0.5, 2],
    ]);
    expect(result.skipped.unencodable).toBe(1);
    expect(result.samples?.[0]).toMatchObject({
      target: ' three',
      continuation: { logLikelihood: -0.5, isGreedy: true },
    });
    expect(() =>
      createTaskRegistry({ builtins: false }).register({ ...task, name: 'norm', metrics: ['acc_norm'] }),
    ).toThrow(/metric acc_norm needs a multiple_choice task, but output is loglikelihood/);
  });
});
