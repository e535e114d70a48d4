// What Hugging Face's libraries expect of an exported directory, written here from their
// documentation and source (transformers' LlamaConfig and LlamaForCausalLM, the tokenizers
// library's JSON format), independently of the exporter, since neither library can be installed
// here: the JSON types of config.json's fields, the state dict LlamaForCausalLM builds from a
// config, a safetensors header parsed by hand, and a reader that applies a tokenizer.json
// (pre-tokenizer, model, decoder) the way the tokenizers library does.
import { readFileSync } from 'node:fs';

export type JsonType = 'int' | 'float' | 'bool' | 'string' | 'null' | 'list' | 'object';

/**
 * LlamaConfig's fields (transformers 4.45-4.57) and their types as it documents them, plus the
 * PretrainedConfig fields an exported config sets. Optional ints may be null.
 */
export const LLAMA_CONFIG_TYPES: Record<string, JsonType[]> = {
  architectures: ['list'],
  model_type: ['string'],
  vocab_size: ['int'],
  hidden_size: ['int'],
  intermediate_size: ['int'],
  num_hidden_layers: ['int'],
  num_attention_heads: ['int'],
  num_key_value_heads: ['int'],
  head_dim: ['int'],
  hidden_act: ['string'],
  max_position_embeddings: ['int'],
  initializer_range: ['float'],
  rms_norm_eps: ['float'],
  use_cache: ['bool'],
  pad_token_id: ['int', 'null'],
  bos_token_id: ['int', 'null'],
  eos_token_id: ['int', 'null'],
  pretraining_tp: ['int'],
  tie_word_embeddings: ['bool'],
  rope_theta: ['float'],
  rope_scaling: ['object', 'null'],
  attention_bias: ['bool'],
  attention_dropout: ['float'],
  mlp_bias: ['bool'],
  torch_dtype: ['string'],
};

/** GenerationConfig's fields an export sets, with their documented types. */
export const GENERATION_CONFIG_TYPES: Record<string, JsonType[]> = {
  do_sample: ['bool'],
  temperature: ['float'],
  top_k: ['int'],
  max_length: ['int'],
};

/** Python's json.loads type of each top-level field of a JSON object, read from the text itself. */
export function pythonJsonTypes(text: string): Record<string, JsonType> {
  const value = JSON.parse(text) as Record<string, unknown>;
  const types: Record<string, JsonType> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null) types[key] = 'null';
    else if (typeof v === 'boolean') types[key] = 'bool';
    else if (typeof v === 'string') types[key] = 'string';
    else if (Array.isArray(v)) types[key] = 'list';
    else if (typeof v === 'object') types[key] = 'object';
    else {
      // JSON.parse forgets whether 10000 was written 10000.0: Python does not.
      const literal = new RegExp(`"${key}":\\s*(-?[0-9][0-9.eE+-]*)`).exec(text)?.[1] ?? '';
      types[key] = /^-?\d+$/.test(literal) ? 'int' : 'float';
    }
  }
  return types;
}

/** The parameters LlamaForCausalLM builds for a config.json: name -> shape (nn.Linear: [out, in]). */
export function llamaStateDict(config: Record<string, number | boolean>): Map<string, number[]> {
  const hidden = config.hidden_size as number;
  const headDim = (config.head_dim as number | undefined) ?? hidden / (config.num_attention_heads as number);
  const q = (config.num_attention_heads as number) * headDim;
  const kv = (config.num_key_value_heads as number) * headDim;
  const inter = config.intermediate_size as number;
  const vocab = config.vocab_size as number;
  const out = new Map<string, number[]>([['model.embed_tokens.weight', [vocab, hidden]]]);
  for (let i = 0; i < (config.num_hidden_layers as number); i++) {
    const p = `model.layers.${i}`;
    out.set(`${p}.self_attn.q_proj.weight`, [q, hidden]);
    out.set(`${p}.self_attn.k_proj.weight`, [kv, hidden]);
    out.set(`${p}.self_attn.v_proj.weight`, [kv, hidden]);
    out.set(`${p}.self_attn.o_proj.weight`, [hidden, q]);
    out.set(`${p}.mlp.gate_proj.weight`, [inter, hidden]);
    out.set(`${p}.mlp.up_proj.weight`, [inter, hidden]);
    out.set(`${p}.mlp.down_proj.weight`, [hidden, inter]);
    out.set(`${p}.input_layernorm.weight`, [hidden]);
    out.set(`${p}.post_attention_layernorm.weight`, [hidden]);
  }
  out.set('model.norm.weight', [hidden]);
  if (!config.tie_word_embeddings) out.set('lm_head.weight', [vocab, hidden]);
  return out;
}

/** The header of a safetensors file: [u64 LE length][JSON]: tensors and __metadata__. */
export function safetensorsHeader(path: string): {
  tensors: Map<string, { dtype: string; shape: number[] }>;
  metadata: Record<string, string>;
} {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  const { __metadata__: metadata, ...rest } = header;
  const tensors = new Map(
    Object.entries(rest as Record<string, { dtype: string; shape: number[] }>).map(([k, v]) => [
      k,
      { dtype: v.dtype, shape: v.shape },
    ]),
  );
  return { tensors, metadata: (metadata ?? {}) as Record<string, string> };
}

/** GPT-2's bytes_to_unicode, as the tokenizers library's ByteLevel builds it. */
function bytesToUnicode(): Map<number, string> {
  const kept = [...range(0x21, 0x7e), ...range(0xa1, 0xac), ...range(0xae, 0xff)];
  const map = new Map(kept.map((b) => [b, String.fromCodePoint(b)]));
  let n = 0;
  for (let b = 0; b < 256; b++) if (!map.has(b)) map.set(b, String.fromCodePoint(256 + n++));
  return map;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

type Json = Record<string, unknown>;

/**
 * Applies a tokenizer.json to text as the tokenizers library does, for the pieces an ftlab export
 * uses (anything else is refused): pre-tokenizers Split (a Regex pattern, Isolated, not inverted),
 * ByteLevel without its built-in regex (use_regex false, no prefix space: each piece's UTF-8 bytes
 * as GPT-2's characters) and a Sequence of them, each applied to every piece the previous one
 * made; models WordLevel and BPE (merges in rank order: the lowest-ranked adjacent pair first,
 * leftmost on ties); decoders Fuse, ByteLevel (the bytes of all tokens as one string, decoded as
 * Rust's from_utf8_lossy does: a byte-order mark is kept), Strip (up to `start` leading and `stop`
 * trailing `content` characters removed from each string) and a Sequence of them.
 */
export class TokenizerJsonReader {
  private readonly vocab: Map<string, number>;
  private readonly tokens: Map<number, string>;
  private readonly ranks = new Map<string, number>();
  private readonly byteChars = bytesToUnicode();

  constructor(private readonly json: Json) {
    if (json.normalizer !== null) throw new Error('reader: normalizers are not supported');
    const model = json.model as Json;
    this.vocab = new Map(Object.entries(model.vocab as Record<string, number>));
    this.tokens = new Map([...this.vocab].map(([t, id]) => [id, t]));
    if (model.type === 'BPE') {
      (model.merges as string[]).forEach((merge, rank) => {
        this.ranks.set(merge, rank);
      });
    } else if (model.type !== 'WordLevel') throw new Error(`reader: model ${String(model.type)} is not supported`);
  }

  /** Pre-tokenized pieces, each already in the model's alphabet. */
  preTokenize(text: string): string[] {
    return this.apply(this.json.pre_tokenizer as Json, [text]);
  }

  private apply(pre: Json, pieces: string[]): string[] {
    if (pre.type === 'Sequence') {
      return (pre.pretokenizers as Json[]).reduce((done, step) => this.apply(step, done), pieces);
    }
    if (pre.type === 'Split') {
      const pattern = (pre.pattern as { Regex?: string }).Regex;
      if (pattern === undefined || pre.behavior !== 'Isolated' || pre.invert !== false)
        throw new Error('reader: only Split(Regex, Isolated, invert false) is supported');
      return pieces.flatMap((piece) => isolate(piece, new RegExp(pattern, 'gu')));
    }
    if (pre.type === 'ByteLevel') {
      if (pre.add_prefix_space !== false || pre.use_regex !== false)
        throw new Error('reader: only ByteLevel(add_prefix_space false, use_regex false) is supported');
      const encoder = new TextEncoder();
      return pieces.map((piece) => Array.from(encoder.encode(piece), (b) => this.byteChars.get(b)).join(''));
    }
    throw new Error(`reader: pre-tokenizer ${String(pre.type)} is not supported`);
  }

  encode(text: string): number[] {
    const model = this.json.model as Json;
    const ids: number[] = [];
    for (const piece of this.preTokenize(text)) {
      const symbols = model.type === 'BPE' ? this.bpe(piece) : [piece];
      for (const symbol of symbols) {
        const id = this.vocab.get(symbol);
        if (id === undefined) throw new Error(`reader: ${JSON.stringify(symbol)} is not in the vocabulary`);
        ids.push(id);
      }
    }
    return ids;
  }

  private bpe(word: string): string[] {
    const symbols = [...word];
    for (;;) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) return symbols;
      symbols.splice(best, 2, `${symbols[best]}${symbols[best + 1]}`);
    }
  }

  decode(ids: readonly number[]): string {
    const tokens = ids.map((id) => this.tokens.get(id) ?? '');
    return this.decodeChain(this.json.decoder as Json, tokens).join('');
  }

  private decodeChain(decoder: Json, tokens: string[]): string[] {
    if (decoder.type === 'Sequence') {
      return (decoder.decoders as Json[]).reduce((done, step) => this.decodeChain(step, done), tokens);
    }
    if (decoder.type === 'Fuse') return [tokens.join('')];
    if (decoder.type === 'ByteLevel') {
      const byteOf = new Map([...this.byteChars].map(([b, c]) => [c, b]));
      const bytes = Uint8Array.from([...tokens.join('')].map((c) => byteOf.get(c) as number));
      return [new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)];
    }
    if (decoder.type === 'Strip') {
      const { content, start, stop } = decoder as { content: string; start: number; stop: number };
      return tokens.map((token) => {
        const chars = [...token];
        let from = 0;
        while (from < start && chars[from] === content) from++;
        let to = chars.length;
        while (chars.length - to < stop && to > from && chars[to - 1] === content) to--;
        return chars.slice(from, to).join('');
      });
    }
    throw new Error(`reader: decoder ${String(decoder.type)} is not supported`);
  }
}

/** Split with the Isolated behaviour: every match is a piece, and so is every stretch between matches. */
function isolate(text: string, regex: RegExp): string[] {
  const pieces: string[] = [];
  let end = 0;
  for (const match of text.matchAll(regex)) {
    if (match.index > end) pieces.push(text.slice(end, match.index));
    if (match[0].length > 0) pieces.push(match[0]);
    end = match.index + match[0].length;
  }
  if (end < text.length) pieces.push(text.slice(end));
  return pieces;
}
