// Model checkpoints: a directory holding
//   model.safetensors   the weights, Hugging Face names, float32, linear weights as [out, in]
//                       (torch.nn.Linear's layout); __metadata__ has format=pt and the config
//   ftlab-model.json    { format, version, config, weights: { file, sha256, bytes }, metadata }
// Both files are written atomically (temp file + rename), the weights first, so the manifest
// always describes complete weights. Loading verifies the SHA-256, the safetensors header, and
// that names, shapes and dtypes are exactly the ones the config implies; anything else is
// refused with an error that says what differs.
//
// The manifest was called config.json until a Hugging Face export needed that name for its own
// config; checkpoints written before still load (the old name is read when the new one is absent).
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { type ModelConfig, type ModelConfigInput, resolveModelConfig } from './config.js';
import { TransformerModel } from './free-transformer.js';
import { variablesFromValues } from './init.js';
import { parameterSpecs } from './parameters.js';
import {
  decodeSafetensors,
  type SafetensorsFile,
  type SafetensorsTensor,
  sha256Hex,
  writeSafetensors,
} from './safetensors.js';
import type { Model } from './types.js';

export const CHECKPOINT_FORMAT = 'ftlab-model-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const WEIGHTS_FILE = 'model.safetensors';
export const MANIFEST_FILE = 'ftlab-model.json';
/** The manifest's name in checkpoints written before MANIFEST_FILE; read, never written. */
export const LEGACY_MANIFEST_FILE = 'config.json';

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  config: ModelConfig;
  weights: { file: string; sha256: string; bytes: number };
  metadata: Record<string, string>;
}

export interface SavedCheckpoint {
  /** The checkpoint directory. */
  path: string;
  weightsPath: string;
  configPath: string;
  sha256: string;
  bytes: number;
}

/** A checkpoint that cannot be loaded: corrupt, incomplete, or not the model it claims to be. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** [rows, cols] row-major -> [cols, rows]. */
function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** Saves `model` into directory `dir` (created if needed); returns where and the weights' SHA-256. */
export async function saveCheckpoint(
  dir: string,
  model: Model,
  extra: { metadata?: Record<string, string> } = {},
): Promise<SavedCheckpoint> {
  await mkdir(dir, { recursive: true });
  const byName = new Map(model.variables.map((v) => [v.name, v.variable]));
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const spec of parameterSpecs(model.config)) {
    const variable = byName.get(spec.name);
    if (variable === undefined) throw new Error(`saveCheckpoint: the model has no variable ${spec.name}`);
    const data = (await variable.data()) as Float32Array;
    const [rows, cols] = spec.shape as [number, number];
    tensors[spec.name] = spec.linear
      ? { dtype: 'F32', shape: [cols, rows], data: transpose2d(data, rows, cols) }
      : { dtype: 'F32', shape: [...spec.shape], data: Float32Array.from(data) };
  }
  const metadata = extra.metadata ?? {};
  const weightsPath = join(dir, WEIGHTS_FILE);
  const { sha256, bytes } = await writeSafetensors(weightsPath, tensors, {
    ...metadata,
    format: 'pt',
    'ftlab.config': JSON.stringify(model.config),
    'ftlab.layout': 'linear weights [out, in] as torch.nn.Linear; see the @ftlab/model README',
  });
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: model.config,
    weights: { file: WEIGHTS_FILE, sha256, bytes },
    metadata,
  };
  const configPath = join(dir, MANIFEST_FILE);
  await writeFileAtomic(configPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { path: dir, weightsPath, configPath, sha256, bytes };
}

function configDifferences(actual: ModelConfig, expected: ModelConfigInput): string[] {
  const resolved = resolveModelConfig({ ...actual, ...expected });
  const out: string[] = [];
  for (const key of Object.keys(resolved) as Array<keyof ModelConfig>) {
    if (resolved[key] !== actual[key])
      out.push(`${key}: checkpoint has ${JSON.stringify(actual[key])}, expected ${JSON.stringify(resolved[key])}`);
  }
  return out;
}

export interface LoadCheckpointOptions {
  /** Refuse the checkpoint unless its config agrees with these fields. */
  expectConfig?: ModelConfigInput;
}

/**
 * The manifest of checkpoint directory `dir`: ftlab-model.json, else (a checkpoint written before
 * the rename) config.json; or `named`, the manifest file the caller pointed at.
 */
async function readManifest(
  dir: string,
  named: string | null,
  refuse: (problem: string) => never,
): Promise<{ file: string; manifest: CheckpointManifest }> {
  let file = named ?? MANIFEST_FILE;
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (error) {
    if (named !== null || (error as NodeJS.ErrnoException).code !== 'ENOENT')
      return refuse(`cannot read ${file} (${(error as Error).message})`);
    file = LEGACY_MANIFEST_FILE;
    try {
      text = await readFile(join(dir, file), 'utf8');
    } catch {
      return refuse(
        `cannot read ${MANIFEST_FILE} (${(error as Error).message}), nor ${LEGACY_MANIFEST_FILE}, its name in older checkpoints`,
      );
    }
  }
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(text) as CheckpointManifest;
  } catch (error) {
    return refuse(`cannot read ${file} (${(error as Error).message})`);
  }
  if (manifest?.format !== CHECKPOINT_FORMAT) {
    // A Hugging Face config.json without ftlab-model.json beside it: not an ftlab checkpoint.
    const hint = file === LEGACY_MANIFEST_FILE ? ` (and there is no ${MANIFEST_FILE})` : '';
    refuse(`${file} is not an ${CHECKPOINT_FORMAT} manifest${hint}`);
  }
  return { file, manifest };
}

/**
 * Reads a checkpoint directory (or its manifest file, or another file in it) saved by
 * saveCheckpoint and rebuilds the model. Directories from before the manifest's rename
 * (config.json) load too.
 */
export async function loadCheckpoint(path: string, options: LoadCheckpointOptions = {}): Promise<Model> {
  const isFile = (await stat(path).catch(() => null))?.isDirectory() === false;
  const dir = isFile ? dirname(path) : path;
  const refuse = (problem: string): never => {
    throw new CheckpointError(`checkpoint ${dir}: ${problem}`);
  };
  // A path to a file: its manifest, or, for any other file of a checkpoint folder (an export's
  // Hugging Face config.json, model.safetensors), the folder's manifest.
  const named = isFile ? basename(path) : null;
  const { file: manifestFile, manifest } = await readManifest(dir, named, refuse).catch((error: unknown) => {
    if (named === null || named === MANIFEST_FILE || !(error instanceof CheckpointError)) throw error;
    return readManifest(dir, null, refuse);
  });
  if (manifest.version !== CHECKPOINT_VERSION)
    refuse(`format version ${manifest.version} is not supported (expected ${CHECKPOINT_VERSION})`);
  let config: ModelConfig;
  try {
    config = resolveModelConfig(manifest.config);
  } catch (error) {
    return refuse(`its config is invalid: ${(error as Error).message}`);
  }
  if (options.expectConfig) {
    const differences = configDifferences(config, options.expectConfig);
    if (differences.length > 0) refuse(`config mismatch: ${differences.join('; ')}`);
  }
  if (typeof manifest.weights?.sha256 !== 'string' || typeof manifest.weights.file !== 'string')
    refuse(
      `${manifestFile} records no weights file and checksum (weights.file, weights.sha256): re-save the checkpoint`,
    );
  const weightsPath = join(dir, manifest.weights.file);
  let bytes: Uint8Array;
  try {
    const buffer = await readFile(weightsPath);
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    return refuse(`cannot read its weights (${(error as Error).message})`);
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== manifest.weights.sha256) {
    refuse(
      `${manifest.weights.file} has SHA-256 ${sha256}, but ${manifestFile} records ${manifest.weights.sha256}: ` +
        'the file is corrupt or was replaced; restore it from a copy or re-save the checkpoint',
    );
  }
  let file: SafetensorsFile;
  try {
    file = decodeSafetensors(bytes, weightsPath);
  } catch (error) {
    return refuse((error as Error).message);
  }
  const stored = file.metadata['ftlab.config'];
  if (stored !== undefined && JSON.stringify(resolveModelConfig(JSON.parse(stored))) !== JSON.stringify(config)) {
    refuse(
      `the config inside ${manifest.weights.file} differs from ${manifestFile}: the two files belong to different models`,
    );
  }
  const specs = parameterSpecs(config);
  const problems: string[] = [];
  const values = new Map<string, Float32Array>();
  for (const spec of specs) {
    const tensor = file.tensors[spec.name];
    const expectedShape = spec.linear ? [spec.shape[1], spec.shape[0]] : spec.shape;
    if (tensor === undefined) problems.push(`missing tensor ${spec.name}`);
    else if (tensor.dtype !== 'F32') problems.push(`${spec.name} is ${tensor.dtype}, expected F32`);
    else if (tensor.shape.join() !== expectedShape.join())
      problems.push(`${spec.name} has shape [${tensor.shape}], expected [${expectedShape}]`);
    else {
      const data = tensor.data as Float32Array;
      values.set(spec.name, spec.linear ? transpose2d(data, expectedShape[0], expectedShape[1]) : data);
    }
  }
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(file.tensors)) if (!known.has(name)) problems.push(`unexpected tensor ${name}`);
  if (problems.length > 0) refuse(`weights do not match its config: ${problems.join('; ')}`);
  return new TransformerModel(config, variablesFromValues(specs, values));
}
