// Where a training step's time goes, kernel by kernel: what `ftlab bench --profile` prints.
//
// Each profiled step runs under tf.profile, which times every kernel the engine runs (on the CPU
// engines: its wall time, outputs included). Times are summed per kernel name, and per kernel name
// and input shapes (which of the step's products is slow), and divided by the steps. What the step
// spends outside kernels (autodiff bookkeeping, JavaScript, the optimizer's loop) is the profiled
// wall time less the kernels' sum. Profiling adds its own cost to every kernel call, so the shares
// are what to read; the bench's unprofiled steps give the speed.
import { tf } from '@ftlab/backend';

export interface KernelTime {
  /** The tfjs kernel name (BatchMatMul, Add, or a fused kernel's). */
  kernel: string;
  /** Input shapes, as "[2048,128] x [128,384]"; absent in the per-kernel rows. */
  shapes?: string;
  msPerStep: number;
  callsPerStep: number;
  /** msPerStep / the profiled step's wall time. */
  share: number;
}

export interface KernelProfile {
  steps: number;
  /** Wall time of one step while profiled (kernels, their timing, and everything between them). */
  msPerStep: number;
  /** Wall time not inside any kernel, per step. */
  outsideKernelsMsPerStep: number;
  /** Every kernel name, slowest first. */
  kernels: KernelTime[];
  /** The slowest (kernel, input shapes) pairs, at most `topShapes` of them. */
  byShape: KernelTime[];
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

type KernelInfo = Awaited<ReturnType<typeof tf.profile>>['kernels'][number];

async function kernelMs(time: KernelInfo['kernelTimeMs']): Promise<number> {
  const value = await time;
  if (typeof value !== 'number') throw new Error(`kernel profile: the engine could not time a kernel: ${value.error}`);
  return value;
}

/** Runs step(first), step(first + 1), ... `steps` times under tf.profile and sums kernel times. */
export async function profileSteps(
  step: (index: number) => void,
  steps: number,
  first: number,
  topShapes = 16,
): Promise<KernelProfile> {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`kernel profile: steps must be >= 1, got ${steps}`);
  const byName = new Map<string, { ms: number; calls: number }>();
  const byShape = new Map<string, { kernel: string; shapes: string; ms: number; calls: number }>();
  const backend = tf.getBackend();
  let wall = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const info = await tf.profile(() => {
      step(first + i);
      return [];
    });
    wall += performance.now() - t0;
    for (const k of info.kernels) {
      // tf.profile also records the scopes of custom gradients and composite ops ("unnamed scope",
      // "logSoftmax__op"), whose time is already in the kernels they ran: only kernels count.
      if (tf.getKernel(k.name, backend) === undefined) continue;
      const ms = await kernelMs(k.kernelTimeMs);
      const named = byName.get(k.name) ?? { ms: 0, calls: 0 };
      named.ms += ms;
      named.calls += 1;
      byName.set(k.name, named);
      const shapes = k.inputShapes.map((s) => `[${s ?? ''}]`).join(' x ');
      const key = `${k.name} ${shapes}`;
      const shaped = byShape.get(key) ?? { kernel: k.name, shapes, ms: 0, calls: 0 };
      shaped.ms += ms;
      shaped.calls += 1;
      byShape.set(key, shaped);
    }
  }
  const msPerStep = wall / steps;
  const row = (kernel: string, ms: number, calls: number, shapes?: string): KernelTime => ({
    kernel,
    ...(shapes !== undefined ? { shapes } : {}),
    msPerStep: round(ms / steps, 2),
    callsPerStep: round(calls / steps, 1),
    share: round(ms / steps / msPerStep, 3),
  });
  const kernels = [...byName].map(([name, t]) => row(name, t.ms, t.calls)).sort((a, b) => b.msPerStep - a.msPerStep);
  const inside = [...byName.values()].reduce((sum, t) => sum + t.ms, 0) / steps;
  return {
    steps,
    msPerStep: round(msPerStep, 1),
    outsideKernelsMsPerStep: round(Math.max(0, msPerStep - inside), 1),
    kernels,
    byShape: [...byShape.values()]
      .map((t) => row(t.kernel, t.ms, t.calls, t.shapes))
      .sort((a, b) => b.msPerStep - a.msPerStep)
      .slice(0, topShapes),
  };
}
