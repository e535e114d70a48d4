import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nativeTestSkipReason } from '@ftlab/native';
import { describe, expect, it } from 'vitest';
import {
  type BackendName,
  BackendUnavailableError,
  initBackend,
  parseBackendChoice,
  selectBackend,
  tf,
} from '../src/index.js';
import { type BackendLoader, DEFAULT_LOADERS, describeBackend } from '../src/select.js';

const require = createRequire(import.meta.url);
/**
 * Whether the package's native addon was built. Here the install script cannot download
 * libtensorflow, so pnpm may leave the package's JavaScript in place without its addon.
 */
function nativeAddonPresent(pkg: string): boolean {
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return false;
  }
  const lib = join(dir, 'lib');
  return existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
}
const tfjsNodeInstalled = nativeAddonPresent('@tensorflow/tfjs-node');
const nativeBuilt = nativeTestSkipReason() === null; // throws where the addon is required (CI) but missing
const tfjsNodeGpuInstalled = nativeAddonPresent('@tensorflow/tfjs-node-gpu');
const MISSING = '(is not installed|is installed but could not load its native library)';

function fakeLoaders(overrides: Partial<Record<BackendName, BackendLoader>>): Record<BackendName, BackendLoader> {
  return { ...DEFAULT_LOADERS, ...overrides };
}

describe('selectBackend with the engines installed on this machine', () => {
  it.runIf(!tfjsNodeInstalled && !tfjsNodeGpuInstalled)(
    `auto picks ${nativeBuilt ? 'native' : 'wasm'} and says why tfjs-node-gpu and tfjs-node${nativeBuilt ? '' : ' and native'} were skipped`,
    async () => {
      const info = await selectBackend('auto');
      const expected = nativeBuilt ? 'native' : 'wasm';
      expect(info.name).toBe(expected);
      expect(info.tfBackend).toBe(expected);
      expect(tf.getBackend()).toBe(expected);
      expect(info.skipped.map((s) => s.name)).toEqual(
        nativeBuilt ? ['node-gpu', 'node'] : ['node-gpu', 'node', 'native'],
      );
      expect(info.skipped[0]?.why).toMatch(new RegExp(`@tensorflow/tfjs-node-gpu ${MISSING}`));
      expect(info.skipped[1]?.why).toMatch(new RegExp(`@tensorflow/tfjs-node ${MISSING}`));
      if (!nativeBuilt) expect(info.skipped[2]?.why).toMatch(/addon/);
      // One clause per skipped engine: what is missing, not the install instructions or paths.
      for (const skipped of info.skipped) {
        expect(skipped.why).not.toMatch(/node_modules|pnpm --filter/);
        expect(skipped.why).toMatch(/not installed|libtensorflow could not be downloaded|addon/);
      }
      expect(describeBackend(info)).toMatch(
        new RegExp(`using the ${expected} backend; skipped node-gpu \\(.*\\); node \\(`),
      );
    },
  );

  it.runIf(!tfjsNodeInstalled)('an explicit node backend that cannot load fails with how to install it', async () => {
    const failure = selectBackend('node');
    await expect(failure).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(failure).rejects.toThrow(
      new RegExp(`@tensorflow/tfjs-node ${MISSING}.*storage.googleapis.com.*pnpm --filter @ftlab/backend rebuild`),
    );
  });

  it.runIf(!tfjsNodeGpuInstalled)(
    'an explicit node-gpu backend that cannot load names CUDA and the fallback',
    async () => {
      await expect(selectBackend('node-gpu')).rejects.toThrow(
        new RegExp(`tfjs-node-gpu ${MISSING}.*CUDA 11\\.2.*FTLAB_BACKEND=wasm`),
      );
    },
  );

  it('explicit cpu and wasm are honoured', async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await selectBackend('wasm');
    expect(wasm).toMatchObject({ name: 'wasm', requested: 'wasm', skipped: [] });
  });
});

describe('selectBackend order and messages (simulated engines)', () => {
  const fail =
    (message: string): BackendLoader =>
    () =>
      Promise.reject(new Error(message));

  it('auto prefers node-gpu, then node, then native, and records every skip in order', async () => {
    const info = await selectBackend(
      'auto',
      fakeLoaders({
        'node-gpu': fail('no usable GPU'),
        node: fail('libtensorflow missing'),
        native: fail('addon not built'),
      }),
    );
    expect(info.name).toBe('wasm');
    expect(info.skipped).toEqual([
      { name: 'node-gpu', why: 'no usable GPU' },
      { name: 'node', why: 'libtensorflow missing' },
      { name: 'native', why: 'addon not built' },
    ]);
    const gpu = await selectBackend('auto', fakeLoaders({ 'node-gpu': async () => 'cpu' }));
    expect(gpu).toMatchObject({ name: 'node-gpu', skipped: [] });
  });

  it('auto falls back to cpu when wasm cannot start, and fails listing every reason when nothing can', async () => {
    const info = await selectBackend(
      'auto',
      fakeLoaders({ 'node-gpu': fail('a'), node: fail('b'), native: fail('n'), wasm: fail('wasm binary missing') }),
    );
    expect(info.name).toBe('cpu');
    await expect(
      selectBackend('auto', {
        'node-gpu': fail('a'),
        node: fail('b'),
        native: fail('n'),
        wasm: fail('c'),
        cpu: fail('d'),
      }),
    ).rejects.toThrow(
      /No TensorFlow.js backend could start:\n {2}node-gpu: a\n {2}node: b\n {2}native: n\n {2}wasm: c\n {2}cpu: d/,
    );
  });

  it('an explicit choice never falls back', async () => {
    await expect(selectBackend('wasm', fakeLoaders({ wasm: fail('boom') }))).rejects.toThrow(
      /Backend "wasm" failed to start: boom/,
    );
  });
});

describe('parseBackendChoice', () => {
  it('accepts the six names and an empty value as auto', () => {
    for (const name of ['auto', 'node-gpu', 'node', 'native', 'wasm', 'cpu'])
      expect(parseBackendChoice(name)).toBe(name);
    expect(parseBackendChoice(undefined)).toBe('auto');
    expect(parseBackendChoice('  ')).toBe('auto');
  });
  it('rejects anything else naming the source and the valid names', () => {
    expect(() => parseBackendChoice('gpu')).toThrow(
      'FTLAB_BACKEND="gpu" is not a backend: use one of auto, node-gpu, node, native, wasm, cpu.',
    );
    expect(() => parseBackendChoice('webgl', '--backend')).toThrow(/^--backend="webgl"/);
  });
});

describe('initBackend', () => {
  it('chooses once per process and refuses a different explicit engine later', async () => {
    const logs: string[] = [];
    const first = await initBackend('wasm', { log: (m) => logs.push(m) });
    expect(first.name).toBe('wasm');
    expect(logs).toEqual([]); // explicit choices are not announced
    expect(await initBackend('auto')).toBe(first);
    expect(await initBackend('wasm')).toBe(first);
    await expect(initBackend('cpu')).rejects.toThrow(
      /"wasm" is already active, so "cpu" cannot be used. Start a new process with --backend cpu/,
    );
  });
});
