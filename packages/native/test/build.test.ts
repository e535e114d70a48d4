// The addon is optional: a build that cannot compile must exit 0, say why, and leave a status
// that the loader turns into the engine's "unavailable" reason, unless FTLAB_NATIVE_BUILD=require
// (CI), where it must fail loudly. These run without a compiler too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNative, loadNativeFrom, nativeTestSkipReason } from '../src/index.js';
import { BUILD_STATUS_FILE } from '../src/load.js';

const script = fileURLToPath(new URL('../scripts/build-addon.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'ftlab-native-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function build(env: Record<string, string>, out: string) {
  return spawnSync(process.execPath, [script, '--out', out], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** A build into scratch/`name` whose compiler prints `error` and exits 1, under FTLAB_NATIVE_BUILD=`mode`. */
function buildWithFailingCompiler(name: string, error: string, mode: string) {
  const fakeNodeGyp = join(scratch, `node-gyp-${name}.js`);
  writeFileSync(fakeNodeGyp, `console.error(${JSON.stringify(error)}); process.exit(1);\n`);
  const out = join(scratch, name);
  return { out, result: build({ FTLAB_NODE_GYP: fakeNodeGyp, FTLAB_NATIVE_BUILD: mode }, out) };
}

describe('building the addon degrades to "not built"', () => {
  it('a failing compiler: exit 0, the reason and the compiler output on stderr, a status the loader reports', () => {
    // Not required (CI runs these tests with FTLAB_NATIVE_BUILD=require): the default, optional build.
    const { out, result } = buildWithFailingCompiler('failed', 'g++: fatal error: no input files', '');
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/the C\+\+ kernels were NOT built: node-gyp rebuild failed with exit code 1/);
    expect(result.stderr).toMatch(/g\+\+: fatal error: no input files/);
    expect(result.stderr).toMatch(/"auto" uses wasm/);
    const status = JSON.parse(readFileSync(join(out, BUILD_STATUS_FILE), 'utf8'));
    expect(status).toMatchObject({ built: false, reason: 'node-gyp rebuild failed with exit code 1' });
    expect(existsSync(join(out, 'ftlab_native.node'))).toBe(false);
    expect(loadNativeFrom(out)).toEqual({
      available: false,
      reason: 'the addon was not built: node-gyp rebuild failed with exit code 1',
    });
  });

  it('FTLAB_NATIVE_BUILD=skip skips it the same way; a directory never built says how to build', () => {
    const out = join(scratch, 'skipped');
    const result = build({ FTLAB_NATIVE_BUILD: 'skip' }, out);
    expect(result.status).toBe(0);
    expect(loadNativeFrom(out)).toEqual({
      available: false,
      reason: 'the addon was not built: skipped because FTLAB_NATIVE_BUILD=skip',
    });
    expect(loadNativeFrom(join(scratch, 'nothing-here'))).toEqual({
      available: false,
      reason: 'the addon was never built (run `pnpm --filter @ftlab/native build`)',
    });
  });

  it('this machine: the addon is built and passes its self-check, or says why not (never where it is required)', () => {
    const status = loadNative();
    if (status.available) expect(status.info.gemmKernel).toMatch(/^(avx512f|avx2-fma|portable)$/);
    else {
      expect(process.env.FTLAB_NATIVE_BUILD).not.toBe('require');
      expect(status.reason).toMatch(/not built|never built|does not load|self-check/);
    }
  });
});

describe('FTLAB_NATIVE_BUILD=require (CI): a broken build fails loudly', () => {
  it('a failing compiler fails the build with exit 1, still recording why', () => {
    const { out, result } = buildWithFailingCompiler('required', 'g++: internal compiler error', 'require');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/NOT built: node-gyp rebuild failed with exit code 1/);
    expect(result.stderr).toMatch(/FTLAB_NATIVE_BUILD=require: failing the build/);
    expect(loadNativeFrom(out)).toMatchObject({ available: false });
  });

  it('test suites fail instead of skipping the native engine where it is required and missing', () => {
    const missing = loadNativeFrom(join(scratch, 'never-built'));
    expect(nativeTestSkipReason(missing, {})).toMatch(/never built/);
    expect(() => nativeTestSkipReason(missing, { FTLAB_NATIVE_BUILD: 'require' })).toThrow(
      /the native addon is required here \(FTLAB_NATIVE_BUILD=require\) but unavailable: the addon was never built/,
    );
    const status = loadNative();
    if (status.available) expect(nativeTestSkipReason(status, { FTLAB_NATIVE_BUILD: 'require' })).toBeNull();
  });
});
