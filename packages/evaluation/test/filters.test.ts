// Answer extraction and exact match as lm-evaluation-harness's GSM8K config scores them.
import { describe, expect, it } from 'vitest';
import { applyFilters, type ExactMatchOptions, exactMatch, type FilterPipeline } from '../src/harness/filters.js';
import type { LanguageModel } from '../src/harness/model-calls.js';
import { TaskConfigError } from '../src/harness/registry.js';
import { runTask } from '../src/harness/run-task.js';
import { createTaskRegistry, type TaskConfig } from '../src/index.js';
import { lmEvalResults } from '../src/lm-eval-results.js';

// lm-eval's gsm8k.yaml: the two answer extractions and the exact_match options.
const STRICT: FilterPipeline = {
  name: 'strict-match',
  steps: [{ function: 'regex', pattern: '#### (\\-?[0-9\\.\\,]+)' }, { function: 'take_first' }],
};
const FLEXIBLE: FilterPipeline = {
  name: 'flexible-extract',
  steps: [{ function: 'regex', pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)', groupSelect: -1 }, { function: 'take_first' }],
};
const GSM8K_MATCH: ExactMatchOptions = {
  ignoreCase: true,
  ignorePunctuation: false,
  regexesToIgnore: [',', '\\$', '(?s).*#### ', '\\.$'],
};
const REFERENCE = 'Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether.\n#### 72';

describe('answer extraction filters', () => {
  it.each([
    ['Natalia sold 48+24 = 72 clips.\n#### 72', '72', '72', 1, 1],
    [' 72', '[invalid]', '72', 0, 1],
    ['$72.', '[invalid]', '$72.', 0, 1],
    ['The answer is 72 clips, not 1,000', '[invalid]', '1,000', 0, 0],
    ['#### 7,2', '7,2', '7,2', 1, 1], // the comma is ignored on both sides
    ['no number here', '[invalid]', '[invalid]', 0, 0],
  ])('%j: strict %j, flexible %j', (generation, strict, flexible, strictScore, flexibleScore) => {
    expect(applyFilters(STRICT, [generation])).toBe(strict);
    expect(applyFilters(FLEXIBLE, [generation])).toBe(flexible);
    expect(exactMatch(strict, REFERENCE, GSM8K_MATCH)).toBe(strictScore);
    expect(exactMatch(flexible, REFERENCE, GSM8K_MATCH)).toBe(flexibleScore);
  });

  it('takes the first generation, lowercases, strips leading spaces, and selects matches from either end', () => {
    expect(applyFilters({ name: 'f', steps: [{ function: 'take_first' }] }, ['a', 'b'])).toBe('a');
    expect(applyFilters({ name: 'f', steps: [{ function: 'lowercase' }, { function: 'take_first' }] }, ['AbC'])).toBe(
      'abc',
    );
    expect(applyFilters({ name: 'f', steps: [{ function: 'remove_whitespace' }] }, ['   x y '])).toBe('x y ');
    const numbers = (groupSelect: number) => ({
      name: 'n',
      steps: [{ function: 'regex' as const, pattern: '\\d+', groupSelect }],
    });
    expect(applyFilters(numbers(0), ['1 22 333'])).toBe('1');
    expect(applyFilters(numbers(1), ['1 22 333'])).toBe('22');
    expect(applyFilters(numbers(-1), ['1 22 333'])).toBe('333');
    expect(applyFilters(numbers(5), ['1 22 333'])).toBe('[invalid]');
  });

  it("follows Python's findall and $: one empty group is an empty answer, $ matches before a final newline", () => {
    const oneGroup = { name: 'g', steps: [{ function: 'regex' as const, pattern: 'answer:(\\d*)' }] };
    expect(applyFilters(oneGroup, ['answer: none'])).toBe('');
    expect(applyFilters(oneGroup, ['no answer'])).toBe('[invalid]');
    expect(exactMatch('72.\n', '72', { regexesToIgnore: ['\\.$'] })).toBe(0); // the newline itself stays
    expect(exactMatch('72.\n', '72\n', { regexesToIgnore: ['\\.$'] })).toBe(1);
    expect(applyFilters({ name: 'w', steps: [{ function: 'remove_whitespace' }] }, ['\n\t 5'])).toBe('5');
  });

  it('exact_match ignores case and punctuation only when asked', () => {
    expect(exactMatch('Paris.', 'paris')).toBe(0);
    expect(exactMatch('Paris.', 'paris', { ignoreCase: true })).toBe(0);
    expect(exactMatch('Paris.', 'paris', { ignoreCase: true, ignorePunctuation: true })).toBe(1);
    expect(exactMatch('the answer: 5', '5', { regexesToIgnore: ['^the answer: '] })).toBe(1);
  });
});

describe('a GSM8K-shaped task', () => {
  const items = [
    { prompt: 'Question: 48 clips in April, half as many in May. Total?\nAnswer:', reference: REFERENCE },
    { prompt: 'Question: 9 + 9?\nAnswer:', reference: 'Nine and nine.\n#### 18' },
    { prompt: 'Question: 3 * 4?\nAnswer:', reference: 'Three fours.\n#### 12' },
  ];
  const task: TaskConfig = {
    name: 'gsm8k_like',
    output: 'generate_until',
    data: { items },
    metrics: ['exact_match'],
    generation: { stop: ['Question:'], maxTokens: 32, temperature: 0 },
    filters: [STRICT, FLEXIBLE],
    exactMatch: GSM8K_MATCH,
  };
  const answering = (answers: Record<string, string>): LanguageModel => ({
    loglikelihood: () => {
      throw new Error('unused');
    },
    generateUntil: (requests) => requests.map((r) => ({ outputs: [answers[r.context] ?? ''], truncatedTokens: 0 })),
  });

  it('scores each filter as its own exact_match, keyed as lm-eval keys it', () => {
    const always = answering({
      [items[0]!.prompt]: ' 48/2 = 24, 48 + 24 = 72.\n#### 72',
      [items[1]!.prompt]: ' #### 18',
      [items[2]!.prompt]: ' 12',
    });
    const result = runTask(task, always, { seed: 1 });
    expect(result.metrics.map((m) => [m.metric, m.filter, m.value])).toEqual([
      ['exact_match', 'strict-match', 2 / 3],
      ['exact_match', 'flexible-extract', 1],
    ]);
    const keys = lmEvalResults(result.metrics, [], { run: null, step: null, seed: 1, limit: null }).results.gsm8k_like;
    expect(keys).toMatchObject({ 'exact_match,strict-match': 2 / 3, 'exact_match,flexible-extract': 1 });
    expect(runTask(task, answering({}), { seed: 1 }).metrics.map((m) => m.value)).toEqual([0, 0]);
  });

  it('refuses filters and options it does not know, naming each', () => {
    const registry = createTaskRegistry({ builtins: false });
    const bad = {
      ...task,
      filters: [
        { name: 'x', steps: [{ function: 'majority_vote' }] },
        { name: 'x', steps: [{ function: 'regex', pattern: '(' }] },
      ],
      exactMatch: { ignoreCase: true, ignoreNumbers: true },
    } as unknown as TaskConfig;
    expect(() => registry.register(bad)).toThrow(TaskConfigError);
    try {
      registry.register(bad);
    } catch (error) {
      expect((error as TaskConfigError).problems).toEqual([
        expect.stringMatching(
          /filters\[0\]\.steps\[0\]\.function: must be one of regex, take_first, .*, got "majority_vote"/,
        ),
        expect.stringMatching(/filters\[1\]\.steps\[0\]\.pattern: regex "\(": /),
        expect.stringMatching(/exactMatch\.ignoreNumbers: unknown field/),
        expect.stringMatching(/filters\[1\]\.name: "x" is given twice/),
      ]);
    }
  });
});
