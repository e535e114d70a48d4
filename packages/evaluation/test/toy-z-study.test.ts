import { Rng } from '@ftlab/contract';
import { analyseToyBody, generateToySample, type ToyTaskConfig } from '@ftlab/data';
import { createModel } from '@ftlab/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseToyGroups, toyChanceLevels, toyStudyRecords } from '../src/index.js';
import { formatToySheet, runToyZStudy, type ToyGeneration } from '../src/toy-z-study.js';
import { randomizeWeights, useWasm } from './helpers.js';

beforeAll(useWasm);

/** `groups` groups of `size` independent samples of the true toy distribution. */
function trueGroups(groups: number, size: number, seed: number, toy: Partial<ToyTaskConfig> = {}): ToyGeneration[][] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: groups }, () =>
    Array.from({ length: size }, () => {
      const s = generateToySample(rng, toy);
      return { letter: s.letter, body: s.text.slice(2) };
    }),
  );
}

describe('toy statistics on constructed inputs', () => {
  it('gives agreement and overlap 1.0 for identical samples within each group', () => {
    const groups = trueGroups(6, 1, 1).map((group) => Array.from({ length: 5 }, () => group[0] as ToyGeneration));
    const stats = analyseToyGroups(groups, { seed: 1 });
    expect(stats.blockStartAgreement.value).toBe(1);
    expect(stats.noiseOverlap.value).toBe(1);
    expect(stats.wellFormed.value).toBe(1);
    expect(stats).toMatchObject({ pairs: 6 * 10, groups: 6, samples: 30 });
    expect(stats.blockStartAgreement.stderr).toBe(0);
  });

  it('gives chance-level agreement and overlap for independent samples of the true distribution', () => {
    const chance = toyChanceLevels();
    expect(chance.blockStartAgreement).toBeCloseTo(1 / 57, 4);
    const stats = analyseToyGroups(trueGroups(60, 8, 2), { seed: 2 });
    expect(stats.wellFormed.value).toBe(1);
    expect(stats.pairs).toBe(60 * 28);
    for (const key of ['blockStartAgreement', 'noiseOverlap'] as const) {
      const { value, stderr } = stats[key];
      expect(Math.abs(value - chance[key])).toBeLessThan(4 * (stderr as number));
    }
    // ...and far from what identical samples give.
    expect(stats.blockStartAgreement.value).toBeLessThan(0.05);
  });

  it('scores a hand-made example: malformed bodies drop out of the pairs', () => {
    const toy = { bodyLength: 8, blockLength: 2 };
    const groups: ToyGeneration[][] = [
      [
        { letter: 'A', body: '__AA____' }, // start 2, no noise
        { letter: 'A', body: '__AA_!__' }, // start 2, noise at 5
        { letter: 'A', body: '__AAA___' }, // malformed: three A
      ],
      [
        { letter: 'B', body: 'BB______' }, // start 0
        { letter: 'B', body: '___BB___' }, // start 3
      ],
    ];
    const stats = analyseToyGroups(groups, { toy, seed: 1 });
    expect(stats.pairs).toBe(2);
    expect(stats.blockStartAgreement.value).toBe(0.5); // one pair agrees, one does not
    expect(stats.noiseOverlap.value).toBe(0.5); // Jaccard({}, {5}) = 0, Jaccard({}, {}) = 1
    expect(stats.wellFormed.value).toBe(0.8);
    expect(stats.wellFormed.n).toBe(5);
  });

  it('computes the chance levels exactly where they are known, and by the formula elsewhere', () => {
    const noNoise = toyChanceLevels({ noiseRate: 0 });
    expect(noNoise.blockStartAgreement).toBeCloseTo(1 / 57, 15);
    expect(noNoise.noiseOverlap).toBe(1); // both masks are always empty
    // A noisy small task, where noise at the block's ends shifts the smallest start often:
    // the formulas must match the frequencies of simulated true pairs.
    const toy = { bodyLength: 12, blockLength: 4, noiseRate: 0.3 };
    const chance = toyChanceLevels(toy);
    const stats = analyseToyGroups(trueGroups(4000, 2, 3, toy), { toy, seed: 3, bootstrapResamples: 50 });
    for (const key of ['blockStartAgreement', 'noiseOverlap'] as const) {
      const { value, stderr } = stats[key];
      expect(Math.abs(value - chance[key])).toBeLessThan(4 * (stderr as number));
    }
    // The distribution of the smallest start, which noise at the block's ends moves left often here.
    const rng = Rng.fromSeed(4);
    const draws = 20000;
    const counts = new Array<number>(9).fill(0);
    for (let i = 0; i < draws; i++) {
      const s = generateToySample(rng, toy);
      const start = Math.min(...analyseToyBody(s.letter, s.text.slice(2), toy).blockStarts);
      counts[start] = counts[start] + 1;
    }
    expect(chance.blockStartDistribution.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(chance.blockStartDistribution[0]).toBeGreaterThan(1 / 9 + 0.008);
    chance.blockStartDistribution.forEach((p, start) => {
      expect(Math.abs(counts[start] / draws - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws));
    });
    expect(chance.notes.wellFormed).toMatch(/true data/);
  });
});

describe('the study on a model', () => {
  const toy = { bodyLength: 6, blockLength: 2 };

  it('generates G groups per condition from "X>", shares Z within pinned groups, and writes the sheet', () => {
    // contextLength 7 < 2 + 6 tokens: the last body character is never fed back, so it fits.
    const model = createModel(
      { vocabSize: 29, width: 16, layers: 2, heads: 2, contextLength: 7, latentBits: 3, zeroInitPostSampler: false },
      1,
    );
    randomizeWeights(model, 2, 0.8);
    const study = runToyZStudy(model, { groups: 3, groupSize: 4, seed: 5, toy, temperature: 0 });
    expect(study.hasLatent).toBe(true);
    for (const groups of [study.pinnedGroups, study.independentGroups]) {
      expect(groups).toHaveLength(3);
      for (const group of groups) {
        expect(group.generations).toHaveLength(4);
        for (const g of group.generations) {
          expect(g.letter).toBe(group.letter);
          expect([...g.body]).toHaveLength(6);
        }
      }
    }
    // Greedy tokens: the generations that share Z are identical; with independent Z they differ.
    for (const group of study.pinnedGroups) {
      expect(group.codes).toHaveLength(8);
      expect(new Set(group.generations.map((g) => g.body)).size).toBe(1);
    }
    const independentDistinct = study.independentGroups.map((g) => new Set(g.generations.map((x) => x.body)).size);
    expect(Math.max(...independentDistinct)).toBeGreaterThan(1);
    expect(runToyZStudy(model, { groups: 3, groupSize: 4, seed: 5, toy, temperature: 0 })).toEqual(study);

    const sheet = formatToySheet(study);
    const lines = sheet.split('\n');
    const generationLines = lines.filter((l) => /^[A-Z]>/.test(l));
    expect(generationLines).toHaveLength(2 * 3 * 4);
    expect(generationLines.slice(0, 12)).toEqual(
      study.pinnedGroups.flatMap((g) => g.generations.map((x) => `${x.letter}>${x.body}`)),
    );
    expect(sheet.indexOf('independent Z')).toBeGreaterThan(sheet.lastIndexOf('Z pinned'));
    expect(sheet).toMatch(/chance +: block-start agreement/);

    const records = toyStudyRecords(study);
    expect(records.map((r) => r.metric)).toContain('block_start_agreement_pinned');
    expect(records.find((r) => r.metric === 'noise_overlap_chance')?.note).toMatch(/Jaccard/);
    model.dispose();
  });

  it('refuses a model of another vocabulary and bad group sizes', () => {
    const model = createModel({ vocabSize: 14, width: 8, layers: 2, heads: 2, contextLength: 8, latentBits: 2 }, 1);
    expect(() => runToyZStudy(model, { groups: 2, groupSize: 2, seed: 1, toy })).toThrow(
      /model's vocabulary has 14 tokens but the toy task has 29/,
    );
    expect(() => runToyZStudy(model, { groups: 0, groupSize: 1, seed: 1, toy })).toThrow(
      /groups must be an integer >= 1, got 0; groupSize must be an integer >= 2/,
    );
    expect(() => runToyZStudy(model, { groups: 1, groupSize: 2, seed: 1, toy, letter: '?' })).toThrow(
      /letter "\?" is not in the task's alphabet/,
    );
    model.dispose();
  });
});
