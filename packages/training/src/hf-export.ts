// A model and its tokenizer as a Hugging Face directory (`ftlab export <run> --format hf`):
//
//   config.json, generation_config.json    transformers' config (hf-config.ts)
//   model.safetensors                       the weights, Llama names, [out, in] like torch.nn.Linear
//   ftlab-model.json                        ftlab's manifest: loadCheckpoint and the PyTorch twin
//                                           (python/ftlab_torch) load the directory as it is
//   tokenizer.json, tokenizer_config.json,  the tokenizer in the `tokenizers` library's format
//   special_tokens_map.json                 (@ftlab/data's hf-tokenizer.ts)
// and for a Free Transformer (or cvae), transformers' custom-code layout:
//   configuration_free_transformer.py, modeling_free_transformer.py (the twin's
//   python/ftlab_torch/hf/), and ftlab_torch_model.py, a copy of the twin's
//   python/ftlab_torch/model.py, which they import.
//
// Everything is written into a hidden temporary folder beside the target and renamed into place
// at the end, so a failure leaves no half-written export.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { huggingFaceTokenizerFiles, type Tokenizer } from '@ftlab/data';
import { hasLatent, type Model, saveCheckpoint, writeFileAtomic } from '@ftlab/model';
import {
  CONFIGURATION_MODULE,
  FREE_TRANSFORMER_ARCHITECTURE,
  HF_CONFIG_FILE,
  HF_GENERATION_CONFIG_FILE,
  huggingFaceConfig,
  huggingFaceGenerationConfig,
  LLAMA_ARCHITECTURE,
  MODELING_MODULE,
  pythonJson,
} from './hf-config.js';

/** The twin's model file, copied into a Free Transformer's export under TWIN_MODULE_FILE. */
export const TWIN_MODEL_FILE = fileURLToPath(new URL('../../../python/ftlab_torch/model.py', import.meta.url));
export const TWIN_MODULE_FILE = 'ftlab_torch_model.py';
/** transformers' custom-code files for a Free Transformer, kept beside the twin they wrap. */
export const CUSTOM_CODE_DIR = fileURLToPath(new URL('../../../python/ftlab_torch/hf/', import.meta.url));

export interface HuggingFaceExportInput {
  /** The folder to create: it must not exist, or be empty. */
  outDir: string;
  model: Model;
  /** The tokenizer the model was trained with (its vocabulary size must be the model's). */
  tokenizer: Tokenizer;
  /** Kept in model.safetensors' metadata and ftlab-model.json (e.g. the run and step). */
  metadata?: Record<string, string>;
  /** The PyTorch twin's model file (default: the repository's python/ftlab_torch/model.py). */
  twinModelFile?: string;
}

export interface HuggingFaceExport {
  dir: string;
  architecture: string;
  /** File names written, sorted. */
  files: string[];
}

/** An export refused before anything was written, or one that failed and was removed. */
export class HuggingFaceExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HuggingFaceExportError';
  }
}

/** Throws unless `dir` can receive an export: absent, or an empty folder. */
export async function checkExportTarget(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info === null) return;
  if (!info.isDirectory()) throw new HuggingFaceExportError(`--out ${dir} is a file: give a folder to create`);
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new HuggingFaceExportError(
      `--out ${dir} already holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}): ` +
        'an export goes into a new or empty folder; choose another one or empty it',
    );
  }
}

async function writeInto(temp: string, input: HuggingFaceExportInput): Promise<string> {
  const { model, tokenizer } = input;
  const { config } = model;
  const write = (name: string, text: string) => writeFileAtomic(join(temp, name), text);
  await saveCheckpoint(temp, model, { metadata: input.metadata ?? {} });
  await write(HF_CONFIG_FILE, `${pythonJson(huggingFaceConfig(config))}\n`);
  await write(HF_GENERATION_CONFIG_FILE, `${pythonJson(huggingFaceGenerationConfig(config))}\n`);
  const files = huggingFaceTokenizerFiles(tokenizer, { modelMaxLength: config.contextLength });
  await write('tokenizer.json', `${JSON.stringify(files.tokenizer, null, 2)}\n`);
  await write('tokenizer_config.json', `${JSON.stringify(files.tokenizerConfig, null, 2)}\n`);
  await write('special_tokens_map.json', `${JSON.stringify(files.specialTokensMap, null, 2)}\n`);
  if (!hasLatent(config)) return LLAMA_ARCHITECTURE;
  for (const module of [CONFIGURATION_MODULE, MODELING_MODULE]) {
    await copyFile(join(CUSTOM_CODE_DIR, `${module}.py`), join(temp, `${module}.py`));
  }
  const twin = input.twinModelFile ?? TWIN_MODEL_FILE;
  await copyFile(twin, join(temp, TWIN_MODULE_FILE)).catch((error: NodeJS.ErrnoException) => {
    throw new HuggingFaceExportError(
      `cannot copy the PyTorch twin's model file ${twin} (${error.code ?? error.message}): a ${config.variant} ` +
        `export needs it as ${TWIN_MODULE_FILE} (its transformers class wraps it); export from a checkout that has python/ftlab_torch`,
    );
  });
  return FREE_TRANSFORMER_ARCHITECTURE;
}

/** Writes `input.model` and its tokenizer as a Hugging Face directory at `input.outDir`. */
export async function exportHuggingFace(input: HuggingFaceExportInput): Promise<HuggingFaceExport> {
  const dir = resolve(input.outDir);
  await checkExportTarget(dir);
  if (input.tokenizer.vocabSize !== input.model.config.vocabSize) {
    throw new HuggingFaceExportError(
      `the tokenizer has ${input.tokenizer.vocabSize} tokens but the model's vocabulary is ${input.model.config.vocabSize}: ` +
        'they do not belong together; export with the tokenizer the model was trained with',
    );
  }
  await mkdir(dirname(dir), { recursive: true });
  const temp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(temp);
  try {
    const architecture = await writeInto(temp, input);
    const files = (await readdir(temp)).sort();
    // Onto an empty folder, rename replaces it; onto one that filled up meanwhile, it fails.
    await rename(temp, dir);
    return { dir, architecture, files };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
