// @ftlab/evaluation/report is what the dashboard bundles: its value imports, followed through
// every module and workspace package they reach, must never load TensorFlow.js or a database
// driver. Type-only imports are erased by the compiler and do not count.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FORBIDDEN = [/^@tensorflow\//, /^@ftlab\/(backend|model|native|tracker|training)$/, /^better-sqlite3$/, /^pg$/];

/** The module specifiers a file imports or re-exports as values. */
function valueImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'/g;
  for (const match of source.matchAll(statement)) {
    const [, , typeOnly, clause = '', specifier = ''] = match;
    if (typeOnly) continue;
    // `import { type A, type B }` is erased too.
    const names = clause
      .replace(/^\{|\}$/g, '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    if (clause.startsWith('{') && names.length > 0 && names.every((name) => name.startsWith('type '))) continue;
    specifiers.push(specifier);
  }
  for (const match of source.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)) specifiers.push(match[1]);
  return specifiers;
}

/** A workspace package's source file for `specifier` (its exports' @ftlab/source condition). */
function workspaceSource(specifier: string): string | undefined {
  const match = /^@ftlab\/([^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  const [, name, sub] = match;
  for (const folder of ['packages', 'apps']) {
    try {
      const dir = join(ROOT, folder, name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const entry = manifest.exports?.[sub ? `.${sub}` : '.']?.['@ftlab/source'];
      if (typeof entry === 'string') return join(dir, entry);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Every module reachable from `entry` through value imports, with the chain that reached it. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    const chain = seen.get(file) as string[];
    if (!file.endsWith('.ts')) continue;
    for (const specifier of valueImports(readFileSync(file, 'utf8'))) {
      const target = specifier.startsWith('.')
        ? resolve(dirname(file), specifier).replace(/\.js$/, '.ts')
        : (workspaceSource(specifier) ?? specifier);
      if (seen.has(target)) continue;
      seen.set(target, [...chain, specifier]);
      queue.push(target);
    }
  }
  return seen;
}

const relative = (path: string) => path.replace(`${ROOT}/`, '');

/**
 * The forbidden modules among `modules`, each with the chain that reached it. A workspace package
 * is known by the name it was imported as (its module is then its source file's path).
 */
function forbidden(modules: Map<string, string[]>): string[] {
  return [...modules.entries()]
    .filter(([module, chain]) => FORBIDDEN.some((pattern) => pattern.test(module) || pattern.test(chain.at(-1) ?? '')))
    .map(([module, chain]) => `${module} via ${chain.map(relative).join(' -> ')}`);
}

describe('@ftlab/evaluation/report', () => {
  const modules = reachable(join(ROOT, 'packages/evaluation/src/report.ts'));

  it('reaches no TensorFlow.js, model, tracker or database driver through its value imports', () => {
    expect(forbidden(modules)).toEqual([]);
  });

  it('is followed through workspace packages (the walk itself can see a forbidden import)', () => {
    // The full index reaches TensorFlow.js; if the walker missed imports this would be empty.
    const all = reachable(join(ROOT, 'packages/evaluation/src/index.ts'));
    expect([...all.keys()].some((module) => /^@tensorflow\//.test(module))).toBe(true);
    // ...and a forbidden workspace package by the name it is imported as, not only by what it imports.
    expect(forbidden(all).some((line) => /via .* -> @ftlab\/(backend|model|native|tracker|training)$/.test(line))).toBe(
      true,
    );
    expect([...modules.keys()].map(relative)).toContain('packages/contract/src/index.ts');
  });
});
