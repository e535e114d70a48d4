// `pnpm bench` (bench/pages.ts) and its concurrent writer (bench/writer.ts, a child of the bench):
// their arguments. Nothing here generates a database or starts the dashboard.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runPackageScript } from '../../../bench-test.shared.js';

const APP = fileURLToPath(new URL('..', import.meta.url));

it('pnpm bench answers --help, and refuses a value to --fresh with exit code 2', () => {
  const help = runPackageScript(APP, 'bench', ['--help']);
  expect(help.stdout).toMatch(/^Usage: pnpm --filter @ftlab\/dashboard bench \[options\]\n/);
  expect(help.stdout).toContain('\n  --fresh     generate the database again\n');
  expect(help.status).toBe(0);
  const wrong = runPackageScript(APP, 'bench', ['--fresh=1']);
  expect(wrong.stderr).toContain('bench: --fresh takes no value, got "1"\n');
  expect(wrong.status).toBe(2);
});

it('the bench writer names each option it is missing or cannot read', () => {
  const writer = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bench/writer.ts', ...args], { cwd: APP, encoding: 'utf8' });
  const none = writer();
  expect(none.stderr).toContain('bench/writer.ts: --database is required (the bench, pages.ts, passes it)\n');
  expect(none.status).toBe(2);
  const first = writer('--database', 'bench.db', '--sweep', 's1', '--first-run', 'one');
  expect(first.stderr).toContain('--first-run must be a whole number >= 0, got "one"\n');
  expect(first.status).toBe(2);
  const old = writer('bench.db', 's1', '0');
  expect(old.stderr).toContain('unexpected argument "bench.db": this command takes only the options --database,');
  expect(old.status).toBe(2);
});
