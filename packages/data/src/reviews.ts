// A tiny "review" language with a hidden sentiment: every adjective and the closing verdict
// take the sentiment drawn first, so a model must commit to it once and stay consistent
// across the sentence, the kind of latent decision the Free Transformer is meant to make.
//   "the soup was very bland and the staff seemed rude, never again.\n"
import { ordered, parseConfig } from '@ftlab/config';
import type { Rng } from '@ftlab/contract';
import { z } from 'zod';
import { charTokenizerFromSymbols } from './char-tokenizer.js';
import { type BenchmarkItem, type SyntheticTask, untilStop } from './synthetic-task.js';

export type Sentiment = 'positive' | 'negative';

export interface ReviewsConfig {
  /** Fewest "the <noun> <verb> <adjective>" clauses in a review (default 2). */
  minClauses: number;
  /** Most clauses (default 3, at most the number of nouns). */
  maxClauses: number;
  /** End with a verdict phrase that also carries the sentiment (default true). */
  verdict: boolean;
}

export const DEFAULT_REVIEWS: Readonly<ReviewsConfig> = Object.freeze({ minClauses: 2, maxClauses: 3, verdict: true });

export const REVIEW_WORDS = {
  nouns: ['food', 'staff', 'room', 'service', 'music', 'view', 'bed', 'price', 'coffee', 'waiter', 'menu', 'soup'],
  verbs: ['was', 'seemed', 'felt', 'looked'],
  intensifiers: ['very', 'really', 'quite'],
  adjectives: {
    positive: ['great', 'lovely', 'friendly', 'clean', 'tasty', 'warm', 'cheerful', 'perfect', 'pleasant', 'superb'],
    negative: ['awful', 'rude', 'dirty', 'bland', 'cold', 'noisy', 'dreadful', 'stale', 'slow', 'shabby'],
  },
  verdicts: {
    positive: ['would come again', 'highly recommended', 'a real treat'],
    negative: ['never again', 'avoid it', 'a waste of money'],
  },
} as const;

const STOP = '\n';
const INTENSIFIER_RATE = 1 / 4;
const SENTIMENTS: readonly Sentiment[] = ['positive', 'negative'];

export const REVIEW_SYMBOLS = [...'abcdefghijklmnopqrstuvwxyz', ' ', ',', '.', STOP];

/** What `data.reviews` may hold. At most one clause per noun. */
export const ReviewsConfigSchema = z
  .strictObject({
    minClauses: z.number().int().min(1).default(DEFAULT_REVIEWS.minClauses),
    maxClauses: z.number().int().min(1).max(REVIEW_WORDS.nouns.length).default(DEFAULT_REVIEWS.maxClauses),
    verdict: z.boolean().default(DEFAULT_REVIEWS.verdict),
  })
  .check(ordered('minClauses', 'maxClauses'));

export function resolveReviewsConfig(partial: Partial<ReviewsConfig> = {}): ReviewsConfig {
  const { minClauses, maxClauses, verdict } = parseConfig(ReviewsConfigSchema, partial, ['reviews']);
  return { minClauses, maxClauses, verdict };
}

export interface ReviewAnalysis {
  /** The text follows the grammar (clause count within the config's range, verdict as configured). */
  valid: boolean;
  reason?: string;
  /** The sentiment of each adjective, then of the verdict, in order. */
  sentiments: Sentiment[];
  /** Every sentiment-bearing word agrees. */
  consistent: boolean;
  /** The sentiment when consistent. */
  sentiment?: Sentiment;
}

function polarity(word: string, lists: { positive: readonly string[]; negative: readonly string[] }) {
  return SENTIMENTS.find((s) => lists[s].includes(word));
}

/** Parses one review (without its final newline) and judges it: the reviews benchmark's rule. */
export function analyseReview(text: string, partial: Partial<ReviewsConfig> = {}): ReviewAnalysis {
  const config = resolveReviewsConfig(partial);
  const sentiments: Sentiment[] = [];
  const invalid = (reason: string): ReviewAnalysis => ({ valid: false, reason, sentiments, consistent: false });
  if (!text.endsWith('.')) return invalid('a review ends with "."');
  let body = text.slice(0, -1);
  let verdictSentiment: Sentiment | undefined;
  if (config.verdict) {
    const comma = body.lastIndexOf(', ');
    if (comma < 0) return invalid('missing ", <verdict>" before the final "."');
    verdictSentiment = polarity(body.slice(comma + 2), REVIEW_WORDS.verdicts);
    if (verdictSentiment === undefined) return invalid(`"${body.slice(comma + 2)}" is not a verdict`);
    body = body.slice(0, comma);
  }
  const clauses = body.split(' and ');
  if (clauses.length < config.minClauses || clauses.length > config.maxClauses) {
    return invalid(`${clauses.length} clauses, expected ${config.minClauses} to ${config.maxClauses}`);
  }
  for (const clause of clauses) {
    const words = clause.split(' ');
    const [the, noun, verb] = words;
    const adjectiveAt = words.length === 5 ? 4 : 3;
    const intensifierOk =
      words.length === 4 ||
      (words.length === 5 && (REVIEW_WORDS.intensifiers as readonly string[]).includes(words[3]!));
    const grammatical =
      the === 'the' &&
      (REVIEW_WORDS.nouns as readonly string[]).includes(noun ?? '') &&
      (REVIEW_WORDS.verbs as readonly string[]).includes(verb ?? '') &&
      intensifierOk;
    const sentiment = grammatical ? polarity(words[adjectiveAt] ?? '', REVIEW_WORDS.adjectives) : undefined;
    if (sentiment === undefined) return invalid(`"${clause}" is not "the <noun> <verb> [<intensifier>] <adjective>"`);
    sentiments.push(sentiment);
  }
  if (verdictSentiment !== undefined) sentiments.push(verdictSentiment);
  const consistent = sentiments.every((s) => s === sentiments[0]);
  return consistent
    ? { valid: true, sentiments, consistent, sentiment: sentiments[0]! }
    : { valid: true, sentiments, consistent };
}

interface DrawnReview {
  sentiment: Sentiment;
  /** The review (with its final newline) as pieces; a piece marked `decides` carries the sentiment. */
  pieces: { text: string; decides: boolean }[];
}

function drawReview(rng: Rng, config: ReviewsConfig): DrawnReview {
  // The latent choice comes first; everything after it must agree with it.
  const sentiment = rng.pick(SENTIMENTS);
  const clauseCount = config.minClauses + rng.int(config.maxClauses - config.minClauses + 1);
  const nouns = rng.shuffle([...REVIEW_WORDS.nouns]).slice(0, clauseCount);
  const pieces: DrawnReview['pieces'] = [];
  nouns.forEach((noun, i) => {
    pieces.push({ text: `${i > 0 ? ' and ' : ''}the ${noun} ${rng.pick(REVIEW_WORDS.verbs)} `, decides: false });
    const intensifier = rng.bernoulli(INTENSIFIER_RATE) ? `${rng.pick(REVIEW_WORDS.intensifiers)} ` : '';
    pieces.push({ text: `${intensifier}${rng.pick(REVIEW_WORDS.adjectives[sentiment])}`, decides: true });
  });
  if (config.verdict) pieces.push({ text: `, ${rng.pick(REVIEW_WORDS.verdicts[sentiment])}`, decides: true });
  pieces.push({ text: `.${STOP}`, decides: false });
  return { sentiment, pieces };
}

function longest(words: readonly string[]): number {
  return Math.max(...words.map((w) => w.length));
}

export function createReviewsTask(partial: Partial<ReviewsConfig> = {}): SyntheticTask {
  const config = resolveReviewsConfig(partial);
  const { nouns, verbs, intensifiers, adjectives, verdicts } = REVIEW_WORDS;
  const clause =
    'the   '.length +
    longest(nouns) +
    longest(verbs) +
    1 +
    longest(intensifiers) +
    longest([...adjectives.positive, ...adjectives.negative]);
  const verdict = config.verdict ? 2 + longest([...verdicts.positive, ...verdicts.negative]) : 0;
  return {
    kind: 'reviews',
    tokenizer: charTokenizerFromSymbols(REVIEW_SYMBOLS),
    stop: STOP,
    maxOutputLength: config.maxClauses * clause + (config.maxClauses - 1) * ' and '.length + verdict + 2,
    fixedLength: undefined,
    sequence(rng) {
      return {
        text: drawReview(rng, config)
          .pieces.map((p) => p.text)
          .join(''),
      };
    },
    /**
     * The prompt stops just before a sentiment-bearing piece: before the first one the model
     * must choose a sentiment itself, after it the prompt has chosen and the model must follow.
     */
    item(rng, id): BenchmarkItem {
      const { sentiment, pieces } = drawReview(rng, config);
      const cuts = pieces.flatMap((p, i) => (p.decides ? [i] : []));
      const cut = rng.pick(cuts);
      const prompt = pieces
        .slice(0, cut)
        .map((p) => p.text)
        .join('');
      const reference = untilStop(
        pieces
          .slice(cut)
          .map((p) => p.text)
          .join(''),
        STOP,
      );
      return { id, prompt, reference, latent: { sentiment, decidedByPrompt: cut !== cuts[0] } };
    },
    check(item, output) {
      const analysis = analyseReview(item.prompt + untilStop(output, STOP), config);
      return analysis.valid && analysis.consistent;
    },
    describe: () => ({ kind: 'reviews', ...config }),
  };
}
