// exportHuggingFace's refusals and its atomicity: an export that fails midway (after the weights
// are written) leaves neither the target nor its temporary folder behind. What an export holds
// is tested on runs trained by the CLI (apps/cli/test/hf-export.test.ts).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '@ftlab/backend';
import { BpeTokenizer, charTokenizerFromSymbols } from '@ftlab/data';
import { createModel } from '@ftlab/model';
import { describe, expect, it } from 'vitest';
import { exportHuggingFace, HuggingFaceExportError } from '../src/index.js';
import { tempDir } from './helpers.js';

const symbols = [...'abcdefgh'];
const tiny = { vocabSize: symbols.length, width: 8, layers: 2, heads: 2, latentBits: 2, contextLength: 8 };

describe('exportHuggingFace', () => {
  it('writes into an empty folder, and refuses a file, a non-empty folder and a mismatched tokenizer', async () => {
    await selectBackend('wasm');
    const dir = tempDir();
    const model = createModel({ ...tiny, variant: 'baseline' }, 1);
    const tokenizer = charTokenizerFromSymbols(symbols);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const done = await exportHuggingFace({ outDir: empty, model, tokenizer });
    expect(done.architecture).toBe('LlamaForCausalLM');
    expect(readdirSync(empty).sort()).toEqual(done.files);

    writeFileSync(join(dir, 'file'), 'x');
    await expect(exportHuggingFace({ outDir: join(dir, 'file'), model, tokenizer })).rejects.toThrow(
      /--out .*file is a file: give a folder to create/,
    );
    await expect(exportHuggingFace({ outDir: empty, model, tokenizer })).rejects.toThrow(
      /already holds 7 entries \(config.json, ftlab-model.json, generation_config.json, \.\.\.\): an export goes into a new or empty folder/,
    );
    const other = charTokenizerFromSymbols([...symbols, 'z']);
    await expect(exportHuggingFace({ outDir: join(dir, 'mismatch'), model, tokenizer: other })).rejects.toThrow(
      /the tokenizer has 9 tokens but the model's vocabulary is 8/,
    );
    expect(existsSync(join(dir, 'mismatch'))).toBe(false);
    model.dispose();
  });

  it('leaves nothing behind when it fails after writing the weights', async () => {
    await selectBackend('wasm');
    const dir = tempDir();
    // A Free Transformer whose twin file cannot be copied (the last file an export writes).
    const ft = createModel({ ...tiny, variant: 'free-transformer' }, 1);
    const missing = join(dir, 'no-such', 'model.py');
    const withoutTwin = exportHuggingFace({
      outDir: join(dir, 'ft'),
      model: ft,
      tokenizer: charTokenizerFromSymbols(symbols),
      twinModelFile: missing,
    });
    await expect(withoutTwin).rejects.toThrow(HuggingFaceExportError);
    await expect(withoutTwin).rejects.toThrow(
      new RegExp(
        `cannot copy the PyTorch twin's model file ${missing} \\(ENOENT\\): a free-transformer export needs it`,
      ),
    );
    // A BPE whose tokens 257 and 259 are the same bytes ("abc"): the tokenizers format keys its
    // vocabulary by spelling, so the tokenizer (written after the weights) is refused.
    const bpe = new BpeTokenizer([
      [97, 98],
      [256, 99],
      [98, 99],
      [97, 258],
    ]);
    const baseline = createModel({ ...tiny, vocabSize: bpe.vocabSize, variant: 'baseline' }, 1);
    await expect(exportHuggingFace({ outDir: join(dir, 'bpe'), model: baseline, tokenizer: bpe })).rejects.toThrow(
      /BPE tokens 257 and 259 are the same bytes \("abc" in byte-level spelling\)/,
    );
    expect(readdirSync(dir)).toEqual([]);
    ft.dispose();
    baseline.dispose();
  });
});
