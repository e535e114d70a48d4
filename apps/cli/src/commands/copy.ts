// ftlab copy --from <file|url> --to <file|url>: copy a whole tracker history into another database,
// typically a local SQLite file up to the PostgreSQL database a multi-machine sweep uses (or back
// down for an archive). Rows the destination lacks are added, rows it holds unchanged are skipped,
// so running it again is harmless; a row the destination holds with other values refuses the whole
// copy, which then writes nothing. Run files (checkpoints) are not moved: runs keep the artifact
// root they recorded, which other machines must reach to resume them.

import { openTracker } from '@ftlab/tracker';
import type { GlobalOptions } from '../context.js';
import { createOutput, formatTable } from '../output.js';

export interface CopyCommandOptions extends GlobalOptions {
  from: string;
  to: string;
  batch: number;
}

export async function copyCommand(options: CopyCommandOptions): Promise<number> {
  const out = createOutput(options);
  const source = await openTracker(options.from, { readonly: true });
  try {
    const destination = await openTracker(options.to);
    try {
      out.info(`copying ${source.location} -> ${destination.location}`);
      let shown = '';
      const report = await source.copyTo(destination, {
        batchSize: options.batch,
        onProgress: (progress) => {
          const line = `  ${progress.table}: ${progress.copied} copied, ${progress.unchanged} already there`;
          // One line per table and every 100,000 rows, not one per batch.
          const milestone = `${progress.table}:${Math.floor((progress.copied + progress.unchanged) / 100_000)}`;
          if (!options.json && milestone !== shown) out.info(line);
          shown = milestone;
        },
      });
      const copied = report.tables.reduce((n, t) => n + t.copied, 0);
      out.result(report, () => {
        const rows = report.tables.map((t) => [t.table, t.copied, t.unchanged]);
        const summary =
          copied === 0 ? 'nothing to copy: the destination already holds this history' : `${copied} rows copied`;
        return `${formatTable(['table', 'copied', 'already there'], rows)}\n${summary}`;
      });
      return 0;
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}
