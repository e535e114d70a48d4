// Real processes: `ftlab sweep` expands a sweep into runs and trains them with worker processes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTracker, type RunSummary } from '@ftlab/tracker';
import { describe, expect, it } from 'vitest';
import { ftlab, latestCheckpointStep, runsOf, TINY, tempDir, waitForStaleHeartbeat, writeFile } from './helpers.js';

function sweepYaml(seeds: number[], steps: number): string {
  return `name: cli-sweep
base: tiny.yaml
axes:
  seed: [${seeds.join(', ')}]
cases:
  - { model.variant: baseline }
  - { model.variant: free-transformer, training.steps: ${steps} }
`;
}

/** `ftlab sweep` arguments for two wasm workers on `db`, then `extra`. */
function twoWorkers(sweep: string, db: string, ...extra: string[]): string[] {
  return ['sweep', sweep, '--db', db, '--workers', '2', '--backend', 'wasm', ...extra];
}

describe('ftlab sweep', () => {
  it('trains 8 runs with 2 workers: every run FINISHED exactly once; re-running adds nothing', async () => {
    const dir = tempDir();
    writeFile(dir, 'tiny.yaml', TINY({ steps: '8', checkpointEvery: '4' }));
    const sweep = writeFile(dir, 'sweep.yaml', sweepYaml([1, 2, 3, 4], 8));
    const db = join(dir, 'sweep.db');
    const result = await ftlab(twoWorkers(sweep, db, '--no-evaluate', '--json')).done;
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"event"'))
      .map((l) => JSON.parse(l) as { event: string; run?: string; worker?: string; status?: string });
    const starts = events.filter((e) => e.event === 'start');
    expect(starts).toHaveLength(8);
    expect(new Set(starts.map((e) => e.run)).size).toBe(8); // no run claimed twice
    expect(new Set(starts.map((e) => e.worker)).size).toBe(2); // both workers took part
    const runs = await runsOf(db);
    expect(runs).toHaveLength(8);
    for (const run of runs) expect(run).toMatchObject({ status: 'FINISHED', resumeCount: 0, lastStep: 8 });
    expect(new Set(runs.map((r) => r.variant))).toEqual(new Set(['baseline', 'free-transformer']));

    const again = await ftlab(['sweep', sweep, '--db', db, '--backend', 'wasm', '--json']).done;
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/8 runs \(0 new, 8 already known\)/);
    expect(JSON.parse(again.stdout)).toMatchObject({ pending: 0, counts: { FINISHED: 8 } });
  });

  it('--seed-offset trains the same sweep on fresh seeds, whose verdicts and figure export as asked', async () => {
    const dir = tempDir();
    writeFile(dir, 'tiny.yaml', TINY({ steps: '4', checkpointEvery: '4' }));
    const sweep = writeFile(dir, 'sweep.yaml', sweepYaml([1, 2], 4).replace('name: cli-sweep', 'name: cli-verdicts'));
    const db = join(dir, 'sweep.db');
    const result = await ftlab(twoWorkers(sweep, db, '--seed-offset', '40')).done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/"cli-verdicts-seeds\+40": 4 runs \(4 new/);
    const runs = await runsOf(db);
    expect(runs.map((r) => r.seed).sort()).toEqual([41, 41, 42, 42]);

    const exported = async (...args: string[]) => {
      const r = await ftlab(['export', 'cli-verdicts-seeds+40', '--db', db, ...args]).done;
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    // Verdicts: one line per column, each with its fraction of seeds and interval.
    const lines = (await exported('--format', 'md', '--table', 'verdicts')).trim().split('\n');
    expect(lines[0]).toMatch(
      /^- baseline: the Z test's false-positive control \(no Z\): p < 0\.05 in \d\/2 seeds \(95% CI/,
    );
    expect(lines[1]).toMatch(/^- free-transformer: .*in \d\/2 seeds \(95% CI \d+-\d+%\)/);
    const csv = (await exported('--format', 'csv', '--table', 'verdicts')).trim().split('\n');
    expect(csv[0]).toBe('column,claim,holds,seeds_with,seeds,fraction,fraction_low,fraction_high,chance,text');
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual(
      expect.arrayContaining(['false-positives', 'block-position']),
    );
    const json = JSON.parse(await exported('--format', 'json', '--table', 'verdicts')) as Array<{ seeds: number }>;
    expect(json.map((v) => v.seeds)).toEqual([2, 2]);
    // The comparison in Markdown ends with the verdicts.
    expect(await exported('--format', 'md')).toMatch(/\*\*Verdicts across seeds\*\*/);
    // The figure: seed 41 by default, one panel per column.
    const svg = await exported('--format', 'svg');
    expect(svg).toMatch(/^<svg xmlns/);
    expect(svg).toContain('Toy Z study, seed 41');
    const md = await exported('--format', 'md', '--table', 'figure', '--seed', '42', '--groups', '1');
    expect(md.match(/^## /gm)).toHaveLength(2);
    expect(md).toContain('# Toy Z study, seed 42');

    // The sweep's runs and points, streamed from the tracker to stdout or a file: the tracker's own text.
    const reader = await openTracker(db, { readonly: true });
    try {
      const [stored] = await reader.listSweeps();
      expect(await exported('--format', 'csv', '--table', 'runs')).toBe(
        await reader.exportSweep(stored!.id, { format: 'csv' }),
      );
      expect(await exported('--format', 'json', '--table', 'runs')).toBe(
        await reader.exportSweep(stored!.id, { format: 'json' }),
      );
      const points = join(dir, 'points.csv');
      await exported('--format', 'csv', '--table', 'metrics', '--out', points);
      expect(readFileSync(points, 'utf8')).toBe(
        await reader.exportSweep(stored!.id, { format: 'csv', table: 'metrics' }),
      );
    } finally {
      await reader.close();
    }

    const refused = await ftlab(['export', 'cli-verdicts-seeds+40', '--db', db, '--format', 'svg', '--table', 'runs'])
      .done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--format svg is for --table figure/);
    const fresh = join(dir, 'untouched.db');
    const bad = await ftlab(['sweep', sweep, '--db', fresh, '--seed-offset', '-3']).done;
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/'--seed-offset <n>' argument '-3' is invalid\. expected a whole number >= 0/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('a sweep killed mid-run resumes the interrupted runs from their checkpoints when started again', async () => {
    const dir = tempDir();
    writeFile(dir, 'tiny.yaml', TINY({ steps: '30', checkpointEvery: '2' }));
    const sweep = writeFile(dir, 'sweep.yaml', sweepYaml([1], 30));
    const db = join(dir, 'sweep.db');
    const first = ftlab(twoWorkers(sweep, db, '--no-evaluate'), {
      detached: true,
    });
    const root = join(dir, 'ftlab-runs');
    let interrupted: RunSummary[] = [];
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const running = (await runsOf(db).catch(() => [])).filter((r) => r.status === 'RUNNING');
      if (running.length === 2 && running.every((r) => latestCheckpointStep(join(root, r.id)) >= 4)) {
        interrupted = running;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(interrupted).toHaveLength(2);
    process.kill(-(first.child.pid as number), 'SIGKILL'); // the sweep and both workers, without warning
    await first.done;
    const checkpointSteps = interrupted.map((r) => latestCheckpointStep(join(root, r.id)));
    for (const run of interrupted) await waitForStaleHeartbeat(db, run.id); // so --stale-after 1 takes them

    const second = await ftlab(twoWorkers(sweep, db, '--no-evaluate', '--stale-after', '1')).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr.match(/requeued CRASHED run/g)).toHaveLength(2);
    const runs = await runsOf(db);
    for (const run of runs) expect(run.status).toBe('FINISHED');
    for (const [i, run] of interrupted.entries()) {
      const after = runs.find((r) => r.id === run.id);
      expect(after).toMatchObject({ resumeCount: 1, lastStep: 30 });
      expect(checkpointSteps[i]).toBeGreaterThanOrEqual(4);
    }
  });

  it('Ctrl-C stops every worker cleanly: current runs checkpointed and KILLED, then resumed by the next sweep', async () => {
    const dir = tempDir();
    // Long enough that both runs are surely mid-way when the signal comes (a tiny step takes ~20 ms).
    writeFile(dir, 'tiny.yaml', TINY({ steps: '400', checkpointEvery: '10' }));
    const sweep = writeFile(dir, 'sweep.yaml', sweepYaml([1], 400));
    const db = join(dir, 'sweep.db');
    const first = ftlab(twoWorkers(sweep, db, '--no-evaluate'), {
      detached: true,
    });
    const root = join(dir, 'ftlab-runs');
    let midway = 0;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && first.child.exitCode === null) {
      const running = (await runsOf(db).catch(() => [])).filter((r) => r.status === 'RUNNING');
      midway = running.filter((r) => latestCheckpointStep(join(root, r.id)) >= 10).length;
      if (midway === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(midway, 'both runs should be running and past their first checkpoint').toBe(2);
    process.kill(-(first.child.pid as number), 'SIGINT'); // what a terminal's Ctrl-C does: the whole group
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/stopping workers: each checkpoints its current run/);
    const runs = await runsOf(db);
    expect(runs.map((r) => r.status).sort()).toEqual(['KILLED', 'KILLED']);
    for (const run of runs) {
      expect(run.failureReason).toMatch(/stopped at step \d+ \(checkpointed; resumable\)/);
      expect(latestCheckpointStep(join(root, run.id))).toBe(run.lastStep);
    }

    // --max-resumes 0 leaves them stopped, and says why.
    const capped = await ftlab(['sweep', sweep, '--db', db, '--max-resumes', '0', '--backend', 'wasm']).done;
    expect(
      capped.stderr.match(/stays KILLED: already resumed 0 times \(--max-resumes 0\)/g),
      capped.stderr,
    ).toHaveLength(2);
    expect((await runsOf(db)).map((r) => r.status)).toEqual(['KILLED', 'KILLED']);

    const second = await ftlab(twoWorkers(sweep, db, '--no-evaluate')).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr.match(/requeued KILLED run/g)).toHaveLength(2);
    for (const run of await runsOf(db))
      expect(run).toMatchObject({ status: 'FINISHED', resumeCount: 1, lastStep: 400 });
  }, 240_000);
});
