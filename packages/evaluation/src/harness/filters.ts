// Answer extraction and answer comparison for generated text, with lm-evaluation-harness's
// semantics, so that a task config written for lm-eval scores the same here:
//   filters (filter_list)  each pipeline turns an item's generations into one answer:
//     regex             every match of `pattern` in each generation; the match at `groupSelect`
//                       (negative counts from the end); a match with groups gives its first
//                       non-empty group, stripped of surrounding whitespace; no match gives
//                       `fallback` ("[invalid]")
//     take_first        the first generation
//     lowercase, uppercase, remove_whitespace (leading whitespace, as lm-eval's WhitespaceFilter's lstrip)
//   exact_match           Hugging Face evaluate's: every regex of regexesToIgnore removed from both
//                       sides, then ignoreCase, ignorePunctuation (ASCII punctuation, Python's
//                       string.punctuation), then equality.
// Python regex syntax is accepted where JavaScript's agrees; a leading inline flag group such as
// (?s) or (?i) becomes the JavaScript flag, and a final `$` also matches before a final newline, as
// Python's does. Known differences left: \d and \w match ASCII only here (Unicode in Python), and a
// `groupSelect` past the last match gives the fallback where lm-eval raises.

export type FilterStep =
  | { function: 'regex'; pattern: string; groupSelect?: number; fallback?: string }
  | { function: 'take_first' }
  | { function: 'lowercase' }
  | { function: 'uppercase' }
  | { function: 'remove_whitespace' };

export const FILTER_FUNCTIONS: readonly FilterStep['function'][] = [
  'regex',
  'take_first',
  'lowercase',
  'uppercase',
  'remove_whitespace',
];

/** A named pipeline (lm-eval's filter_list entry); its name is the metric key's filter part. */
export interface FilterPipeline {
  name: string;
  steps: FilterStep[];
}

/** No extraction: the first generation as it is (lm-eval's "none"). */
export const NO_FILTER: FilterPipeline = { name: 'none', steps: [{ function: 'take_first' }] };

export interface ExactMatchOptions {
  ignoreCase?: boolean;
  ignorePunctuation?: boolean;
  regexesToIgnore?: string[];
}

/** A Python regex as a JavaScript RegExp: a leading (?flags) group becomes flags. */
export function pythonRegex(pattern: string, extraFlags = ''): RegExp {
  const inline = /^\(\?([imsx]+)\)/.exec(pattern);
  let flags = extraFlags;
  let body = pattern;
  if (inline) {
    const given = inline[1];
    if (given.includes('x'))
      throw new Error(`regex ${JSON.stringify(pattern)}: the verbose flag (?x) is not supported`);
    for (const flag of given) if (!flags.includes(flag)) flags += flag;
    body = pattern.slice(inline[0].length);
  }
  // Python's `$` (without the m flag) also matches just before a final newline.
  if (!flags.includes('m') && /(?<!\\)\$$/.test(body)) body = `${body.slice(0, -1)}(?=\n?$)`;
  try {
    return new RegExp(body, flags);
  } catch (error) {
    throw new Error(`regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

function regexStep(values: string[], step: Extract<FilterStep, { function: 'regex' }>): string[] {
  const regex = pythonRegex(step.pattern, 'g');
  const select = step.groupSelect ?? 0;
  const fallback = step.fallback ?? '[invalid]';
  return values.map((value) => {
    const matches = [...value.matchAll(regex)];
    const match = matches[select < 0 ? matches.length + select : select];
    if (match === undefined) return fallback;
    // Python's findall: no group gives the match, one group the group (even empty), several the
    // first non-empty one (else the fallback); then strip().
    const found =
      match.length === 1
        ? match[0]
        : match.length === 2
          ? (match[1] ?? '')
          : match.slice(1).find((group) => group !== undefined && group !== '');
    return found === undefined ? fallback : found.trim();
  });
}

/** The answer a pipeline extracts from an item's generations (the first left, if no take_first). */
export function applyFilters(pipeline: FilterPipeline, generations: readonly string[]): string {
  let values = [...generations];
  for (const step of pipeline.steps) {
    switch (step.function) {
      case 'regex':
        values = regexStep(values, step);
        break;
      case 'take_first':
        values = values.slice(0, 1);
        break;
      case 'lowercase':
        values = values.map((v) => v.toLowerCase());
        break;
      case 'uppercase':
        values = values.map((v) => v.toUpperCase());
        break;
      case 'remove_whitespace':
        values = values.map((v) => v.replace(/^\s+/, ''));
        break;
    }
  }
  return values[0] ?? '';
}

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** 1 when prediction and reference agree after the normalisations asked for, else 0. */
export function exactMatch(prediction: string, reference: string, options: ExactMatchOptions = {}): number {
  let [p, r] = [prediction, reference];
  for (const pattern of options.regexesToIgnore ?? []) {
    const regex = pythonRegex(pattern, 'g');
    p = p.replace(regex, '');
    r = r.replace(regex, '');
  }
  if (options.ignoreCase) [p, r] = [p.toLowerCase(), r.toLowerCase()];
  if (options.ignorePunctuation) [p, r] = [p.replace(PUNCTUATION, ''), r.replace(PUNCTUATION, '')];
  return p === r ? 1 : 0;
}
