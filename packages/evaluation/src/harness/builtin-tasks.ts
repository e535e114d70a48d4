// The built-in tasks, all over @ftlab/data's synthetic benchmarks (items fixed by data seed 0,
// whatever the run's seed, so every run sees the same items; the answer length and the stop
// symbol come from the benchmark built with the evaluated model's data options):
//   toy                generate the body after "X>" with the model's own promptZ; pass@1 is
//                      the fraction of well-formed bodies (the task's checker)
//   toy_validity       the same with the prompt's Z from the prior too: a pure prior sample.
//                      Falls when Z carries more than the prior can supply (the paper's last
//                      regime, "prior samples become wrong")
//   arithmetic         greedy tokens (Z still from the prior), exact_match and pass@1
//   arithmetic_choice  the answer against three near misses, by log-likelihood (acc, acc_norm)
//   reviews            generate the rest of a review; pass@1 = grammatical and consistent
//   reviews_choice     the reference ending against the same ending whose sentiment flips
//                      part-way (inconsistent), by log-likelihood (acc, acc_norm)

import { Rng } from '@ftlab/contract';
import { createBenchmark, REVIEW_WORDS } from '@ftlab/data';
import type { ItemSourceOptions, RawItem, TaskConfig } from './task.js';

const NEWLINE = '\n';

/** The reference and three distractors (off by one, off by ten, the other operation's result), shuffled. */
function arithmeticChoiceItems(options: ItemSourceOptions): RawItem[] {
  const benchmark = createBenchmark(options.dataConfig?.kind === 'arithmetic' ? options.dataConfig : 'arithmetic');
  return benchmark.items({ seed: 0, count: options.count }).map((item) => {
    const answer = Number(item.reference);
    const { a, b, operation } = item.latent as { a: number; b: number; operation: '+' | '-' };
    const other = operation === '+' ? a - b : a + b;
    const candidates = [answer + 1, answer > 0 ? answer - 1 : answer + 2, answer + 10, other];
    const distractors: number[] = [];
    for (const c of candidates) {
      if (c >= 0 && c !== answer && !distractors.includes(c) && distractors.length < 3) distractors.push(c);
    }
    for (let extra = 2; distractors.length < 3; extra++) {
      if (!distractors.includes(answer + extra)) distractors.push(answer + extra);
    }
    const choices = Rng.derive(0, 'arithmetic_choice', item.id).shuffle([answer, ...distractors].map(String));
    return {
      id: item.id,
      question: item.prompt,
      choices: choices.map((c) => `${c}${NEWLINE}`),
      answer: choices.indexOf(String(answer)),
    };
  });
}

const FLIP = new Map<string, string>();
for (const lists of [REVIEW_WORDS.adjectives, REVIEW_WORDS.verdicts]) {
  lists.positive.forEach((word, i) => {
    FLIP.set(word, lists.negative[i] as string);
    FLIP.set(lists.negative[i] as string, word);
  });
}
// Every sentiment-bearing word or verdict phrase, longest first so a phrase wins over its words.
const SENTIMENT = new RegExp(`\\b(${[...FLIP.keys()].sort((a, b) => b.length - a.length).join('|')})\\b`, 'g');

/**
 * The reference with every sentiment-bearing word flipped, except the first one when the prompt
 * had not decided the sentiment yet: with two or more of them, always inconsistent.
 */
function flippedEnding(reference: string, decidedByPrompt: boolean): string {
  let seen = 0;
  return reference.replace(SENTIMENT, (phrase) =>
    seen++ === 0 && !decidedByPrompt ? phrase : (FLIP.get(phrase) as string),
  );
}

function reviewsChoiceItems(options: ItemSourceOptions): RawItem[] {
  const benchmark = createBenchmark(options.dataConfig?.kind === 'reviews' ? options.dataConfig : 'reviews');
  return benchmark.items({ seed: 0, count: options.count }).map((item) => {
    const decided = Boolean((item.latent as { decidedByPrompt?: boolean }).decidedByPrompt);
    const wrong = flippedEnding(item.reference, decided);
    const swap = Rng.derive(0, 'reviews_choice', item.id).int(2) === 1;
    const choices = [`${item.reference}${NEWLINE}`, `${wrong}${NEWLINE}`];
    return { id: item.id, question: item.prompt, choices: swap ? choices.reverse() : choices, answer: swap ? 1 : 0 };
  });
}

export function builtinTasks(): TaskConfig[] {
  return [
    {
      name: 'toy',
      description: 'toy task: a well-formed body after "X>" (prompt Z as the model config says)',
      output: 'generate_until',
      data: { benchmark: 'toy' },
      metrics: ['pass@1'],
      generation: { temperature: 1 },
    },
    {
      name: 'toy_validity',
      description: 'toy task: well-formed bodies when every Z, the prompt included, comes from the prior',
      output: 'generate_until',
      data: { benchmark: 'toy' },
      metrics: ['pass@1'],
      generation: { temperature: 1, promptZ: 'prior' },
    },
    {
      name: 'arithmetic',
      description: 'a+b= / a-b=: the exact answer, greedy tokens',
      output: 'generate_until',
      data: { benchmark: 'arithmetic' },
      metrics: ['exact_match', 'pass@1'],
      generation: { temperature: 0 },
    },
    {
      name: 'arithmetic_choice',
      description: 'a+b= / a-b=: the answer among three near misses, by log-likelihood',
      output: 'multiple_choice',
      data: { items: arithmeticChoiceItems },
      metrics: ['acc', 'acc_norm'],
    },
    {
      name: 'reviews',
      description: 'finish a review: grammatical and one sentiment throughout',
      output: 'generate_until',
      data: { benchmark: 'reviews' },
      metrics: ['pass@1'],
      generation: { temperature: 1 },
    },
    {
      name: 'reviews_choice',
      description: 'finish a review: the consistent ending against one whose sentiment flips, by log-likelihood',
      output: 'multiple_choice',
      data: { items: reviewsChoiceItems },
      metrics: ['acc', 'acc_norm'],
    },
  ];
}
