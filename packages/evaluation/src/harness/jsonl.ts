// Tasks users bring as JSONL files, in lm-evaluation-harness's two common shapes:
//   multiple choice  {"question": "2+2=", "choices": ["4", "5"], "answer": 0}
//   generative       {"prompt": "2+2=", "reference": "4"}
//   loglikelihood    {"context": "The capital of France is", "continuation": " Paris"}
//   perplexity       {"text": "A whole document."}  (loglikelihood_rolling)
// (plus an optional "id" and any other fields, which prompt templates may use). Blank lines are
// skipped. One file holds one shape.
//
// Policy: a file with any malformed line FAILS CLEANLY. Every bad line is reported (file:line:
// what is wrong) in one JsonlError and nothing of the file is loaded or registered: a benchmark
// that silently loses items would change its n and make scores incomparable across runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RawItem, TaskOutput } from './task.js';

export interface JsonlProblem {
  file: string;
  /** 1-based line number. */
  line: number;
  message: string;
}

export class JsonlError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly JsonlProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => `  ${p.file}:${p.line}: ${p.message}`);
    const more = problems.length > 20 ? [`  ... and ${problems.length - 20} more`] : [];
    super(
      `${file}: ${problems.length} malformed line(s); nothing from this file was loaded. Fix these lines:\n${[...shown, ...more].join('\n')}`,
    );
    this.name = 'JsonlError';
  }
}

function shapeOf(value: Record<string, unknown>): TaskOutput | undefined {
  if ('choices' in value || 'question' in value || 'answer' in value) return 'multiple_choice';
  if ('prompt' in value || 'reference' in value) return 'generate_until';
  if ('continuation' in value) return 'loglikelihood';
  if ('text' in value) return 'loglikelihood_rolling';
  return undefined;
}

/** What is wrong with one object of the given shape, or null. */
function shapeProblem(value: Record<string, unknown>, shape: TaskOutput): string | null {
  if (value.id !== undefined && typeof value.id !== 'string' && typeof value.id !== 'number') {
    return '"id" must be a string or a number';
  }
  if (shape === 'multiple_choice') {
    if (typeof value.question !== 'string') return 'multiple choice: "question" must be a string';
    const choices = value.choices;
    if (!Array.isArray(choices) || choices.length < 2 || !choices.every((c) => typeof c === 'string')) {
      return 'multiple choice: "choices" must be a list of at least two strings';
    }
    if (!Number.isInteger(value.answer) || (value.answer as number) < 0 || (value.answer as number) >= choices.length) {
      return `multiple choice: "answer" must be the index of the correct choice, 0..${choices.length - 1}; got ${JSON.stringify(value.answer)}`;
    }
    return null;
  }
  if (shape === 'loglikelihood') {
    if (typeof value.context !== 'string') return 'loglikelihood: "context" must be a string';
    return typeof value.continuation === 'string' && value.continuation !== ''
      ? null
      : 'loglikelihood: "continuation" must be a non-empty string';
  }
  if (shape === 'loglikelihood_rolling') {
    return typeof value.text === 'string' ? null : 'perplexity: "text" must be a string';
  }
  if (typeof value.prompt !== 'string') return 'generative: "prompt" must be a string';
  if (typeof value.reference !== 'string') return 'generative: "reference" must be a string';
  return null;
}

/**
 * Parses JSONL text into raw items. `expected` fixes the shape; otherwise the first well-formed
 * object decides it. Throws a JsonlError listing every malformed line.
 */
export function parseJsonlItems(
  text: string,
  file: string,
  expected?: TaskOutput,
): { output: TaskOutput; items: RawItem[] } {
  const problems: JsonlProblem[] = [];
  const parsed: Array<{ line: number; value: Record<string, unknown> }> = [];
  text.split(/\r?\n/).forEach((content, i) => {
    const line = i + 1;
    if (content.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      problems.push({ file, line, message: `not valid JSON (${(error as Error).message})` });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ file, line, message: `expected a JSON object, got ${JSON.stringify(value)}` });
      return;
    }
    parsed.push({ line, value: value as Record<string, unknown> });
  });
  let output = expected;
  for (const { line, value } of parsed) {
    const shape = shapeOf(value);
    if (shape === undefined) {
      problems.push({
        file,
        line,
        message: 'no known shape: expected {"question", "choices", "answer"}, {"prompt", "reference"} or {"text"}',
      });
      continue;
    }
    output ??= shape;
    if (shape !== output) {
      problems.push({ file, line, message: `a ${shape} item in a ${output} file (one file holds one shape)` });
      continue;
    }
    const problem = shapeProblem(value, shape);
    if (problem !== null) problems.push({ file, line, message: problem });
  }
  problems.sort((a, b) => a.line - b.line);
  if (problems.length > 0) throw new JsonlError(file, problems);
  if (parsed.length === 0 || output === undefined) {
    throw new JsonlError(file, [{ file, line: 1, message: 'the file holds no items' }]);
  }
  return { output, items: parsed.map((p) => p.value) };
}

/** Reads and parses a JSONL file (see parseJsonlItems); a missing file is a JsonlError too. */
/** The items of a JSONL file, and the sha256 of its bytes (which identifies the data in results). */
export function readJsonlItems(
  path: string,
  expected?: TaskOutput,
): { output: TaskOutput; items: RawItem[]; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new JsonlError(path, [
      { file: path, line: 0, message: `cannot read the file (${(error as Error).message})` },
    ]);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { ...parseJsonlItems(bytes.toString('utf8'), path, expected), sha256 };
}
