import { selectBackend, tf } from '@ftlab/backend';
for (const engine of ['native', 'wasm'] as const) {
  await selectBackend(engine);
  const a = tf.randomNormal([128, 128]); const s = tf.scalar(0.5);
  const big = tf.randomNormal([32, 64, 352]); const big2 = tf.randomNormal([32, 64, 352]);
  for (const [name, f] of [['mul small', () => tf.mul(a, s)], ['mul big', () => tf.mul(big, big2)], ['reshape', () => tf.reshape(a, [16384])]] as const) {
    for (let i = 0; i < 200; i++) f().dispose();
    const t0 = performance.now();
    const n = 2000;
    for (let i = 0; i < n; i++) f().dispose();
    console.log(engine, name, ((performance.now() - t0) / n * 1000).toFixed(1), 'us/op');
  }
}
