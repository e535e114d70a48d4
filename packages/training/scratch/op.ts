import { selectBackend, tf } from '@ftlab/backend';
for (const engine of ['native', 'wasm'] as const) {
  await selectBackend(engine);
  const x = tf.randomNormal([32, 4, 64, 32]); const c = tf.randomNormal([64, 32]);
  const y = tf.randomNormal([32, 4, 64, 32]);
  const big = tf.randomNormal([32, 64, 352]); const big2 = tf.randomNormal([32, 64, 352]);
  const cases: [string, () => tf.Tensor][] = [['rope mul', () => tf.mul(x, c)], ['same mul', () => tf.mul(x, y)], ['big mul', () => tf.mul(big, big2)]];
  for (const [name, f] of cases) {
    for (let i = 0; i < 50; i++) f().dispose();
    const c0 = process.cpuUsage(); const t0 = performance.now();
    const n = 500;
    for (let i = 0; i < n; i++) f().dispose();
    const cu = process.cpuUsage(c0);
    console.log(engine, name, ((performance.now() - t0) / n * 1000).toFixed(1), 'us wall', ((cu.user + cu.system) / n).toFixed(1), 'us cpu');
  }
}
