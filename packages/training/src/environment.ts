// What a run records about where it ran: git commit (+ dirty flag), host, runtime and package
// versions. Collected once per process; failures (no git, not a checkout) are recorded as null,
// never fatal: a run on an exported tarball is still a run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, hostname, platform, release, totalmem } from 'node:os';
import { tf } from '@ftlab/backend';

export interface RunEnvironment {
  gitCommit: string | null;
  gitDirty: boolean | null;
  host: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  packages: Record<string, string>;
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string | null {
  try {
    const path = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

let cached: RunEnvironment | undefined;

/** The environment of this process, collected on first use. `cwd` locates the git checkout. */
export function runEnvironment(cwd: string = process.cwd()): RunEnvironment {
  if (cached) return cached;
  const commit = git(['rev-parse', 'HEAD'], cwd);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no'], cwd);
  const packages: Record<string, string> = { '@tensorflow/tfjs': tf.version.tfjs ?? tf.version_core };
  for (const pkg of [
    '@ftlab/training',
    '@tensorflow/tfjs-backend-wasm',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    'drizzle-orm',
    'better-sqlite3',
  ]) {
    const version = versionOf(pkg);
    if (version) packages[pkg] = version;
  }
  const cpuList = cpus();
  cached = {
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    host: hostname(),
    platform: `${platform()} ${release()}`,
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    node: process.version,
    packages,
  };
  return cached;
}
