import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const command = ['--conditions=@ftlab/source', '--import', 'tsx', 'src/samples.ts'];

describe('the samples command', () => {
  it('prints decoded rows of every dataset kind with its vocabulary size, and benchmark items', () => {
    const output = execFileSync(
      process.execPath,
      [...command, '--count', '2', '--bpe-vocab-size', '300', '--seed', '5'],
      {
        cwd: packageRoot,
        encoding: 'utf8',
      },
    );
    expect(output).toMatch(/== toy task \(paper defaults\): vocabulary 29 \(char\)/);
    expect(output).toMatch(/letter [A-Z], block at \d+, noise at \[/);
    expect(output).toMatch(/== text, char \(tiny-shakespeare\): vocabulary 65 \(char\)/);
    expect(output).toMatch(/== text, byte-level BPE \(tiny-shakespeare, 300\): vocabulary 300 \(bpe\)/);
    expect(output).toMatch(/first tokens: \[/);
    expect(output).toMatch(/== arithmetic: vocabulary 14 \(char\)/);
    expect(output).toMatch(/== reviews: vocabulary 30 \(char\)/);
    expect(output).toMatch(/arithmetic-5-0: \d+[+-]\d+= => -?\d+/);
    expect(output).toMatch(/reviews-5-1: the /);
  });

  it('exits non-zero with a clear message on a bad option', () => {
    const result = spawnSync(process.execPath, [...command, '--seed', 'x'], { cwd: packageRoot, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/--seed must be an integer, got "x"/);
  });
});
