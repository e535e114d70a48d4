// The sweep file's schema: a base run config, overrides, and the axes and cases to vary (see
// sweep-config.ts for what each means). Random-search axes may be distributions.
import { SWEEP_METHODS } from '@ftlab/contract';
import { z } from 'zod';
import { RunConfigFileSchema } from './config.js';

const bounds = (check: z.ZodNumber) =>
  z.tuple([check, check]).refine(([a, b]) => a <= b, 'the lower bound exceeds the upper bound');
const Distribution = z.union([
  z.strictObject({ uniform: bounds(z.number()) }),
  z.strictObject({ logUniform: bounds(z.number().positive()) }),
  z.strictObject({
    // Rng.int draws from at most 2^32 values.
    int: bounds(z.number().int()).refine(([a, b]) => b - a < 2 ** 32, 'the range holds more than 2^32 integers'),
  }),
]);
// Empty lists are refused with their own message (emptyExpansions), not here.
const AxisValues = z.union([z.array(z.unknown()), Distribution]);

/**
 * A sweep file, as documented and as editors check it (its JSON Schema is generated from this):
 * the base is a run config file's path (relative to the sweep) or an inline run config.
 */
export const SweepFileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  base: z.union([z.string().min(1), RunConfigFileSchema]),
  /** Config paths set on the base before the axes (e.g. a longer training.steps for the sweep). */
  overrides: z.record(z.string(), z.unknown()).default({}),
  method: z.enum(SWEEP_METHODS).default('grid'),
  samples: z.number().int().positive().optional(),
  samplerSeed: z.number().int().nonnegative().default(0),
  axes: z.record(z.string(), AxisValues).default({}),
  cases: z.array(z.record(z.string(), z.unknown())).optional(),
});

/**
 * The sweep's own fields, as checked when it is loaded: an inline base is checked afterwards, as
 * a run config with the overrides applied (sweep-problems.ts), so each problem is reported once
 * with its line whether it is in the base, an override, an axis or a case.
 */
export const SweepShapeSchema = SweepFileSchema.extend({
  base: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
});

export type SweepFile = z.infer<typeof SweepShapeSchema>;
export type AxisDistribution = z.infer<typeof Distribution>;
