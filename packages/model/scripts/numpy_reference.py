"""Independent NumPy implementation of @ftlab/model checkpoints (float64).

Reads a checkpoint directory written by saveCheckpoint (parsing the safetensors file by hand,
with no other dependency than NumPy) and prints, as JSON, the logits of the baseline or of the
Free Transformer with given (pinned) codes, and the encoder's bit logits. It documents how a
Python user maps the tensors, and test/python-reference.test.ts compares it with the tfjs model.

Usage: python3 numpy_reference.py CHECKPOINT_DIR '{"tokens": [[1, 2, 3]], "codes": [[0, 5, 2]]}'
"""

import json
import os
import struct
import sys

import numpy as np


def load_safetensors(path):
    data = open(path, "rb").read()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_size])
    metadata = header.pop("__metadata__", {})
    start = 8 + header_size
    dtypes = {"F32": np.float32, "F64": np.float64, "I32": np.int32}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[start + begin : start + end], dtype=dtypes[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).astype(np.float64)
    return tensors, metadata


def rms_norm(x, weight, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * weight


def rope(x, positions, base):
    """Hugging Face Llama rotary embedding; x is [T, heads, dh]."""
    dh = x.shape[-1]
    inv_freq = base ** (-np.arange(0, dh, 2) / dh)
    freqs = np.outer(positions, inv_freq)
    emb = np.concatenate([freqs, freqs], -1)
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
    x1, x2 = x[..., : dh // 2], x[..., dh // 2 :]
    return x * cos + np.concatenate([-x2, x1], -1) * sin


def linear(x, w, name):
    return x @ w[name].T  # torch.nn.Linear layout: [out, in]


def attention(w, prefix, hq, hkv, heads, base, causal):
    t_q, t_k = hq.shape[0], hkv.shape[0]
    d = hkv.shape[-1]
    dh = d // heads
    q = rope(linear(hq, w, prefix + "self_attn.q_proj.weight").reshape(t_q, heads, dh), np.arange(t_q), base)
    k = rope(linear(hkv, w, prefix + "self_attn.k_proj.weight").reshape(t_k, heads, dh), np.arange(t_k), base)
    v = linear(hkv, w, prefix + "self_attn.v_proj.weight").reshape(t_k, heads, dh)
    scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(dh)
    if causal:
        scores = np.where(np.triu(np.ones((t_q, t_k), dtype=bool), 1), -np.inf, scores)
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    mixed = np.einsum("hts,shd->thd", probs, v).reshape(t_q, d)
    return linear(mixed, w, prefix + "self_attn.o_proj.weight")


def mlp(w, prefix, x, eps):
    h = rms_norm(x, w[prefix + "post_attention_layernorm.weight"], eps)
    gate = linear(h, w, prefix + "mlp.gate_proj.weight")
    up = linear(h, w, prefix + "mlp.up_proj.weight")
    return x + linear(gate / (1 + np.exp(-gate)) * up, w, prefix + "mlp.down_proj.weight")


def forward(w, cfg, tokens, codes):
    eps, base, heads = cfg["normEps"], cfg["ropeBase"], cfg["heads"]
    layers = cfg["layers"] + (1 if cfg["variant"] == "baseline-plus-one" else 0)
    x = w["model.embed_tokens.weight"][tokens]
    bit_logits = None
    for layer in range(layers):
        prefix = f"model.layers.{layer}."
        h = rms_norm(x, w[prefix + "input_layernorm.weight"], eps)
        hkv = h
        if cfg["variant"] == "free-transformer" and layer == cfg["encoderPlacement"]:
            # The encoder: constant query zeta at every position, non-causal, over X after block m.
            enc = "model.encoder.block."
            zeta = w["model.encoder.zeta"]
            hz = np.tile(rms_norm(zeta, w[enc + "input_layernorm.weight"], eps), (len(tokens), 1))
            hx = rms_norm(x, w[enc + "input_layernorm.weight"], eps)
            e = mlp(w, enc, zeta + attention(w, enc, hz, hx, heads, base, causal=False), eps)
            bit_logits = linear(e, w, "model.encoder.readout.weight")
            # R = PostSampler(onehot(z)): column z of the [D, C] linear weight.
            r = w["model.post_sampler.weight"][:, codes].T
            if cfg["latentKvPath"] == "before-norm":
                hkv = rms_norm(x + r, w[prefix + "input_layernorm.weight"], eps)
            else:
                hkv = h + r
        x = x + attention(w, prefix, h, hkv, heads, base, causal=True)
        x = mlp(w, prefix, x, eps)
    head = w["model.embed_tokens.weight"] if cfg["tieEmbeddings"] else w["lm_head.weight"]
    logits = rms_norm(x, w["model.norm.weight"], eps) @ head.T
    return logits, bit_logits


def main():
    directory, request = sys.argv[1], json.loads(sys.argv[2])
    # ftlab-model.json; config.json in checkpoints written before the rename.
    path = f"{directory}/ftlab-model.json"
    manifest = json.load(open(path if os.path.exists(path) else f"{directory}/config.json"))
    cfg = manifest["config"]
    weights, _ = load_safetensors(f"{directory}/{manifest['weights']['file']}")
    out = {"logits": [], "bitLogits": []}
    for row, tokens in enumerate(request["tokens"]):
        codes = request.get("codes", [[0] * len(tokens)])[row]
        logits, bit_logits = forward(weights, cfg, np.array(tokens), np.array(codes))
        out["logits"].append(logits.tolist())
        out["bitLogits"].append(None if bit_logits is None else bit_logits.tolist())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
