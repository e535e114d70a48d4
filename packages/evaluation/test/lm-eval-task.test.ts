// lm-evaluation-harness task configs as they are written, on documents shaped like HellaSwag,
// ARC and GSM8K, run with stand-in models whose answers are known: always right scores 1, a model
// that cannot tell the choices apart scores chance, and crafted generations get the filtered
// scores lm-eval's documented filters give.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLmEvalTask } from '../src/harness/lm-eval-task.js';
import type { LanguageModel } from '../src/harness/model-calls.js';
import { TaskConfigError } from '../src/harness/registry.js';
import { runTask } from '../src/harness/run-task.js';
import { createTaskRegistry, registerTaskFile } from '../src/index.js';
import { tempDir } from './helpers.js';

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}
const jsonl = (docs: object[]) => docs.map((doc) => JSON.stringify(doc)).join('\n');

/** Scores the right continuation highest (`right` decides), or every continuation alike. */
function scorer(right: (context: string, continuation: string) => boolean | null): LanguageModel {
  return {
    loglikelihood: (requests) =>
      requests.map((r) => {
        const verdict = right(r.context, r.continuation);
        return {
          logLikelihood: verdict === null ? -1 : verdict ? -1 : -9,
          isGreedy: false,
          tokens: 1,
          truncatedTokens: 0,
        };
      }),
    generateUntil: () => {
      throw new Error('not a generator');
    },
  };
}

/** The metric_list and metadata that lm-eval's HellaSwag and ARC configs share. */
const ACC_METRICS_V1 = `metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: acc_norm
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
`;

const HELLASWAG_DOCS = [0, 1, 2, 3].map((label) => ({
  ind: label,
  activity_label: 'Removing ice from car',
  ctx_a: 'Then, the man writes over the snow covering the window of a car, and a woman wearing winter clothes smiles.',
  ctx_b: 'THEN, the man',
  endings: [0, 1, 2, 3].map((k) => `ending ${k} [header] of doc ${label}`),
  label: String(label),
}));

// lm-eval's hellaswag.yaml, with local files and our named port of its process_docs.
const HELLASWAG_YAML = `tag:
  - multiple_choice
task: hellaswag
dataset_path: ./hellaswag
dataset_name: null
dataset_kwargs:
  trust_remote_code: true
output_type: multiple_choice
training_split: train
validation_split: validation
test_split: null
process_docs: hellaswag
doc_to_text: "{{query}}"
doc_to_target: "{{label}}"
doc_to_choice: "choices"
${ACC_METRICS_V1}`;

describe('lm-eval task configs: HellaSwag', () => {
  it('reads the documents, preprocesses them as lm-eval does, and scores 1 right and chance when blind', () => {
    const dir = tempDir();
    write(dir, 'hellaswag/validation.jsonl', jsonl(HELLASWAG_DOCS));
    const path = write(dir, 'hellaswag.yaml', HELLASWAG_YAML);
    const config = loadLmEvalTask(path);
    const first = (config.data as { items: Array<Record<string, unknown>> }).items[0];
    expect(first).toMatchObject({
      question:
        'Removing ice from car: Then, the man writes over the snow covering the window of a car, and a woman wearing winter clothes smiles. Then, the man',
      choices: ['ending 0 of doc 0', 'ending 1 of doc 0', 'ending 2 of doc 0', 'ending 3 of doc 0'],
      answer: 0,
    });
    expect(config).toMatchObject({ name: 'hellaswag', targetDelimiter: ' ', numFewshot: 0, version: 1 });
    const right = runTask(
      config,
      scorer(
        (_, continuation) =>
          continuation.startsWith(' ending') && /of doc (\d)/.exec(continuation)?.[1] === continuation[8],
      ),
      { seed: 1 },
    );
    expect(right.metrics.map((m) => [m.metric, m.value])).toEqual([
      ['acc', 1],
      ['acc_norm', 1],
    ]);
    // Ties go to the first choice: a model that cannot tell them apart is right on label 0 only.
    const blind = runTask(
      config,
      scorer(() => null),
      { seed: 1 },
    );
    expect(blind.metrics[0]?.value).toBe(0.25);
  });

  it("refuses lm-eval's Python process_docs, naming the port to write instead", () => {
    const dir = tempDir();
    write(dir, 'hellaswag/validation.jsonl', jsonl(HELLASWAG_DOCS));
    const path = write(
      dir,
      'hellaswag.yaml',
      HELLASWAG_YAML.replace('process_docs: hellaswag', 'process_docs: !function utils.process_docs'),
    );
    expect(() => registerTaskFile(createTaskRegistry(), path)).toThrow(
      /process_docs: !function utils\.process_docs is Python, which cannot run here; name one of our ports instead: hellaswag/,
    );
  });
});

// ARC: 3 to 5 choices, letter and numeric labels, lm-eval's arc_easy.yaml as written.
const ARC_DOCS = [
  {
    id: 'a',
    question: 'Which is a liquid?',
    choices: { text: ['ice', 'water', 'steam'], label: ['A', 'B', 'C'] },
    answerKey: 'B',
  },
  {
    id: 'b',
    question: 'How many legs has a spider?',
    choices: { text: ['6', '8', '4', '10'], label: ['1', '2', '3', '4'] },
    answerKey: '2',
  },
  {
    id: 'c',
    question: 'What do plants need?',
    choices: { text: ['salt', 'sand', 'light', 'oil', 'ice'], label: ['A', 'B', 'C', 'D', 'E'] },
    answerKey: 'C',
  },
  {
    id: 'd',
    question: 'Which is a metal?',
    choices: { text: ['iron', 'wood', 'glass', 'cloth'], label: ['A', 'B', 'C', 'D'] },
    answerKey: 'A',
  },
];
const ARC_YAML = `tag:
  - ai2_arc
task: arc_easy
dataset_path: ./arc
dataset_name: ARC-Easy
output_type: multiple_choice
training_split: train
validation_split: validation
test_split: test
doc_to_text: "Question: {{question}}\\nAnswer:"
doc_to_target: "{{choices.label.index(answerKey)}}"
doc_to_choice: "{{choices.text}}"
should_decontaminate: true
doc_to_decontamination_query: "Question: {{question}}\\nAnswer:"
${ACC_METRICS_V1}`;

describe('lm-eval task configs: ARC', () => {
  it("renders lm-eval's templates (list.index included) and scores 1 right, chance when blind", () => {
    const dir = tempDir();
    write(dir, 'arc/ARC-Easy/test.jsonl', jsonl(ARC_DOCS)); // dataset_name is a subdirectory
    const config = loadLmEvalTask(write(dir, 'arc_easy.yaml', ARC_YAML));
    const items = (config.data as { items: Array<Record<string, unknown>> }).items;
    expect(items.map((item) => [item.question, item.choices, item.answer])).toEqual(
      ARC_DOCS.map((doc) => [
        `Question: ${doc.question}\nAnswer:`,
        doc.choices.text,
        doc.choices.label.indexOf(doc.answerKey),
      ]),
    );
    const answers = new Map(
      ARC_DOCS.map((doc) => [
        `Question: ${doc.question}\nAnswer:`,
        ` ${doc.choices.text[doc.choices.label.indexOf(doc.answerKey)]}`,
      ]),
    );
    const right = runTask(
      config,
      scorer((context, continuation) => answers.get(context) === continuation),
      { seed: 1 },
    );
    expect(right.metrics.map((m) => m.value)).toEqual([1, 1]);
    expect(
      runTask(
        config,
        scorer(() => null),
        { seed: 1 },
      ).metrics[0]?.value,
    ).toBe(0.25); // one of four answers is the first choice
  });
});

// GSM8K: lm-eval's gsm8k.yaml as written, with local files through dataset_kwargs.data_files.
const GSM8K_TRAIN = [1, 2, 3, 4, 5, 6].map((n) => ({
  question: `What is ${n} + ${n}?`,
  answer: `${n} and ${n} make ${2 * n}.\n#### ${2 * n}`,
}));
const GSM8K_TEST = [
  {
    question: 'Natalia sold 48 clips in April and half as many in May. How many altogether?',
    answer: 'In May she sold 48/2 = 24.\nAltogether 48+24 = 72.\n#### 72',
  },
  {
    question: 'A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total?',
    answer: 'It takes 2/2 = 1 bolt of white.\nSo 2+1 = 3 in total.\n#### 3',
  },
];
const GSM8K_YAML = `tag:
  - math_word_problems
task: gsm8k
dataset_path: json
dataset_name: main
dataset_kwargs:
  data_files:
    train: gsm8k/train.jsonl
    test: gsm8k/test.jsonl
output_type: generate_until
training_split: train
fewshot_split: train
test_split: test
doc_to_text: "Question: {{question}}\\nAnswer:"
doc_to_target: "{{answer}}"
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
    ignore_case: true
    ignore_punctuation: false
    regexes_to_ignore:
      - ","
      - "\\\\$"
      - "(?s).*#### "
      - "\\\\.$"
generation_kwargs:
  until:
    - "Question:"
    - "</s>"
    - "<|im_end|>"
  do_sample: false
  temperature: 0.0
repeats: 1
num_fewshot: 5
filter_list:
  - name: "strict-match"
    filter:
      - function: "regex"
        regex_pattern: "#### (\\\\-?[0-9\\\\.\\\\,]+)"
      - function: "take_first"
  - name: "flexible-extract"
    filter:
      - function: "regex"
        group_select: -1
        regex_pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)"
      - function: "take_first"
metadata:
  version: 3.0
`;

describe('lm-eval task configs: GSM8K', () => {
  function setUp() {
    const dir = tempDir();
    write(dir, 'gsm8k/train.jsonl', jsonl(GSM8K_TRAIN));
    write(dir, 'gsm8k/test.jsonl', jsonl(GSM8K_TEST));
    return loadLmEvalTask(write(dir, 'gsm8k.yaml', GSM8K_YAML));
  }
  /** Answers the last question of a prompt from `answers`, and records the prompts. */
  function generator(answers: string[], prompts: string[] = []): LanguageModel {
    return {
      loglikelihood: () => {
        throw new Error('not a scorer');
      },
      generateUntil: (requests) =>
        requests.map((r) => {
          prompts.push(r.context);
          const index = GSM8K_TEST.findIndex((doc) => r.context.endsWith(`Question: ${doc.question}\nAnswer:`));
          return { outputs: [answers[index] ?? ''], truncatedTokens: 0 };
        }),
    };
  }

  it('puts 5 solved training examples first and scores strict and flexible extraction as lm-eval does', () => {
    const config = setUp();
    expect(config).toMatchObject({
      numFewshot: 5,
      version: 3,
      generation: { stop: ['Question:', '</s>', '<|im_end|>'], temperature: 0 },
    });
    const prompts: string[] = [];
    const always = runTask(config, generator([' In May 24.\n#### 72', ' 1 bolt white, #### 3'], prompts), { seed: 1 });
    expect(always.metrics.map((m) => [m.filter, m.value])).toEqual([
      ['strict-match', 1],
      ['flexible-extract', 1],
    ]);
    const parts = prompts[0].split('\n\n');
    expect(parts).toHaveLength(6);
    for (const example of parts.slice(0, 5)) {
      const n = Number(/What is (\d) \+/.exec(example)?.[1]);
      expect(example).toBe(`Question: What is ${n} + ${n}?\nAnswer: ${n} and ${n} make ${2 * n}.\n#### ${2 * n}`);
    }
    // A bare number passes only the flexible extraction; "$3." too, once "$" and "." are ignored.
    const bare = runTask(config, generator([' 72', ' $3.']), { seed: 1 });
    expect(bare.metrics.map((m) => m.value)).toEqual([0, 1]);
    const wrong = runTask(config, generator([' #### 71', ' it is 3, no, 4']), { seed: 1 });
    expect(wrong.metrics.map((m) => m.value)).toEqual([0, 0]);
  });
});

describe('lm-eval task configs: a loglikelihood task (LAMBADA-shaped)', () => {
  it("scores the last word after the rest, with lm-eval's perplexity and greedy accuracy", () => {
    const dir = tempDir();
    const texts = ['the cat sat on the mat', 'a dog ran far away'];
    write(dir, 'lambada/default/test.jsonl', jsonl(texts.map((text) => ({ text }))));
    const config = loadLmEvalTask(
      write(
        dir,
        'lambada.yaml',
        `task: lambada_like
dataset_path: ./lambada
dataset_name: default
output_type: loglikelihood
test_split: test
doc_to_text: "{{text.split(' ')[:-1]|join(' ')}}"
doc_to_target: "{{' '+text.split(' ')[-1]}}"
target_delimiter: ""
metric_list:
  - metric: perplexity
    aggregation: perplexity
    higher_is_better: false
  - metric: acc
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
`,
      ),
    );
    expect((config.data as { items: unknown[] }).items).toEqual([
      { id: 'lambada_like-0', context: 'the cat sat on the', continuation: ' mat' },
      { id: 'lambada_like-1', context: 'a dog ran far', continuation: ' away' },
    ]);
    const seen: string[] = [];
    const model: LanguageModel = {
      loglikelihood: (requests) =>
        requests.map((r) => {
          seen.push(`${r.context}|${r.continuation}`);
          return {
            logLikelihood: r.continuation === ' mat' ? -1 : -3,
            isGreedy: r.continuation === ' mat',
            tokens: 1,
            truncatedTokens: 0,
          };
        }),
      generateUntil: () => [],
    };
    const result = runTask(config, model, { seed: 1 });
    expect(seen).toEqual(['the cat sat on the| mat', 'a dog ran far| away']);
    expect(result.metrics.map((m) => [m.metric, m.value, m.stderr])).toEqual([
      ['perplexity', Math.exp(2), null],
      ['acc', 0.5, 0.5],
    ]);
  });
});

describe('lm-eval task configs: a perplexity task', () => {
  it('scores doc_to_target whole and reports the three perplexities', () => {
    const dir = tempDir();
    write(dir, 'wiki/test.jsonl', jsonl([{ page: 'A short page.' }, { page: 'Another page, longer.' }]));
    const config = loadLmEvalTask(
      write(
        dir,
        'wikitext.yaml',
        `task: wikitext_like
dataset_path: ./wiki
test_split: test
output_type: loglikelihood_rolling
doc_to_text: ""
doc_to_target: "{{page}}"
should_decontaminate: true
doc_to_decontamination_query: "{{page}}"
metric_list:
  - metric: word_perplexity
  - metric: byte_perplexity
  - metric: bits_per_byte
    aggregation: bits_per_byte
    higher_is_better: false
metadata:
  version: 2.0
`,
      ),
    );
    expect((config.data as { items: unknown[] }).items).toEqual([
      { id: 'wikitext_like-0', text: 'A short page.' },
      { id: 'wikitext_like-1', text: 'Another page, longer.' },
    ]);
    const perByte: LanguageModel = {
      loglikelihood: () => [],
      generateUntil: () => [],
      loglikelihoodRolling: (texts) =>
        texts.map((text) => ({ logLikelihood: -Math.LN2 * text.length, tokens: text.length - 1 })),
    };
    const result = runTask(config, perByte, { seed: 1 });
    expect(result.metrics.find((m) => m.metric === 'bits_per_byte')?.value).toBeCloseTo(1, 12);
    expect(result.metrics.find((m) => m.metric === 'byte_perplexity')?.value).toBeCloseTo(2, 12);
  });
});

describe("lm-eval task configs: lm-eval's finer rules", () => {
  /** Compiles a config over `docs` (test split) and returns its items; `extra` files by name. */
  function compile(yaml: string, docs: object[], extra: Record<string, string> = {}) {
    const dir = tempDir();
    write(dir, 'data/test.jsonl', jsonl(docs));
    for (const [name, text] of Object.entries(extra)) write(dir, name, text);
    const config = loadLmEvalTask(write(dir, 'task.yaml', `task: t\ndataset_path: ./data\ntest_split: test\n${yaml}`));
    return { config, items: (config.data as { items: Array<Record<string, unknown>> }).items };
  }

  it('a generative task with choices has the choice text as its reference; no generation_kwargs stops at the few-shot delimiter', () => {
    const { config, items } = compile(
      'output_type: generate_until\ndoc_to_text: "{{q}}"\ndoc_to_choice: ["A", "B", "C", "D"]\ndoc_to_target: answer\n',
      [{ q: 'Pick one:', answer: 2 }],
    );
    expect(items[0]).toMatchObject({ prompt: 'Pick one:', reference: 'C' });
    expect(config.generation).toEqual({ stop: ['\n\n'], maxTokens: 256, temperature: 0 });
  });

  it("renders templates as lm-eval's Jinja environment does: trailing newline kept, blocks not trimmed", () => {
    const { items } = compile(
      'output_type: generate_until\ndoc_to_text: "{% if q %}\\n{{ q | trim }}{% endif %}{% for o in opts %} {{o}}{% endfor %}\\n"\ndoc_to_target: a\n',
      [{ q: '  Q?  ', opts: ['x', 'y'], a: 'z' }],
    );
    expect(items[0]?.prompt).toBe('\nQ? x y\n');
  });

  it('a string field holding digits is a choice text, not an index; a number doc_to_text is refused', () => {
    const { items } = compile(
      'output_type: multiple_choice\ndoc_to_text: q\ndoc_to_choice: opts\ndoc_to_target: gold\n',
      [{ q: 'Which?', opts: ['0', '2', '1'], gold: '1' }],
    );
    expect(items[0]?.answer).toBe(2);
    expect(() =>
      compile('output_type: multiple_choice\ndoc_to_text: 0\ndoc_to_choice: opts\ndoc_to_target: gold\n', [
        { opts: ['a', 'b'], gold: 0 },
      ]),
    ).toThrow(/doc_to_text must be a field name or a template/);
  });

  it('a named few-shot split, a dataset_name or a training split for shots must have its files', () => {
    const mc = 'output_type: multiple_choice\ndoc_to_text: q\ndoc_to_choice: opts\ndoc_to_target: 0\n';
    const docs = [{ q: 'a', opts: ['x', 'y'] }];
    expect(() => compile(`${mc}fewshot_split: train\n`, docs)).toThrow(/fewshot_split train has no file/);
    expect(() => compile(`${mc}training_split: train\nnum_fewshot: 2\n`, docs)).toThrow(
      /num_fewshot 2 draws from training_split train, which has no file/,
    );
    expect(() => compile(`${mc}dataset_name: main\n`, docs)).toThrow(
      /dataset_name main: expected its documents in .*data\/main/,
    );
    // A .json file may hold JSON lines, as the json loader of datasets accepts.
    const { config } = compile(`${mc}fewshot_split: train\n`, docs, {
      'data/train.json': jsonl([{ q: 'b', opts: ['x', 'y'] }]),
    });
    expect(config.fewshotItems).toHaveLength(1);
    // The evaluated split named as the few-shot split means its other documents, not another split.
    const own = compile(`${mc}fewshot_split: test\ntraining_split: train\n`, docs, {
      'data/train.jsonl': jsonl([{ q: 'b', opts: ['x', 'y'] }]),
    });
    expect(own.config.fewshotItems).toBeUndefined();
  });
});

describe('lm-eval task configs: what is refused', () => {
  it('names every key, type and metric it does not support, and a template field the documents lack, at once', () => {
    const dir = tempDir();
    write(dir, 'data/test.jsonl', jsonl([{ q: 'x', a: 'y' }]));
    const path = write(
      dir,
      'bad.yaml',
      `task: bad
dataset_path: ./data
test_split: test
output_type: multiple_choice_or_so
doc_to_text: "{{q}}"
doc_to_target: "{{a}}"
doc_to_image: "{{q}}"
use_prompt: "promptsource:x"
metric_list:
  - metric: bleu
  - metric: f1
  - metric: acc
    aggregation: median
generation_kwargs:
  top_p: 0.9
`,
    );
    let problems: readonly string[] = [];
    try {
      registerTaskFile(createTaskRegistry(), path);
    } catch (error) {
      expect(error).toBeInstanceOf(TaskConfigError);
      problems = (error as TaskConfigError).problems;
    }
    expect(problems.map((p) => p.slice(path.length + 2))).toEqual([
      expect.stringMatching(/^doc_to_image: not a key we support/),
      expect.stringMatching(/^use_prompt: not a key we support/),
      'output_type must be one of multiple_choice, generate_until, loglikelihood, loglikelihood_rolling, got "multiple_choice_or_so"',
      'metric_list[0].metric "bleu" is not supported (acc, acc_norm, exact_match, perplexity, word_perplexity, byte_perplexity, bits_per_byte)',
      'metric_list[1].metric "f1" is not supported (acc, acc_norm, exact_match, perplexity, word_perplexity, byte_perplexity, bits_per_byte)',
      'metric_list[2].aggregation must be mean for acc',
      'generation_kwargs.top_p: not supported',
    ]);
    const typo = write(
      dir,
      'typo.yaml',
      `task: typo
dataset_path: ./data
test_split: test
output_type: generate_until
doc_to_text: "Q: {{question}}"
doc_to_target: "{{a}}"
`,
    );
    expect(() => loadLmEvalTask(typo)).toThrow(
      /document 0: doc_to_text "Q: \{\{question\}\}" reads question, which the document does not have \(fields: q, a\)/,
    );
  });

  it('registers a JSON config of the same keys, by its task name', () => {
    const dir = tempDir();
    write(dir, 'arc/test.jsonl', jsonl(ARC_DOCS));
    const json = write(
      dir,
      'arc.json',
      JSON.stringify({
        task: 'arc_json',
        dataset_path: './arc',
        test_split: 'test',
        output_type: 'multiple_choice',
        doc_to_text: 'Question: {{question}}\nAnswer:',
        doc_to_target: '{{choices.label.index(answerKey)}}',
        doc_to_choice: '{{choices.text}}',
        metric_list: [{ metric: 'acc' }],
      }),
    );
    const registry = createTaskRegistry({ builtins: false });
    expect(registerTaskFile(registry, json)).toEqual(['arc_json']);
    expect(registry.get('arc_json').config.metrics).toEqual(['acc']);
  });
});
