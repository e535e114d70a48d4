// When the browser tests run on PostgreSQL: with a server always; without one they skip and say
// how to run them, except in CI, where the missing server is a failure.
import { describe, expect, it } from 'vitest';
import { postgresForTests } from './helpers/engines';

describe('postgresForTests', () => {
  it('runs on the server FTLAB_TEST_PG_URL names, in CI or not', () => {
    const url = 'postgres://postgres@127.0.0.1:54329/ftlab_test';
    expect(postgresForTests({ FTLAB_TEST_PG_URL: url })).toEqual({ url });
    expect(postgresForTests({ FTLAB_TEST_PG_URL: url, CI: 'true' })).toEqual({ url });
  });

  it('skips without a server outside CI, saying how to start one', () => {
    for (const env of [{}, { CI: 'false' }, { CI: '0' }, { CI: '' }, { FTLAB_TEST_PG_URL: '  ' }]) {
      const result = postgresForTests(env);
      expect(result).toHaveProperty('skip');
      expect((result as { skip: string }).skip).toContain('with-postgres.sh');
    }
  });

  it('fails without a server in CI, naming the variable and how to set it', () => {
    for (const CI of ['true', '1', 'TRUE']) {
      const result = postgresForTests({ CI });
      expect(result).toHaveProperty('missing');
      const message = (result as { missing: string }).missing;
      expect(message).toContain(`CI=${CI} but FTLAB_TEST_PG_URL is not set`);
      expect(message).toContain('packages/tracker/scripts/with-postgres.sh');
    }
  });
});
