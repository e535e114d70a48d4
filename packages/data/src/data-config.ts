// What a run trains on, as plain JSON with defaults beside it. `resolveDataConfig` fills every
// default and rejects unknown or bad fields by name (every one at once, checked by
// `DataConfigSchema`), so a run record holds the full config.
import { fieldRules, parseConfig } from '@ftlab/config';
import { z } from 'zod';
import { type ArithmeticConfig, ArithmeticConfigSchema, resolveArithmeticConfig } from './arithmetic.js';
import { BYTE_TOKENS, MAX_VOCAB } from './bpe.js';
import { type ReviewsConfig, ReviewsConfigSchema, resolveReviewsConfig } from './reviews.js';
import { resolveToyTaskConfig, type ToyTaskConfig, ToyTaskConfigSchema } from './toy-task.js';

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

const count = z.number().int().min(1);
const fraction = z.number().min(0).max(1);
/** Seed of the validation and test draws, apart from the run's seed. */
const evaluationSeed = z.number().int().default(DEFAULT_EVALUATION_SEED);
const syntheticSizes = {
  validationSequences: count.default(DEFAULT_EVALUATION_SEQUENCES),
  testSequences: count.default(DEFAULT_EVALUATION_SEQUENCES),
  evaluationSeed,
};

/** Contiguous fractions of the corpus; a partial one is completed with the defaults. */
export const SplitFractionsSchema = z
  .strictObject({
    train: fraction.default(DEFAULT_SPLITS.train),
    validation: fraction.default(DEFAULT_SPLITS.validation),
    test: fraction.default(DEFAULT_SPLITS.test),
  })
  .check(
    fieldRules((s, { valid, problem }) => {
      const sum = s.train + s.validation + s.test;
      if (valid('train', 'validation', 'test') && Math.abs(sum - 1) > 1e-9) {
        problem(
          `the splits must add up to 1 so they cover the corpus; ${s.train} + ${s.validation} + ${s.test} = ${sum}`,
        );
      }
    }),
  );

/** What a run's `data:` section may hold: one shape per kind. */
export const DataConfigSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('toy'), toy: ToyTaskConfigSchema.optional(), ...syntheticSizes }),
    z
      .strictObject({
        kind: z.literal('text'),
        /** A UTF-8 text file; default: the bundled tiny-shakespeare (checksum verified). */
        path: z.string().min(1).optional(),
        expectedSha256: z
          .string()
          .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
          .optional(),
        tokenizer: z.enum(['char', 'bpe']).default('char'),
        /** Only for tokenizer bpe (default 512). */
        bpeVocabSize: z.number().int().min(BYTE_TOKENS).max(MAX_VOCAB).optional(),
        splits: SplitFractionsSchema.optional(),
        evaluationSeed,
      })
      .check(
        fieldRules((c, { valid, issue }) => {
          if (valid('tokenizer', 'bpeVocabSize') && c.tokenizer !== 'bpe' && c.bpeVocabSize !== undefined) {
            issue('bpeVocabSize', 'is only for tokenizer "bpe"');
          }
        }),
      ),
    z.strictObject({ kind: z.literal('arithmetic'), arithmetic: ArithmeticConfigSchema.optional(), ...syntheticSizes }),
    z.strictObject({ kind: z.literal('reviews'), reviews: ReviewsConfigSchema.optional(), ...syntheticSizes }),
  ],
  { error: `must be one of ${DATA_KINDS.join(', ')}` },
);

/** The config with every default filled in; throws naming every bad field. */
export function resolveDataConfig(config: DataConfig): DataConfig {
  const c = parseConfig(DataConfigSchema, config, ['data']);
  switch (c.kind) {
    case 'toy':
      return { kind: c.kind, toy: resolveToyTaskConfig(c.toy), ...sizes(c) };
    case 'arithmetic':
      return { kind: c.kind, arithmetic: resolveArithmeticConfig(c.arithmetic), ...sizes(c) };
    case 'reviews':
      return { kind: c.kind, reviews: resolveReviewsConfig(c.reviews), ...sizes(c) };
    case 'text': {
      const splits = resolveSplits(c.splits);
      const resolved: TextDataConfig = {
        kind: c.kind,
        tokenizer: c.tokenizer,
        splits,
        evaluationSeed: c.evaluationSeed,
      };
      if (c.path !== undefined) resolved.path = c.path;
      if (c.expectedSha256 !== undefined) resolved.expectedSha256 = c.expectedSha256.toLowerCase();
      if (c.tokenizer === 'bpe') resolved.bpeVocabSize = c.bpeVocabSize ?? DEFAULT_BPE_VOCAB_SIZE;
      return resolved;
    }
  }
}

function sizes(c: Required<SyntheticSplitSizes>): Required<SyntheticSplitSizes> {
  return {
    validationSequences: c.validationSequences,
    testSequences: c.testSequences,
    evaluationSeed: c.evaluationSeed,
  };
}

function resolveSplits(splits: SplitFractions | undefined): SplitFractions {
  const { train, validation, test } = splits ?? DEFAULT_SPLITS;
  return { train, validation, test };
}
