// setEngineThreads: more than one thread only where the engine has them (native), whole numbers only.
import { describe, expect, it } from 'vitest';
import { nativeTestSkipReason, setEngineThreads } from '../src/index.js';
import { engineThreads, MAX_ENGINE_THREADS } from '../src/threads.js';

describe('setEngineThreads', () => {
  it('refuses counts that are not whole numbers from 1 to 64, on any engine', () => {
    for (const threads of [0, -1, 1.5, Number.NaN, MAX_ENGINE_THREADS + 1]) {
      expect(() => setEngineThreads('native', threads), String(threads)).toThrow(
        /--threads must be a whole number from 1 to 64/,
      );
    }
  });

  it('gives other engines one thread and refuses more, saying how to use several cores', () => {
    for (const engine of ['wasm', 'cpu', 'node', 'node-gpu'] as const) {
      expect(() => setEngineThreads(engine, 1)).not.toThrow();
      expect(() => setEngineThreads(engine, 2)).toThrow(
        new RegExp(`--threads 2 needs the native engine .*the ${engine} engine runs one.*ftlab sweep --workers N`),
      );
    }
  });

  const skip = nativeTestSkipReason();
  it.skipIf(skip !== null)(`sets the native engine's GEMM threads${skip ? ` (SKIPPED: ${skip})` : ''}`, () => {
    try {
      setEngineThreads('native', 3);
      expect(engineThreads()).toBe(3);
    } finally {
      setEngineThreads('native', 1);
    }
    expect(engineThreads()).toBe(1);
  });
});
