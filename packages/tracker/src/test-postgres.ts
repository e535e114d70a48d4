// The one rule every package's PostgreSQL tests follow: they run against the server named by
// FTLAB_TEST_PG_URL (packages/tracker/scripts/with-postgres.sh starts a throwaway one and sets
// it). Without one, a developer's run skips them and says how to run them; CI (CI set) fails
// instead, since a skip there would silently drop the coverage of an engine we ship.

export const TEST_PG_HOW_TO =
  'Set FTLAB_TEST_PG_URL=postgres://user@host:port/db, or run the tests through ' +
  '`bash packages/tracker/scripts/with-postgres.sh <test command>` (it starts a throwaway server).';

export type TestPostgres = { url: string } | { skip: string } | { missing: string };

/**
 * The variables this rule reads. turbo's test task hashes them (turbo.json "env"), so a run that
 * skipped outside CI is never replayed from the cache as a pass in CI.
 */
export const TEST_PG_ENV = ['CI', 'FTLAB_TEST_PG_URL'] as const;

// The same test as isCi in packages/model/src/test-python.ts; keep the two in step. It has no one
// home: @ftlab/tracker depends on no @ftlab package, so no package both import could hold it.
function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.CI !== undefined && !['', '0', 'false'].includes(env.CI.trim().toLowerCase());
}

/** Where `what` (e.g. "the dashboard's browser tests") runs on PostgreSQL, or why it does not. */
export function testPostgres(
  what: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TestPostgres {
  const url = env.FTLAB_TEST_PG_URL?.trim();
  if (url) return { url };
  if (isCi(env)) {
    return {
      missing: `CI=${env.CI} but FTLAB_TEST_PG_URL is not set: ${what} on PostgreSQL cannot run, and in CI they must not be skipped. ${TEST_PG_HOW_TO}`,
    };
  }
  return { skip: `${what} on PostgreSQL skipped: no server configured. ${TEST_PG_HOW_TO}` };
}

/**
 * The server URL for `what`'s PostgreSQL tests, or undefined (after saying so) where they skip.
 * Throws in CI without a server.
 */
export function testPostgresUrl(what: string, env: Readonly<Record<string, string | undefined>> = process.env) {
  const postgres = testPostgres(what, env);
  if ('missing' in postgres) throw new Error(postgres.missing);
  if ('skip' in postgres) {
    console.log(postgres.skip);
    return undefined;
  }
  return postgres.url;
}
