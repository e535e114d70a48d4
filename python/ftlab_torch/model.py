"""The Free Transformer (F. Fleuret, "The Free Transformer", arXiv 2510.17558) and its Llama-style
baseline in PyTorch: a twin of @ftlab/model, written from the project's spec
(shared/docs/free-transformer.md, section 2) so that ftlab checkpoints load here unchanged.

This file depends on torch only, and is one file on purpose (a Hugging Face export copies it as
its custom code): a config dataclass, then one small module per concept, in the order data flows
through them. Parameter names are the checkpoint's (Hugging Face Llama names,
plus model.encoder.* and model.post_sampler.weight), so `load_state_dict` takes ftlab weights as
they are. Notation: B batch, T length, D width, L blocks, H latent bits, C = 2^H codes.

    X = embed(S)                                    (cvae: X = embed(S) + R from its own encoder)
    for l in 1..m:      X = Block_l(q = X, kv = X)
    E = EncoderBlock(q = broadcast(zeta), kv = X)   non-causal, RoPE on q and k
    bit_logits = Readout(E)                         (B, T, H)
    Y = BinaryMapper(bit_logits)                    one-hot of z = sum_h 2^h b_h
    R = PostSampler(Y)                              (B, T, D)
    X = Block_{m+1}(q = X, kv = X + R)              R enters the keys/values of ONE block
    for l in m+2..L:    X = Block_l(q = X, kv = X)
    logits = Head(Norm(X))
    loss = mean_t CE_t + (1/T) sum_t max(0, KL_t - kappa)
"""

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import torch
from torch import nn
from torch.nn import functional as F

VARIANTS = ("baseline", "baseline-plus-one", "free-transformer", "cvae")
ESTIMATORS = ("dense", "sampled", "factored")
LATENT_KV_PATHS = ("before-norm", "after-norm")
PROMPT_Z_MODES = ("posterior", "prior")
LN2 = math.log(2.0)

# ftlab config fields (camelCase) -> FreeTransformerConfig fields; None: only about training
# (initialisation, memory), not about what the weights compute.
FTLAB_FIELDS = {
    "variant": "variant",
    "vocabSize": "vocab_size",
    "width": "width",
    "layers": "layers",
    "heads": "heads",
    "mlpWidth": "mlp_width",
    "contextLength": "context_length",
    "ropeBase": "rope_base",
    "normEps": "norm_eps",
    "latentBits": "latent_bits",
    "kappaNats": "kappa_nats",
    "encoderPlacement": "encoder_placement",
    "estimator": "estimator",
    "latentKvPath": "latent_kv_path",
    "promptZ": "prompt_z",
    "tieEmbeddings": "tie_embeddings",
    "cvaeEncoderLayers": "cvae_encoder_layers",
    "zeroInitPostSampler": None,
    "denseChunkBytes": None,
    "initStd": None,
}


@dataclass
class FreeTransformerConfig:
    vocab_size: int
    variant: str = "free-transformer"
    width: int = 128  # D
    layers: int = 4  # L, the depth compared; baseline-plus-one builds L + 1 blocks
    heads: int = 4
    mlp_width: Optional[int] = None  # SwiGLU hidden width; default 8D/3 rounded up to 32
    context_length: int = 256
    rope_base: float = 10000.0
    norm_eps: float = 1e-5
    latent_bits: int = 8  # H; the latent takes C = 2^H values
    kappa_nats: float = 0.0  # kappa, free bits per token in nats (x bits = x ln 2)
    encoder_placement: Optional[int] = None  # m: Z enters block m + 1; default L // 2
    estimator: str = "dense"  # how the Binary Mapper's gradient reaches the encoder
    latent_kv_path: str = "before-norm"  # norm(X + R) feeds K, V ("after-norm": norm(X) + R)
    prompt_z: str = "posterior"  # a prompt's Z at generation: encoder or prior
    tie_embeddings: bool = False
    cvae_encoder_layers: Optional[int] = None  # cvae only: its encoder's blocks; default L

    def __post_init__(self):
        if self.mlp_width is None:
            self.mlp_width = math.ceil(8 * self.width / 3 / 32) * 32
        if self.encoder_placement is None:
            self.encoder_placement = max(1, self.layers // 2)
        if self.cvae_encoder_layers is None:
            self.cvae_encoder_layers = max(1, self.layers)
        problems = []
        if self.variant not in VARIANTS:
            problems.append(f"variant {self.variant!r} is not one of {', '.join(VARIANTS)}")
        if self.estimator not in ESTIMATORS:
            problems.append(f"estimator {self.estimator!r} is not one of {', '.join(ESTIMATORS)}")
        if self.latent_kv_path not in LATENT_KV_PATHS:
            problems.append(f"latent_kv_path {self.latent_kv_path!r} is not one of {', '.join(LATENT_KV_PATHS)}")
        if self.width % self.heads != 0 or (self.width // self.heads) % 2 != 0:
            problems.append(f"width {self.width} / heads {self.heads} must be an even integer (RoPE rotates pairs)")
        if self.variant == "free-transformer" and not 1 <= self.encoder_placement <= self.layers - 1:
            problems.append(f"encoder_placement {self.encoder_placement} is outside 1..{self.layers - 1}")
        if problems:
            raise ValueError("invalid FreeTransformerConfig: " + "; ".join(problems))

    @classmethod
    def from_ftlab(cls, config: dict) -> "FreeTransformerConfig":
        """From the `config` object of an ftlab manifest (ftlab-model.json)."""
        unknown = sorted(set(config) - set(FTLAB_FIELDS))
        if unknown:
            raise ValueError(
                f"ftlab model config has fields this twin does not know: {', '.join(unknown)}. "
                "It may compute something python/ftlab_torch/model.py does not: update the twin."
            )
        return cls(**{ours: config[theirs] for theirs, ours in FTLAB_FIELDS.items() if ours and theirs in config})

    @property
    def head_dim(self) -> int:
        return self.width // self.heads

    @property
    def codes(self) -> int:  # C = 2^H
        return 2**self.latent_bits

    @property
    def decoder_blocks(self) -> int:
        return self.layers + 1 if self.variant == "baseline-plus-one" else self.layers

    @property
    def has_latent(self) -> bool:
        return self.variant in ("free-transformer", "cvae")


class RMSNorm(nn.Module):
    """y = x / sqrt(mean(x^2) + eps) * weight (Zhang & Sennrich 2019)."""

    def __init__(self, width: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotary_tables(length: int, head_dim: int, base: float, dtype, device):
    """cos and sin of t * theta_i, theta_i = base^(-2i/dh), in float64 and rounded once (as ftlab)."""
    inv_freq = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64, device=device) / head_dim)
    angles = torch.outer(torch.arange(length, dtype=torch.float64, device=device), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)  # dimension i pairs with i + dh/2 (HF's rotate_half)
    return angles.cos().to(dtype), angles.sin().to(dtype)


def apply_rotary(x, cos, sin):
    """rope(x)_t = x_t cos(t theta) + rotate_half(x_t) sin(t theta); x is [B, heads, T, dh]."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


class Attention(nn.Module):
    """Multi-head attention with RoPE; queries from hq, keys and values from hkv (no biases)."""

    def __init__(self, config: FreeTransformerConfig):
        super().__init__()
        d = config.width
        self.heads, self.rope_base = config.heads, config.rope_base
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.o_proj = nn.Linear(d, d, bias=False)

    def forward(self, hq, hkv, causal: bool):
        batch, time, width = hkv.shape
        head_dim = width // self.heads

        def split_heads(y):  # [B, T, D] -> [B, heads, T, dh]
            return y.view(batch, time, self.heads, head_dim).transpose(1, 2)

        cos, sin = rotary_tables(time, head_dim, self.rope_base, hkv.dtype, hkv.device)
        q = apply_rotary(split_heads(self.q_proj(hq)), cos, sin)
        k = apply_rotary(split_heads(self.k_proj(hkv)), cos, sin)
        v = split_heads(self.v_proj(hkv))
        scores = q @ k.transpose(-2, -1) / math.sqrt(head_dim)
        if causal:
            future = torch.ones(time, time, dtype=torch.bool, device=hkv.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        mixed = F.softmax(scores, dim=-1) @ v
        return self.o_proj(mixed.transpose(1, 2).reshape(batch, time, width))


class MLP(nn.Module):
    """SwiGLU (Shazeer 2020): down(silu(gate(x)) * up(x))."""

    def __init__(self, config: FreeTransformerConfig):
        super().__init__()
        self.gate_proj = nn.Linear(config.width, config.mlp_width, bias=False)
        self.up_proj = nn.Linear(config.width, config.mlp_width, bias=False)
        self.down_proj = nn.Linear(config.mlp_width, config.width, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    """Llama's pre-norm block, Block(q = x, kv = kv):

        X = x + Attn(q = norm(x), kv = norm(kv) [+ kv_added]);   X = X + MLP(norm(X))

    kv defaults to x (a decoder block); block m+1 gets kv = X + R ("before-norm") or
    kv_added = R ("after-norm"); the encoder block gets x = broadcast(zeta), kv = X, non-causal.
    """

    def __init__(self, config: FreeTransformerConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(config.width, config.norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.width, config.norm_eps)
        self.mlp = MLP(config)

    def forward(self, x, kv=None, kv_added=None, causal: bool = True):
        h = self.input_layernorm(x)
        hkv = h if kv is None else self.input_layernorm(kv)
        if kv_added is not None:
            hkv = hkv + kv_added
        x = x + self.self_attn(h, hkv, causal)
        return x + self.mlp(self.post_attention_layernorm(x))


class LatentEncoder(nn.Module):
    """Q(Z | S): E = EncoderBlock(q = broadcast(zeta), kv = X), bit_logits = Readout(E).

    zeta is one learned vector, the same query at every position; RoPE on queries and keys makes
    each position's latent its own. For the cvae, X comes from a separate embedding and
    cvae_encoder_layers non-causal blocks over the whole sequence.
    """

    def __init__(self, config: FreeTransformerConfig):
        super().__init__()
        if config.variant == "cvae":
            self.embed_tokens = nn.Embedding(config.vocab_size, config.width)
            self.layers = nn.ModuleList(Block(config) for _ in range(config.cvae_encoder_layers))
        self.zeta = nn.Parameter(torch.zeros(config.width))
        self.block = Block(config)
        self.readout = nn.Linear(config.width, config.latent_bits, bias=False)

    def forward(self, x):
        """x: the middle activations [B, T, D] (the cvae: the tokens [B, T]). Returns [B, T, H]."""
        if hasattr(self, "embed_tokens"):
            x = self.embed_tokens(x)
            for layer in self.layers:
                x = layer(x, causal=False)
        zeta = self.zeta.expand(x.shape)  # broadcast(zeta)
        return self.readout(self.block(zeta, kv=x, causal=False))


def codes_from_uniforms(probabilities, uniforms):
    """The Binary Mapper's draw: b_h = 1 iff u_h < p_h (so b_h ~ Bernoulli(p_h) for u_h ~ U[0, 1)),
    z = sum_h 2^h b_h (bit 0 least significant). Returns the bits (0/1, as probabilities) and z."""
    bits = (uniforms < probabilities).to(probabilities.dtype)
    powers = 2 ** torch.arange(bits.shape[-1], device=bits.device)
    return bits, (bits.long() * powers).sum(-1)


def draw_device(generator, device):
    """Where to draw random numbers for a tensor on `device`: a torch.Generator draws only on its
    own device, so draws are made there and then moved. A CPU generator thus seeds the same numbers
    whether the model runs on CPU or CUDA."""
    return device if generator is None else generator.device


def uniform_draws(shape, generator, dtype, device):
    """U[0, 1) draws of `shape` on `device`, from `generator` (None: torch's global one)."""
    return torch.rand(shape, generator=generator, dtype=dtype, device=draw_device(generator, device)).to(device)


def uniform_codes(codes: int, shape, generator, device):
    """Codes drawn uniformly from [0, codes) (the prior over Z), of `shape` on `device`."""
    return torch.randint(codes, shape, generator=generator, device=draw_device(generator, device)).to(device)


def bits_of_codes(codes, latent_bits: int, dtype):
    """bit_h(z) for codes [...]: [..., H] of 0/1."""
    powers = 2 ** torch.arange(latent_bits, device=codes.device)
    return ((codes.unsqueeze(-1) // powers) % 2).to(dtype)


class BinaryMapper(nn.Module):
    """Y = onehot(z) with the estimator's pass-through gradient, fed to the post-sampler:

    dense (the paper):  Y + (G - stopgrad(G)), G_d = prod_h P(b_h = bit_h(d)): materialises
                        (B, T, C), so keep H small when training with it here;
    sampled:            Y * G_z / stopgrad(G_z), the same pass-through at the sampled code only;
    factored:           R = W (2 b - 1) with a per-bit straight-through b + (p - stopgrad(p)).

    The forward value is exactly Y (or 2b - 1): the difference terms are exactly zero.
    """

    def __init__(self, config: FreeTransformerConfig):
        super().__init__()
        self.estimator, self.latent_bits = config.estimator, config.latent_bits

    def forward(self, bits, codes, bit_logits=None):
        """bits [B, T, H] and codes [B, T] of z; bit_logits when the gradient should reach the encoder.
        Returns what the post-sampler multiplies: Y [B, T, C] (factored: 2b - 1, [B, T, H])."""
        differentiable = bit_logits is not None and torch.is_grad_enabled() and bit_logits.requires_grad
        if self.estimator == "factored":
            if differentiable:
                p = torch.sigmoid(bit_logits)
                bits = bits + (p - p.detach())
            return 2 * bits - 1
        y = F.one_hot(codes, 2**self.latent_bits).to(bits.dtype)
        if not differentiable:
            return y
        if self.estimator == "sampled":
            log_q = log_posterior(bit_logits, bits)
            return y * torch.exp(log_q - log_q.detach()).unsqueeze(-1)
        all_bits = bits_of_codes(torch.arange(2**self.latent_bits, device=bits.device), self.latent_bits, bits.dtype)
        log_g = bit_logits @ all_bits.T - F.softplus(bit_logits).sum(-1, keepdim=True)  # log G_d
        g = torch.exp(log_g)
        return y + (g - g.detach())


def token_kl(bit_logits):
    """KL_t = KL(Q(Z_t | S) || Uniform(C)) = H ln 2 - sum_h binary_entropy(p_h), in nats.
    Per bit ln 2 - h(p), h(p) = softplus(l) - p l (no log 0), clipped to [0, ln 2] against rounding."""
    entropy = F.softplus(bit_logits) - torch.sigmoid(bit_logits) * bit_logits
    return (LN2 - entropy).clamp(0.0, LN2).sum(-1)


def log_posterior(bit_logits, bits):
    """log Q(z | S) = sum_h [b_h log p_h + (1 - b_h) log(1 - p_h)] = sum_h (b_h l_h - softplus(l_h))."""
    return (bits * bit_logits - F.softplus(bit_logits)).sum(-1)


@dataclass
class FreeTransformerOutput:
    logits: torch.Tensor  # [B, T, V]
    codes: torch.Tensor  # [B, T] the z_t used (zeros without a latent)
    kl_per_token: torch.Tensor  # [B, T] nats, before the hinge (zeros without a latent)
    log_q: torch.Tensor  # [B, T] log Q(z_t | S) of those codes (zeros without a latent)
    bit_logits: Optional[torch.Tensor] = None  # [B, T, H]
    ce_per_token: Optional[torch.Tensor] = None  # [B, T], with targets
    ce: Optional[torch.Tensor] = None
    loss: Optional[torch.Tensor] = None  # mean CE + (1/T) sum_t max(0, KL_t - kappa)


@dataclass
class GenerateOutput:
    tokens: List[torch.Tensor]  # per row: prompt + new tokens (up to and including a stop token)
    codes: List[torch.Tensor]  # per row: z_t at each position (zeros without a latent)
    prompt_length: int = 0


class FreeTransformerModel(nn.Module):
    """Embedding, blocks with the latent injected into block m+1 (or the cvae's input), final norm."""

    def __init__(self, config: FreeTransformerConfig):
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.width)
        self.layers = nn.ModuleList(Block(config) for _ in range(config.decoder_blocks))
        self.norm = RMSNorm(config.width, config.norm_eps)
        if config.has_latent:
            self.encoder = LatentEncoder(config)
            self.binary_mapper = BinaryMapper(config)
            # nn.Linear(C, D): R = PostSampler(Y) is column z of its weight (factored: Linear(H, D)).
            rows = config.latent_bits if config.estimator == "factored" else config.codes
            self.post_sampler = nn.Linear(rows, config.width, bias=False)

    def latent(self, shape, bit_logits, codes, uniforms, generator):
        """Z at the [B, T] positions and R = PostSampler(BinaryMapper(...)). codes: given [B, T],
        "prior", or None for the posterior (bits drawn from the encoder's probabilities and `uniforms`)."""
        c = self.config
        if codes is None:
            p = torch.sigmoid(bit_logits)
            if uniforms is None:
                uniforms = uniform_draws(p.shape, generator, p.dtype, p.device)
            bits, codes = codes_from_uniforms(p, uniforms.to(device=p.device, dtype=p.dtype))
        else:
            if isinstance(codes, str):  # the uniform prior: a uniform index in [0, C)
                codes = uniform_codes(c.codes, shape, generator, self.norm.weight.device)
            codes = codes.to(self.norm.weight.device)
            bits = bits_of_codes(codes, c.latent_bits, self.norm.weight.dtype)
            bit_logits = None  # Z did not come from the encoder: no gradient reaches it through Z
        if c.estimator == "factored" or (bit_logits is not None and bit_logits.requires_grad):
            return bits, codes, self.post_sampler(self.binary_mapper(bits, codes, bit_logits))
        # Without the encoder's gradient, PostSampler(onehot(z)) is column z: gathered, no (B, T, C) one-hot.
        return bits, codes, F.embedding(codes, self.post_sampler.weight.t())

    def forward(self, tokens, codes=None, uniforms=None, generator=None, run_encoder=True):
        """tokens [B, T]. Returns the final hidden states [B, T, D], and for a latent model its
        bit logits (None if the encoder was skipped), bits and codes (all None for a baseline, which
        ignores any codes it is given)."""
        c = self.config
        x = self.embed_tokens(tokens)
        bit_logits = bits = None
        if c.variant == "cvae":  # its Z enters the decoder at the input
            bit_logits = self.encoder(tokens) if run_encoder or codes is None else None
            bits, codes, r = self.latent(tokens.shape, bit_logits, codes, uniforms, generator)
            x = x + r
        for index, block in enumerate(self.layers):
            if c.variant == "free-transformer" and index == c.encoder_placement:
                # x is the output of block m: the encoder reads it; R enters block m+1's K/V only.
                bit_logits = self.encoder(x) if run_encoder or codes is None else None
                bits, codes, r = self.latent(tokens.shape, bit_logits, codes, uniforms, generator)
                if c.latent_kv_path == "before-norm":
                    x = block(x, kv=x + r)
                else:
                    x = block(x, kv_added=r)
            else:
                x = block(x)
        return self.norm(x), bit_logits, bits, codes if c.has_latent else None


class FreeTransformerForCausalLM(nn.Module):
    """The whole model: FreeTransformerModel + the output head, with the loss and generation."""

    def __init__(self, config: FreeTransformerConfig):
        super().__init__()
        self.config = config
        self.model = FreeTransformerModel(config)
        if not config.tie_embeddings:
            self.lm_head = nn.Linear(config.width, config.vocab_size, bias=False)

    def head(self, h):
        """logits = Head(Norm(X)); tied: the embedding matrix transposed."""
        weight = self.model.embed_tokens.weight if self.config.tie_embeddings else self.lm_head.weight
        return F.linear(h, weight)

    def forward(
        self,
        tokens,
        targets=None,
        z: Union[str, torch.Tensor] = "posterior",
        uniforms=None,
        generator: Optional[torch.Generator] = None,
    ) -> FreeTransformerOutput:
        """tokens (and targets) [B, T] int. z: "posterior" (codes drawn from the encoder's bit
        probabilities with `uniforms` [B, T, H], else fresh draws from `generator`), "prior"
        (uniform codes), or given codes [B, T]. The encoder always runs, so KL and log Q describe
        Q(Z | S) for this sequence whatever Z is used."""
        c = self.config
        if tokens.shape[-1] > c.context_length:
            raise ValueError(f"{tokens.shape[-1]} positions exceed the model's context_length {c.context_length}")
        if isinstance(z, str) and z not in ("posterior", "prior"):
            raise ValueError(f'z must be "posterior", "prior" or a tensor of codes, got {z!r}')
        codes = None if isinstance(z, str) and z == "posterior" else z
        if isinstance(codes, torch.Tensor):
            if codes.shape != tokens.shape:
                raise ValueError(f"z codes have shape {list(codes.shape)}, the tokens {list(tokens.shape)}")
            if c.has_latent and (codes.min() < 0 or codes.max() >= c.codes):
                raise ValueError(f"z codes must lie in [0, 2^latent_bits = {c.codes})")
        h, bit_logits, bits, used = self.model(tokens, codes, uniforms, generator)
        logits = self.head(h)
        zeros = torch.zeros(tokens.shape, dtype=logits.dtype, device=logits.device)
        out = FreeTransformerOutput(
            logits=logits,
            codes=used if used is not None else torch.zeros_like(tokens),
            kl_per_token=zeros if bit_logits is None else token_kl(bit_logits),
            log_q=zeros if bit_logits is None else log_posterior(bit_logits, bits),
            bit_logits=bit_logits,
        )
        if targets is not None:
            out.ce_per_token = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none").view(
                targets.shape
            )
            out.ce = out.ce_per_token.mean()
            # The free-bits hinge acts on each token, before averaging.
            out.loss = out.ce + F.relu(out.kl_per_token - c.kappa_nats).mean() if c.has_latent else out.ce
        return out

    @torch.no_grad()
    def generate(
        self,
        prompt,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int = 0,
        z: Union[str, torch.Tensor] = "prior",
        prompt_z: Optional[str] = None,
        stop_tokens: Sequence[int] = (),
        generator: Optional[torch.Generator] = None,
    ) -> GenerateOutput:
        """Samples after prompt [B, T0] (equal-length rows). temperature 0 is greedy; top_k 0 keeps
        every token. Z of each new token is a uniform code from the prior, unless z pins every
        position's code ([B, n] or [n], n >= T0 + max_new_tokens - 1, prompt included). Unpinned,
        the prompt's Z comes from the encoder ("posterior") or the prior (prompt_z, default the
        config's). No KV cache: each step recomputes the prefix with the same codes."""
        c = self.config
        prompt = torch.as_tensor(prompt, dtype=torch.long, device=self.model.norm.weight.device)
        if prompt.dim() == 1:
            prompt = prompt.unsqueeze(0)
        batch, prompt_length = prompt.shape
        total = prompt_length + max_new_tokens
        fed = total - 1 if max_new_tokens > 0 else total
        if fed > c.context_length:
            raise ValueError(
                f"prompt length {prompt_length} + max_new_tokens {max_new_tokens} feed {fed} positions through "
                f"the model, more than its context_length {c.context_length}"
            )
        tokens = torch.zeros(batch, total, dtype=torch.long, device=prompt.device)
        tokens[:, :prompt_length] = prompt
        codes = torch.zeros_like(tokens)
        pinned = 0
        if not isinstance(z, str):
            pins = torch.as_tensor(z, dtype=torch.long, device=prompt.device)
            pins = pins.expand(batch, -1) if pins.dim() == 1 else pins
            if pins.shape[0] != batch or pins.shape[1] < fed:
                raise ValueError(f"pinned z has shape {list(pins.shape)}; needs [{batch}, >= {fed}]")
            if c.has_latent and (pins.min() < 0 or pins.max() >= c.codes):
                raise ValueError(f"pinned z codes must lie in [0, 2^latent_bits = {c.codes})")
            pinned = min(pins.shape[1], total)
            codes[:, :pinned] = pins[:, :pinned]
        elif z != "prior":
            raise ValueError(f'z must be "prior" or pinned codes, got {z!r}')
        prompt_z = prompt_z or c.prompt_z
        if prompt_z not in PROMPT_Z_MODES:
            raise ValueError(f"prompt_z {prompt_z!r} is not one of {', '.join(PROMPT_Z_MODES)}")
        if c.has_latent and not pinned:
            if prompt_z == "posterior":
                codes[:, :prompt_length] = self(prompt, z="posterior", generator=generator).codes
            else:
                codes[:, :prompt_length] = uniform_codes(c.codes, (batch, prompt_length), generator, codes.device)
        lengths = [total] * batch
        for position in range(prompt_length, total):
            h, *_ = self.model(tokens[:, :position], codes[:, :position], run_encoder=False)
            logits = self.head(h[:, -1])
            for b in range(batch):
                token = sample_token(logits[b], temperature, top_k, generator)
                tokens[b, position] = token
                if lengths[b] == total and token in stop_tokens:
                    lengths[b] = position + 1
            if c.has_latent and position >= pinned:  # Z_t of the new token, from the prior
                codes[:, position] = uniform_codes(c.codes, (batch,), generator, codes.device)
            if all(length < total for length in lengths):
                break
        if not c.has_latent:
            codes.zero_()
        return GenerateOutput(
            tokens=[tokens[b, : lengths[b]] for b in range(batch)],
            codes=[codes[b, : lengths[b]] for b in range(batch)],
            prompt_length=prompt_length,
        )


def sample_token(logits, temperature: float, top_k: int, generator=None) -> int:
    """Greedy (temperature 0: the first largest logit), or softmax(logits / temperature) over the
    top_k largest (0: all)."""
    if temperature == 0:
        return int(torch.argmax(logits))
    if 0 < top_k < logits.shape[-1]:
        values, indices = torch.topk(logits, top_k)
    else:
        values, indices = logits, torch.arange(logits.shape[-1], device=logits.device)
    probabilities = F.softmax(values.double() / temperature, dim=-1)
    choice = torch.multinomial(probabilities.to(draw_device(generator, probabilities.device)), 1, generator=generator)
    return int(indices[int(choice)])
