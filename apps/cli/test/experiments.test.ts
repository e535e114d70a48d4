// Every config shipped in experiments/ stays valid as the code changes.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRunConfig, loadSweep } from '@ftlab/training';
import { describe, expect, it } from 'vitest';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'experiments');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const isSweep = (text: string) => /^base:/m.test(text);

describe('experiments/', () => {
  it('holds the configs the README and the issues name', () => {
    for (const name of [
      'toy-quick',
      'toy-kappa-sweep',
      'shakespeare-kappa-h',
      'placement',
      'paper-toy',
      'demo-ablation',
    ]) {
      expect(files).toContain(`${name}.yaml`);
    }
  });

  it.each(files)('%s is valid and says what it reproduces and what it costs', (file) => {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^# /); // a comment first: what it is for
    expect(text).toMatch(/minutes|hours/); // and how long it takes here
    if (isSweep(text)) expect(loadSweep(path).runs.length).toBeGreaterThan(1);
    else expect(loadRunConfig(path).config.training.steps).toBeGreaterThan(0);
  });

  it('the demo ablation is the baseline and at least two kappas with two seeds each', () => {
    const { runs } = loadSweep(join(dir, 'demo-ablation.yaml'));
    const seeds = new Set(runs.map((r) => r.config.seed));
    const kappas = new Set(
      runs.filter((r) => r.config.model.variant === 'free-transformer').map((r) => r.config.model.kappaNats),
    );
    expect(seeds.size).toBeGreaterThanOrEqual(2);
    expect(kappas.size).toBeGreaterThanOrEqual(2);
    expect(runs.some((r) => r.config.model.variant === 'baseline')).toBe(true);
  });
});
