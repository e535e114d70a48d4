// The contract is defined here and only here: no other package's or app's source may spell a
// metric key, an artifact kind, a model param path, a list of run statuses, model variants or sweep
// methods, a latent-usage threshold, a stale-heartbeat limit or the password redaction again.
// (Tests and bench/ scripts may use literal keys: they check what the code writes.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MODEL_VARIANTS,
  PARAM_PATHS,
  RUN_STATUSES,
  SWEEP_METHODS,
  TRAIN_METRICS,
  VAL_METRICS,
  Z_SHEET_ARTIFACT_KIND,
} from '../src/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

/** Code lines (comments dropped) of every source file outside the contract, with file:line. */
function codeLines(): Array<{ where: string; code: string }> {
  const files: string[] = [join(ROOT, 'apps/dashboard/serve.mjs')];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const src = join(ROOT, group, name, 'src');
      if (name !== 'contract' && statSync(join(ROOT, group, name)).isDirectory()) {
        try {
          files.push(...sourceFiles(src));
        } catch {
          // a package without src/
        }
      }
    }
  }
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((code, i) => ({ where: `${file.replace(`${ROOT}/`, '')}:${i + 1}`, code: code.replace(/\/\/.*$/, '') }))
      .filter(({ code }) => !/^\s*(\*|\/\*)/.test(code)),
  );
}

describe('the contract is defined once', () => {
  const lines = codeLines();

  it('finds the source it scans (a scan of nothing would pass anything)', () => {
    expect(lines.length).toBeGreaterThan(10_000);
    expect(lines.some(({ code }) => code.includes('TRAIN_METRICS.loss'))).toBe(true);
  });

  /** Lines that quote (any quote) at least `atLeast` of `words`. */
  const quoting = (words: readonly string[], atLeast: number) =>
    lines
      .filter(({ code }) => words.filter((word) => new RegExp(`['"\`]${word}['"\`]`).test(code)).length >= atLeast)
      .map(({ where, code }) => `${where}: ${code.trim()}`);

  it('no metric key is spelled outside the contract', () => {
    expect(quoting([...Object.values(TRAIN_METRICS), ...Object.values(VAL_METRICS)], 1)).toEqual([]);
  });

  it("no artifact kind or model param path is spelled outside the contract (a dotted path's dots are literal)", () => {
    const modelPaths = Object.values(PARAM_PATHS)
      .filter((path) => path.startsWith('model.'))
      .map((path) => path.replace('.', '\\.'));
    expect(quoting(modelPaths, 1)).toEqual([]);
    // (A page's data-testid of the same name is a test hook, not the kind.)
    expect(quoting([Z_SHEET_ARTIFACT_KIND], 1).filter((line) => !line.includes('data-testid='))).toEqual([]);
  });

  it('no list of run statuses, model variants or sweep methods is written again', () => {
    expect(quoting(RUN_STATUSES, 3)).toEqual([]);
    expect(quoting(MODEL_VARIANTS, 3)).toEqual([]);
    expect(quoting(SWEEP_METHODS, SWEEP_METHODS.length)).toEqual([]);
  });

  it('no threshold, stale-heartbeat limit or password redaction is defined elsewhere', () => {
    const found = lines.filter(
      ({ code }) => /(THRESHOLD|STALE|SILENT|COLLAPSE_WINDOW)[A-Z_]*\s*=\s*[\d.]/.test(code) || code.includes(':***@'),
    );
    expect(found.map(({ where, code }) => `${where}: ${code.trim()}`)).toEqual([]);
  });
});
