// The one list of a model's parameters: names, shapes, initialisation, weight-decay flags and
// cost groups. Initialisation, parameter counts and checkpoints all read it, so they cannot
// disagree.
//
// Names follow Hugging Face's Llama (`model.layers.0.self_attn.q_proj.weight`, ...), with the
// Free Transformer's additions under `model.encoder.*` and `model.post_sampler.weight`.
// In memory a linear weight is [in, out] (y = x W, the layout `linear` multiplies without a
// transpose); checkpoints store linear weights as [out, in] like torch.nn.Linear (see checkpoint.ts).
import { decoderLayerCount, type ModelConfig } from './config.js';

export const PARAMETER_GROUPS = ['embedding', 'attention', 'mlp', 'norm', 'head', 'encoder', 'postSampler'] as const;
export type ParameterGroup = (typeof PARAMETER_GROUPS)[number];

export type ParameterInit = { kind: 'normal'; std: number } | { kind: 'ones' } | { kind: 'zeros' };

export interface ParameterSpec {
  name: string;
  /** In-memory shape; linear weights are [in, out]. */
  shape: number[];
  init: ParameterInit;
  /** Whether AdamW should decay it (not for norms, embeddings and zeta). */
  decay: boolean;
  group: ParameterGroup;
  /** A linear layer's weight: stored transposed ([out, in]) in checkpoints. */
  linear: boolean;
}

export const EMBED = 'model.embed_tokens.weight';
export const FINAL_NORM = 'model.norm.weight';
export const LM_HEAD = 'lm_head.weight';
export const ZETA = 'model.encoder.zeta';
export const ENCODER_BLOCK = 'model.encoder.block';
export const READOUT = 'model.encoder.readout.weight';
export const POST_SAMPLER = 'model.post_sampler.weight';
export const CVAE_EMBED = 'model.encoder.embed_tokens.weight';

export const decoderBlockPrefix = (index: number) => `model.layers.${index}`;
export const cvaeBlockPrefix = (index: number) => `model.encoder.layers.${index}`;

/** One pre-norm block: RMSNorm, attention (q, k, v, o), RMSNorm, SwiGLU MLP (gate, up, down). */
function blockSpecs(prefix: string, config: ModelConfig, group: ParameterGroup | null, residualStd: number) {
  const { width: d, mlpWidth: f, initStd } = config;
  const normal = { kind: 'normal', std: initStd } as const;
  const residual = { kind: 'normal', std: residualStd } as const;
  const spec = (suffix: string, shape: number[], init: ParameterInit, g: ParameterGroup): ParameterSpec => ({
    name: `${prefix}.${suffix}`,
    shape,
    init,
    decay: init.kind === 'normal',
    group: group ?? g,
    linear: shape.length === 2,
  });
  return [
    spec('input_layernorm.weight', [d], { kind: 'ones' }, 'norm'),
    spec('self_attn.q_proj.weight', [d, d], normal, 'attention'),
    spec('self_attn.k_proj.weight', [d, d], normal, 'attention'),
    spec('self_attn.v_proj.weight', [d, d], normal, 'attention'),
    spec('self_attn.o_proj.weight', [d, d], residual, 'attention'),
    spec('post_attention_layernorm.weight', [d], { kind: 'ones' }, 'norm'),
    spec('mlp.gate_proj.weight', [d, f], normal, 'mlp'),
    spec('mlp.up_proj.weight', [d, f], normal, 'mlp'),
    spec('mlp.down_proj.weight', [f, d], residual, 'mlp'),
  ];
}

/** Rows of the post-sampler: 2^H codes (a table), or H bits for the factored estimator. */
export function postSamplerRows(config: ModelConfig): number {
  return config.estimator === 'factored' ? config.latentBits : 2 ** config.latentBits;
}

/** Every parameter of the model `config` describes, in a fixed order. */
export function parameterSpecs(config: ModelConfig): ParameterSpec[] {
  const { width: d, vocabSize: v, initStd, latentBits: h } = config;
  const layers = decoderLayerCount(config);
  // GPT-2's scaled init of the projections that write into the residual stream.
  const residualStd = initStd / Math.sqrt(2 * layers);
  const normal: ParameterInit = { kind: 'normal', std: initStd };
  // Tables (embeddings) and zeta are not decayed; linear layers are.
  const table = (name: string, shape: number[], group: ParameterGroup): ParameterSpec => ({
    name,
    shape,
    init: normal,
    decay: false,
    group,
    linear: false,
  });
  const linearLayer = (
    name: string,
    shape: number[],
    group: ParameterGroup,
    init: ParameterInit = normal,
  ): ParameterSpec => ({
    name,
    shape,
    init,
    decay: true,
    group,
    linear: true,
  });
  const specs: ParameterSpec[] = [table(EMBED, [v, d], 'embedding')];
  for (let i = 0; i < layers; i++) specs.push(...blockSpecs(decoderBlockPrefix(i), config, null, residualStd));
  specs.push({ name: FINAL_NORM, shape: [d], init: { kind: 'ones' }, decay: false, group: 'norm', linear: false });
  if (!config.tieEmbeddings) specs.push(linearLayer(LM_HEAD, [d, v], 'head'));
  if (config.variant === 'cvae') {
    specs.push(table(CVAE_EMBED, [v, d], 'encoder'));
    for (let j = 0; j < config.cvaeEncoderLayers; j++) {
      specs.push(...blockSpecs(cvaeBlockPrefix(j), config, 'encoder', residualStd));
    }
  }
  if (config.variant === 'free-transformer' || config.variant === 'cvae') {
    specs.push(table(ZETA, [d], 'encoder'));
    specs.push(...blockSpecs(ENCODER_BLOCK, config, 'encoder', residualStd));
    specs.push(linearLayer(READOUT, [d, h], 'encoder'));
    // A linear layer C -> D in the paper (its forward is a row gather), decayed like one.
    const postInit: ParameterInit = config.zeroInitPostSampler ? { kind: 'zeros' } : normal;
    specs.push(linearLayer(POST_SAMPLER, [postSamplerRows(config), d], 'postSampler', postInit));
  }
  return specs;
}
