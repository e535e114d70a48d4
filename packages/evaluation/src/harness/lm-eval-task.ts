// lm-evaluation-harness task configs as they are written (YAML, or JSON of the same keys), for
// local data files. A config is compiled into one of our TaskConfigs: its documents are read from
// the split files, rendered through its Jinja templates (doc_to_text, doc_to_target,
// doc_to_choice, rendered by @huggingface/jinja, a maintained JavaScript Jinja), and turned into
// items; its delimiters, shots, generation settings, filters and metric options map onto ours.
//
// Data: `dataset_path` is a directory holding `<split>.jsonl` (or `.json`, a list), or a single
// file (the evaluated split); or, as lm-eval writes local files, `dataset_path: json` with
// `dataset_kwargs.data_files: { <split>: <file> }`. Paths are relative to the config file. The
// evaluated split is test_split, else validation_split; few-shot examples come from fewshot_split,
// else training_split, else validation_split (when it is not the evaluated one), else from the
// evaluated split's other documents.
//
// Templates follow lm-eval's rules: a string naming a field of the document is that field; an
// integer or a list is itself; anything else is a Jinja template. A rendered choice list is read
// as a list; a multiple-choice target is an index, a digit string, or the text of a choice. Python
// list.index(x), which lm-eval's ARC config calls and the JavaScript Jinja lacks, is provided. A
// template naming a variable the document does not have is an error (Jinja would render "").
//
// Every key is either supported or refused by name: a key silently ignored would change a score
// without a word. `process_docs` names one of PROCESS_DOCS (ports of lm-eval's Python
// preprocessors); `!function module.fn` cannot run here and says so.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { parseDocument } from 'yaml';
import type { FilterPipeline, FilterStep } from './filters.js';
import type { MetricName, RawItem, TaskConfig } from './task.js';

/** The keys of an lm-eval task config we read; any other is refused by name. */
export const LM_EVAL_TASK_KEYS = [
  'task',
  'tag',
  'dataset_path',
  'dataset_name',
  'dataset_kwargs',
  'test_split',
  'validation_split',
  'training_split',
  'fewshot_split',
  'output_type',
  'process_docs',
  'doc_to_text',
  'doc_to_target',
  'doc_to_choice',
  'description',
  'target_delimiter',
  'fewshot_delimiter',
  'num_fewshot',
  'generation_kwargs',
  'filter_list',
  'metric_list',
  'repeats',
  'should_decontaminate',
  'doc_to_decontamination_query',
  'metadata',
] as const;

/** lm-eval's default budget of new tokens (its Hugging Face model's max_gen_toks). */
export const LM_EVAL_MAX_GEN_TOKS = 256;

/** Named document preprocessors, ports of lm-eval's `utils.process_docs` functions. */
export const PROCESS_DOCS: Record<string, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  /**
   * lm-eval's hellaswag/utils.py: the query from activity label and context, cleaned endings, the
   * gold index, added to the document's own fields (as datasets' map adds columns).
   */
  hellaswag: (doc) => {
    const clean = (text: string) =>
      text
        .trim()
        .replaceAll(' [title]', '. ')
        .replace(/\[.*?\]/g, '')
        .replaceAll('  ', ' ');
    const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
    const ctx = `${String(doc.ctx_a)} ${capitalize(String(doc.ctx_b))}`;
    return {
      ...doc,
      query: clean(`${String(doc.activity_label)}: ${ctx}`),
      choices: (doc.endings as unknown[]).map((ending) => clean(String(ending))),
      gold: Number.parseInt(String(doc.label), 10),
    };
  },
};

export class LmEvalConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${file}: ${problems.length} problem(s) in an lm-eval task config:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.name = 'LmEvalConfigError';
  }
}

/** `!function module.fn` in a YAML config: Python we cannot run. */
class PythonFunction {
  constructor(readonly name: string) {}
}

const YAML_TAGS = [
  {
    tag: '!function',
    resolve: (value: string) => new PythonFunction(value),
    identify: (value: unknown) => value instanceof PythonFunction,
  },
];

/** Does this parsed JSON/YAML value look like an lm-eval task config (it has `task`, not `name`)? */
export function isLmEvalTaskConfig(value: unknown): boolean {
  return value !== null && typeof value === 'object' && 'task' in value && !('name' in value);
}

/** Reads a YAML (or JSON) file holding one lm-eval task config. */
export function readLmEvalConfigFile(path: string): Record<string, unknown> {
  const document = parseDocument(readFileSync(path, 'utf8'), { customTags: YAML_TAGS });
  if (document.errors.length > 0) {
    throw new LmEvalConfigError(
      path,
      document.errors.map((e) => e.message),
    );
  }
  const value = document.toJS() as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LmEvalConfigError(path, ['expected one task config (a mapping with a "task" key)']);
  }
  return value as Record<string, unknown>;
}

type Doc = Record<string, unknown>;

/** The JavaScript value of a Jinja runtime value (what a provided function receives). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  const inner = (value as { value?: unknown } | null)?.value;
  if (Array.isArray(inner)) return inner.map(plain);
  if (inner instanceof Map) return Object.fromEntries([...inner].map(([k, v]) => [k, plain(v)]));
  return inner === undefined ? value : inner;
}

/** Python's list.index, as a function the rewritten templates call. */
const LIST_INDEX = '__ftlab_list_index';
function listIndex(list: unknown, item: unknown): number {
  const [values, wanted] = [plain(list), plain(item)];
  const at = Array.isArray(values) ? values.indexOf(wanted) : -1;
  if (at < 0) throw new Error(`${JSON.stringify(wanted)} is not in ${JSON.stringify(values)}`);
  return at;
}

/** A compiled template with the variables it reads; `x.index(y)` becomes a call the JavaScript Jinja can make. */
interface CompiledTemplate {
  render: (context: Record<string, unknown>) => string;
  variables: string[];
}

/**
 * A Jinja program as lm-eval's environment builds it: no block trimming, the trailing newline kept
 * (@huggingface/jinja's Template trims blocks and drops a final newline, so its parts are used).
 */
function jinja(source: string): (context: Record<string, unknown>) => string {
  // tokenize drops one trailing newline, as Jinja's default does; lm-eval keeps it.
  const program = parse(tokenize(source.endsWith('\n') ? `${source}\n` : source, {}));
  return (context) => {
    const env = new Environment();
    for (const [name, value] of Object.entries({
      true: true,
      false: false,
      none: null,
      True: true,
      False: false,
      None: null,
    })) {
      env.set(name, value);
    }
    for (const [name, value] of Object.entries(context)) env.set(name, value);
    return String(new Interpreter(env).run(program).value);
  };
}

function compileTemplate(source: string): CompiledTemplate {
  const rewritten = source.replace(
    /([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*|\[[^\]]*\])*)\.index\(([^()]*)\)/g,
    (_, list: string, item: string) => `${LIST_INDEX}(${list}, ${item})`,
  );
  // The top-level names a template reads (attributes, filter and test names, keyword arguments,
  // names it binds itself and string literals aside): each must be a field of the document.
  const variables = new Set<string>();
  const bound = new Set<string>();
  for (const block of rewritten.matchAll(/\{\{(.*?)\}\}|\{%(.*?)%\}/gs)) {
    const body = (block[1] ?? block[2] ?? '').replace(/'[^']*'|"[^"]*"/g, "''");
    for (const binding of body.matchAll(/\b(?:for|set)\s+([\w\s,]+?)\s*(?:\bin\b|=)/g)) {
      for (const name of binding[1].split(',')) bound.add(name.trim());
    }
    const names = body
      .replace(/\|\s*[A-Za-z_]\w*/g, '|') // filters
      .replace(/\bis\s+(?:not\s+)?[A-Za-z_]\w*/g, 'is') // tests
      .replace(/\b[A-Za-z_]\w*\s*=(?!=)/g, ''); // keyword arguments and set targets
    for (const name of names.matchAll(/(?<![\w.])([A-Za-z_]\w*)/g)) variables.add(name[1]);
  }
  const known = new Set([
    LIST_INDEX,
    'true',
    'false',
    'none',
    'True',
    'False',
    'None',
    'and',
    'or',
    'not',
    'in',
    'is',
    'if',
    'else',
    'elif',
    'for',
    'endfor',
    'endif',
    'set',
    'endset',
    'loop',
    'namespace',
  ]);
  return { render: jinja(rewritten), variables: [...variables].filter((v) => !known.has(v) && !bound.has(v)) };
}

/** A doc_to_* value, and whether it is a field's own value (not a template's text). */
interface DocValue {
  value: unknown;
  raw: boolean;
}

/** lm-eval's doc_to_* rule: a field name is the field, a number or list is itself, else a template. */
function docValue(spec: unknown, doc: Doc, templates: Map<string, CompiledTemplate>, what: string): DocValue {
  if (typeof spec === 'number' || Array.isArray(spec)) return { value: spec, raw: true };
  if (typeof spec !== 'string') throw new Error(`${what} must be a field name, a template, a number or a list`);
  if (Object.hasOwn(doc, spec)) return { value: doc[spec], raw: true };
  let compiled = templates.get(spec);
  if (compiled === undefined) {
    compiled = compileTemplate(spec);
    templates.set(spec, compiled);
  }
  const missing = compiled.variables.filter((name) => !Object.hasOwn(doc, name));
  if (missing.length > 0) {
    throw new Error(
      `${what} ${JSON.stringify(spec)} reads ${missing.join(', ')}, which the document does not have (fields: ${Object.keys(doc).join(', ')})`,
    );
  }
  try {
    return { value: compiled.render({ ...doc, [LIST_INDEX]: listIndex }), raw: false };
  } catch (error) {
    throw new Error(`${what} ${JSON.stringify(spec)}: ${(error as Error).message}`);
  }
}

function choicesOf({ value }: DocValue, what: string): string[] {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      throw new Error(`${what} rendered ${JSON.stringify(value.slice(0, 80))}, not a list of choices`);
    }
  }
  if (!Array.isArray(list) || list.length < 2) throw new Error(`${what} must give a list of at least two choices`);
  return list.map((choice) => String(choice));
}

/**
 * The index of the correct choice, as lm-eval reads doc_to_target: a number is the index; a
 * template's digit text is a number; any other text (a field's string value included, even
 * digits) is looked up among the choices.
 */
function targetIndex({ value, raw }: DocValue, choices: string[], what: string): number {
  let index: number;
  if (Array.isArray(value)) throw new Error(`${what} gave a list: several targets are not supported`);
  if (typeof value === 'number') index = value;
  else if (typeof value === 'string' && !raw && /^\s*\d+\s*$/.test(value)) index = Number(value);
  else if (typeof value === 'string' && choices.includes(value)) index = choices.indexOf(value);
  else throw new Error(`${what} gave ${JSON.stringify(value)}: not an index nor one of the choices`);
  if (!Number.isInteger(index) || index < 0 || index >= choices.length) {
    throw new Error(`${what} gave ${index}, outside the ${choices.length} choices`);
  }
  return index;
}

/** The documents of a split file: JSON lines, or one JSON list. */
function readDocs(path: string): { docs: Doc[]; sha256: string } {
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (path.endsWith('.json') && text.trimStart().startsWith('[')) {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON list of documents`);
    return { docs: parsed as Doc[], sha256 };
  }
  const docs: Doc[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      docs.push(JSON.parse(line) as Doc);
    } catch (error) {
      throw new Error(`${path}:${i + 1}: ${(error as Error).message}`);
    }
  }
  return { docs, sha256 };
}

function asList(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Compiles an lm-eval task config into our TaskConfig, its documents turned into items. Every
 * problem of the config is reported at once (LmEvalConfigError); a document a template fails on
 * names its index.
 */
export function compileLmEvalTask(raw: Record<string, unknown>, file: string): TaskConfig {
  const problems: string[] = [];
  const bad = (message: string) => problems.push(message);
  for (const key of Object.keys(raw)) {
    if (!(LM_EVAL_TASK_KEYS as readonly string[]).includes(key)) {
      bad(
        `${key}: not a key we support (supported: ${LM_EVAL_TASK_KEYS.join(', ')}); refusing rather than ignoring it`,
      );
    }
  }
  const name = raw.task;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(name))
    bad('task must be a name of letters, digits, _ . : or -');
  const output = raw.output_type;
  const OUTPUTS = ['multiple_choice', 'generate_until', 'loglikelihood', 'loglikelihood_rolling'];
  if (!OUTPUTS.includes(output as string)) {
    bad(`output_type must be one of ${OUTPUTS.join(', ')}, got ${JSON.stringify(output)}`);
  }
  if (raw.repeats !== undefined && raw.repeats !== 1) bad('repeats other than 1 is not supported');
  if (typeof raw.description === 'string' && raw.description.includes('{{')) {
    bad('description as a template is not supported (a plain text is)');
  }
  for (const key of ['target_delimiter', 'fewshot_delimiter', 'description'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') bad(`${key} must be a string`);
  }
  if (raw.num_fewshot !== undefined && (!Number.isInteger(raw.num_fewshot) || (raw.num_fewshot as number) < 0)) {
    bad('num_fewshot must be an integer >= 0');
  }

  // Splits and their files.
  const baseDir = dirname(resolve(file));
  const kwargs = (raw.dataset_kwargs ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(kwargs)) {
    if (key !== 'data_files' && key !== 'trust_remote_code') {
      bad(`dataset_kwargs.${key}: not supported (data_files, and trust_remote_code, which local files do not need)`);
    }
  }
  const path = typeof raw.dataset_path === 'string' ? raw.dataset_path : undefined;
  if (path === undefined)
    bad('dataset_path must name a local file or directory (or be "json" with dataset_kwargs.data_files)');
  const local = (p: string) => (isAbsolute(p) ? p : join(baseDir, p));
  // A dataset_name (a Hugging Face config such as ARC-Easy) is a subdirectory of dataset_path.
  const datasetName = typeof raw.dataset_name === 'string' ? raw.dataset_name : undefined;
  const files = kwargs.data_files as Record<string, unknown> | undefined;
  let directory: string | undefined;
  if (!files && path !== undefined && path !== 'json') {
    const where = local(path);
    if (datasetName !== undefined) {
      directory = join(where, datasetName);
      if (!existsSync(directory) || !statSync(directory).isDirectory()) {
        bad(`dataset_name ${datasetName}: expected its documents in ${directory}/<split>.jsonl`);
      }
    } else if (existsSync(where) && statSync(where).isDirectory()) directory = where;
  }
  const fileOf = (split: string): string | undefined => {
    if (files && typeof files === 'object') {
      const given = files[split];
      return typeof given === 'string' ? local(given) : undefined;
    }
    if (path === undefined || path === 'json') return undefined;
    if (directory !== undefined) {
      for (const extension of ['.jsonl', '.json']) {
        const candidate = join(directory, `${split}${extension}`);
        if (existsSync(candidate)) return candidate;
      }
      return undefined;
    }
    return split === evaluated ? local(path) : undefined;
  };
  const splitName = (key: string) => (typeof raw[key] === 'string' ? raw[key] : undefined);
  const evaluated = splitName('test_split') ?? splitName('validation_split');
  if (evaluated === undefined) bad('test_split or validation_split must name the split to evaluate');
  const evaluatedFile = evaluated === undefined ? undefined : fileOf(evaluated);
  if (evaluated !== undefined && path !== undefined && (evaluatedFile === undefined || !existsSync(evaluatedFile))) {
    bad(`the ${evaluated} split has no file (looked for ${evaluatedFile ?? `${path}/${evaluated}.jsonl`})`);
  }
  const hasFile = (split: string) => fileOf(split) !== undefined && existsSync(fileOf(split) as string);
  // A named few-shot split must be there: falling back to another would change the examples silently.
  const namedFewshot = splitName('fewshot_split');
  if (namedFewshot !== undefined && !hasFile(namedFewshot)) bad(`fewshot_split ${namedFewshot} has no file`);
  // The named few-shot split if any (the evaluated one itself means its other documents), else the
  // first of training and validation that exists besides the evaluated split.
  const fewshotSplit =
    namedFewshot !== undefined
      ? namedFewshot === evaluated
        ? undefined
        : namedFewshot
      : [splitName('training_split'), splitName('validation_split')].find(
          (split) => split !== undefined && split !== evaluated && hasFile(split),
        );
  const shots = typeof raw.num_fewshot === 'number' ? raw.num_fewshot : 0;
  const training = splitName('training_split');
  if (shots > 0 && namedFewshot === undefined && training !== undefined && !hasFile(training)) {
    bad(`num_fewshot ${shots} draws from training_split ${training}, which has no file`);
  }

  // process_docs
  let process: ((doc: Doc) => Doc) | undefined;
  if (raw.process_docs instanceof PythonFunction) {
    bad(
      `process_docs: !function ${raw.process_docs.name} is Python, which cannot run here; name one of our ports instead: ${Object.keys(PROCESS_DOCS).join(', ')}`,
    );
  } else if (typeof raw.process_docs === 'string') {
    process = PROCESS_DOCS[raw.process_docs];
    if (!process) bad(`process_docs "${raw.process_docs}" is not one of ${Object.keys(PROCESS_DOCS).join(', ')}`);
  } else if (raw.process_docs !== undefined) bad('process_docs must name a preprocessor');

  // Metrics and their options.
  const metrics: MetricName[] = [];
  let exactMatch: TaskConfig['exactMatch'];
  for (const [i, entry] of asList(raw.metric_list).entries()) {
    const m = entry as Record<string, unknown>;
    const where = `metric_list[${i}]`;
    for (const key of Object.keys(m ?? {})) {
      if (
        ![
          'metric',
          'aggregation',
          'higher_is_better',
          'ignore_case',
          'ignore_punctuation',
          'regexes_to_ignore',
        ].includes(key)
      ) {
        bad(`${where}.${key}: not supported`);
      }
    }
    // lm-eval's aggregations: a mean of per-item scores, or the corpus-level perplexities.
    const aggregation =
      m?.metric === 'bits_per_byte'
        ? 'bits_per_byte'
        : m?.metric === 'perplexity'
          ? 'perplexity'
          : typeof m?.metric === 'string' && m.metric.endsWith('perplexity')
            ? 'weighted_perplexity'
            : 'mean';
    if (m?.aggregation !== undefined && m.aggregation !== aggregation) {
      bad(`${where}.aggregation must be ${aggregation} for ${String(m?.metric)}`);
    }
    const supported = [
      'acc',
      'acc_norm',
      'exact_match',
      'perplexity',
      'word_perplexity',
      'byte_perplexity',
      'bits_per_byte',
    ];
    if (typeof m?.metric === 'string' && supported.includes(m.metric)) {
      metrics.push(m.metric as MetricName);
      if (m.metric === 'exact_match') {
        exactMatch = {
          ...(m.ignore_case === undefined ? {} : { ignoreCase: Boolean(m.ignore_case) }),
          ...(m.ignore_punctuation === undefined ? {} : { ignorePunctuation: Boolean(m.ignore_punctuation) }),
          ...(m.regexes_to_ignore === undefined ? {} : { regexesToIgnore: asList(m.regexes_to_ignore).map(String) }),
        };
      }
    } else bad(`${where}.metric ${JSON.stringify(m?.metric)} is not supported (${supported.join(', ')})`);
  }
  if (metrics.length === 0 && raw.metric_list === undefined) {
    const defaults: Record<string, MetricName[]> = {
      multiple_choice: ['acc', 'acc_norm'],
      generate_until: ['exact_match'],
      loglikelihood: ['perplexity', 'acc'],
      loglikelihood_rolling: ['word_perplexity', 'byte_perplexity', 'bits_per_byte'],
    };
    metrics.push(...(defaults[output as string] ?? []));
  }

  // Generation settings.
  const generation: NonNullable<TaskConfig['generation']> = {};
  const kw = (raw.generation_kwargs ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(kw)) {
    if (!['until', 'max_gen_toks', 'do_sample', 'temperature'].includes(key))
      bad(`generation_kwargs.${key}: not supported`);
  }
  // lm-eval's defaults: without generation_kwargs, stop at the few-shot delimiter; 256 new tokens
  // (its Hugging Face model's max_gen_toks), which the model calls cut to what its context holds.
  if (kw.until !== undefined) generation.stop = asList(kw.until).map(String);
  else if (raw.generation_kwargs === undefined)
    generation.stop = [(raw.fewshot_delimiter as string | undefined) ?? '\n\n'];
  else generation.stop = [];
  generation.maxTokens = kw.max_gen_toks === undefined ? LM_EVAL_MAX_GEN_TOKS : Number(kw.max_gen_toks);
  // do_sample false (lm-eval's default) is greedy, whatever the temperature says.
  generation.temperature = kw.do_sample === true ? Number(kw.temperature ?? 1) : 0;

  // Filters.
  const filters: FilterPipeline[] = [];
  for (const [i, entry] of asList(raw.filter_list).entries()) {
    const f = entry as Record<string, unknown>;
    const steps: FilterStep[] = [];
    for (const [j, stepRaw] of asList(f?.filter).entries()) {
      const step = stepRaw as Record<string, unknown>;
      const where = `filter_list[${i}].filter[${j}]`;
      switch (step?.function) {
        case 'regex':
          steps.push({
            function: 'regex',
            // lm-eval's RegexFilter default pattern (GSM8K's answer line).
            pattern: String(step.regex_pattern ?? '#### (\\-?[0-9\\.\\,]+)'),
            ...(step.group_select === undefined ? {} : { groupSelect: Number(step.group_select) }),
            ...(step.fallback === undefined ? {} : { fallback: String(step.fallback) }),
          });
          break;
        case 'take_first':
        case 'lowercase':
        case 'uppercase':
        case 'remove_whitespace':
          steps.push({ function: step.function });
          break;
        default:
          bad(
            `${where}.function ${JSON.stringify(step?.function)} is not supported (regex, take_first, lowercase, uppercase, remove_whitespace)`,
          );
      }
    }
    filters.push({ name: String(f?.name ?? `filter${i}`), steps });
  }

  const version = Number((raw.metadata as Record<string, unknown> | undefined)?.version ?? 0);
  if (problems.length > 0) throw new LmEvalConfigError(file, problems);

  // Documents to items.
  const templates = new Map<string, CompiledTemplate>();
  const toItems = (path: string): { items: RawItem[]; sha256: string } => {
    let read: { docs: Doc[]; sha256: string };
    try {
      read = readDocs(path);
    } catch (error) {
      throw new LmEvalConfigError(file, [(error as Error).message]);
    }
    const { docs, sha256 } = read;
    const itemProblems: string[] = [];
    const items = docs.flatMap((original, index): RawItem[] => {
      try {
        const doc = process ? process(original) : original;
        const target = docValue(raw.doc_to_target, doc, templates, 'doc_to_target');
        // A rolling task scores its target text whole (lm-eval's doc_to_target); doc_to_text is unused.
        if (output === 'loglikelihood_rolling') return [{ id: `${name}-${index}`, text: String(target.value) }];
        if (typeof raw.doc_to_text !== 'string') {
          throw new Error(
            'doc_to_text must be a field name or a template (several inputs per document are not supported)',
          );
        }
        const text = String(docValue(raw.doc_to_text, doc, templates, 'doc_to_text').value);
        const choices =
          raw.doc_to_choice === undefined
            ? undefined
            : choicesOf(docValue(raw.doc_to_choice, doc, templates, 'doc_to_choice'), 'doc_to_choice');
        if (output === 'loglikelihood') {
          // lm-eval scores target_delimiter + doc_to_target after the context.
          if (Array.isArray(target.value))
            throw new Error('doc_to_target gave a list: several targets are not supported');
          return [{ id: `${name}-${index}`, context: text, continuation: String(target.value) }];
        }
        if (output === 'multiple_choice') {
          if (choices === undefined) throw new Error('a multiple_choice task needs doc_to_choice');
          return [
            { id: `${name}-${index}`, question: text, choices, answer: targetIndex(target, choices, 'doc_to_target') },
          ];
        }
        // Generation with choices (lm-eval's generative multiple choice): the reference is the choice's text.
        if (Array.isArray(target.value))
          throw new Error('doc_to_target gave a list: several targets are not supported');
        const reference = choices ? choices[targetIndex(target, choices, 'doc_to_target')] : String(target.value);
        return [{ id: `${name}-${index}`, prompt: text, reference }];
      } catch (error) {
        if (itemProblems.length < 10) itemProblems.push(`${path}, document ${index}: ${(error as Error).message}`);
        return [];
      }
    });
    if (itemProblems.length > 0) throw new LmEvalConfigError(file, itemProblems);
    return { items, sha256 };
  };
  const { items, sha256 } = toItems(evaluatedFile as string);
  const config: TaskConfig = {
    name: name as string,
    description: `lm-eval task config ${file}`,
    output: output as TaskConfig['output'],
    data: { items, sha256 },
    metrics,
    targetDelimiter: (raw.target_delimiter as string | undefined) ?? ' ',
    fewshotDelimiter: (raw.fewshot_delimiter as string | undefined) ?? '\n\n',
    numFewshot: (raw.num_fewshot as number | undefined) ?? 0,
    version,
  };
  if (typeof raw.description === 'string' && raw.description !== '') config.preamble = raw.description;
  if (fewshotSplit !== undefined) config.fewshotItems = toItems(fileOf(fewshotSplit) as string).items;
  if (output === 'generate_until') {
    config.generation = generation;
    if (filters.length > 0) config.filters = filters;
    if (exactMatch) config.exactMatch = exactMatch;
  }
  return config;
}

/** Reads and compiles an lm-eval task config file. */
export function loadLmEvalTask(path: string): TaskConfig {
  return compileLmEvalTask(readLmEvalConfigFile(path), path);
}
