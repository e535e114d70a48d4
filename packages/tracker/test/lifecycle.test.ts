import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import {
  configHash,
  type RunInput,
  RunStateError,
  TRACKER_NOTE_AUTHOR,
  type Tracker,
  UnknownRunError,
  UnknownSweepError,
} from '../src/index.js';
import { forEachDialect } from './helpers.js';

function grid(kappas: number[], seeds: number[]): RunInput[] {
  return kappas.flatMap((kappa) =>
    seeds.map((seed) => ({
      name: `kappa=${kappa} seed=${seed}`,
      variant: 'free',
      config: { model: { kappaNats: kappa, latentBits: 8 }, training: { seed, steps: 100 } },
      seed,
    })),
  );
}

async function sweepWith(tracker: Tracker, runs: RunInput[], name = 'kappa-sweep') {
  const { sweep } = await tracker.ensureSweep({ name, method: 'grid', space: { 'model.kappaNats': [0, 0.35] } });
  const created = await tracker.createRuns(sweep.id, runs);
  return { sweep, created };
}

forEachDialect((open) => {
  describe('experiments and sweeps', () => {
    it('ensureExperiment and ensureSweep are idempotent by name; a re-run sweep keeps its id and takes the new space', async () => {
      const store = await open();
      const { tracker } = store;
      const experiment = await tracker.ensureExperiment('toy', 'the synthetic task');
      expect(await tracker.ensureExperiment('toy')).toEqual(experiment);
      const first = await tracker.ensureSweep({
        name: 'kappa',
        method: 'grid',
        space: { kappa: [0, 1] },
        experimentId: experiment.id,
      });
      expect(first.created).toBe(true);
      const again = await tracker.ensureSweep({ name: 'kappa', method: 'random', space: { kappa: [0, 1, 2] } });
      expect(again).toMatchObject({
        created: false,
        sweep: { id: first.sweep.id, method: 'random', space: { kappa: [0, 1, 2] } },
      });
      expect(await tracker.getSweep(first.sweep.id)).toEqual(again.sweep);
      const [run] = await tracker.createRuns(first.sweep.id, grid([0], [1]));
      expect(run?.run.experimentId).toBe(experiment.id);
      expect((await tracker.listRuns({ experimentId: experiment.id })).total).toBe(1);
      expect((await tracker.setSweepStatus(first.sweep.id, 'FINISHED')).status).toBe('FINISHED');
      expect((await tracker.listSweeps(experiment.id)).map((s) => s.name)).toEqual(['kappa']);
      expect((await tracker.listExperiments()).map((e) => e.name)).toEqual(['toy']);
      const before = await store.snapshot();
      const other = await tracker.ensureExperiment('other');
      await expect(
        tracker.ensureSweep({ name: 'kappa', method: 'grid', space: {}, experimentId: other.id }),
      ).rejects.toThrow(/sweep "kappa" belongs to experiment .*, not .*; choose another name/);
      await expect(tracker.ensureSweep({ name: 'x', method: 'bayes' as never, space: {} })).rejects.toThrow(
        /method must be grid or random/,
      );
      await expect(tracker.ensureSweep({ name: 'x', method: 'grid', space: {}, experimentId: 'nope' })).rejects.toThrow(
        /no experiment with id "nope"/,
      );
      await expect(tracker.setSweepStatus(first.sweep.id, 'DONE' as never)).rejects.toThrow(
        /status must be one of ACTIVE, FINISHED, CANCELLED/,
      );
      await expect(tracker.getSweep('nope')).rejects.toBeInstanceOf(UnknownSweepError);
      expect(JSON.parse(await store.snapshot()).find((t: [string]) => t[0] === 'sweeps')).toEqual(
        JSON.parse(before).find((t: [string]) => t[0] === 'sweeps'),
      );
    });
  });

  describe('creating runs', () => {
    it('seeds of one config share a config hash; the seed keys do not enter it', () => {
      const a = configHash({ model: { kappaNats: 0.35 }, training: { seed: 1 }, data: { dataSeed: 7 } });
      const b = configHash({ data: { dataSeed: 9 }, training: { seed: 2 }, model: { kappaNats: 0.35 } });
      const c = configHash({ model: { kappaNats: 0.5 }, training: { seed: 1 } });
      expect(a).toBe(b);
      expect(a).not.toBe(c);
      expect(a).toMatch(/^[0-9a-f]{16}$/);
    });

    it('creates PENDING runs in order, with typed params, and re-expanding the sweep adds only what is missing', async () => {
      const { tracker } = await open();
      const { sweep, created } = await sweepWith(tracker, grid([0, 0.35], [1, 2]));
      expect(created.map((c) => c.created)).toEqual([true, true, true, true]);
      expect(created.map((c) => c.run.status)).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING']);
      expect(created.map((c) => c.run.queuePosition)).toEqual([0, 1, 2, 3]);
      expect(created[0]?.run.configHash).toBe(created[1]?.run.configHash);
      expect(created[0]?.run.configHash).not.toBe(created[2]?.run.configHash);
      const detail = await tracker.getRun(created[2]?.run.id);
      expect(detail.params['model.kappaNats']).toEqual({ number: 0.35, text: '0.35' });
      expect(detail.params['model.latentBits']).toEqual({ number: 8, text: '8' });

      const again = await tracker.createRuns(sweep.id, grid([0, 0.35, 0.7], [1, 2]));
      expect(again.map((c) => c.created)).toEqual([false, false, false, false, true, true]);
      expect(again.slice(0, 4).map((c) => c.run.id)).toEqual(created.map((c) => c.run.id));
      expect(again.slice(4).map((c) => c.run.queuePosition)).toEqual([4, 5]);
      expect((await tracker.listRuns({ sweepId: sweep.id })).total).toBe(6);
    });

    it('refuses bad run descriptions and unknown sweeps without writing anything', async () => {
      const store = await open();
      const { tracker } = store;
      const { sweep } = await sweepWith(tracker, []);
      const before = await store.snapshot();
      await expect(tracker.createRuns('nope', grid([0], [1]))).rejects.toBeInstanceOf(UnknownSweepError);
      await expect(tracker.createRuns(sweep.id, [{ name: 'no seed', config: {} }])).rejects.toThrow(
        /sweep runs need a seed/,
      );
      await expect(
        tracker.createRuns(sweep.id, [...grid([0], [1]), { name: 'bad', config: { lr: Number.NaN }, seed: 1 }]),
      ).rejects.toThrow(/run 1: config.lr is NaN; configs must be JSON/);
      await expect(tracker.createRuns(sweep.id, [{ name: '', config: {}, seed: 1 }])).rejects.toThrow(
        /name must be a non-empty string/,
      );
      await expect(tracker.createRuns(sweep.id, [{ name: 'x', config: [] as never, seed: 1 }])).rejects.toThrow(
        /config must be a JSON object/,
      );
      await expect(tracker.createRuns(sweep.id, [{ name: 'x', config: {}, seed: 1.5 }])).rejects.toThrow(
        /seed must be an integer, got 1.5/,
      );
      expect(await store.snapshot()).toBe(before);
    });

    it('startRun makes a standalone RUNNING run with its environment, stamped by the database clock', async () => {
      const { tracker } = await open();
      const before = Date.now();
      const run = await tracker.startRun({
        name: 'solo',
        config: { model: { kappaNats: 0.1 } },
        seed: 3,
        gitCommit: 'abc123',
        gitDirty: true,
        backend: 'wasm',
        host: 'box',
        packageVersions: { '@tensorflow/tfjs': '4.22.0' },
        artifactRoot: '/shared/ckpt',
        totalSteps: 1000,
        tags: { purpose: 'test' },
      });
      expect(run).toMatchObject({
        status: 'RUNNING',
        sweepId: null,
        seed: 3,
        gitCommit: 'abc123',
        gitDirty: true,
        backend: 'wasm',
        packageVersions: { '@tensorflow/tfjs': '4.22.0' },
        artifactRoot: '/shared/ckpt',
        totalSteps: 1000,
        resumeCount: 0,
      });
      expect(run.worker).toBe(`${(await import('node:os')).hostname()}:${process.pid}`);
      expect(run.startedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(run.heartbeatAt).toBe(run.startedAt);
      expect((await tracker.getRun(run.id)).tags).toEqual({ purpose: 'test' });
    });
  });

  describe('claiming and the run lifecycle', () => {
    it('claims PENDING runs in queue order, each once, then returns null', async () => {
      const { tracker } = await open();
      const { sweep, created } = await sweepWith(tracker, grid([0, 0.35], [1, 2]));
      const other = await sweepWith(tracker, grid([9], [1]), 'other-sweep');
      const claimed = [];
      for (let i = 0; i < 4; i++) claimed.push(await tracker.claimNextRun(sweep.id, `w${i}`));
      expect(claimed.map((r) => r?.id)).toEqual(created.map((c) => c.run.id));
      expect(claimed.map((r) => [r?.status, r?.worker])).toEqual([
        ['RUNNING', 'w0'],
        ['RUNNING', 'w1'],
        ['RUNNING', 'w2'],
        ['RUNNING', 'w3'],
      ]);
      expect(claimed[0]?.startedAt).toBe(claimed[0]?.heartbeatAt);
      expect(await tracker.claimNextRun(sweep.id, 'w9')).toBeNull();
      expect((await tracker.claimNextRun(undefined, 'any'))?.id).toBe(other.created[0]?.run.id);
      await expect(tracker.claimNextRun('missing', 'w')).rejects.toBeInstanceOf(UnknownSweepError);
    });

    it('heartbeat, finish and fail move only a RUNNING run, and say why otherwise', async () => {
      const { tracker } = await open();
      const { sweep } = await sweepWith(tracker, grid([0, 0.35], [1]));
      const a = (await tracker.claimNextRun(sweep.id, 'w1'))!;
      await tracker.heartbeat(a.id, 10, { worker: 'w1' });
      expect((await tracker.getRun(a.id)).lastStep).toBe(10);
      await expect(tracker.heartbeat(a.id, 11, { worker: 'w2' })).rejects.toThrow(
        /RUNNING on worker "w1", not "w2"; this worker lost the run/,
      );
      const finished = await tracker.finishRun(a.id, 100);
      expect(finished).toMatchObject({ status: 'FINISHED', lastStep: 100, failureReason: null });
      expect(finished.endedAt).toBeGreaterThanOrEqual(finished.startedAt as number);
      await expect(tracker.heartbeat(a.id, 101)).rejects.toThrow(/is FINISHED, not RUNNING/);
      await expect(tracker.finishRun(a.id)).rejects.toBeInstanceOf(RunStateError);

      const b = (await tracker.claimNextRun(sweep.id, 'w1'))!;
      const failed = await tracker.failRun(b.id, 'loss became NaN at step 40', 40);
      expect(failed).toMatchObject({ status: 'FAILED', lastStep: 40, failureReason: 'loss became NaN at step 40' });

      await expect(tracker.heartbeat('missing', 1)).rejects.toBeInstanceOf(UnknownRunError);
      await expect(tracker.heartbeat('missing', 1)).rejects.toThrow(/heartbeat\("missing"\): no run with id "missing"/);
      await expect(tracker.heartbeat(b.id, -1)).rejects.toThrow(/step must be a non-negative integer, got -1/);
      await expect(tracker.failRun(b.id, '')).rejects.toThrow(/say why the run failed \(reason\)/);
      await expect(tracker.failRun(b.id, 42 as never)).rejects.toThrow(/reason must be a string, got 42/);
    });

    it('stores a failure reason of any length: a long one cut with a marker, whole in a note', async () => {
      const { tracker } = await open();
      const { sweep } = await sweepWith(tracker, grid([0], [1, 2]));
      // A corrupted-checkpoint message with a path and a stack of causes: well over 250 characters.
      const long = `CheckpointError: /shared/runs/abc/checkpoints/step-000400/model.safetensors: ${'the header says 1,234 bytes, the file has 1,200; '.repeat(30)}resume from an intact checkpoint`;
      const run = (await tracker.claimNextRun(sweep.id, 'w1'))!;
      const failed = await tracker.failRun(run.id, long, 400, { worker: 'w1' });
      expect(failed.status).toBe('FAILED');
      expect(failed.failureReason?.startsWith(long.slice(0, 1000))).toBe(true);
      expect(failed.failureReason).toMatch(
        new RegExp(`… \\[cut at 1000 of ${long.length} characters; the whole reason is in the run's notes\\]$`),
      );
      const notes = (await tracker.getRun(run.id)).notes;
      expect(notes.map((n) => [n.text, n.author])).toContainEqual([`failure reason (whole):\n${long}`, 'w1']);
      // A short reason is stored as it is, with no note.
      const other = (await tracker.claimNextRun(sweep.id, 'w2'))!;
      const short = 'x'.repeat(1000);
      expect((await tracker.failRun(other.id, short)).failureReason).toBe(short);
      expect((await tracker.getRun(other.id)).notes).toEqual([]);
    });

    it('a killed run stops its worker at the next heartbeat and can be resumed', async () => {
      const { tracker } = await open();
      const { sweep } = await sweepWith(tracker, grid([0], [1, 2]));
      const run = (await tracker.claimNextRun(sweep.id, 'w1'))!;
      const killed = await tracker.killRun(run.id, 'wrong learning rate');
      expect(killed).toMatchObject({ status: 'KILLED', failureReason: 'wrong learning rate' });
      await expect(tracker.heartbeat(run.id, 5)).rejects.toThrow(
        /is KILLED \(wrong learning rate\), not RUNNING. This process no longer owns it/,
      );
      await expect(tracker.killRun(run.id)).rejects.toThrow(/only PENDING or RUNNING runs can be killed/);
      const pending = (await tracker.listRuns({ sweepId: sweep.id, status: 'PENDING' })).runs[0]!;
      await expect(tracker.killRun(pending.id, 'stopped', -3)).rejects.toThrow(/step must be a non-negative integer/);
      expect((await tracker.getRun(pending.id)).status).toBe('PENDING'); // the refused kill wrote nothing
      // A worker that stops its run records how far it got.
      expect(await tracker.killRun(pending.id, 'stopped at step 12', 12)).toMatchObject({
        status: 'KILLED',
        lastStep: 12,
      });
      const { requeued, run: again } = await tracker.requeueRun(run.id);
      expect(requeued).toBe(true);
      expect(again).toMatchObject({ status: 'PENDING', resumeCount: 1, worker: null });
      expect((await tracker.claimNextRun(sweep.id, 'w2'))?.id).toBe(run.id);
    });

    it('markStaleRuns marks CRASHED only runs silent longer than the timeout, by the database clock', async () => {
      const { tracker } = await open();
      const { sweep } = await sweepWith(tracker, grid([0], [1, 2]));
      const quiet = (await tracker.claimNextRun(sweep.id, 'quiet'))!;
      const alive = (await tracker.claimNextRun(sweep.id, 'alive'))!;
      await sleep(300);
      await tracker.heartbeat(alive.id, 7);
      // A caller whose clock runs a day ahead must not make fresh runs look stale: the cut-off is the database's.
      const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 86_400_000);
      let crashed: Awaited<ReturnType<Tracker['markStaleRuns']>>;
      try {
        expect(await tracker.markStaleRuns(60_000)).toEqual([]);
        crashed = await tracker.markStaleRuns(200);
      } finally {
        clock.mockRestore();
      }
      expect(crashed.map((r) => r.id)).toEqual([quiet.id]);
      expect(crashed[0]).toMatchObject({ status: 'CRASHED' });
      expect(crashed[0]?.failureReason).toBe('no heartbeat for more than 200 ms; worker quiet');
      // The crash stays in the run's history after a resume clears the reason.
      expect((await tracker.getRun(quiet.id)).notes.map((n) => [n.author, n.text])).toEqual([
        [TRACKER_NOTE_AUTHOR, 'marked CRASHED: no heartbeat for more than 200 ms; worker quiet'],
      ]);
      expect((await tracker.getRun(alive.id)).notes).toEqual([]);
      expect((await tracker.getRun(alive.id)).status).toBe('RUNNING');
      await expect(tracker.heartbeat(quiet.id, 8)).rejects.toThrow(
        /is CRASHED \(no heartbeat for more than 200 ms; worker quiet\)/,
      );
      await expect(tracker.markStaleRuns(0)).rejects.toThrow(/timeoutMs must be a positive number/);
    });

    it('markStaleRuns can be limited to one run, leaving other silent runs alone', async () => {
      const { tracker } = await open();
      const { sweep } = await sweepWith(tracker, grid([0], [1, 2]));
      const first = (await tracker.claimNextRun(sweep.id, 'w1'))!;
      const second = (await tracker.claimNextRun(sweep.id, 'w2'))!;
      await sleep(120);
      expect((await tracker.markStaleRuns(50, { runId: second.id })).map((r) => r.id)).toEqual([second.id]);
      expect((await tracker.getRun(first.id)).status).toBe('RUNNING');
      await expect(tracker.markStaleRuns(50, { runId: '' })).rejects.toThrow(/run id must be a non-empty string/);
      expect((await tracker.getRun(first.id)).status).toBe('RUNNING');
    });

    it('requeue gives a crashed run back to the queue until maxResumes, then leaves it CRASHED with the reason', async () => {
      const { tracker } = await open();
      const { sweep } = await sweepWith(tracker, grid([0], [1]));
      const id = (await tracker.claimNextRun(sweep.id, 'w'))!.id;
      for (let attempt = 1; attempt <= 2; attempt++) {
        await sleep(60);
        expect((await tracker.markStaleRuns(50)).map((r) => r.id)).toEqual([id]);
        const result = await tracker.requeueCrashedRuns({ sweepId: sweep.id, maxResumes: 2 });
        expect(result.requeued.map((r) => [r.id, r.resumeCount])).toEqual([[id, attempt]]);
        expect((await tracker.claimNextRun(sweep.id, `w${attempt}`))?.resumeCount).toBe(attempt);
      }
      await sleep(60);
      await tracker.markStaleRuns(50);
      const { requeued, givenUp } = await tracker.requeueCrashedRuns({ sweepId: sweep.id, maxResumes: 2 });
      expect(requeued).toEqual([]);
      expect(givenUp[0]).toMatchObject({ id, status: 'CRASHED', resumeCount: 2 });
      expect(givenUp[0]?.failureReason).toMatch(/; not requeued: already resumed 2 times \(maxResumes 2\)$/);
      const again = await tracker.requeueRun(id, { maxResumes: 2 });
      expect(again.run.failureReason).toBe(givenUp[0]?.failureReason);
      expect(await tracker.claimNextRun(sweep.id, 'w9')).toBeNull();
      await expect(tracker.requeueRun((await tracker.startRun({ name: 'r', config: {} })).id)).rejects.toThrow(
        /is RUNNING; only CRASHED, KILLED or FAILED runs can be requeued/,
      );
    });
  });

  describe('recordRunEnvironment', () => {
    it('records where a claimed sweep run executes, only for the worker holding it', async () => {
      const store = await open();
      const { tracker } = store;
      const { sweep } = await sweepWith(tracker, grid([0], [1]));
      const run = await tracker.claimNextRun(sweep.id, 'host-a:1');
      expect(run?.backend).toBeNull();
      const updated = await tracker.recordRunEnvironment(
        run?.id as string,
        { backend: 'wasm', host: 'host-a', gitCommit: 'abc123', gitDirty: true, packageVersions: { node: 'v20' } },
        { worker: 'host-a:1' },
      );
      expect(updated).toMatchObject({
        backend: 'wasm',
        host: 'host-a',
        gitCommit: 'abc123',
        gitDirty: true,
        packageVersions: { node: 'v20' },
      });
      const before = await store.snapshot();
      await expect(
        tracker.recordRunEnvironment(run?.id as string, { backend: 'cpu' }, { worker: 'host-b:2' }),
      ).rejects.toThrow(/RUNNING on worker "host-a:1", not "host-b:2"/);
      await expect(tracker.recordRunEnvironment('nope', { backend: 'cpu' })).rejects.toBeInstanceOf(UnknownRunError);
      expect(await store.snapshot()).toBe(before);
    });
  });

  describe('claimRun', () => {
    it('claims one given PENDING run once, and says why it cannot claim any other', async () => {
      const store = await open();
      const { tracker } = store;
      const { created } = await sweepWith(tracker, grid([0, 0.35], [1]));
      const second = created[1]?.run.id;
      const claimed = await tracker.claimRun(second, 'w1');
      expect(claimed).toMatchObject({ id: second, status: 'RUNNING', worker: 'w1' });
      const before = await store.snapshot();
      await expect(tracker.claimRun(second, 'w2')).rejects.toThrow(/is RUNNING, not PENDING \(worker "w1" holds it\)/);
      expect(await store.snapshot()).toBe(before); // a refused claim writes nothing
      await tracker.killRun(second);
      await expect(tracker.claimRun(second, 'w2')).rejects.toThrow(/is KILLED, not PENDING; requeue it first/);
      await tracker.requeueRun(second);
      expect(await tracker.claimRun(second, 'w2')).toMatchObject({ status: 'RUNNING', worker: 'w2', resumeCount: 1 });
      await expect(tracker.claimRun('missing', 'w1')).rejects.toBeInstanceOf(UnknownRunError);
    });
  });

  describe('releaseRun', () => {
    it('gives a RUNNING run back to the queue with the reason, without counting a resume; only its worker may', async () => {
      const store = await open();
      const { tracker } = store;
      const { sweep, created } = await sweepWith(tracker, grid([0, 0.35], [1]));
      const first = created[0]?.run.id;
      const claimed = (await tracker.claimNextRun(sweep.id, 'far-away:1'))!;
      expect(claimed.id).toBe(first);
      const before = await store.snapshot();
      await expect(tracker.releaseRun(first, 'other:2', 'cannot write /shared/runs')).rejects.toThrow(
        /RUNNING on worker "far-away:1", not "other:2"/,
      );
      await expect(tracker.releaseRun(first, 'far-away:1', ' ')).rejects.toThrow(/say why the run is released/);
      await expect(tracker.releaseRun('missing', 'far-away:1', 'x')).rejects.toBeInstanceOf(UnknownRunError);
      expect(await store.snapshot()).toBe(before);

      const released = await tracker.releaseRun(first, 'far-away:1', 'cannot write /shared/runs (EACCES)');
      expect(released).toMatchObject({
        status: 'PENDING',
        worker: null,
        heartbeatAt: null,
        endedAt: null,
        resumeCount: 0,
        failureReason: 'released by worker far-away:1: cannot write /shared/runs (EACCES)',
      });
      const notes = (await tracker.getRun(first)).notes;
      expect(notes.map((n) => [n.author, n.text])).toEqual([
        ['far-away:1', 'released to the queue: cannot write /shared/runs (EACCES)'],
      ]);
      await expect(tracker.releaseRun(first, 'far-away:1', 'again')).rejects.toThrow(/is PENDING/);
      // The worker that released it skips it; another worker takes it, and the reason goes away.
      const next = await tracker.claimNextRun(sweep.id, 'far-away:1', { skip: [first] });
      expect(next?.id).toBe(created[1]?.run.id);
      expect(await tracker.claimNextRun(sweep.id, 'far-away:1', { skip: [first] })).toBeNull();
      const taken = await tracker.claimNextRun(sweep.id, 'near:3');
      expect(taken).toMatchObject({ id: first, worker: 'near:3', resumeCount: 0, failureReason: null });
      await expect(tracker.claimNextRun(sweep.id, 'w', { skip: [''] })).rejects.toThrow(
        /skipped run id must be a non-empty string/,
      );
    });
  });
});
