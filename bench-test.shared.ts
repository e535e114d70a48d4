// For the bench scripts' tests in every package: runs a script of the package's package.json the
// way `pnpm run` does (a shell in the package's folder, arguments appended), without pnpm.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pnpm run <script> <args>` of the package in `packageDir` (in `env`, default this process's), and waits. */
export function runPackageScript(
  packageDir: string,
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ScriptResult {
  const { scripts } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const command = scripts?.[script];
  if (command === undefined) throw new Error(`${packageDir}/package.json has no script "${script}"`);
  const { status, stdout, stderr } = spawnSync('sh', ['-c', `${command} "$@"`, script, ...args], {
    cwd: packageDir,
    env,
    encoding: 'utf8',
  });
  return { status, stdout, stderr };
}
