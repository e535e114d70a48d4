// Multi-digit addition and subtraction with exact-match answers: "123+45=168\n".
import { ordered, parseConfig } from '@ftlab/config';
import type { Rng } from '@ftlab/contract';
import { z } from 'zod';
import { charTokenizerFromSymbols } from './char-tokenizer.js';
import { type BenchmarkItem, type SyntheticTask, untilStop } from './synthetic-task.js';

export interface ArithmeticConfig {
  /** Fewest digits of an operand (default 1). */
  minDigits: number;
  /** Most digits of an operand (default 3; at most 15 so every result is an exact integer). */
  maxDigits: number;
  /** Operations drawn uniformly (default both). */
  operations: ('+' | '-')[];
  /** Allow a - b < 0; when false (default) the operands of a subtraction are swapped so a >= b. */
  allowNegative: boolean;
}

export const DEFAULT_ARITHMETIC: Readonly<ArithmeticConfig> = Object.freeze({
  minDigits: 1,
  maxDigits: 3,
  operations: ['+', '-'] as ('+' | '-')[],
  allowNegative: false,
});

export const ARITHMETIC_SYMBOLS = [...'0123456789', '+', '-', '=', '\n'];
const STOP = '\n';

/** What `data.arithmetic` may hold. At most 15 digits, so every result is an exact integer. */
export const ArithmeticConfigSchema = z
  .strictObject({
    minDigits: z.number().int().min(1).default(DEFAULT_ARITHMETIC.minDigits),
    maxDigits: z.number().int().min(1).max(15).default(DEFAULT_ARITHMETIC.maxDigits),
    operations: z
      .array(z.enum(['+', '-']))
      .min(1)
      .default(() => [...DEFAULT_ARITHMETIC.operations]),
    allowNegative: z.boolean().default(DEFAULT_ARITHMETIC.allowNegative),
  })
  .check(ordered('minDigits', 'maxDigits'));

export function resolveArithmeticConfig(partial: Partial<ArithmeticConfig> = {}): ArithmeticConfig {
  const { minDigits, maxDigits, operations, allowNegative } = parseConfig(ArithmeticConfigSchema, partial, [
    'arithmetic',
  ]);
  return { minDigits, maxDigits, operations: [...operations], allowNegative };
}

/** A uniform number with a uniform digit count in [minDigits, maxDigits] (no leading zero). */
function operand(rng: Rng, minDigits: number, maxDigits: number): number {
  const digits = minDigits + rng.int(maxDigits - minDigits + 1);
  const low = digits === 1 ? 0 : 10 ** (digits - 1);
  const span = 10 ** digits - low;
  // Rng.int takes n <= 2^32; larger spans are drawn as two parts.
  if (span <= 2 ** 32) return low + rng.int(span);
  const lowPart = 10 ** 9;
  return low + rng.int(span / lowPart) * lowPart + rng.int(lowPart);
}

export function createArithmeticTask(partial: Partial<ArithmeticConfig> = {}): SyntheticTask {
  const config = resolveArithmeticConfig(partial);
  const draw = (rng: Rng) => {
    let a = operand(rng, config.minDigits, config.maxDigits);
    let b = operand(rng, config.minDigits, config.maxDigits);
    const operation = rng.pick(config.operations);
    if (operation === '-' && !config.allowNegative && a < b) [a, b] = [b, a];
    const result = operation === '+' ? a + b : a - b;
    return { a, b, operation, prompt: `${a}${operation}${b}=`, answer: String(result) };
  };
  return {
    kind: 'arithmetic',
    tokenizer: charTokenizerFromSymbols(ARITHMETIC_SYMBOLS),
    stop: STOP,
    // The longest answer: a sum of two maxDigits numbers, or a negative difference.
    maxOutputLength: config.maxDigits + 2,
    fixedLength: undefined,
    sequence(rng) {
      const { prompt, answer } = draw(rng);
      return { text: `${prompt}${answer}${STOP}` };
    },
    item(rng, id): BenchmarkItem {
      const { a, b, operation, prompt, answer } = draw(rng);
      return { id, prompt, reference: answer, latent: { a, b, operation } };
    },
    check(item, output) {
      return untilStop(output, STOP) === item.reference;
    },
    describe: () => ({ kind: 'arithmetic', ...config }),
  };
}
