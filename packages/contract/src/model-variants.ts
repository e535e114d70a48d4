// The model variants a run config names, and which of them carry a latent Z: the model builds
// them, the comparison pairs them, the dashboard filters and marks them.

export const MODEL_VARIANTS = ['baseline', 'baseline-plus-one', 'free-transformer', 'cvae'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

/** The variants without a latent Z (the plain decoder, and the control with one more block). */
export const LATENT_FREE_VARIANTS = ['baseline', 'baseline-plus-one'] as const satisfies readonly ModelVariant[];

/** The variant sweep differences are paired with; the L+1-block control is a compared column. */
export const REFERENCE_VARIANT = 'baseline' satisfies ModelVariant;

export function variantHasLatent(variant: string): boolean {
  return (
    (MODEL_VARIANTS as readonly string[]).includes(variant) &&
    !(LATENT_FREE_VARIANTS as readonly string[]).includes(variant)
  );
}
