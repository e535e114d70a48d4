import { selectBackend, tf } from '@ftlab/backend';
await selectBackend((process.argv[2] ?? 'native') as 'native');
const a = tf.randomNormal([128, 128]); const s = tf.scalar(0.5);
for (let i = 0; i < 200; i++) tf.mul(a, s).dispose();
const t0 = performance.now();
for (let i = 0; i < 20000; i++) tf.mul(a, s).dispose();
console.log(((performance.now() - t0) / 20000 * 1000).toFixed(1), 'us/op');
