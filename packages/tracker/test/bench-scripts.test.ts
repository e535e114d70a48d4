// `pnpm bench` (bench/queries.ts) and `pnpm bench:postgres` (bench/postgres.ts): their arguments,
// and what bench:postgres says without a server. Nothing here generates or measures anything.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runPackageScript } from '../../../bench-test.shared.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const USAGE_ERROR = 2;

it('pnpm bench answers --help, and refuses a value to --fresh or an unknown option', () => {
  const help = runPackageScript(PACKAGE, 'bench', ['--help']);
  expect(help.stdout).toContain('\n  --fresh     generate the big database again\n');
  expect(help.status).toBe(0);
  const value = runPackageScript(PACKAGE, 'bench', ['--fresh=yes']);
  expect(value.stderr).toContain('bench: --fresh takes no value, got "yes"\n');
  expect(value.status).toBe(USAGE_ERROR);
  const unknown = runPackageScript(PACKAGE, 'bench', ['--frsh']);
  expect(unknown.stderr).toContain('bench: unknown option --frsh; the options are --fresh, --help\n');
  expect(unknown.status).toBe(USAGE_ERROR);
});

it('pnpm bench:postgres asks for a server when it has none, and refuses a URL that is not PostgreSQL', () => {
  const { FTLAB_BENCH_PG_URL: _bench, FTLAB_TEST_PG_URL: _test, ...env } = process.env;
  const none = runPackageScript(PACKAGE, 'bench:postgres', [], env);
  expect(none.stderr).toContain('bench:postgres: needs a PostgreSQL server: pass --url postgres://user@host:port/db');
  expect(none.status).toBe(USAGE_ERROR);
  const sqlite = runPackageScript(PACKAGE, 'bench:postgres', ['--url', 'runs.db'], env);
  expect(sqlite.stderr).toContain('needs a PostgreSQL server, and "runs.db" is not a postgres:// URL');
  expect(sqlite.status).toBe(USAGE_ERROR);
  const worker = runPackageScript(PACKAGE, 'bench:postgres', ['--claim-worker', '{"location":'], env);
  expect(worker.stderr).toContain('bench:postgres: --claim-worker takes the JSON its parent writes:');
  expect(worker.status).toBe(USAGE_ERROR);
});
