// When PostgreSQL tests run (every package's): with a server always; without one they skip and
// say how to run them, except in CI, where the missing server is a failure.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { testPostgres, testPostgresUrl } from '../src/index.js';
import { TEST_PG_ENV } from '../src/test-postgres.js';

describe('testPostgres', () => {
  it('runs on the server FTLAB_TEST_PG_URL names, in CI or not', () => {
    const url = 'postgres://postgres@127.0.0.1:54329/ftlab_test';
    expect(testPostgres('these tests', { FTLAB_TEST_PG_URL: url })).toEqual({ url });
    expect(testPostgres('these tests', { FTLAB_TEST_PG_URL: url, CI: 'true' })).toEqual({ url });
    expect(testPostgresUrl('these tests', { FTLAB_TEST_PG_URL: url, CI: 'true' })).toBe(url);
  });

  it('skips without a server outside CI, saying how to start one', () => {
    for (const env of [{}, { CI: 'false' }, { CI: '0' }, { CI: '' }, { FTLAB_TEST_PG_URL: '  ' }]) {
      const result = testPostgres('these tests', env);
      expect(result).toHaveProperty('skip');
      expect((result as { skip: string }).skip).toMatch(/^these tests on PostgreSQL skipped: .*with-postgres\.sh/);
      expect(testPostgresUrl('these tests', env)).toBeUndefined();
    }
  });

  it('fails without a server in CI, naming the variable and how to set it', () => {
    for (const CI of ['true', '1', 'TRUE']) {
      const result = testPostgres('these tests', { CI });
      expect(result).toHaveProperty('missing');
      const message = (result as { missing: string }).missing;
      expect(message).toContain(`CI=${CI} but FTLAB_TEST_PG_URL is not set: these tests on PostgreSQL cannot run`);
      expect(message).toContain('packages/tracker/scripts/with-postgres.sh');
      expect(() => testPostgresUrl('these tests', { CI })).toThrow(/must not be skipped/);
    }
  });

  it("is part of turbo's cache key: a skip outside CI never replays as a pass in CI", async () => {
    const turbo = JSON.parse(await readFile(new URL('../../../turbo.json', import.meta.url), 'utf8'));
    expect(turbo.tasks.test.env).toEqual(expect.arrayContaining([...TEST_PG_ENV]));
  });
});
