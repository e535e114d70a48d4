// Keys and values of the positions already decoded, per attention layer, so each generated
// token costs one position's work instead of a recomputation of the whole prefix.
import { type Tensor, tf } from '@ftlab/backend';

export class LayerKvCache {
  /** [B, heads, t, dh] keys (after RoPE) and values of positions 0..t-1, or null when empty. */
  keys: Tensor | null = null;
  values: Tensor | null = null;

  get length(): number {
    return this.keys === null ? 0 : (this.keys.shape[2] as number);
  }

  /** Appends new positions' keys and values and returns the keys and values of all positions. */
  append(keys: Tensor, values: Tensor): { keys: Tensor; values: Tensor } {
    const allKeys = this.keys === null ? keys : tf.concat([this.keys, keys], 2);
    const allValues = this.values === null ? values : tf.concat([this.values, values], 2);
    this.keys?.dispose();
    this.values?.dispose();
    // The cache outlives the tidy scope of the step that filled it: it keeps clones (which share
    // the data), while the returned tensors belong to the caller's scope as usual.
    this.keys = tf.keep(allKeys.clone());
    this.values = tf.keep(allValues.clone());
    return { keys: allKeys, values: allValues };
  }

  dispose(): void {
    this.keys?.dispose();
    this.values?.dispose();
    this.keys = null;
    this.values = null;
  }
}

/** One LayerKvCache per decoder block. */
export class KvCache {
  readonly layers: LayerKvCache[];

  constructor(layerCount: number) {
    this.layers = Array.from({ length: layerCount }, () => new LayerKvCache());
  }

  /** Number of positions cached (the position of the next token). */
  get length(): number {
    return this.layers[0]?.length ?? 0;
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}
