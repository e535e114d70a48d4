// The paper's synthetic task (spec section 3): a letter X, then a body of '_' holding one block
// of X repeated blockLength times at a uniform start, then i.i.d. noise '!' over the body.
// Sequence: "X>" + body. The hidden choices (letter, block start, noise mask) are returned with
// every sample, because evaluation asks whether Z encodes them.
import { fieldRules, parseConfig } from '@ftlab/config';
import type { Rng } from '@ftlab/contract';
import { z } from 'zod';
import { type CharTokenizer, charTokenizerFromSymbols } from './char-tokenizer.js';
import type { BenchmarkItem, SyntheticTask } from './synthetic-task.js';

export interface ToyTaskConfig {
  /** Characters after the prompt "X>" (paper: 64). */
  bodyLength: number;
  /** Length of the block of repeated letters (paper: 8). */
  blockLength: number;
  /** Probability that each body character is replaced by '!' (paper: 1/16). */
  noiseRate: number;
  /** Letters X is drawn from, one code point each (paper: A-Z). */
  alphabet: string;
}

export const DEFAULT_TOY_TASK: Readonly<ToyTaskConfig> = Object.freeze({
  bodyLength: 64,
  blockLength: 8,
  noiseRate: 1 / 16,
  alphabet: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
});

export const TOY_SEPARATOR = '>';
export const TOY_BLANK = '_';
export const TOY_NOISE = '!';

export interface ToyHidden {
  letter: string;
  /** Index in the body (0-based) where the block starts, uniform in [0, bodyLength - blockLength]. */
  blockStart: number;
  /** noiseMask[i]: body character i was replaced by '!'. */
  noiseMask: boolean[];
}

export interface ToySample extends ToyHidden {
  /** "X>" followed by the body. */
  text: string;
  /** `text` in the toy vocabulary (ids: alphabet letters, then '>', '_', '!'). */
  tokens: Int32Array;
}

const RESERVED = [TOY_SEPARATOR, TOY_BLANK, TOY_NOISE];

/** What `data.toy` may hold; every field defaults to the paper's value. */
export const ToyTaskConfigSchema = z
  .strictObject({
    bodyLength: z.number().int().min(1).default(DEFAULT_TOY_TASK.bodyLength),
    blockLength: z.number().int().min(1).default(DEFAULT_TOY_TASK.blockLength),
    noiseRate: z.number().min(0).max(1).default(DEFAULT_TOY_TASK.noiseRate),
    alphabet: z
      .string()
      .min(1)
      .superRefine((alphabet, ctx) => {
        const letters = [...alphabet];
        if (new Set(letters).size !== letters.length) ctx.addIssue(`"${alphabet}" repeats a letter`);
        for (const reserved of RESERVED.filter((symbol) => letters.includes(symbol))) {
          ctx.addIssue(`"${alphabet}" contains "${reserved}", which the task reserves for its own use`);
        }
      })
      .default(DEFAULT_TOY_TASK.alphabet),
  })
  .check(
    fieldRules((c, { valid, issue }) => {
      if (valid('bodyLength', 'blockLength') && c.blockLength > c.bodyLength) {
        issue('blockLength', `${c.blockLength} is longer than bodyLength=${c.bodyLength}`);
      }
    }),
  );

/** Fills in the paper's defaults and checks every field, naming each bad one. */
export function resolveToyTaskConfig(partial: Partial<ToyTaskConfig> = {}): ToyTaskConfig {
  const { bodyLength, blockLength, noiseRate, alphabet } = parseConfig(ToyTaskConfigSchema, partial, ['toy']);
  return { bodyLength, blockLength, noiseRate, alphabet };
}

/** The task's symbols in id order: the alphabet, then '>', '_', '!' (29 symbols with the defaults). */
export function toySymbols(config: Partial<ToyTaskConfig> = {}): string[] {
  return [...resolveToyTaskConfig(config).alphabet, TOY_SEPARATOR, TOY_BLANK, TOY_NOISE];
}

export function toyTokenizer(config: Partial<ToyTaskConfig> = {}): CharTokenizer {
  return charTokenizerFromSymbols(toySymbols(config));
}

/** Tokens per sequence: the prompt "X>" plus the body (66 with the defaults). */
export function toySequenceLength(config: Partial<ToyTaskConfig> = {}): number {
  return 2 + resolveToyTaskConfig(config).bodyLength;
}

/**
 * One sample. Random draws, in this order: letter, block start, then one Bernoulli per body
 * character (so a sample costs the same draws whatever it contains).
 */
export function generateToySample(rng: Rng, config: Partial<ToyTaskConfig> = {}): ToySample {
  return drawToySample(rng, resolveToyTaskConfig(config));
}

/** One sample of an already resolved config (the task draws many: checked once, not per sample). */
function drawToySample(rng: Rng, config: ToyTaskConfig): ToySample {
  const { bodyLength, blockLength, noiseRate, alphabet } = config;
  const letters = [...alphabet];
  const letterId = rng.int(letters.length);
  const letter = letters[letterId]!;
  const blockStart = rng.int(bodyLength - blockLength + 1);
  const noiseMask: boolean[] = [];
  for (let i = 0; i < bodyLength; i++) noiseMask.push(rng.bernoulli(noiseRate));

  const separatorId = letters.length;
  const blankId = separatorId + 1;
  const noiseId = separatorId + 2;
  const tokens = new Int32Array(2 + bodyLength);
  tokens[0] = letterId;
  tokens[1] = separatorId;
  let body = '';
  for (let i = 0; i < bodyLength; i++) {
    const inBlock = i >= blockStart && i < blockStart + blockLength;
    const [char, id] = noiseMask[i] ? [TOY_NOISE, noiseId] : inBlock ? [letter, letterId] : [TOY_BLANK, blankId];
    body += char;
    tokens[2 + i] = id;
  }
  return { text: `${letter}${TOY_SEPARATOR}${body}`, tokens, letter, blockStart, noiseMask };
}

export interface ToyBodyAnalysis {
  /** True when the task could have produced `body` after "letter>" (it has non-zero probability). */
  valid: boolean;
  /** Why not, when not valid. */
  reason?: string;
  /** Every block start consistent with the body (several when noise hides the block's ends). */
  blockStarts: number[];
  /** Positions of '!' in the body. */
  noisePositions: number[];
}

/** Judges a generated body against the task's rules: the scoring rule of the toy benchmark. */
export function analyseToyBody(letter: string, body: string, config: Partial<ToyTaskConfig> = {}): ToyBodyAnalysis {
  const { bodyLength, blockLength, noiseRate, alphabet } = resolveToyTaskConfig(config);
  const chars = [...body];
  const noisePositions = chars.flatMap((c, i) => (c === TOY_NOISE ? [i] : []));
  const invalid = (reason: string): ToyBodyAnalysis => ({ valid: false, reason, blockStarts: [], noisePositions });
  if (![...alphabet].includes(letter)) return invalid(`"${letter}" is not a letter of the alphabet`);
  if (chars.length !== bodyLength) return invalid(`body has ${chars.length} characters, expected ${bodyLength}`);
  const stray = chars.findIndex((c) => c !== letter && c !== TOY_BLANK && c !== TOY_NOISE);
  if (stray >= 0) return invalid(`character "${chars[stray]}" at ${stray} is not "${letter}", "_" or "!"`);
  if (noiseRate === 0 && noisePositions.length > 0) return invalid(`"!" at ${noisePositions[0]} with noiseRate 0`);
  if (noiseRate === 1 && noisePositions.length < bodyLength)
    return invalid('a character that is not "!" with noiseRate 1');
  const blockStarts: number[] = [];
  for (let start = 0; start + blockLength <= bodyLength; start++) {
    const fits = chars.every((c, i) => (i >= start && i < start + blockLength ? c !== TOY_BLANK : c !== letter));
    if (fits) blockStarts.push(start);
  }
  if (blockStarts.length === 0) {
    return invalid(`no placement of one block of ${blockLength} "${letter}" explains the body`);
  }
  return { valid: true, blockStarts, noisePositions };
}

/** The toy task as a synthetic language: training sequences, and generation items scored by `analyseToyBody`. */
export function createToyTask(partial: Partial<ToyTaskConfig> = {}): SyntheticTask {
  const config = resolveToyTaskConfig(partial);
  return {
    kind: 'toy',
    tokenizer: toyTokenizer(config),
    stop: undefined,
    maxOutputLength: config.bodyLength,
    fixedLength: 2 + config.bodyLength,
    sequence(rng) {
      const { text, letter, blockStart, noiseMask } = drawToySample(rng, config);
      return { text, hidden: { letter, blockStart, noiseMask } };
    },
    item(rng, id): BenchmarkItem {
      const { text, letter, blockStart, noiseMask } = drawToySample(rng, config);
      const prompt = `${letter}${TOY_SEPARATOR}`;
      return { id, prompt, reference: text.slice(prompt.length), latent: { letter, blockStart, noiseMask } };
    },
    check(item, output) {
      const letter = [...item.prompt][0] ?? '';
      return analyseToyBody(letter, output, config).valid;
    },
    describe: () => ({ kind: 'toy', ...config }),
  };
}
