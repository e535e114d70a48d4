// serve.mjs, the launcher `ftlab dashboard` calls: argument errors and a busy port are one clear
// line and exit code 1; the default address is loopback only.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, ensureBuilt, startDashboardProcess } from './helpers/dashboard';

const serve = (...args: string[]) =>
  spawnSync(process.execPath, [join(APP_DIR, 'serve.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 });

describe('serve.mjs', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('prints usage', () => {
    const result = serve('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'usage: node apps/dashboard/serve.mjs [--db ftlab.db] [--port 3000] [--host 127.0.0.1]',
    );
  });

  it('refuses a port that is not a number, and an unknown option', () => {
    const port = serve('--port', 'abc');
    expect(port.status).toBe(1);
    expect(port.stderr).toContain('--port must be a whole number 0..65535, got NaN');
    const unknown = serve('--dbb', 'x.db');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--dbb'");
  });

  it('reads --db as the CLI does: other engines refused, sqlite:/// and file:/// URLs named as files', async () => {
    const mysql = serve('--db', 'mysql://root:secret@localhost/ftlab', '--port', '0');
    expect(mysql.status).toBe(1);
    expect(mysql.stderr).toMatch(
      /cannot start the dashboard: mysql: databases are not supported \(mysql:\/\/root:\*\*\*@/,
    );
    expect(mysql.stderr).not.toMatch(/secret/);
    for (const url of [`sqlite:///${join(APP_DIR, 'no-such.db')}`, `file://${join(APP_DIR, 'no-such.db')}`]) {
      const dashboard = await startDashboardProcess(url);
      try {
        const page = await (await fetch(dashboard.url)).text();
        expect(page).toContain(join(APP_DIR, 'no-such.db')); // the file it looked for, not <cwd>/sqlite:/...
      } finally {
        await dashboard.stop();
      }
    }
  });

  it('says which port is busy instead of crashing', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const result = serve('--db', join(APP_DIR, 'no.db'), '--port', String(port));
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use; pass another --port`);
    } finally {
      blocker.close();
    }
  });

  it('listens on 127.0.0.1 by default and answers', async () => {
    const dashboard = await startDashboardProcess(join(APP_DIR, 'no-such.db'));
    try {
      expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${dashboard.url}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('No tracker database yet');
    } finally {
      await dashboard.stop();
    }
  });
});
