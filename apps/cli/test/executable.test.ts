// The `ftlab` executable as people start it: through a symlink on PATH (a global install), with
// npm link, and with npx from anywhere in the workspace. These run the built CLI (dist/), as an
// installed command does, not the TypeScript sources.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TINY, tempDir, writeFile } from './helpers.js';

const cliDir = dirname(dirname(fileURLToPath(import.meta.url)));
const workspace = dirname(dirname(cliDir));
const manifest = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as {
  version: string;
  bin: { ftlab: string };
};
const bin = join(cliDir, manifest.bin.ftlab);
const versionLine = `ftlab ${manifest.version} (Node.js ${process.versions.node})\n`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` as a shell would find it: by name, on PATH (with `pathFirst` in front). The
 * caller's npm settings (a run under pnpm or npm sets npm_config_*) and ftlab settings are left out.
 */
function run(command: string, args: string[], cwd: string, pathFirst: string[] = [], extra = {}): Promise<Ran> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(npm_|FTLAB_|INIT_CWD$)/i.test(key)) env[key] = value;
  }
  env.PATH = [...pathFirst, env.PATH ?? ''].join(delimiter);
  Object.assign(env, extra);
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the ftlab executable', () => {
  it('is a committed, executable node script, so pnpm links it before the first build', () => {
    expect(manifest.bin.ftlab).not.toMatch(/dist\//);
    expect(statSync(bin).mode & 0o111).toBe(0o111);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('runs through a symlink on PATH from a directory outside the workspace', async () => {
    const dir = tempDir();
    const binDir = join(dir, 'bin');
    const work = join(dir, 'work');
    mkdirSync(binDir);
    mkdirSync(work);
    symlinkSync(bin, join(binDir, 'ftlab'));
    const version = await run('ftlab', ['--version'], work, [binDir]);
    expect(version, version.stderr).toMatchObject({ code: 0, stdout: versionLine });

    // A real command: the workspace packages (tracker, SQLite driver, engines) resolve from the
    // link's target, and relative paths from where it was started.
    writeFile(work, 'tiny.yaml', TINY({ steps: '4', checkpointEvery: '2' }));
    const trained = await run('ftlab', ['train', 'tiny.yaml', '--backend', 'wasm', '--quiet'], work, [binDir]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/^run \w+ FINISHED at step 4\n$/);
    expect(existsSync(join(work, 'ftlab.db'))).toBe(true);
    const status = await run('ftlab', ['status', '--json'], work, [binDir]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ total: 1, runs: [{ status: 'FINISHED' }] });
  });

  it('installs globally with npm link (into a scratch npm prefix)', async () => {
    const prefix = tempDir();
    const linked = await run('npm', ['link', '--offline', '--no-audit', '--no-fund'], cliDir, [], {
      npm_config_prefix: prefix,
    });
    expect(linked.code, linked.stderr).toBe(0);
    const installed = join(prefix, 'bin', 'ftlab');
    expect(realpathSync(installed)).toBe(realpathSync(bin));
    const version = await run('ftlab', ['-V'], tempDir(), [join(prefix, 'bin')]);
    expect(version, version.stderr).toMatchObject({ code: 0, stdout: versionLine });
  });

  it('npx ftlab finds the workspace root bin from any folder in it, and keeps that folder as the working directory', async () => {
    // The root package depends on @ftlab/cli, so the install links node_modules/.bin/ftlab.
    expect(existsSync(join(workspace, 'node_modules', '.bin', 'ftlab'))).toBe(true);
    for (const folder of ['experiments', join('packages', 'tracker')]) {
      const cwd = join(workspace, folder);
      // --no: never download a package of that name from the registry.
      const version = await run('npx', ['--no', '--', 'ftlab', '--version'], cwd);
      expect(version, version.stderr).toMatchObject({ code: 0, stdout: versionLine });
      const status = await run('npx', ['--no', '--', 'ftlab', 'status', '--db', 'no-such.db'], cwd);
      expect(status.code).toBe(1);
      expect(status.stderr).toContain(`no tracker database at ${join(cwd, 'no-such.db')}`);
    }
  });

  it('says how to build it when dist/ is missing', async () => {
    const copy = join(realpathSync(tempDir()), 'apps', 'cli');
    cpSync(join(cliDir, 'bin'), join(copy, 'bin'), { recursive: true });
    const result = await run(process.execPath, [join(copy, manifest.bin.ftlab), '--version'], copy);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ftlab: ${join(copy, 'dist', 'main.js')} is not built yet. Fix: run \`pnpm turbo run build\` (or \`npm run demo\`) in ${dirname(dirname(copy))}.\n`,
    );
  });
});
