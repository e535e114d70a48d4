// AdamW (Loshchilov & Hutter): Adam moments plus weight decay applied to the weights directly,
// not through the gradient. Parameters flagged decay=false (norm gains, embeddings, zeta unless
// configured) are never decayed. State is plain tensors so a checkpoint can hold it exactly.
import { adamWUpdate, sumOfSquares, type Tensor, tf, type Variable } from '@ftlab/backend';

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface OptimizedParameter {
  name: string;
  variable: Variable;
  decay: boolean;
}

export interface AdamWState {
  /** Number of updates applied so far. */
  step: number;
  /** First and second moments per parameter name. */
  moments: Record<string, { m: Tensor; v: Tensor }>;
}

export class AdamW {
  private stepCount = 0;
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();

  constructor(
    private readonly parameters: readonly OptimizedParameter[],
    readonly settings: AdamWSettings,
  ) {
    for (const p of parameters) {
      this.m.set(p.name, tf.variable(tf.zerosLike(p.variable), false));
      this.v.set(p.name, tf.variable(tf.zerosLike(p.variable), false));
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /** Applies one update with learning rate `lr`; `grads` maps parameter name to gradient. */
  apply(grads: Record<string, Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.settings;
    this.stepCount += 1;
    const correction1 = 1 - beta1 ** this.stepCount;
    const correction2 = 1 - beta2 ** this.stepCount;
    // lr * sqrt(1 - b2^t) / (1 - b1^t), the usual folding of both bias corrections into the step.
    const stepSize = (lr * Math.sqrt(correction2)) / correction1;
    const epsHat = eps * Math.sqrt(correction2);
    for (const p of this.parameters) {
      const g = grads[p.name];
      if (!g) throw new Error(`AdamW: no gradient for parameter "${p.name}"`);
      const m = this.m.get(p.name) as Variable;
      const v = this.v.get(p.name) as Variable;
      // One fused pass per parameter on the native engine, plain tf ops elsewhere.
      const next = adamWUpdate(p.variable, m, v, g, {
        beta1,
        beta2,
        stepSize,
        epsHat,
        decay: p.decay && weightDecay > 0 ? 1 - lr * weightDecay : 1,
      });
      m.assign(next.m);
      v.assign(next.v);
      p.variable.assign(next.param);
      tf.dispose([next.m, next.v, next.param]);
    }
  }

  /** Copies of the state (the caller owns and disposes the tensors). */
  state(): AdamWState {
    const moments: AdamWState['moments'] = {};
    for (const p of this.parameters) {
      moments[p.name] = { m: tf.clone(this.m.get(p.name) as Variable), v: tf.clone(this.v.get(p.name) as Variable) };
    }
    return { step: this.stepCount, moments };
  }

  /** Restores a state saved by `state()`; every parameter must be present with its shape. */
  restore(state: AdamWState): void {
    for (const p of this.parameters) {
      const saved = state.moments[p.name];
      if (!saved) throw new Error(`optimizer state has no moments for parameter "${p.name}"`);
      for (const [which, target] of [
        ['m', this.m.get(p.name) as Variable],
        ['v', this.v.get(p.name) as Variable],
      ] as const) {
        const value = saved[which];
        if (value.shape.join() !== target.shape.join()) {
          throw new Error(
            `optimizer state ${which} for "${p.name}" has shape [${value.shape}], the parameter has [${target.shape}]`,
          );
        }
        target.assign(value);
      }
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** Scales gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipByGlobalNorm(
  grads: Record<string, Tensor>,
  maxNorm: number,
): { grads: Record<string, Tensor>; norm: number } {
  const names = Object.keys(grads);
  const norm = Math.sqrt(sumOfSquares(names.map((n) => grads[n] as Tensor)));
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  const clipped: Record<string, Tensor> = {};
  for (const n of names) clipped[n] = tf.mul(grads[n] as Tensor, scale);
  return { grads: clipped, norm };
}
