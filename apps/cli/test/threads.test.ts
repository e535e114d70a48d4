// --threads N: one run's GEMMs split between N threads on the native engine, to the same weights
// bit for bit as one thread; other engines refuse more than one, before anything is written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nativeTestSkipReason } from '@ftlab/backend';
import { openTracker } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import { ftlab, ftlabOk, TINY, tempDir, weightsDigest, writeFile } from './helpers.js';

async function onlyRun(db: string) {
  const tracker = await openTracker(db, { readonly: true });
  try {
    const { runs } = await tracker.listRuns();
    expect(runs).toHaveLength(1);
    const run = runs[0] as (typeof runs)[number];
    return { run, series: await tracker.metricHistory(run.id, 'train/loss') };
  } finally {
    await tracker.close();
  }
}

const nativeSkip = nativeTestSkipReason();

describe('--threads', () => {
  it.skipIf(nativeSkip !== null)(
    `on native: 2 and 3 threads train to the weights and losses of 1 thread, bit for bit${nativeSkip ? ` (SKIPPED: ${nativeSkip})` : ''}`,
    async () => {
      const dir = tempDir();
      const config = writeFile(dir, 'tiny.yaml', TINY({ steps: '8', checkpointEvery: '8' }));
      const results = [];
      for (const threads of ['1', '2', '3']) {
        const db = join(dir, `threads-${threads}.db`);
        await ftlabOk(['train', config, '--db', db, '--backend', 'native', '--threads', threads, '--no-evaluate']);
        const { run, series } = await onlyRun(db);
        expect(run.status).toBe('FINISHED');
        results.push({
          digest: await weightsDigest(join(dir, 'ftlab-runs', run.id)),
          series: series.map((p) => p.value),
        });
      }
      expect(results[0]?.series.length).toBeGreaterThan(2);
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    },
  );

  it('is refused on an engine that runs one thread, and when not a whole number, before anything is written', async () => {
    const dir = tempDir();
    const config = writeFile(dir, 'tiny.yaml', TINY());
    const db = join(dir, 'refused.db');
    const wasm = await ftlab(['train', config, '--db', db, '--backend', 'wasm', '--threads', '2']).done;
    expect(wasm.code).toBe(1);
    expect(wasm.stderr).toMatch(
      /--threads 2 needs the native engine .* the wasm engine runs one\. Use --backend native/,
    );
    expect(existsSync(db)).toBe(false);
    const zero = await ftlab(['train', config, '--db', db, '--threads', '0']).done;
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/option '--threads <n>' argument '0' is invalid\. expected a whole number >= 1/);
    expect(existsSync(db)).toBe(false);
  });
});
