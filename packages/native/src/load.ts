// Finds and loads the compiled addon (dist/ftlab_native.node, written by `pnpm --filter
// @ftlab/native build`), then checks it against a plain JavaScript reference before anyone
// uses it. Never throws: a machine without the addon gets the reason instead.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon, NativeInfo } from './addon.js';
import { selfCheck } from './self-check.js';

export type NativeStatus =
  | { available: true; addon: NativeAddon; info: NativeInfo; path: string }
  | { available: false; reason: string };

/** Where the build puts the addon: the package's dist/, the same path from src/ and from dist/. */
export const NATIVE_DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));
export const ADDON_FILE = 'ftlab_native.node';
export const BUILD_STATUS_FILE = 'native-build.json';

let cached: NativeStatus | undefined;

function whyNotBuilt(distDir: string): string {
  const statusPath = join(distDir, BUILD_STATUS_FILE);
  if (!existsSync(statusPath)) return 'the addon was never built (run `pnpm --filter @ftlab/native build`)';
  try {
    const status = JSON.parse(readFileSync(statusPath, 'utf8')) as { reason?: string };
    return `the addon was not built: ${status.reason ?? 'no reason recorded'}`;
  } catch {
    return `the addon was not built and ${statusPath} is unreadable`;
  }
}

/** The addon if it is built, loads and passes its self-check; otherwise why not. Cached. */
export function loadNative(): NativeStatus {
  if (cached) return cached;
  cached = loadNativeFrom(NATIVE_DIST_DIR);
  return cached;
}

/** loadNative for a build output directory (tests point it at a failed build's). Not cached. */
export function loadNativeFrom(distDir: string): NativeStatus {
  const path = join(distDir, ADDON_FILE);
  if (!existsSync(path)) return { available: false, reason: whyNotBuilt(distDir) };
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { available: false, reason: `the addon exists but does not load (${text}); rebuild it` };
  }
  const problem = selfCheck(addon);
  if (problem !== null) return { available: false, reason: `the addon failed its self-check: ${problem}` };
  return { available: true, addon, info: addon.info(), path };
}

/**
 * FTLAB_NATIVE_BUILD=require (CI sets it): the addon must build and load. The build then fails
 * instead of degrading, and test suites fail instead of skipping the native engine.
 */
export function nativeRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.FTLAB_NATIVE_BUILD === 'require';
}

/**
 * For test suites: why the native engine's tests skip on this machine, or null when they run.
 * Throws where the addon is required but unavailable, so that a broken build never silently
 * removes the coverage of the default engine.
 */
export function nativeTestSkipReason(
  status: NativeStatus = loadNative(),
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  if (status.available) return null;
  if (nativeRequired(env)) {
    throw new Error(`the native addon is required here (FTLAB_NATIVE_BUILD=require) but unavailable: ${status.reason}`);
  }
  return status.reason;
}
