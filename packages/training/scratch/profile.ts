import { selectBackend, tf, type Tensor2D } from '@ftlab/backend';
import { createModel, lossAndGradients, resolveModelConfig } from '@ftlab/model';
import { AdamW, clipByGlobalNorm } from '../src/optimizer.js';

const engine = (process.argv[2] ?? 'wasm') as 'wasm';
const variant = process.argv[3] ?? 'baseline';
const H = Number(process.argv[4] ?? 8);
const est = (process.argv[5] ?? 'dense') as 'dense';
await selectBackend(engine);
const config = resolveModelConfig({ vocabSize: 28, width: 128, layers: 4, heads: 4, contextLength: 64, variant: variant as 'baseline', latentBits: H, estimator: est, kappa: { bits: 0.5 } });
const model = createModel(config, 1);
const opt = new AdamW(model.variables, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
const B = 32, T = 64;
const step = (seed: number) => {
  const ids = new Int32Array(B * (T + 1)).map((_, i) => (i * 7 + seed * 13) % 28);
  const inputs = tf.tensor2d(ids.subarray(0, B * T), [B, T], 'int32') as Tensor2D;
  const targets = tf.tensor2d(ids.subarray(B, B + B * T), [B, T], 'int32') as Tensor2D;
  const r = lossAndGradients(model, inputs, targets, { seed, training: true });
  const grads = Object.fromEntries(r.grads);
  const c = clipByGlobalNorm(grads, 1.0);
  opt.apply(c.grads, 1e-3);
  tf.dispose(Object.values(grads));
  if (c.grads !== grads) tf.dispose(Object.values(c.grads));
  tf.dispose([inputs, targets]);
  return r.loss;
};
for (let i = 0; i < 3; i++) step(i);
const times: number[] = []; const cpus: number[] = [];
for (let i = 0; i < 7; i++) { const c0 = process.cpuUsage(); const t0 = performance.now(); step(10 + i); times.push(performance.now() - t0); const c = process.cpuUsage(c0); cpus.push((c.user + c.system) / 1000); }
times.sort((a, b) => a - b); cpus.sort((a, b) => a - b);
console.log(engine, variant, 'median ms/step', times[3].toFixed(1), 'cpu ms/step', cpus[3].toFixed(1), 'tokens/s(cpu)', Math.round(2048000 / cpus[3]), 'numTensors', tf.memory().numTensors);
if (process.env.PROFILE) {
  const info = await tf.profile(() => { step(99); });
  const agg = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const key = process.env.PROFILE === 'shape' ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const e = agg.get(key) ?? { ms: 0, n: 0 };
    e.ms += k.kernelTimeMs as number; e.n++;
    agg.set(key, e);
  }
  const total = [...agg.values()].reduce((a, b) => a + b.ms, 0);
  console.log('kernels', info.kernels.length, 'total kernel ms', total.toFixed(1));
  for (const [k, e] of [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(e.ms.toFixed(1).padStart(8), String(e.n).padStart(5), k);
}
