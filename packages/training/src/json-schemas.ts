// The JSON Schema files this package owns (schemas/), generated from its zod schemas by
// `pnpm schemas`: the run config (experiments/*.yaml) and the sweep (its inline base included).
import { jsonSchemaOf } from '@ftlab/config';
import { RunConfigFileSchema } from './config.js';
import { SweepFileSchema } from './sweep-schema.js';

const generatedBy = '`pnpm schemas` (packages/training/scripts/write-schemas.ts)';

/** File name under schemas/ -> its JSON Schema. */
export function trainingJsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'run-config.schema.json': jsonSchemaOf(RunConfigFileSchema, { title: 'ftlab run config', generatedBy }),
    'sweep-config.schema.json': jsonSchemaOf(SweepFileSchema, { title: 'ftlab sweep', generatedBy }),
  };
}
