// The JSON Schema files editors check experiments/ with: generated from the zod schemas (and
// failing here when they drift), accepted by every experiments/ file, and refusing the mistakes
// the zod schemas refuse where JSON Schema can express them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { checkConfig } from '@ftlab/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RunConfigFileSchema } from '../src/config.js';
import { trainingJsonSchemas } from '../src/json-schemas.js';
import { SweepFileSchema } from '../src/sweep-schema.js';
import { type Schema, validate } from './json-schema-validator.js';

const SCHEMAS = join(import.meta.dirname, '..', 'schemas');
const EXPERIMENTS = join(import.meta.dirname, '..', '..', '..', 'experiments');
const schemaFile = (name: string) => JSON.parse(readFileSync(join(SCHEMAS, name), 'utf8')) as Schema;
const RUN = schemaFile('run-config.schema.json');
const SWEEP = schemaFile('sweep-config.schema.json');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return entry.name.endsWith('.yaml') ? [path] : [];
  });
}

describe('the checked-in JSON Schemas', () => {
  it('are what `pnpm schemas` writes from the zod schemas (run it after changing a schema)', () => {
    for (const [name, schema] of Object.entries(trainingJsonSchemas())) {
      expect(schemaFile(name), `schemas/${name} is out of date: run pnpm schemas`).toEqual(schema);
    }
  });
});

describe('every experiments/ file', () => {
  const files = yamlFiles(EXPERIMENTS);

  it.each(files.map((f) => [relative(EXPERIMENTS, f), f]))(
    '%s names its schema on its first line and passes it (and zod)',
    (_, file) => {
      const text = readFileSync(file, 'utf8');
      const modeline = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      expect(modeline, 'the first line must be # yaml-language-server: $schema=<path>').not.toBeNull();
      const target = resolve(dirname(file), modeline?.[1] as string);
      const value = parse(text);
      const isSweep = 'base' in value;
      expect(target).toBe(join(SCHEMAS, isSweep ? 'sweep-config.schema.json' : 'run-config.schema.json'));
      expect(validate(isSweep ? SWEEP : RUN, value)).toEqual([]);
      // The same file through the zod schema it was generated from.
      expect(checkConfig(isSweep ? SweepFileSchema : RunConfigFileSchema, value).success).toBe(true);
    },
  );

  it('covers the run configs and sweeps of experiments/ and experiments/reliability/', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(files.some((f) => f.includes('reliability'))).toBe(true);
  });
});

const VALID_RUN = {
  name: 'ok',
  data: { kind: 'toy', validationSequences: 64 },
  model: { variant: 'free-transformer', width: 32, heads: 2 },
  training: { steps: 10, batchSize: 2 },
  evaluation: { every: 5 },
};

describe('the JSON Schemas refuse the mistakes the config check reports', () => {
  it('accepts a valid run config, and refuses one mistake in each section at its path', () => {
    expect(validate(RUN, VALID_RUN)).toEqual([]);
    const paths = (value: unknown) => validate(RUN, value).map((e) => e.path);
    expect(paths({ ...VALID_RUN, model: { ...VALID_RUN.model, widht: 32 } })).toContain('/model/widht');
    expect(paths({ ...VALID_RUN, data: { kind: 'toy', validationSequences: 'many' } })).toContain(
      '/data/validationSequences',
    );
    expect(paths({ ...VALID_RUN, training: { steps: -10, batchSize: 2 } })).toEqual(['/training/steps']);
    expect(paths({ ...VALID_RUN, evaluation: { evry: 5 } })).toEqual(['/evaluation/evry']);
  });

  it('refuses a bad value in a sweep grid, and checks an inline base as a run config', () => {
    const sweep = { name: 's', base: VALID_RUN, method: 'random', samples: 4, axes: { seed: [1, 2] } };
    expect(validate(SWEEP, sweep)).toEqual([]);
    const paths = (value: unknown) => validate(SWEEP, value).map((e) => e.path);
    expect(paths({ ...sweep, axes: { 'training.lr': { logUniform: [0, 0.01] } } })).toContain(
      '/axes/training.lr/logUniform/0',
    );
    expect(paths({ ...sweep, axes: { seed: 3 } })).toContain('/axes/seed');
    expect(paths({ ...sweep, base: { ...VALID_RUN, evaluation: { evry: 5 } } })).toContain('/base/evaluation/evry');
    expect(validate(SWEEP, { ...sweep, base: 'toy-quick.yaml' })).toEqual([]);
  });
});
