import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkConfig,
  closestName,
  editDistance,
  fieldRules,
  formatIssue,
  formatPath,
  ordered,
  parseConfig,
} from '../src/index.js';

const Section = z.strictObject({
  width: z.number().int().positive().default(128),
  heads: z.number().int().positive().default(4),
  variant: z.enum(['baseline', 'free-transformer']).optional(),
});
const Config = z.strictObject({ model: Section, steps: z.number().int().positive() });

function problems(value: unknown): string[] {
  const result = checkConfig(Config, value);
  return result.success ? [] : result.issues.map((issue) => formatIssue(issue));
}

describe('checkConfig', () => {
  it('returns the parsed value with its defaults', () => {
    expect(checkConfig(Config, { model: {}, steps: 3 })).toEqual({
      success: true,
      data: { model: { width: 128, heads: 4 }, steps: 3 },
    });
  });

  it('lists every issue at once: one per unknown key with the key it most likely meant, and the value given', () => {
    expect(problems({ model: { widht: 3, hedas: 2, zzz: 1, variant: 'vae' }, steps: -2 })).toEqual([
      'model.variant: Invalid option: expected one of "baseline"|"free-transformer", got "vae"',
      'model.widht: unknown field (did you mean width?)',
      'model.hedas: unknown field (did you mean heads?)',
      'model.zzz: unknown field',
      'steps: Too small: expected number to be >0, got -2',
    ]);
  });

  it('says which field is missing and what a wrong type was', () => {
    expect(problems({ model: { width: 'wide' } })).toEqual([
      'model.width: expected number, got "wide"',
      'steps: is required (expected number)',
    ]);
    expect(problems([1])).toEqual(['(top level): expected object, got [1]']);
  });
});

describe('closestName', () => {
  it('suggests a likely typo only, ignoring case', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestName('encoderPlacment', ['width', 'encoderPlacement'])).toBe('encoderPlacement');
    expect(closestName('WIDTH', ['width'])).toBe('width');
    expect(closestName('zzz', ['width', 'heads'])).toBeUndefined();
  });

  it('writes list indices in brackets', () => {
    expect(formatPath(['filters', 0, 'steps', 1, 'function'])).toBe('filters[0].steps[1].function');
    expect(formatPath([])).toBe('(top level)');
  });
});

describe('fieldRules', () => {
  const Heads = z.strictObject({ width: z.number().int(), heads: z.number().int().positive(), name: z.string() }).check(
    fieldRules((c, { valid, issue }) => {
      if (valid('width', 'heads') && c.width % c.heads !== 0)
        issue('width', `${c.width} is not divisible by heads=${c.heads}`);
    }),
  );
  const problemsOf = (value: unknown) => {
    const result = checkConfig(Heads, value);
    return result.success ? [] : result.issues.map((issue) => formatIssue(issue));
  };

  it('runs a rule across fields even when another field failed, so every problem comes at once', () => {
    expect(problemsOf({ width: 30, heads: 4, name: 3 })).toEqual([
      'name: expected string, got 3',
      'width: 30 is not divisible by heads=4',
    ]);
  });

  it('skips a rule whose own fields failed (their values are unchecked)', () => {
    expect(problemsOf({ width: 30, heads: 0, name: 'x' })).toEqual([
      'heads: Too small: expected number to be >0, got 0',
    ]);
  });
});

describe('parseConfig and ordered', () => {
  const Range = z
    .strictObject({ low: z.number().int().default(1), high: z.number().int().default(3) })
    .check(ordered('low', 'high'));

  it('gives the parsed value with its defaults', () => {
    expect(parseConfig(Range, { high: 5 }, ['range'])).toEqual({ low: 1, high: 5 });
    expect(parseConfig(Range, { low: 2, high: 2 })).toEqual({ low: 2, high: 2 });
  });

  it('throws one error naming every problem under the given path, the range rule on the high end', () => {
    expect(() => parseConfig(Range, { low: 4, high: 2 }, ['range'])).toThrow('range.high: 2 is below low=4');
    expect(() => parseConfig(Range, { low: 1.5, hihg: 2 }, ['range'])).toThrow(
      /range\.low: .*got 1\.5; range\.hihg: unknown field \(did you mean high\?\)/,
    );
  });

  it('leaves the range alone while one of its ends failed its own check', () => {
    expect(() => parseConfig(Range, { low: 'x', high: 0 })).toThrow(/^low: [^;]*$/);
  });
});
