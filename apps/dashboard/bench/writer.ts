// The concurrent writer of the dashboard bench: a child process that behaves like a sweep of two
// training processes on the bench database until it is stopped. Every 100 ms it logs 10 steps
// (8 training keys, validation every 15 steps) for each of its two runs; a run finishes after 200
// steps with its evaluations, so a run of the sweep finishes about once a second and the next
// sweep page view finds its comparison out of date.
// Usage: node --import tsx bench/writer.ts --database <file> --sweep <id> --first-run <n>
import { openTracker } from '@ftlab/tracker';
import { benchArgs } from '../../../bench.shared';
import { finishRun, LIVE_RUN_STEPS, type LiveRun, logSteps, startRun } from './live-sweep';

const args = benchArgs({
  usage: 'node --import tsx bench/writer.ts',
  description:
    "The dashboard bench's concurrent writer: two runs of the sweep logging 10 steps every 100 ms, each " +
    'finishing after 200 steps, until SIGTERM; then one JSON line. The bench (pages.ts) starts it.',
  options: {
    database: { type: 'string', value: 'file', help: 'the bench database (required)' },
    sweep: { type: 'string', value: 'id', help: 'the sweep the runs belong to (required)' },
    'first-run': { type: 'string', value: 'n', help: 'the number of its first run (required; see live-sweep.ts)' },
  },
});
const required = (name: string) => args.fail(`--${name} is required (the bench, pages.ts, passes it)`);
const path = args.string('database') ?? required('database');
const sweepId = args.string('sweep') ?? required('sweep');
const firstRun = args.integer('first-run', 0) ?? required('first-run');

const STEPS_PER_TICK = 10;
const TICK_MS = 100;

const started = performance.now();
const tracker = await openTracker(path);
let nextRun = firstRun;
const lanes: Array<{ run: LiveRun; step: number }> = [];
for (let lane = 0; lane < 2; lane++)
  lanes.push({ run: await startRun(tracker, sweepId, nextRun++, 'bench-writer'), step: 0 });
let finished = 0;
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
while (!stopping) {
  const tick = performance.now();
  for (const lane of lanes) {
    await logSteps(tracker, lane.run, lane.step, lane.step + STEPS_PER_TICK);
    lane.step += STEPS_PER_TICK;
    if (lane.step >= LIVE_RUN_STEPS) {
      await finishRun(tracker, lane.run, LIVE_RUN_STEPS - 1);
      finished++;
      lane.run = await startRun(tracker, sweepId, nextRun++, 'bench-writer');
      lane.step = 0;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, TICK_MS - (performance.now() - tick))));
}
await tracker.close();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ bench: 'writer', runsFinished: finished, seconds: +seconds.toFixed(1) }));
