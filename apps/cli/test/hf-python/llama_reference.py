"""LlamaForCausalLM's forward pass written from transformers' Llama definition, reading only what
a Hugging Face directory holds: config.json and model.safetensors (Llama names). Test-only, for
apps/cli/test/torch-twin.test.ts: a baseline export must be a plain Llama, so this file knows no
ftlab name or default and uses nothing from the PyTorch twin but its safetensors reader.

transformers' Llama, as implemented here: x = embed_tokens[ids]; per layer
    h = x + o_proj(attention(input_layernorm(x)));  x = h + down_proj(silu(gate_proj(n)) * up_proj(n)),
    n = post_attention_layernorm(h);
RMSNorm(x) = weight * x / sqrt(mean(x^2) + rms_norm_eps); attention with num_attention_heads heads
of head_dim, num_key_value_heads groups, causal, scaled by 1/sqrt(head_dim); RoPE on q and k with
inv_freq = rope_theta^(-2i/head_dim) applied as x * cos + rotate_half(x) * sin, where
rotate_half([x1, x2]) = [-x2, x1] and cos/sin repeat the frequencies over both halves; logits =
lm_head(norm(x)) (or the embedding matrix when tie_word_embeddings).
"""

import json
import math
import os

import torch
from torch.nn import functional as F


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaReference:
    def __init__(self, directory):
        with open(os.path.join(directory, "config.json")) as file:
            self.config = json.load(file)
        c = self.config
        if c.get("model_type") != "llama":
            raise ValueError(f"{directory}: model_type {c.get('model_type')!r}, not llama")
        for field, plain in (("attention_bias", False), ("mlp_bias", False), ("rope_scaling", None)):
            if c.get(field, plain) != plain:
                raise ValueError(f"{directory}: {field} {c[field]!r} is not implemented here")
        if c.get("hidden_act", "silu") != "silu":
            raise ValueError(f"{directory}: hidden_act {c['hidden_act']!r} is not implemented here")
        from ftlab_torch.checkpoint import read_safetensors

        arrays, _ = read_safetensors(os.path.join(directory, "model.safetensors"))
        self.w = {name: torch.from_numpy(array.copy()).float() for name, array in arrays.items()}
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps = c["rms_norm_eps"]
        self.theta = c["rope_theta"]

    def parameter_names(self):
        c = self.config
        names = {"model.embed_tokens.weight", "model.norm.weight"}
        if not c.get("tie_word_embeddings", False):
            names.add("lm_head.weight")
        for i in range(c["num_hidden_layers"]):
            for part in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"):
                names.add(f"model.layers.{i}.{part}.weight")
            for part in ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"):
                names.add(f"model.layers.{i}.{part}.weight")
            for norm in ("input_layernorm", "post_attention_layernorm"):
                names.add(f"model.layers.{i}.{norm}.weight")
        return names

    def attention(self, x, i, cos, sin):
        w = self.w
        batch, time, _ = x.shape
        prefix = f"model.layers.{i}.self_attn."
        q = F.linear(x, w[prefix + "q_proj.weight"]).view(batch, time, self.heads, self.head_dim).transpose(1, 2)
        k = F.linear(x, w[prefix + "k_proj.weight"]).view(batch, time, self.kv_heads, self.head_dim).transpose(1, 2)
        v = F.linear(x, w[prefix + "v_proj.weight"]).view(batch, time, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        group = self.heads // self.kv_heads
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
        causal = torch.ones(time, time, dtype=torch.bool).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
        out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, time, self.heads * self.head_dim)
        return F.linear(out, w[prefix + "o_proj.weight"])

    @torch.no_grad()
    def logits(self, input_ids):
        c, w = self.config, self.w
        ids = torch.as_tensor(input_ids, dtype=torch.long)
        time = ids.shape[1]
        inv_freq = 1.0 / (self.theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        freqs = torch.outer(torch.arange(time, dtype=torch.float32), inv_freq)
        angles = torch.cat((freqs, freqs), dim=-1)
        cos, sin = angles.cos(), angles.sin()
        x = w["model.embed_tokens.weight"][ids]
        for i in range(c["num_hidden_layers"]):
            layer = f"model.layers.{i}."
            x = x + self.attention(rms_norm(x, w[layer + "input_layernorm.weight"], self.eps), i, cos, sin)
            n = rms_norm(x, w[layer + "post_attention_layernorm.weight"], self.eps)
            gate = F.linear(n, w[layer + "mlp.gate_proj.weight"])
            up = F.linear(n, w[layer + "mlp.up_proj.weight"])
            x = x + F.linear(F.silu(gate) * up, w[layer + "mlp.down_proj.weight"])
        x = rms_norm(x, w["model.norm.weight"], self.eps)
        head = w["model.embed_tokens.weight"] if c.get("tie_word_embeddings", False) else w["lm_head.weight"]
        return F.linear(x, head)
