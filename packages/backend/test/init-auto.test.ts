// Its own file: initBackend's choice lasts for the whole (test) process.
import { afterEach, expect, it } from 'vitest';
import { initBackend } from '../src/index.js';
import { currentBackend } from '../src/select.js';

const saved = process.env.FTLAB_BACKEND;
afterEach(() => {
  process.env.FTLAB_BACKEND = saved;
});

it('reads FTLAB_BACKEND, rejects a bad value, then auto-selects and logs why faster engines were skipped', async () => {
  await expect(currentBackend()).rejects.toThrow(/call initBackend\(\) first/);
  process.env.FTLAB_BACKEND = 'tpu';
  expect(() => initBackend()).toThrow(/FTLAB_BACKEND="tpu" is not a backend/);

  process.env.FTLAB_BACKEND = 'auto';
  const logs: string[] = [];
  const info = await initBackend(undefined, { log: (m) => logs.push(m) });
  expect(logs).toHaveLength(1);
  expect(logs[0]).toContain(`using the ${info.name} backend`);
  for (const skipped of info.skipped) expect(logs[0]).toContain(`${skipped.name} (${skipped.why})`);
  expect(await currentBackend()).toBe(info);
});
