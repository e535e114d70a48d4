// `ftlab resume` on a run whose checkpoints were damaged by hand, through real processes: it says
// which checkpoint (and step) it continues from, falls back past a LATEST whose folder is gone,
// refuses clearly when nothing is left to fall back to, and honours --max-resumes.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openTracker } from '@ftlab/tracker';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ftlab,
  ftlabOk,
  runCheckpointedAt,
  TINY,
  tempDir,
  waitForStaleHeartbeat,
  weightsDigest,
  writeFile,
} from './helpers.js';

const STEPS = 24;
let dir: string;
let config: string;
let uninterrupted: string;

async function runOf(db: string, id: string) {
  const tracker = await openTracker(db, { readonly: true });
  try {
    const run = await tracker.getRun(id);
    return { run, notes: run.notes };
  } finally {
    await tracker.close();
  }
}

beforeAll(async () => {
  dir = tempDir();
  config = writeFile(dir, 'tiny.yaml', TINY({ steps: String(STEPS), checkpointEvery: '2' }));
  const db = join(dir, 'whole.db');
  const out = await ftlabOk(['train', config, '--db', db, '--backend', 'wasm', '--no-evaluate', '--json']);
  const id = (JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { run: string }).run;
  uninterrupted = await weightsDigest(join(dir, 'ftlab-runs', id));
}, 180_000);

/** A run killed with SIGKILL after its checkpoint at step 6 or later: RUNNING, its heartbeat older than 1 s. */
async function killedRun(): Promise<{ db: string; id: string; runDir: string }> {
  const db = join(tempDir(), 'killed.db');
  const root = join(dirname(db), 'ftlab-runs');
  const cli = ftlab(['train', config, '--db', db, '--backend', 'wasm', '--no-evaluate']);
  const runDir = await runCheckpointedAt(root, 6);
  cli.child.kill('SIGKILL');
  await cli.done;
  const id = basename(runDir);
  await waitForStaleHeartbeat(db, id); // so --stale-after 1 takes it
  return { db, id, runDir };
}

describe('ftlab resume and damaged checkpoints', () => {
  it('LATEST naming a deleted folder: resumes from the newest complete checkpoint, says so, ends with the same weights', async () => {
    const { db, id, runDir } = await killedRun();
    const checkpoints = join(runDir, 'checkpoints');
    const latest = readFileSync(join(checkpoints, 'LATEST'), 'utf8').trim();
    const older = readdirSync(checkpoints)
      .filter((e) => /^step-\d+$/.test(e) && e !== latest)
      .sort()
      .pop() as string;
    rmSync(join(checkpoints, latest), { recursive: true });
    const olderStep = Number(older.slice(5));
    expect(olderStep).toBeGreaterThanOrEqual(4);

    const resumed = await ftlab(['resume', id, '--db', db, '--backend', 'wasm', '--no-evaluate', '--stale-after', '1'])
      .done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `note: LATEST names ${latest}, which is missing or incomplete; resuming from ${older}`,
    );
    expect(resumed.stderr).toContain(`resuming run ${id} from its checkpoint at step ${olderStep} (resume 1)`);
    const { run, notes } = await runOf(db, id);
    expect(run).toMatchObject({ status: 'FINISHED', lastStep: STEPS, resumeCount: 1 });
    expect(notes.map((n) => n.text)).toContain(
      `resume: LATEST names ${latest}, which is missing or incomplete; resuming from ${older}, the newest complete checkpoint`,
    );
    expect(await weightsDigest(runDir)).toBe(uninterrupted);
  });

  it('LATEST with no complete checkpoint left: refused with what to do, and the run is left as it was', async () => {
    const { db, id, runDir } = await killedRun();
    const checkpoints = join(runDir, 'checkpoints');
    for (const e of readdirSync(checkpoints)) if (e !== 'LATEST') rmSync(join(checkpoints, e), { recursive: true });
    const resumed = await ftlab(['resume', id, '--db', db, '--backend', 'wasm', '--stale-after', '1']).done;
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(
      /LATEST names step-\d+, which is missing or incomplete, and no other complete checkpoint is there\. Restore step-\d+, or delete LATEST to train the run from step 0 again/,
    );
    expect(resumed.stderr).not.toMatch(/\n\s+at /);
    expect((await runOf(db, id)).run.resumeCount).toBe(0);
  });

  it('--max-resumes: a run resumed that many times is refused with the flag that allows one more', async () => {
    const { db, id } = await killedRun();
    const refused = await ftlab([
      'resume',
      id,
      '--db',
      db,
      '--backend',
      'wasm',
      '--stale-after',
      '1',
      '--max-resumes',
      '0',
    ]).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /not requeued: already resumed 0 times \(maxResumes 0\)\. To try again anyway, pass --max-resumes 1\./,
    );
    const bad = await ftlab(['resume', id, '--db', db, '--max-resumes', '-1']).done;
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--max-resumes/);
  });
});
