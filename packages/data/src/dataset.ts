// The one entry point training, evaluation and the CLI use: a data config and a seed in, a
// dataset of reproducible, resumable batches out.
import { type DataConfig, resolveDataConfig, type SyntheticDataConfig, type TextDataConfig } from './data-config.js';
import type { CreateDatasetOptions, Dataset } from './dataset-interface.js';
import { SyntheticDataset } from './synthetic-dataset.js';
import { TextDataset } from './text-dataset.js';

export function createDataset(config: DataConfig, options: CreateDatasetOptions): Dataset {
  const seed = options?.seed;
  if (!Number.isSafeInteger(seed)) throw new Error(`createDataset needs an integer seed, got ${String(seed)}.`);
  const resolved = resolveDataConfig(config);
  if (resolved.kind === 'text') return new TextDataset(resolved as TextDataConfig, seed, options.tokenizerJson);
  return new SyntheticDataset(resolved as SyntheticDataConfig, seed, options.tokenizerJson);
}
