// A config's problems as the user reads them: where (the YAML line), which field, what is wrong
// and, where we know one, the fix, e.g.
//   line 12: model.widht: unknown field (did you mean width?). Fix: remove the key or fix its spelling.
// Schema issues come from the zod schemas of each section (@ftlab/config turns them into a path
// and a message); the line is found from the path in the parsed YAML document.
import { type ConfigIssue, type ConfigPath, formatIssue } from '@ftlab/config';
import { DEFAULT_DIVERGENCE } from './divergence.js';

/** Finds the line of a field path ("12", or "" when unknown). */
export type LineOf = (path: ConfigPath) => string;

const FIXES: Array<[RegExp, string]> = [
  [/encoderPlacement/, 'choose m between 1 and layers - 1 (default: layers / 2)'],
  [/kappa/, 'kappa is a free-bits budget >= 0: write kappa: { bits: 0.5 } or kappaNats: 0.35'],
  [/batchSize/, 'use a positive whole number of rows per step'],
  [/unknown field/, 'remove the key or fix its spelling'],
  [/latentBits/, 'use H between 1 and 16; the dense estimator costs 2^H per token'],
  [
    /divergence\.factor/,
    `use a number above 1, the multiple of the initial cross-entropy that counts as divergence (default ${DEFAULT_DIVERGENCE.factor})`,
  ],
];

export function withFix(problem: string): string {
  for (const [pattern, fix] of FIXES) if (pattern.test(problem)) return `${problem}. Fix: ${fix}.`;
  return problem;
}

/** "line 12: " for a path whose line is known, else "". */
export function linePrefix(lineOf: LineOf, path: ConfigPath): string {
  const line = lineOf(path);
  return line ? `line ${line}: ` : '';
}

/** One schema issue as a problem, after `where` ("line 12: ", "base.yaml, line 3: " or ""). */
export function problemAt(where: string, issue: ConfigIssue): string {
  return withFix(`${where}${formatIssue(issue)}`);
}

/** Schema issues as problems, in the order of the file's lines. */
export function issueProblems(issues: readonly ConfigIssue[], lineOf: LineOf): string[] {
  return issues
    .map((issue) => ({ line: Number(lineOf(issue.path) || 0), text: problemAt(linePrefix(lineOf, issue.path), issue) }))
    .sort((a, b) => a.line - b.line)
    .map((problem) => problem.text);
}
