// Where the run page finds the toy study's grouped generations, in order, and what it says when
// a recorded file cannot be read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifact, Evaluation } from '@ftlab/tracker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, loadZSheet } from '../src/lib/z-sheet';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftlab-dashboard-zsheet-'));
  mkdirSync(join(dir, 'run-1'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const artifact = (kind: string, path: string, createdAt = 1): Artifact => ({
  runId: 'r',
  kind,
  path,
  sha256: null,
  bytes: null,
  createdAt,
});
const evaluation = (extra: Evaluation['extra'], step = 10): Evaluation => ({
  runId: 'r',
  step,
  task: 'toy_z_study',
  metric: 'block_start_agreement_pinned',
  value: 0.5,
  nonFinite: null,
  stderr: null,
  n: 4,
  extra,
  createdAt: 1,
});

describe('artifactPath', () => {
  it('keeps absolute paths and resolves relative ones against the artifact root, else the database folder', () => {
    expect(artifactPath('/abs/s.txt', '/root', '/db/ftlab.db')).toBe('/abs/s.txt');
    expect(artifactPath('s.txt', '/root', '/db/ftlab.db')).toBe('/root/s.txt');
    expect(artifactPath('runs/s.txt', null, '/db/ftlab.db')).toBe('/db/runs/s.txt');
  });
});

describe('loadZSheet', () => {
  const db = () => join(dir, 'ftlab.db');

  it('prefers a z-sheet artifact (newest first), read relative to the artifact root', async () => {
    writeFileSync(join(dir, 'run-1', 'old.txt'), 'old sheet');
    writeFileSync(join(dir, 'run-1', 'new.txt'), 'new sheet');
    const sheet = await loadZSheet(
      {
        artifactRoot: join(dir, 'run-1'),
        artifacts: [artifact('z-sheet', 'old.txt', 1), artifact('z-sheet', 'new.txt', 2)],
        evaluations: [evaluation({ sheet: 'from extra' })],
      },
      db(),
    );
    expect(sheet).toEqual({ found: true, text: 'new sheet', truncated: false, source: 'artifact new.txt' });
  });

  it('falls back to an evaluation extra field, then to the results JSON', async () => {
    const fromExtra = await loadZSheet(
      { artifactRoot: null, artifacts: [], evaluations: [evaluation({ zSheet: 'Z!' })] },
      db(),
    );
    expect(fromExtra.found && fromExtra.text).toBe('Z!');
    writeFileSync(
      join(dir, 'results.json'),
      JSON.stringify({ format: 'ftlab-evaluation-results', sheet: 'json sheet' }),
    );
    const fromResults = await loadZSheet(
      {
        artifactRoot: null,
        artifacts: [artifact('evaluation', 'results.json')],
        evaluations: [evaluation({ note: 'x' })],
      },
      db(),
    );
    expect(fromResults).toEqual({
      found: true,
      text: 'json sheet',
      truncated: false,
      source: 'evaluation results results.json',
    });
  });

  it('reports a recorded file it cannot read, and finds nothing when nothing is there', async () => {
    const missing = await loadZSheet(
      { artifactRoot: dir, artifacts: [artifact('z-sheet', 'gone.txt')], evaluations: [] },
      db(),
    );
    expect(missing.found).toBe(false);
    if (!missing.found) expect(missing.problems[0]).toMatch(/z-sheet artifact .*gone\.txt cannot be read: ENOENT/);
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    const broken = await loadZSheet(
      { artifactRoot: dir, artifacts: [artifact('evaluation', 'broken.json')], evaluations: [] },
      db(),
    );
    expect(!broken.found && broken.problems[0]).toMatch(/broken\.json cannot be read/);
    expect(await loadZSheet({ artifactRoot: null, artifacts: [], evaluations: [] }, db())).toEqual({
      found: false,
      problems: [],
    });
  });

  it('reads only the first 256 KiB of a large sheet and says so', async () => {
    writeFileSync(join(dir, 'big.txt'), 'A'.repeat(300 * 1024));
    const sheet = await loadZSheet(
      { artifactRoot: dir, artifacts: [artifact('z-sheet', 'big.txt')], evaluations: [] },
      db(),
    );
    expect(sheet.found && sheet.truncated && sheet.text.length).toBe(256 * 1024);
  });
});
