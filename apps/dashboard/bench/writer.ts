// The concurrent writer of the dashboard bench: a child process that behaves like a sweep of two
// training processes on the bench database until it is stopped. Every 100 ms it logs 10 steps
// (8 training keys, validation every 15 steps) for each of its two runs; a run finishes after 200
// steps with its evaluations, so a run of the sweep finishes about once a second and the next
// sweep page view finds its comparison out of date.
// Usage: node --import tsx bench/writer.ts <database> <sweep id> <first run number>
import { openTracker } from '@ftlab/tracker';
import { finishRun, LIVE_RUN_STEPS, type LiveRun, logSteps, startRun } from './live-sweep';

const [path, sweepId, firstSeed] = process.argv.slice(2);
if (!path || !sweepId || !firstSeed) throw new Error('usage: writer.ts <database> <sweep id> <first seed>');

const STEPS_PER_TICK = 10;
const TICK_MS = 100;

const started = performance.now();
const tracker = await openTracker(path);
let seed = Number(firstSeed);
const lanes: Array<{ run: LiveRun; step: number }> = [];
for (let lane = 0; lane < 2; lane++)
  lanes.push({ run: await startRun(tracker, sweepId, seed++, 'bench-writer'), step: 0 });
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
      lane.run = await startRun(tracker, sweepId, seed++, 'bench-writer');
      lane.step = 0;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, TICK_MS - (performance.now() - tick))));
}
await tracker.close();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ bench: 'writer', runsFinished: finished, seconds: +seconds.toFixed(1) }));
