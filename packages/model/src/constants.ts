// Tensors that depend only on shapes (causal masks, rotary tables, code bit patterns) are built
// once per model and reused every step instead of being rebuilt inside each forward pass.
import { type Tensor, tf } from '@ftlab/backend';

export class ConstantCache {
  private readonly tensors = new Map<string, Tensor>();

  /** The tensor stored under `key` for the active engine, built (and kept) on first use. */
  get<T extends Tensor>(key: string, build: () => T): T {
    // Keyed by engine too: tests and benchmarks switch engines inside one process.
    const fullKey = `${tf.getBackend()}:${key}`;
    let tensor = this.tensors.get(fullKey);
    if (tensor === undefined || tensor.isDisposed) {
      tensor = tf.keep(tf.tidy(build));
      this.tensors.set(fullKey, tensor);
    }
    return tensor as T;
  }

  dispose(): void {
    for (const tensor of this.tensors.values()) tensor.dispose();
    this.tensors.clear();
  }
}
