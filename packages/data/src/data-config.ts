// What a run trains on, as plain JSON with defaults beside it. `resolveDataConfig` fills every
// default and rejects unknown or bad fields by name, so a run record holds the full config.
import { type ArithmeticConfig, resolveArithmeticConfig } from './arithmetic.js';
import { type ReviewsConfig, resolveReviewsConfig } from './reviews.js';
import { checkOptionNames } from './synthetic-task.js';
import { resolveToyTaskConfig, type ToyTaskConfig } from './toy-task.js';

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

interface EvaluationSeed {
  /**
   * Seed of the validation and test draws (default 0), apart from the run's seed, so runs with
   * different seeds are evaluated on the same data.
   */
  evaluationSeed?: number;
}

/** Synthetic kinds: train is an endless stream; validation and test are fixed sets of sequences. */
interface SyntheticSplitSizes extends EvaluationSeed {
  /** Sequences in the validation set (default 512). */
  validationSequences?: number;
  /** Sequences in the test set (default 512). */
  testSequences?: number;
}

export interface ToyDataConfig extends SyntheticSplitSizes {
  kind: 'toy';
  toy?: Partial<ToyTaskConfig>;
}

export interface ArithmeticDataConfig extends SyntheticSplitSizes {
  kind: 'arithmetic';
  arithmetic?: Partial<ArithmeticConfig>;
}

export interface ReviewsDataConfig extends SyntheticSplitSizes {
  kind: 'reviews';
  reviews?: Partial<ReviewsConfig>;
}

export interface TextDataConfig extends EvaluationSeed {
  kind: 'text';
  /** A UTF-8 text file; default: the bundled tiny-shakespeare (checksum verified). */
  path?: string;
  /** Refuse the file unless its SHA-256 (lowercase hex) is this. */
  expectedSha256?: string;
  /** Default 'char'. */
  tokenizer?: 'char' | 'bpe';
  /** BPE vocabulary size, 256 bytes + merges (default 512). */
  bpeVocabSize?: number;
  /** Contiguous train/validation/test fractions of the corpus's characters (default 0.9/0.05/0.05). */
  splits?: SplitFractions;
}

export type SyntheticDataConfig = ToyDataConfig | ArithmeticDataConfig | ReviewsDataConfig;
export type DataConfig = SyntheticDataConfig | TextDataConfig;
export type DataKind = DataConfig['kind'];

export const DATA_KINDS: readonly DataKind[] = ['toy', 'text', 'arithmetic', 'reviews'];
export const DEFAULT_SPLITS: Readonly<SplitFractions> = Object.freeze({ train: 0.9, validation: 0.05, test: 0.05 });
export const DEFAULT_EVALUATION_SEQUENCES = 512;
export const DEFAULT_BPE_VOCAB_SIZE = 512;
export const DEFAULT_EVALUATION_SEED = 0;

function resolveEvaluationSeed(value: number | undefined): number {
  const seed = value ?? DEFAULT_EVALUATION_SEED;
  if (!Number.isSafeInteger(seed)) throw new Error(`data.evaluationSeed must be an integer, got ${seed}.`);
  return seed;
}

function resolveSequences(value: number | undefined, name: string): number {
  const count = value ?? DEFAULT_EVALUATION_SEQUENCES;
  if (!Number.isInteger(count) || count < 1) throw new Error(`data.${name} must be a positive integer, got ${count}.`);
  return count;
}

function resolveSplits(splits: SplitFractions | undefined): SplitFractions {
  const resolved = { ...DEFAULT_SPLITS, ...splits };
  checkOptionNames('data.splits', resolved, Object.keys(DEFAULT_SPLITS));
  for (const [name, fraction] of Object.entries(resolved)) {
    if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
      throw new Error(`data.splits.${name} must be a fraction in [0, 1], got ${fraction}.`);
    }
  }
  const sum = resolved.train + resolved.validation + resolved.test;
  if (Math.abs(sum - 1) > 1e-9) {
    throw new Error(
      `data.splits must add up to 1 so the splits cover the corpus; ${resolved.train} + ${resolved.validation} + ${resolved.test} = ${sum}.`,
    );
  }
  return resolved;
}

/** The config with every default filled in; throws naming the first bad field. */
export function resolveDataConfig(config: DataConfig): DataConfig {
  const kind = (config as { kind?: unknown } | null)?.kind;
  const common = ['kind', 'validationSequences', 'testSequences', 'evaluationSeed'];
  const sizes = (c: SyntheticSplitSizes) => ({
    validationSequences: resolveSequences(c.validationSequences, 'validationSequences'),
    testSequences: resolveSequences(c.testSequences, 'testSequences'),
    evaluationSeed: resolveEvaluationSeed(c.evaluationSeed),
  });
  switch (kind) {
    case 'toy': {
      const c = config as ToyDataConfig;
      checkOptionNames('data (kind toy)', c, [...common, 'toy']);
      return { kind, toy: resolveToyTaskConfig(c.toy), ...sizes(c) };
    }
    case 'arithmetic': {
      const c = config as ArithmeticDataConfig;
      checkOptionNames('data (kind arithmetic)', c, [...common, 'arithmetic']);
      return { kind, arithmetic: resolveArithmeticConfig(c.arithmetic), ...sizes(c) };
    }
    case 'reviews': {
      const c = config as ReviewsDataConfig;
      checkOptionNames('data (kind reviews)', c, [...common, 'reviews']);
      return { kind, reviews: resolveReviewsConfig(c.reviews), ...sizes(c) };
    }
    case 'text': {
      const c = config as TextDataConfig;
      checkOptionNames('data (kind text)', c, [
        'kind',
        'path',
        'expectedSha256',
        'tokenizer',
        'bpeVocabSize',
        'splits',
        'evaluationSeed',
      ]);
      const tokenizer = c.tokenizer ?? 'char';
      if (tokenizer !== 'char' && tokenizer !== 'bpe') {
        throw new Error(`data.tokenizer must be "char" or "bpe", got ${JSON.stringify(tokenizer)}.`);
      }
      if (c.path !== undefined && (typeof c.path !== 'string' || c.path === '')) {
        throw new Error(`data.path must be a file path, got ${JSON.stringify(c.path)}.`);
      }
      if (c.expectedSha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(c.expectedSha256)) {
        throw new Error(`data.expectedSha256 must be 64 hex digits, got ${JSON.stringify(c.expectedSha256)}.`);
      }
      const resolved: TextDataConfig = {
        kind,
        tokenizer,
        splits: resolveSplits(c.splits),
        evaluationSeed: resolveEvaluationSeed(c.evaluationSeed),
      };
      if (c.path !== undefined) resolved.path = c.path;
      if (c.expectedSha256 !== undefined) resolved.expectedSha256 = c.expectedSha256.toLowerCase();
      if (tokenizer === 'bpe') resolved.bpeVocabSize = c.bpeVocabSize ?? DEFAULT_BPE_VOCAB_SIZE;
      else if (c.bpeVocabSize !== undefined) throw new Error('data.bpeVocabSize is only for tokenizer "bpe".');
      return resolved;
    }
    default:
      throw new Error(`data.kind must be one of ${DATA_KINDS.join(', ')}, got ${JSON.stringify(kind)}.`);
  }
}
