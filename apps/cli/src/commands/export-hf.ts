// ftlab export <run> --format hf --out DIR: the run's newest checkpoint and its tokenizer as a
// Hugging Face directory (@ftlab/training's exportHuggingFace says what is in it).
import { resolve } from 'node:path';
import { UnknownRunError } from '@ftlab/tracker';
import { checkExportTarget, exportHuggingFace } from '@ftlab/training';
import { type GlobalOptions, openStore, startBackend } from '../context.js';
import { createOutput } from '../output.js';
import { type LoadedRun, loadRunModel } from '../run-model.js';

export interface ExportHfOptions extends GlobalOptions {
  out?: string;
  table?: string;
}

export async function exportHfCommand(runId: string, options: ExportHfOptions): Promise<number> {
  const out = createOutput(options);
  if (!options.out) {
    throw new Error('--format hf writes a folder: give it with --out DIR (a new or empty folder)');
  }
  if (options.table) throw new Error(`--table ${options.table} is for the other formats; --format hf exports a run`);
  const outDir = resolve(options.out);
  await checkExportTarget(outDir); // before the minutes a large checkpoint may take to load
  await startBackend(options, out.info);
  const tracker = await openStore(options, { readonly: true });
  let loaded: LoadedRun;
  try {
    const run = await tracker.getRun(runId).catch((error: unknown) => {
      if (error instanceof UnknownRunError)
        throw new Error(`"${runId}" is not a run id in ${tracker.location} (--format hf exports one run)`);
      throw error;
    });
    loaded = await loadRunModel(run);
  } finally {
    await tracker.close();
  }
  try {
    const result = await exportHuggingFace({
      outDir,
      model: loaded.model,
      tokenizer: loaded.dataset.tokenizer,
      metadata: { 'ftlab.run': runId, 'ftlab.step': String(loaded.step) },
    });
    out.result({ run: runId, step: loaded.step, ...result }, () =>
      [
        `wrote ${result.dir}: run ${runId} at step ${loaded.step} as ${result.architecture}`,
        ...result.files.map((file) => `  ${file}`),
      ].join('\n'),
    );
  } finally {
    loaded.model.dispose();
  }
  return 0;
}
