// Finds and loads the compiled addon (dist/ftlab_native.node, written by `pnpm --filter
// @ftlab/native build`), then checks it against a plain JavaScript reference before anyone
// uses it. Never throws: a machine without the addon gets the reason instead.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeAddon, NativeInfo } from './addon.js';
import { selfCheck } from './self-check.js';

export type NativeStatus =
  | { available: true; addon: NativeAddon; info: NativeInfo; path: string }
  | { available: false; reason: string };

// The same path from src/ (sources under tsx/vitest) and from dist/.
const ADDON_PATH = fileURLToPath(new URL('../dist/ftlab_native.node', import.meta.url));
const BUILD_STATUS_PATH = fileURLToPath(new URL('../dist/native-build.json', import.meta.url));

let cached: NativeStatus | undefined;

function whyNotBuilt(): string {
  if (!existsSync(BUILD_STATUS_PATH)) return 'the addon was never built (run `pnpm --filter @ftlab/native build`)';
  try {
    const status = JSON.parse(readFileSync(BUILD_STATUS_PATH, 'utf8')) as { reason?: string };
    return `the addon was not built: ${status.reason ?? 'no reason recorded'}`;
  } catch {
    return `the addon was not built and ${BUILD_STATUS_PATH} is unreadable`;
  }
}

/** The addon if it is built, loads and passes its self-check; otherwise why not. Cached. */
export function loadNative(): NativeStatus {
  if (cached) return cached;
  cached = load();
  return cached;
}

function load(): NativeStatus {
  if (!existsSync(ADDON_PATH)) return { available: false, reason: whyNotBuilt() };
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (error) {
    const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { available: false, reason: `the addon exists but does not load (${text}); rebuild it` };
  }
  const problem = selfCheck(addon);
  if (problem !== null) return { available: false, reason: `the addon failed its self-check: ${problem}` };
  return { available: true, addon, info: addon.info(), path: ADDON_PATH };
}
