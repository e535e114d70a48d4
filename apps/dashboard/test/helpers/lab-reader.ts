// The lab database (fixtures/lab-database.ts) for a test file that only reads it: filled once
// before the file's tests, handed over with a read-only tracker on it, and removed after them.
import { openTracker, type Tracker } from '@ftlab/tracker';
import { afterAll, beforeAll } from 'vitest';
import { createLabDatabase, type LabDatabase } from '../fixtures/lab-database';

/** Registers the file's beforeAll and afterAll; `use` receives the database and the reader. */
export function withLabDatabase(
  prefix: string,
  use: (opened: { lab: LabDatabase; reader: Tracker }) => void | Promise<void>,
): void {
  let reader: Tracker | undefined;
  let remove: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await createLabDatabase(prefix);
    remove = created.remove;
    reader = await openTracker(created.lab.path, { readonly: true });
    await use({ lab: created.lab, reader });
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
    await remove?.();
  });
}
