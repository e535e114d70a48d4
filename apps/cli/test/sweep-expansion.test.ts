// `ftlab sweep` stores exactly the runs it reports (issue 15: a sweep reported "3 runs" and stored
// 1), and records section-valued axis values as JSON in the run's axis tags.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ftlab, ftlabOk, TINY, tempDir, writeFile } from './helpers.js';

describe('ftlab sweep --queue-only', () => {
  it('stores as many runs as it reports, one per axis value and case', async () => {
    const dir = tempDir();
    writeFile(dir, 'tiny.yaml', TINY());
    const sweep = writeFile(
      dir,
      'sweep.yaml',
      `name: counted
base: tiny.yaml
axes:
  seed: [1, 2]
cases:
  - { model.variant: baseline, description: the baseline }
  - { model.kappa: [{ bits: 0.25 }, { bits: 1 }] }
`,
    );
    const db = join(dir, 'lab.db');
    const result = await ftlab(['sweep', sweep, '--db', db, '--queue-only', '--json']).done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/"counted": 6 runs \(6 new, 0 already known\)/);
    const { sweep: sweepId } = JSON.parse(result.stdout) as { sweep: string };
    const status = JSON.parse(await ftlabOk(['status', '--db', db, '--sweep', sweepId, '--json'])) as {
      total: number;
      runs: Array<{ seed: number; tags: Record<string, string> }>;
    };
    expect(status.total).toBe(6);
    expect(
      status.runs
        .map((r) => r.tags['axis:model.kappa'])
        .filter(Boolean)
        .sort(),
    ).toEqual(['{"bits":0.25}', '{"bits":0.25}', '{"bits":1}', '{"bits":1}']);
  });
});
