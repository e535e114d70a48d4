// The progress bar's ETA counts only what this process did: a run resumed at half-way must not
// be told it needs as long again as it has been running.
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../src/progress.js';

function recorder() {
  const lines: string[] = [];
  return { lines, stream: { isTTY: false, write: (text: string) => lines.push(text.trim()) > 0 } };
}

describe('ProgressBar', () => {
  it('estimates the time left from the rate of this process, not from the absolute count', () => {
    let clock = 0;
    const { lines, stream } = recorder();
    const bar = new ProgressBar('run r', stream, 24, () => clock);
    bar.update({ done: 500, total: 1000, unit: 'steps' }); // resumed at step 500: no rate yet
    expect(lines.at(-1)).toMatch(/^run r 50% 500\/1000 steps \| 0s elapsed \| ETA \?$/);
    clock = 10_000;
    bar.update({ done: 600, total: 1000, unit: 'steps' }); // 100 steps in 10 s: 400 left take 40 s
    expect(lines.at(-1)).toMatch(/^run r 60% 600\/1000 steps \| 10s elapsed \| ETA 40s/);
    clock = 12_000;
    bar.update({ done: 1000, total: 1000, unit: 'steps', loss: 0.25 });
    expect(lines.at(-1)).toMatch(/^run r 100% 1000\/1000 steps \| 12s elapsed \| ETA 0s \| loss 0.25/);
  });

  it('writes plain lines at most every 5 s off a terminal, and always the last one', () => {
    let clock = 0;
    const { lines, stream } = recorder();
    const bar = new ProgressBar('sweep s', stream, 24, () => clock);
    for (let step = 1; step <= 9; step++) {
      clock = step * 1000;
      bar.update({ done: step, total: 10, unit: 'steps' });
    }
    expect(lines).toHaveLength(2); // at 1 s (the first) and 7 s (more than 5 s later)
    clock = 10_000;
    bar.update({ done: 10, total: 10, unit: 'steps' });
    expect(lines).toHaveLength(3);
  });
});
