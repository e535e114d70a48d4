// ftlab bench --reference torch: the comparison itself (its speed numbers are printed by the
// command, never asserted here). Runs PyTorch where a Python imports it; CI always does.
import { nativeTestSkipReason } from '@ftlab/backend';
import { parameterCount, testPythonPath } from '@ftlab/model';
import { describe, expect, it } from 'vitest';
import { cpuDescription, referencePython, runReferenceBenchmarks } from '../src/reference-benchmark.js';
import { benchCaseConfig } from '../src/throughput-benchmark.js';

const PYTHON = testPythonPath('the PyTorch side of ftlab bench --reference torch', ['torch', 'numpy']);

describe('cpuDescription', () => {
  it('names the vector instruction sets /proc/cpuinfo lists, in a fixed order', () => {
    const cpuinfo = 'processor\t: 0\nflags\t\t: fpu sse4_2 fma avx avx512f avx2 avx512bw\nbugs\t\t: spectre\n';
    expect(cpuDescription(cpuinfo).isa).toEqual(['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw']);
    expect(cpuDescription('processor\t: 0\n').isa).toEqual([]);
    expect(cpuDescription().model.length).toBeGreaterThan(0);
  });
});

describe('referencePython', () => {
  it('refuses a Python that cannot import torch, saying which and how to get one', () => {
    expect(() => referencePython('/nonexistent/python3', {})).toThrow(
      /no Python among \/nonexistent\/python3 imports torch and numpy\. Install Debian's PyTorch .*--python or FTLAB_PYTHON/,
    );
    expect(() => referencePython(undefined, { FTLAB_PYTHON: '/nonexistent/py' })).toThrow(/among \/nonexistent\/py /);
  });
});

describe('runReferenceBenchmarks', () => {
  it('refuses unknown cases and round counts before running anything', async () => {
    await expect(runReferenceBenchmarks({ cases: ['gpt-5'], python: '/nonexistent' })).rejects.toThrow(
      /unknown case "gpt-5"; cases: baseline, ft-h8-dense/,
    );
    await expect(runReferenceBenchmarks({ rounds: 0, python: '/nonexistent' })).rejects.toThrow(/--rounds must be/);
  });

  it.skipIf(PYTHON === undefined)(
    'alternates ftlab and PyTorch on the same model and reports each round, the ratio and what each side ran on',
    async () => {
      const seen: string[] = [];
      const [record, ...rest] = await runReferenceBenchmarks({
        cases: ['ft-h8-dense'],
        python: PYTHON as string,
        rounds: 2,
        steps: 1,
        warmupSteps: 1,
        onRecord: (r) => seen.push(r.case),
      });
      expect(rest).toEqual([]);
      expect(seen).toEqual(['ft-h8-dense']);
      if (record === undefined) throw new Error('no record');
      // The engine CI requires (native) where it is built; the same model trained on both sides.
      expect(record.engine).toBe(nativeTestSkipReason() === null ? 'native' : 'wasm');
      expect(record.torch.parameters).toBe(parameterCount(benchCaseConfig('ft-h8-dense')).total);
      expect(record).toMatchObject({ kind: 'reference', case: 'ft-h8-dense', batch: 32, time: 64, threads: 1 });
      expect(record.ftlabTokensPerSec).toHaveLength(2);
      expect(record.torchTokensPerSec).toHaveLength(2);
      for (const [i, ratio] of record.ratios.entries()) {
        const expected = record.ftlabTokensPerSec[i] / record.torchTokensPerSec[i];
        expect(ratio).toBeCloseTo(expected, 2);
        expect(ratio).toBeGreaterThan(0);
      }
      expect(record.ratio).toBeCloseTo((record.ratios[0]! + record.ratios[1]!) / 2, 3);
      // What each side ran on.
      expect(record.cpu.model.length).toBeGreaterThan(0);
      if (record.engine === 'native') expect(record.ftlabKernels?.gemmKernel).toMatch(/^(avx512f|avx2-fma|portable)$/);
      expect(record.torch.threads).toBe(1);
      expect(record.torch.torch).toMatch(/^\d+\.\d+/);
      expect(record.torch.cpuCapability).toMatch(/^[A-Z0-9_]+$/);
      expect(record.torch.blas.library.length).toBeGreaterThan(0);
    },
    120_000,
  );
});
