// The contract is defined here and only here: no other package's or app's source may spell a
// metric key, the list of run statuses, a latent-usage threshold or the password redaction again.
// (Tests and bench/ scripts may use literal keys: they check what the code writes.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUN_STATUSES, TRAIN_METRICS, VAL_METRICS } from '../src/index.js';

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

  it('no metric key is spelled outside the contract', () => {
    const keys = [...Object.values(TRAIN_METRICS), ...Object.values(VAL_METRICS)];
    const found = lines.filter(({ code }) => keys.some((key) => code.includes(`'${key}'`)));
    expect(found.map(({ where, code }) => `${where}: ${code.trim()}`)).toEqual([]);
  });

  it('the run statuses are listed nowhere else', () => {
    const list = RUN_STATUSES.map((status) => `'${status}'`).join(', ');
    const found = lines.filter(({ code }) => code.includes(list));
    expect(found.map(({ where }) => where)).toEqual([]);
  });

  it('no threshold, stale-heartbeat limit or password redaction is defined elsewhere', () => {
    const found = lines.filter(
      ({ code }) => /(THRESHOLD|STALE_AFTER|COLLAPSE_WINDOW)[A-Z_]*\s*=\s*[\d.]/.test(code) || code.includes(':***@'),
    );
    expect(found.map(({ where, code }) => `${where}: ${code.trim()}`)).toEqual([]);
  });
});
