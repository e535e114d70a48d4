// Training checkpoints: everything needed to continue a run exactly where it stopped.
//
//   <artifactRoot>/checkpoints/
//     step-000200/
//       model.safetensors, ftlab-model.json  the model (@ftlab/model's checkpoint format; the manifest
//                                            was config.json in checkpoints written before, still read)
//       optimizer.safetensors                AdamW moments, PyTorch's names: <param>.exp_avg, <param>.exp_avg_sq
//       trainer-state.json                   step, data position, optimizer step, hashes of the files above
//     LATEST                                 the name of the newest complete checkpoint
//
// A checkpoint is written into a temporary directory and renamed into place, then LATEST is
// replaced atomically: a process killed at any moment leaves LATEST naming a complete
// checkpoint (or no LATEST at all). Loading verifies every file's SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Tensor, tf } from '@ftlab/backend';
import type { BatchPosition } from '@ftlab/data';
import {
  loadCheckpoint,
  type Model,
  readSafetensors,
  saveCheckpoint,
  writeFileAtomic,
  writeSafetensors,
} from '@ftlab/model';
import { type DivergenceState, isDivergenceState } from './divergence.js';
import type { AdamWState } from './optimizer.js';

export const TRAINER_STATE_FILE = 'trainer-state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const LATEST_FILE = 'LATEST';

export interface TrainerState {
  format: 'ftlab-trainer-state';
  version: 1;
  runId: string;
  /** Optimizer steps completed: training continues with step `step`. */
  step: number;
  /** Where the training batch iterator continues. */
  dataPosition: BatchPosition;
  configHash: string;
  optimizer: { file: string; sha256: string; bytes: number };
  model: { sha256: string; bytes: number };
  /** Sums of the training metrics since the last logged step, so a resumed run logs the same means. */
  window: LogWindow;
  /** The divergence detector's history (absent in checkpoints written before it existed). */
  divergence?: DivergenceState;
  savedAt: string;
}

export interface LogWindow {
  loss: number;
  ce: number;
  kl: number;
  gradNorm: number;
  steps: number;
}

export class TrainingCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingCheckpointError';
  }
}

export function checkpointsDir(artifactRoot: string): string {
  return join(artifactRoot, 'checkpoints');
}

function stepDirName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** The step in a checkpoint folder's name (step-000200 -> 200). */
const stepOf = (name: string) => Number(name.slice('step-'.length));

export interface SaveTrainingCheckpoint {
  artifactRoot: string;
  runId: string;
  step: number;
  model: Model;
  optimizer: AdamWState;
  dataPosition: BatchPosition;
  configHash: string;
  window: LogWindow;
  divergence: DivergenceState;
  /** Complete checkpoints to keep (older ones are deleted); at least 1. */
  keep: number;
  /** Called before the checkpoint is put in place and LATEST moved; throws to abandon it (run lost). */
  confirm?: () => Promise<void>;
}

/**
 * A temporary checkpoint folder of another process is deleted only once it is this old: younger,
 * it may be a save in progress (two processes on one run: a stopped worker woken after a takeover).
 */
export const CHECKPOINT_LEFTOVER_AGE_MS = 10 * 60_000;

/** Writes a checkpoint atomically and points LATEST at it unless LATEST names a later step; returns its directory. */
export async function saveTrainingCheckpoint(options: SaveTrainingCheckpoint): Promise<string> {
  const root = checkpointsDir(options.artifactRoot);
  await mkdir(root, { recursive: true });
  const name = stepDirName(options.step);
  const temp = join(root, `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const saved = await saveCheckpoint(temp, options.model, {
    metadata: { 'ftlab.run': options.runId, 'ftlab.step': String(options.step) },
  });
  const moments: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [param, { m, v }] of Object.entries(options.optimizer.moments)) {
    moments[`${param}.exp_avg`] = { dtype: 'F32', shape: [...m.shape], data: (await m.data()) as Float32Array };
    moments[`${param}.exp_avg_sq`] = { dtype: 'F32', shape: [...v.shape], data: (await v.data()) as Float32Array };
  }
  const optimizerFile = await writeSafetensors(join(temp, OPTIMIZER_FILE), moments, {
    'ftlab.optimizer': 'adamw',
    'ftlab.step': String(options.optimizer.step),
  });
  const state: TrainerState = {
    format: 'ftlab-trainer-state',
    version: 1,
    runId: options.runId,
    step: options.step,
    dataPosition: options.dataPosition,
    configHash: options.configHash,
    optimizer: { file: OPTIMIZER_FILE, ...optimizerFile },
    model: { sha256: saved.sha256, bytes: saved.bytes },
    window: options.window,
    divergence: options.divergence,
    savedAt: new Date().toISOString(),
  };
  await writeFile(join(temp, TRAINER_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  // Writing took a while (long enough for a stopped process to lose its run): check again just
  // before anything another process could see changes.
  try {
    await options.confirm?.();
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  const final = join(root, name);
  const exists = await readFile(join(final, TRAINER_STATE_FILE)).then(
    () => true,
    () => false,
  );
  // A complete checkpoint of this step already exists (a run stopped right after saving it and
  // was resumed): training is deterministic, so it holds these very bytes; keep it.
  if (exists) await rm(temp, { recursive: true, force: true });
  else {
    await rm(final, { recursive: true, force: true });
    await rename(temp, final);
  }
  // LATEST only moves forward, past complete checkpoints. A worker stopped between its check and
  // this line, and woken after its run was taken over and trained further elsewhere, must not point
  // LATEST back at its own older checkpoint. (This narrows that race; read, compare and write are
  // not one atomic step.) A LATEST naming a missing or incomplete folder, which resuming skipped,
  // is replaced.
  const current = await readFile(join(root, LATEST_FILE), 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  const currentStep = /^step-\d+$/.test(current)
    ? await completeCheckpointStep(join(root, current)).catch(() => null)
    : null;
  const latest = currentStep !== null && currentStep > options.step ? current : name;
  if (latest === name) await writeFileAtomic(join(root, LATEST_FILE), `${name}\n`);
  await pruneCheckpoints(root, latest, Math.max(1, options.keep));
  return final;
}

/** Deletes older complete checkpoints beyond `keep` and old leftovers of interrupted saves. */
async function pruneCheckpoints(root: string, latest: string, keep: number): Promise<void> {
  const entries = await readdir(root);
  const complete = entries.filter((e) => /^step-\d+$/.test(e)).sort((a, b) => stepOf(a) - stepOf(b));
  const obsolete = complete.slice(0, Math.max(0, complete.length - keep)).filter((e) => e !== latest);
  const leftovers: string[] = [];
  for (const e of entries.filter((e) => e.startsWith('.step-') && !e.includes(`.tmp-${process.pid}-`))) {
    const modified = await stat(join(root, e)).then(
      (s) => s.mtimeMs,
      () => Number.POSITIVE_INFINITY, // gone already
    );
    if (Date.now() - modified > CHECKPOINT_LEFTOVER_AGE_MS) leftovers.push(e);
  }
  for (const e of [...obsolete, ...leftovers]) await rm(join(root, e), { recursive: true, force: true });
}

export interface LoadedTrainingCheckpoint {
  dir: string;
  state: TrainerState;
  model: Model;
  optimizer: AdamWState;
}

/** Where a resumed run starts: a checkpoint directory and the step it holds. */
export interface ResumePoint {
  dir: string;
  /** Optimizer steps the checkpoint holds: training continues with this step. */
  step: number;
  /** Set when LATEST could not be followed and an older complete checkpoint was chosen instead. */
  fallback?: string;
}

/**
 * The step a complete checkpoint directory holds (it has its trainer state), else null. Only a
 * missing or unparsable state means incomplete; any other error (a permission, an I/O error on a
 * network filesystem) is thrown, not taken as a reason to fall back to an older checkpoint.
 */
async function completeCheckpointStep(dir: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(join(dir, TRAINER_STATE_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new TrainingCheckpointError(
      `checkpoint ${dir}: cannot read ${TRAINER_STATE_FILE} (${(error as Error).message})`,
    );
  }
  try {
    const state = JSON.parse(text) as Partial<TrainerState>;
    return state.format === 'ftlab-trainer-state' && Number.isInteger(state.step) ? (state.step as number) : null;
  } catch {
    return null; // cut short: a copy or a save interrupted midway
  }
}

/**
 * The checkpoint a run resumes from, or null when it has none: the one LATEST names; when LATEST
 * is missing (a save interrupted between the rename and LATEST) or names a folder that is gone or
 * incomplete (deleted or half-copied by hand), the newest complete one, saying so in `fallback`.
 * A LATEST with nothing complete to fall back to is an error: training from step 0 again would
 * silently throw away the steps LATEST claims.
 */
export async function resumePoint(artifactRoot: string): Promise<ResumePoint | null> {
  const root = checkpointsDir(artifactRoot);
  const named = await readFile(join(root, LATEST_FILE), 'utf8').then(
    (text) => text.trim(),
    () => null,
  );
  if (named) {
    const step = await completeCheckpointStep(join(root, named));
    if (step !== null) return { dir: join(root, named), step };
  }
  const entries = await readdir(root).catch(() => [] as string[]);
  const candidates = entries.filter((e) => /^step-\d+$/.test(e) && e !== named).sort((a, b) => stepOf(b) - stepOf(a));
  for (const name of candidates) {
    const step = await completeCheckpointStep(join(root, name));
    if (step === null) continue;
    const why = named ? `${LATEST_FILE} names ${named}, which is missing or incomplete` : `there is no ${LATEST_FILE}`;
    return { dir: join(root, name), step, fallback: `${why}; resuming from ${name}, the newest complete checkpoint` };
  }
  if (named) {
    throw new TrainingCheckpointError(
      `checkpoints in ${root}: ${LATEST_FILE} names ${named}, which is missing or incomplete, and no other complete ` +
        `checkpoint is there. Restore ${named}, or delete ${LATEST_FILE} to train the run from step 0 again.`,
    );
  }
  return null;
}

/** The directory of the checkpoint a run resumes from (see resumePoint), or null when it has none. */
export async function latestCheckpointDir(artifactRoot: string): Promise<string | null> {
  return (await resumePoint(artifactRoot))?.dir ?? null;
}

/** Loads a checkpoint written by saveTrainingCheckpoint, verifying every file. */
export async function loadTrainingCheckpoint(
  dir: string,
  expect: { configHash: string },
): Promise<LoadedTrainingCheckpoint> {
  const refuse = (problem: string): never => {
    throw new TrainingCheckpointError(`checkpoint ${dir}: ${problem}`);
  };
  let state: TrainerState;
  try {
    state = JSON.parse(await readFile(join(dir, TRAINER_STATE_FILE), 'utf8')) as TrainerState;
  } catch (error) {
    return refuse(`cannot read ${TRAINER_STATE_FILE} (${(error as Error).message})`);
  }
  if (state.format !== 'ftlab-trainer-state' || state.version !== 1)
    refuse(`${TRAINER_STATE_FILE} has an unknown format`);
  if (state.divergence !== undefined && !isDivergenceState(state.divergence))
    refuse(`${TRAINER_STATE_FILE} has a malformed "divergence" record (the detector's loss history)`);
  if (state.configHash !== expect.configHash) {
    refuse(`it belongs to config ${state.configHash}, the run's config is ${expect.configHash}: refusing to mix them`);
  }
  // loadCheckpoint's errors already name the checkpoint directory.
  const model = await loadCheckpoint(dir).catch((error: Error) => {
    throw new TrainingCheckpointError(error.message);
  });
  const file = await readSafetensors(join(dir, state.optimizer.file)).catch((error: Error) => refuse(error.message));
  if (file.sha256 !== state.optimizer.sha256) {
    model.dispose();
    refuse(
      `${state.optimizer.file} has SHA-256 ${file.sha256}, ${TRAINER_STATE_FILE} records ${state.optimizer.sha256}`,
    );
  }
  const moments: AdamWState['moments'] = {};
  for (const { name, variable } of model.variables) {
    const m = file.tensors[`${name}.exp_avg`];
    const v = file.tensors[`${name}.exp_avg_sq`];
    if (!m || !v) {
      model.dispose();
      refuse(`${state.optimizer.file} has no moments for ${name}`);
    }
    moments[name] = {
      m: tf.tensor(m?.data as Float32Array, variable.shape, 'float32') as Tensor,
      v: tf.tensor(v?.data as Float32Array, variable.shape, 'float32') as Tensor,
    };
  }
  const optimizerStep = Number(file.metadata['ftlab.step'] ?? Number.NaN);
  if (!Number.isInteger(optimizerStep)) refuse(`${state.optimizer.file} does not record its optimizer step`);
  return { dir, state, model, optimizer: { step: optimizerStep, moments } };
}

/**
 * SHA-256 over the names, shapes and values of a checkpoint's weights and optimizer moments,
 * without file metadata (run id, step): two runs that computed the same thing have equal digests.
 */
export async function checkpointDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['model.safetensors', OPTIMIZER_FILE]) {
    const { tensors } = await readSafetensors(join(dir, file));
    for (const name of Object.keys(tensors).sort()) {
      const t = tensors[name] as { shape: number[]; data: ArrayBufferView };
      hash.update(`${file}:${name}:${t.shape.join('x')}:`);
      hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  return hash.digest('hex');
}
