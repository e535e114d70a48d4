import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openTracker, type RunSummary } from '@ftlab/tracker';
import { checkpointDigest, latestCheckpointDir } from '@ftlab/training';
import { onTestFinished } from 'vitest';

const cliMain = join(dirname(dirname(fileURLToPath(import.meta.url))), 'src', 'main.ts');
// By URL, so that a test may run the CLI from any working directory (a bare 'tsx' resolves from there).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A tiny toy config: trains in seconds on either engine. */
export const TINY = (overrides: Record<string, string> = {}) => {
  const fields = {
    steps: '16',
    checkpointEvery: '4',
    seed: '3',
    variant: 'free-transformer',
    ...overrides,
  };
  return `name: cli-tiny
seed: ${fields.seed}
data: { kind: toy }
model: { variant: ${fields.variant}, width: 16, layers: 2, heads: 2, latentBits: 2, kappa: { bits: 0.25 } }
training: { steps: ${fields.steps}, batchSize: 4, warmupSteps: 2, lr: 0.01, logEvery: 2, checkpointEvery: ${fields.checkpointEvery} }
evaluation: { every: 100, batches: 1, batchSize: 4, priorSamples: 1, iwaeSamples: 2, finalRows: 4, zGroups: 2, zGroupSize: 2 }
`;
};

/** Runs `fn` when the current test ends; outside a test (beforeAll) the caller cleans up. */
function whenTestEnds(fn: () => void): void {
  try {
    onTestFinished(fn);
  } catch {
    // called from a hook: not inside a test
  }
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-cli-'));
  whenTestEnds(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface Cli {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs `ftlab ...args` from the TypeScript sources in a real child process. */
export function ftlab(
  args: string[],
  options: { env?: Record<string, string>; detached?: boolean; cwd?: string } = {},
): Cli {
  const env = { ...process.env, ...options.env };
  // The test decides the database and the engine, not the developer's shell.
  if (!options.env?.FTLAB_DB) delete env.FTLAB_DB;
  if (!options.env?.FTLAB_BACKEND) delete env.FTLAB_BACKEND;
  const child = spawn(process.execPath, ['--conditions=@ftlab/source', '--import', tsxLoader, cliMain, ...args], {
    env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test can kill it together with the workers it started.
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  whenTestEnds(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (options.detached && child.pid) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  });
  return { child, done };
}

export async function ftlabOk(args: string[]): Promise<string> {
  const result = await ftlab(args).done;
  if (result.code !== 0) throw new Error(`ftlab ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Step of the newest complete checkpoint of a run, or -1. */
export function latestCheckpointStep(runDir: string): number {
  const latest = join(runDir, 'checkpoints', 'LATEST');
  if (!existsSync(latest)) return -1;
  return Number(/step-(\d+)/.exec(readFileSync(latest, 'utf8'))?.[1] ?? -1);
}

/** Digest of the weights and optimizer moments of a run's newest checkpoint (values only, no metadata). */
export async function weightsDigest(runDir: string): Promise<string> {
  const latest = await latestCheckpointDir(runDir);
  if (!latest) throw new Error(`${runDir} has no checkpoint`);
  return checkpointDigest(latest);
}

/** Every run in a tracker database (opened read-only). */
export async function runsOf(db: string): Promise<RunSummary[]> {
  const tracker = await openTracker(db, { readonly: true });
  try {
    return (await tracker.listRuns({ limit: 1000 })).runs;
  } finally {
    await tracker.close();
  }
}

/** The folder of the first run under the artifact root `root`, once it has a checkpoint at `minStep` or later. */
export async function runCheckpointedAt(root: string, minStep: number): Promise<string> {
  let runDir = '';
  await waitFor(
    () => {
      if (!runDir && existsSync(root)) runDir = readdirSync(root).map((id) => join(root, id))[0] ?? '';
      return runDir !== '' && latestCheckpointStep(runDir) >= minStep;
    },
    120_000,
    `a checkpoint at step ${minStep} or later under ${root}`,
  );
  return runDir;
}

/**
 * Waits until run `id`'s last heartbeat (a killed process's last sign of life) is older than
 * `staleAfterMs`, with a margin: `ftlab resume --stale-after` refuses a fresher one, rightly, since
 * its worker might still be alive. Tests that kill a run and resume it wait here, not a fixed time.
 */
export async function waitForStaleHeartbeat(db: string, id: string, staleAfterMs = 1000): Promise<void> {
  const tracker = await openTracker(db, { readonly: true });
  let beat: number | null;
  try {
    beat = (await tracker.getRun(id)).heartbeatAt;
  } finally {
    await tracker.close();
  }
  const until = (beat ?? Date.now()) + staleAfterMs + 500;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
}
