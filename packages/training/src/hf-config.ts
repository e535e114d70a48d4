// A model config in Hugging Face transformers' terms: config.json and generation_config.json.
//
// Field names and types are LlamaConfig's as transformers 4.45-4.57 documents and writes them
// (rope_theta and torch_dtype at the top level; transformers 5 still reads both, moving
// rope_theta into rope_parameters). A baseline is a plain `LlamaForCausalLM`: RMSNorm, SwiGLU,
// rotate_half RoPE, no biases, multi-head attention (num_key_value_heads = heads), float32.
// A Free Transformer (or cvae) keeps those fields, so tools that read hidden_size etc. work, and
// adds its own (snake_case, one per ftlab config field; `variant` as ftlab_variant, since
// from_pretrained takes a `variant` argument of its own) under model_type "free_transformer", with
// an auto_map to the custom code written beside it (configuration_/modeling_free_transformer.py).
//
// Our tokenizers have no special tokens: bos/eos/pad are null, not LlamaConfig's defaults 1 and
// 2, which are real characters here.
import { decoderLayerCount, hasLatent, type ModelConfig } from '@ftlab/model';

export const HF_CONFIG_FILE = 'config.json';
export const HF_GENERATION_CONFIG_FILE = 'generation_config.json';
export const LLAMA_ARCHITECTURE = 'LlamaForCausalLM';
export const FREE_TRANSFORMER_ARCHITECTURE = 'FreeTransformerForCausalLM';
export const FREE_TRANSFORMER_MODEL_TYPE = 'free_transformer';
export const CONFIGURATION_MODULE = 'configuration_free_transformer';
export const MODELING_MODULE = 'modeling_free_transformer';

/**
 * config.json field of each ftlab model config field. The Llama names come first; the rest exist
 * only in a Free Transformer's config. configuration_free_transformer.py holds the same table
 * (a test compares them).
 */
export const HF_CONFIG_FIELDS = {
  vocabSize: 'vocab_size',
  width: 'hidden_size',
  layers: 'num_hidden_layers',
  heads: 'num_attention_heads',
  mlpWidth: 'intermediate_size',
  contextLength: 'max_position_embeddings',
  ropeBase: 'rope_theta',
  normEps: 'rms_norm_eps',
  tieEmbeddings: 'tie_word_embeddings',
  initStd: 'initializer_range',
  variant: 'ftlab_variant',
  latentBits: 'latent_bits',
  kappaNats: 'kappa_nats',
  encoderPlacement: 'encoder_placement',
  estimator: 'estimator',
  zeroInitPostSampler: 'zero_init_post_sampler',
  latentKvPath: 'latent_kv_path',
  promptZ: 'prompt_z',
  denseChunkBytes: 'dense_chunk_bytes',
  cvaeEncoderLayers: 'cvae_encoder_layers',
} as const satisfies Record<keyof ModelConfig, string>;

const LLAMA_CONFIG_FIELDS: ReadonlyArray<keyof ModelConfig> = [
  'vocabSize',
  'width',
  'layers',
  'heads',
  'mlpWidth',
  'contextLength',
  'ropeBase',
  'normEps',
  'tieEmbeddings',
  'initStd',
];

/** A number Python must read as a float: written with a decimal point even when whole (10000.0). */
export class JsonFloat {
  constructor(readonly value: number) {}
}

const FLOAT_FIELDS = new Set<keyof ModelConfig>(['ropeBase', 'normEps', 'kappaNats', 'initStd']);

function fieldValue(config: ModelConfig, field: keyof ModelConfig): unknown {
  // num_hidden_layers counts the blocks built: L + 1 for baseline-plus-one.
  if (field === 'layers') return decoderLayerCount(config);
  return FLOAT_FIELDS.has(field) ? new JsonFloat(config[field] as number) : config[field];
}

/** config.json for `config`: a LlamaConfig, or a FreeTransformerConfig for the latent variants. */
export function huggingFaceConfig(config: ModelConfig): Record<string, unknown> {
  const latent = hasLatent(config);
  const out: Record<string, unknown> = {
    architectures: [latent ? FREE_TRANSFORMER_ARCHITECTURE : LLAMA_ARCHITECTURE],
    model_type: latent ? FREE_TRANSFORMER_MODEL_TYPE : 'llama',
    num_key_value_heads: config.heads,
    head_dim: config.width / config.heads,
    hidden_act: 'silu',
    rope_scaling: null,
    attention_bias: false,
    attention_dropout: new JsonFloat(0),
    mlp_bias: false,
    pretraining_tp: 1,
    // The Free Transformer's forward recomputes the prefix (no KV cache in the PyTorch twin).
    use_cache: !latent,
    bos_token_id: null,
    eos_token_id: null,
    pad_token_id: null,
    torch_dtype: 'float32',
  };
  const fields = latent ? (Object.keys(HF_CONFIG_FIELDS) as Array<keyof ModelConfig>) : LLAMA_CONFIG_FIELDS;
  for (const field of fields) out[HF_CONFIG_FIELDS[field]] = fieldValue(config, field);
  if (latent) {
    out.auto_map = {
      AutoConfig: `${CONFIGURATION_MODULE}.FreeTransformerConfig`,
      AutoModelForCausalLM: `${MODELING_MODULE}.${FREE_TRANSFORMER_ARCHITECTURE}`,
    };
  }
  return out;
}

/**
 * generation_config.json: ftlab's sampling defaults (`ftlab generate`): temperature 1 over every
 * token (top_k 0; transformers' own default is 50), at most the trained context.
 */
export function huggingFaceGenerationConfig(config: ModelConfig): Record<string, unknown> {
  return { do_sample: true, temperature: new JsonFloat(1), top_k: 0, max_length: config.contextLength };
}

/**
 * JSON as Python's json.dumps(value, indent=2, sort_keys=True) writes it (transformers'
 * save_pretrained), with JsonFloat values written as floats.
 */
export function pythonJson(value: unknown, indent = ''): string {
  if (value instanceof JsonFloat) {
    const { value: x } = value;
    if (!Number.isFinite(x)) throw new Error(`pythonJson: ${x} has no JSON form`);
    return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + pythonJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    const entries = keys.map(
      (k) => `${inner}${JSON.stringify(k)}: ${pythonJson((value as Record<string, unknown>)[k], inner)}`,
    );
    return `{\n${entries.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
