// Test plumbing for the browser tests: make sure the app is built (building it once if not, or if
// a source file is newer than the build), start `serve.mjs` in a child process on a free port,
// and launch Debian's Chromium through playwright-core.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_ID = join(APP_DIR, '.next', 'BUILD_ID');
/** Where the browser tests put their screenshots (not committed). */
export const SCREENSHOTS_DIR = join(APP_DIR, 'test-results');

function newestSourceTime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// Workspace packages the app bundles (rather than loading at run time): a newer build of theirs
// must be bundled again.
const BUNDLED_PACKAGES = ['contract', 'config', 'data', 'evaluation'];

/** Builds the app when there is no build, or when src/, next.config.ts or a bundled package's dist/ changed after it. */
export function ensureBuilt(): void {
  const bundled = BUNDLED_PACKAGES.map((name) => join(APP_DIR, '..', '..', 'packages', name, 'dist')).filter(
    existsSync,
  );
  const sources = Math.max(
    newestSourceTime(join(APP_DIR, 'src')),
    statSync(join(APP_DIR, 'next.config.ts')).mtimeMs,
    ...bundled.map(newestSourceTime),
  );
  const reason = !existsSync(BUILD_ID)
    ? 'no .next build found'
    : statSync(BUILD_ID).mtimeMs < sources
      ? 'sources changed since the last build'
      : null;
  if (reason === null) return;
  console.log(`dashboard tests: ${reason}; running \`next build\` once (about a minute)…`);
  const result = spawnSync('pnpm', ['exec', 'next', 'build'], {
    cwd: APP_DIR,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  // pnpm itself missing from PATH gives no exit status, only a spawn error: say so.
  if (result.error) throw new Error(`next build could not start (pnpm exec next build: ${result.error.message}).`);
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status}); see the output above.`);
}

export interface RunningDashboard {
  url: string;
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** `node serve.mjs --db <db> --port 0` in a child process; resolves with its URL. */
export async function startDashboardProcess(db: string): Promise<RunningDashboard> {
  const child: ChildProcess = spawn(process.execPath, [join(APP_DIR, 'serve.mjs'), '--db', db, '--port', '0'], {
    cwd: tmpdir(),
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dashboard did not start within 60 s:\n${log}`)), 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /dashboard: (http:\/\/\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the dashboard exited with ${code} before serving:\n${log}`));
    });
  });
  return {
    url,
    pid: child.pid as number,
    output: () => log,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `The dashboard's browser tests need Chromium, and there is none at ${path}. ` +
        "Install Debian's package (as root: apt-get install -y chromium), or point CHROMIUM_PATH at a Chromium binary. " +
        '(`npx playwright install` downloads a browser and does not work offline.) CI installs it in .ci/run.',
    );
  }
  return path;
}

export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'ftlab-dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    viewport: { width: 1440, height: 1000 },
  });
  return { context, close: () => context.close() };
}

export interface BrowserSession {
  dashboard: RunningDashboard;
  page: Page;
  /** Closes Chromium, then stops the dashboard. */
  close: () => Promise<void>;
}

/**
 * A browser test's setup: checks for Chromium first (the clearest failure, with how to install
 * it), builds the app when it is stale, lets `prepare` make the database (it returns what
 * `serve.mjs --db` takes), serves it, and opens a page in a fresh Chromium.
 */
export async function openInChromium(prepare: () => Promise<string>): Promise<BrowserSession> {
  chromiumPath();
  ensureBuilt();
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const dashboard = await startDashboardProcess(await prepare());
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const close = browser.close;
    return {
      dashboard,
      page,
      close: async () => {
        await close();
        await dashboard.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await dashboard.stop();
    throw error;
  }
}
