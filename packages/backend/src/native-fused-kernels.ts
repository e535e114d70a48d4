// The fused training kernels of the native engine as tfjs kernels: new kernel names, registered
// for the "native" backend only, each computing one op (or its gradient) in one addon call on
// the wasm heap. `fused.ts` wraps them into differentiable ops; the other engines never see them.
import type { AttentionShapeArgs, NativeAddon } from '@ftlab/native';
import { shapeSize } from './native-layout.js';
import type { tf } from './tf.js';

type TensorInfo = tf.TensorInfo;

/** Kernel names of the fused ops (forward and gradient). */
export const FUSED_KERNELS = {
  rmsNorm: 'FtlabRmsNorm',
  rmsNormGrad: 'FtlabRmsNormGrad',
  swiGlu: 'FtlabSwiGlu',
  swiGluGrad: 'FtlabSwiGluGrad',
  rope: 'FtlabRope',
  attention: 'FtlabAttention',
  attentionGrad: 'FtlabAttentionGrad',
  denseBitGradient: 'FtlabDenseBitGradient',
  adamW: 'FtlabAdamW',
  matMulAdd: 'FtlabMatMulAdd',
} as const;

interface HeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
}

type Inputs = Record<string, TensorInfo>;
type Attrs = Record<string, unknown>;
type Kernel = (inputs: Inputs, backend: HeapBackend, attrs: Attrs) => TensorInfo | TensorInfo[];

function kernels(addon: NativeAddon): Record<string, Kernel> {
  const at = (b: HeapBackend, t: TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
  const heap = (b: HeapBackend) => b.wasm.HEAPU8.buffer;
  const lastDim = (t: TensorInfo) => t.shape[t.shape.length - 1];
  const float = (b: HeapBackend, shape: number[]) => b.makeOutput(shape, 'float32');

  // The shapes of an attention call; `args` are the ones both attention kernels start with.
  const attentionShape = (q: TensorInfo, k: TensorInfo, attrs: Attrs) => {
    const heads = attrs.heads as number;
    const [batch, keyTime, width] = k.shape as [number, number, number];
    const [queryBatch, queryTime] = q.shape as [number, number];
    const causal = attrs.causal as boolean;
    const args: AttentionShapeArgs = [batch, queryBatch, queryTime, keyTime, heads, width / heads, causal];
    return { batch, queryTime, keyTime, heads, width, args };
  };

  return {
    // addend + a op(b) for 2-D a and b: one GEMM whose output tiles start from the addend's.
    [FUSED_KERNELS.matMulAdd]: ({ a, b: right, addend }, b, { transposeA, transposeB }) => {
      const [a_, b_] = [a as TensorInfo, right as TensorInfo];
      const [m, k] = (transposeA ? [a_.shape[1], a_.shape[0]] : a_.shape) as [number, number];
      const n = (transposeB ? b_.shape[0] : b_.shape[1]) as number;
      const out = float(b, [m, n]);
      const [ta, tb] = [transposeA as boolean, transposeB as boolean];
      addon.gemm(
        heap(b),
        1,
        m,
        n,
        k,
        ta,
        tb,
        at(b, a_),
        0,
        at(b, b_),
        0,
        at(b, out),
        1,
        1,
        at(b, addend as TensorInfo),
      );
      return out;
    },
    [FUSED_KERNELS.rmsNorm]: ({ x, weight }, b, { eps }) => {
      const x_ = x as TensorInfo;
      const d = lastDim(x_);
      const rows = shapeSize(x_.shape) / d;
      const y = float(b, x_.shape);
      const r = float(b, [...x_.shape.slice(0, -1), 1]);
      addon.rmsNormForward(heap(b), rows, d, at(b, x_), at(b, weight as TensorInfo), eps as number, at(b, y), at(b, r));
      return [y, r];
    },
    [FUSED_KERNELS.rmsNormGrad]: ({ dy, x, weight, inverseRms }, b) => {
      const x_ = x as TensorInfo;
      const d = lastDim(x_);
      const dx = float(b, x_.shape);
      const dw = float(b, [d]);
      addon.rmsNormBackward(
        heap(b),
        shapeSize(x_.shape) / d,
        d,
        at(b, dy as TensorInfo),
        at(b, x_),
        at(b, weight as TensorInfo),
        at(b, inverseRms as TensorInfo),
        at(b, dx),
        at(b, dw),
      );
      return [dx, dw];
    },
    [FUSED_KERNELS.swiGlu]: ({ gate, up }, b) => {
      const g = gate as TensorInfo;
      const h = float(b, g.shape);
      addon.swiGluForward(heap(b), shapeSize(g.shape), at(b, g), at(b, up as TensorInfo), at(b, h));
      return h;
    },
    [FUSED_KERNELS.swiGluGrad]: ({ dh, gate, up }, b) => {
      const g = gate as TensorInfo;
      const dg = float(b, g.shape);
      const du = float(b, g.shape);
      addon.swiGluBackward(
        heap(b),
        shapeSize(g.shape),
        at(b, dh as TensorInfo),
        at(b, g),
        at(b, up as TensorInfo),
        at(b, dg),
        at(b, du),
      );
      return [dg, du];
    },
    [FUSED_KERNELS.rope]: ({ x, cos, sin }, b, { heads, transposed }) => {
      const x_ = x as TensorInfo;
      const [batch, time, width] = x_.shape as [number, number, number];
      const out = float(b, x_.shape);
      addon.rope(
        heap(b),
        batch,
        time,
        heads as number,
        width / (heads as number),
        at(b, x_),
        at(b, cos as TensorInfo),
        at(b, sin as TensorInfo),
        transposed as boolean,
        at(b, out),
      );
      return out;
    },
    [FUSED_KERNELS.attention]: ({ q, k, v }, b, attrs) => {
      const s = attentionShape(q as TensorInfo, k as TensorInfo, attrs);
      const out = float(b, [s.batch, s.queryTime, s.width]);
      const probs = float(b, [s.batch, s.heads, s.queryTime, s.keyTime]);
      addon.attentionForward(
        heap(b),
        ...s.args,
        at(b, q as TensorInfo),
        at(b, k as TensorInfo),
        at(b, v as TensorInfo),
        at(b, out),
        at(b, probs),
      );
      return [out, probs];
    },
    [FUSED_KERNELS.attentionGrad]: ({ dOut, q, k, v, probs }, b, attrs) => {
      const q_ = q as TensorInfo;
      const k_ = k as TensorInfo;
      const s = attentionShape(q_, k_, attrs);
      const dq = float(b, q_.shape);
      const dk = float(b, k_.shape);
      const dv = float(b, k_.shape);
      addon.attentionBackward(
        heap(b),
        ...s.args,
        at(b, dOut as TensorInfo),
        at(b, q_),
        at(b, k_),
        at(b, v as TensorInfo),
        at(b, probs as TensorInfo),
        at(b, dq),
        at(b, dk),
        at(b, dv),
      );
      return [dq, dk, dv];
    },
    [FUSED_KERNELS.denseBitGradient]: ({ logits, dR, table }, b) => {
      const l = logits as TensorInfo;
      const [n, bits] = l.shape as [number, number];
      const width = (table as TensorInfo).shape[1];
      const dLogits = float(b, [n, bits]);
      addon.denseBitGradient(
        heap(b),
        n,
        bits,
        width,
        at(b, l),
        at(b, dR as TensorInfo),
        at(b, table as TensorInfo),
        at(b, dLogits),
      );
      return dLogits;
    },
    [FUSED_KERNELS.adamW]: ({ param, m, v, grad }, b, attrs) => {
      const w = param as TensorInfo;
      const outs = [float(b, w.shape), float(b, w.shape), float(b, w.shape)] as const;
      addon.adamW(
        heap(b),
        shapeSize(w.shape),
        at(b, w),
        at(b, m as TensorInfo),
        at(b, v as TensorInfo),
        at(b, grad as TensorInfo),
        attrs.beta1 as number,
        attrs.beta2 as number,
        attrs.stepSize as number,
        attrs.epsHat as number,
        attrs.decay as number,
        at(b, outs[0]),
        at(b, outs[1]),
        at(b, outs[2]),
      );
      return [...outs];
    },
  };
}

/** tfjs kernel configs of the fused kernels for `backendName`. */
export function fusedKernelConfigs(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  return Object.entries(kernels(addon)).map(([kernelName, kernel]) => ({
    kernelName,
    backendName,
    kernelFunc: (args) =>
      kernel(args.inputs as Inputs, args.backend as unknown as HeapBackend, (args.attrs ?? {}) as Attrs) as
        | TensorInfo
        | TensorInfo[],
  }));
}
