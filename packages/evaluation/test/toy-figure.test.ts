// The toy figure's text and SVG: what a panel holds, and that nothing in a label or a body can
// become markup.

import { Rng } from '@ftlab/contract';
import { generateToySample } from '@ftlab/data';
import { describe, expect, it } from 'vitest';
import {
  analyseToyGroups,
  type ToyFigure,
  type ToyGroup,
  testToyEffects,
  toyChanceLevels,
  toyFigureMarkdown,
  toyFigureSvg,
} from '../src/index.js';
import { escapeXml, toyFigurePanel } from '../src/toy-figure.js';

function groups(seed: number, pinned: boolean): ToyGroup[] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: 5 }, () => ({
    letter: 'A',
    codes: pinned ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : null,
    generations: Array.from({ length: 3 }, () => {
      const s = generateToySample(rng);
      return { letter: s.letter, body: s.text.slice(2) };
    }),
  }));
}

function study() {
  const pinnedGroups = groups(1, true);
  const independentGroups = groups(2, false);
  const pinned = analyseToyGroups(
    pinnedGroups.map((g) => g.generations),
    { seed: 1 },
  );
  const independent = analyseToyGroups(
    independentGroups.map((g) => g.generations),
    { seed: 2 },
  );
  return {
    hasLatent: true,
    pinned,
    independent,
    effects: testToyEffects(pinned.groupCounts, independent.groupCounts, { seed: 1 }),
    chance: toyChanceLevels(),
    pinnedGroups,
    independentGroups,
  };
}

describe('toy figure', () => {
  it('keeps the first groups of each condition, with each body’s block start', () => {
    const s = study();
    const panel = toyFigurePanel(s, { label: 'kappa=0.5 bit', runId: 'r1', seed: 3 }, { groups: 2 });
    expect(panel.pinned).toHaveLength(2);
    expect(panel.independent).toHaveLength(2);
    expect(panel.pinned[0]?.codes).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(panel.independent[0]?.codes).toBeNull();
    for (const line of panel.pinned.flatMap((g) => g.lines)) {
      // True samples are well-formed; the block starts where the letters start.
      expect(line.blockStart).not.toBeNull();
      const first = line.body.indexOf(line.letter);
      expect(line.blockStart).toBeLessThanOrEqual(first);
    }
    expect(panel.pValue).toBe(s.effects.blockStart.pValue);
    expect(panel.blockStartAgreement.pinned).toBe(s.pinned.blockStartAgreement.value);
  });

  it('escapes every label and character in the SVG, and writes the Markdown sections', () => {
    const hostile = '<script>alert(1)</script>&"\'';
    const figure: ToyFigure = {
      sweep: 's',
      seed: 3,
      seeds: [3],
      panels: [toyFigurePanel(study(), { label: hostile, runId: 'r1', seed: 3 }, { groups: 1 })],
      missing: [],
    };
    const svg = toyFigureSvg(figure);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain(escapeXml(hostile));
    expect(escapeXml(hostile)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;');
    // Every text element is closed: the document parses as XML of balanced tags.
    expect(svg.match(/<text /g)?.length).toBe(svg.match(/<\/text>/g)?.length);
    const markdown = toyFigureMarkdown({ ...figure, missing: ['kappa=2 bit: no finished run with seed 3'] });
    expect(markdown).toContain(`## ${hostile} (run r1)`);
    expect(markdown).toContain('=== pinned Z ===');
    expect(markdown).toContain('- not drawn: kappa=2 bit: no finished run with seed 3');
  });
});
