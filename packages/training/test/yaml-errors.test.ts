// Files that are not YAML text, or YAML that expands without bound, are refused in one line
// naming the file and what is wrong, whether given as a run config, a sweep or a sweep's base.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadRunConfig, loadSweep } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ftlab-yaml-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** Ten nested levels of ten aliases each: 10^10 strings once expanded. */
const ALIAS_BOMB = [
  'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`),
].join('\n');

const VALID = `name: ok
data: { kind: toy }
model: { variant: baseline, width: 16, layers: 2, heads: 2 }
training: { steps: 4, batchSize: 2, warmupSteps: 1 }
`;

function errorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('a config file that is not YAML text', () => {
  it.each([
    ['an alias bomb', () => ALIAS_BOMB, /bomb\.yaml: YAML aliases expand too far \(over 100 copies/],
    ['a gzip file', () => gzipSync(VALID), /gzip\.yaml: not a YAML config: the file is gzip-compressed/],
    [
      'random bytes with a NUL',
      () => Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x00, 0xff, 0x13]),
      /nul\.yaml: not a YAML config: the file is binary \(a NUL byte at offset 5\)/,
    ],
    [
      'bytes that are not UTF-8',
      () => Buffer.from([0x6e, 0x3a, 0x20, 0xc3, 0x28, 0xfe]),
      /utf\.yaml: not a YAML config: the file is not UTF-8 text/,
    ],
  ])('%s is refused in one line, as a run config, a sweep and a sweep base', (_, content, expected) => {
    const name = expected.source.match(/^(\w+)/)?.[1] as string;
    const path = file(`${name}.yaml`, content());
    const asConfig = errorOf(() => loadRunConfig(path));
    expect(asConfig.message).toMatch(expected);
    expect(asConfig.message).not.toContain('\n');
    expect(errorOf(() => loadSweep(path)).message).toMatch(expected);
    // As a sweep's base: named by the base file itself, or by the sweep's base: field.
    const sweep = file(`${name}-sweep.yaml`, `name: s\nbase: ${name}.yaml\n`);
    const asBase = errorOf(() => loadSweep(sweep)).message;
    expect(asBase).toMatch(new RegExp(`${name}\\.yaml: `));
    expect(asBase).toMatch(new RegExp(expected.source.replace(/^\w+\\\.yaml: /, '')));
  });

  it('a missing file is one line naming it', () => {
    const message = errorOf(() => loadRunConfig(join(dir, 'nope.yaml'))).message;
    expect(message).toMatch(/nope\.yaml: cannot read the file: ENOENT.*Fix: check the path\.$/);
    expect(message).not.toContain('\n');
  });

  it('a few aliases are still fine', () => {
    const { config } = loadRunConfig(file('aliases.yaml', VALID.replace('name: ok', 'name: &n ok\ndescription: *n')));
    expect(config.description).toBe('ok');
  });
});
