// Each command's options interface is checked by the compiler against the options its
// definition in program.ts declares. The @ts-expect-error lines must not compile: if one does
// (the check no longer catches that mistake), the typecheck (`tsc -p apps/cli`, run in CI) fails.
import { Command } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { invoke } from '../src/program.js';

describe('typed command options', () => {
  it('a command reads only options that are declared, with their declared types', async () => {
    const status = new Command('ftlab')
      .option('--db <file>', 'database', 'ftlab.db')
      .command('status')
      .option('--limit <n>', 'at most this many runs', Number);
    status.parse(['--limit', '3'], { from: 'user' });
    const parsed = status.optsWithGlobals();
    const reads = async (options: { db: string; limit?: number }) => `${options.db}:${options.limit}`.length;
    expect(await invoke(reads, [], parsed)).toBe('ftlab.db:3'.length);
    const withArgument = async (run: string, options: { limit?: number }) => run.length + (options.limit ?? 0);
    expect(await invoke(withArgument, ['abc'], parsed)).toBe(6);

    // @ts-expect-error: --sweep is read but not declared
    await invoke(async (_: { db: string; sweep?: string }) => 0, [], parsed);
    // @ts-expect-error: --limit has no default, so it may be absent; read as always given
    await invoke(async (_: { limit: number }) => 0, [], parsed);
    // @ts-expect-error: --limit parses to a number; read as a string
    await invoke(async (_: { limit?: string }) => 0, [], parsed);
  });
});
