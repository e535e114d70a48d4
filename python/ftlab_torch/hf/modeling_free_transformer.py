"""transformers' model class for a Free Transformer exported by `ftlab export --format hf`
(AutoModelForCausalLM.from_pretrained(directory, trust_remote_code=True)).

The model is ftlab_torch_model.py, a copy of the repository's python/ftlab_torch/model.py (torch
only); this file is exported from python/ftlab_torch/hf/. The class below adapts the twin to
transformers' conventions: its submodules are registered under their own names (model, lm_head),
so the parameter names are model.safetensors' and from_pretrained loads them unchanged.

- forward(input_ids, attention_mask=None, labels=None, z=..., uniforms=None, generator=None):
  logits [B, T, V] at every position; with labels, transformers' causal LM loss (position t is
  scored on labels[:, t + 1]; -100 is ignored; the mean over the scored tokens) plus the free-bits
  term mean max(0, KL_t - kappa) over the same positions.
- generate(input_ids, max_new_tokens=None, attention_mask=None, generation_config=None, **kwargs):
  the twin's sampler; returns the prompt and the new tokens as a LongTensor [B, T0 + n].

ftlab models take no padding (no mask in their attention, and the latent encoder reads every
position), so an attention_mask with a 0 is refused rather than ignored.
"""

from dataclasses import dataclass
from typing import Optional

import torch
from torch.nn import functional as F
from transformers import GenerationMixin, PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_free_transformer import FreeTransformerConfig
from .ftlab_torch_model import FreeTransformerConfig as TwinConfig
from .ftlab_torch_model import FreeTransformerForCausalLM as TwinModel

IGNORE_INDEX = -100  # transformers' label for "not scored"

# forward() arguments transformers callers may pass that change nothing here when None or False.
FORWARD_IGNORED_WHEN_UNSET = (
    "past_key_values",
    "inputs_embeds",
    "position_ids",
    "cache_position",
    "output_attentions",
    "output_hidden_states",
)
# Passed by Trainer and generation utilities; without a KV cache or a per-item loss they change nothing.
FORWARD_IGNORED = ("use_cache", "num_items_in_batch")

# GenerationConfig fields this sampler does not implement, with the value that means "off".
GENERATION_OFF = {
    "num_beams": 1,
    "num_beam_groups": 1,
    "num_return_sequences": 1,
    "top_p": 1.0,
    "typical_p": 1.0,
    "min_p": None,
    "epsilon_cutoff": 0.0,
    "eta_cutoff": 0.0,
    "repetition_penalty": 1.0,
    "no_repeat_ngram_size": 0,
    "min_length": 0,
    "min_new_tokens": None,
    "penalty_alpha": None,
    "bad_words_ids": None,
    "force_words_ids": None,
    "suppress_tokens": None,
    "begin_suppress_tokens": None,
    "forced_bos_token_id": None,
    "forced_eos_token_id": None,
    "stop_strings": None,
    "return_dict_in_generate": False,
    "output_scores": False,
    "output_logits": False,
    "output_attentions": False,
    "output_hidden_states": False,
    "streamer": None,
    "assistant_model": None,
    "logits_processor": None,
    "stopping_criteria": None,
    "prefix_allowed_tokens_fn": None,
}
# GenerationConfig fields honoured, and generate() keywords that only concern a KV cache or a BOS.
GENERATION_USED = ("max_new_tokens", "max_length", "do_sample", "temperature", "top_k", "eos_token_id", "pad_token_id")
GENERATION_IGNORED = ("use_cache", "bos_token_id", "tokenizer")
# The twin's own generate() keywords: Z pinned or from the prior, the prompt's Z, the random source.
TWIN_GENERATE_OPTIONS = ("z", "prompt_z", "generator")


@dataclass
class FreeTransformerCausalLMOutput(ModelOutput):
    loss: Optional[torch.FloatTensor] = None  # mean CE over scored tokens + mean max(0, KL_t - kappa) over them
    logits: Optional[torch.FloatTensor] = None  # [B, T, V]
    codes: Optional[torch.LongTensor] = None  # [B, T] the z_t used
    kl_per_token: Optional[torch.FloatTensor] = None  # [B, T] KL(Q(Z_t | S) || uniform), nats
    bit_logits: Optional[torch.FloatTensor] = None  # [B, T, H] the encoder's


def shown(value):
    """A short form of an argument for a message: scalars as they are, anything else by its type."""
    return repr(value) if value is None or isinstance(value, (bool, int, float, str)) else f"<{type(value).__name__}>"


def refuse_padding(attention_mask, input_ids, where: str):
    """ftlab models compute every position of every row: a mask that hides one is refused."""
    if attention_mask is None:
        return
    mask = torch.as_tensor(attention_mask)
    if tuple(mask.shape) != tuple(input_ids.shape):
        raise ValueError(
            f"{where}: attention_mask has shape {list(mask.shape)} but input_ids {list(input_ids.shape)}; "
            "give one mask entry per token, or no attention_mask"
        )
    padded = int((mask == 0).sum())
    if padded:
        raise ValueError(
            f"{where}: attention_mask has {padded} zero (padding) entries, and ftlab models do not support "
            "padded batches (their attention has no mask and the latent encoder reads every position): pass "
            "rows of equal length without padding, or one sequence at a time"
        )


class FreeTransformerForCausalLM(PreTrainedModel, GenerationMixin):
    config_class = FreeTransformerConfig
    base_model_prefix = "model"
    # Trainer: the loss is ftlab's per-batch mean, not normalised by a count of items passed in.
    accepts_loss_kwargs = False

    def __init__(self, config: FreeTransformerConfig):
        super().__init__(config)
        twin = TwinModel(TwinConfig.from_ftlab(config.ftlab_config()))
        for name, module in twin.named_children():
            self.add_module(name, module)
        # Held outside the module tree, so its parameters are not registered twice (as twin.*).
        self.__dict__["twin"] = twin
        self.post_init()

    def forward(
        self,
        input_ids,
        attention_mask=None,
        labels=None,
        z="posterior",
        uniforms=None,
        generator=None,
        return_dict=None,
        **kwargs,
    ):
        """Z: "posterior" (drawn from the encoder's bit probabilities over input_ids; `uniforms`
        [B, T, H] fixes the draw, `generator` seeds it), "prior", or codes [B, T]. The encoder reads
        all of input_ids, as the decoder does (causally)."""
        for name, value in kwargs.items():
            if name in FORWARD_IGNORED or (name in FORWARD_IGNORED_WHEN_UNSET and value in (None, False)):
                continue
            raise ValueError(
                f"FreeTransformerForCausalLM.forward: {name}={shown(value)} is not supported (no KV cache, no "
                "embeddings input, no attention or hidden-state outputs); call it with input_ids"
            )
        input_ids = torch.as_tensor(input_ids, dtype=torch.long)
        refuse_padding(attention_mask, input_ids, "FreeTransformerForCausalLM.forward")
        out = self.twin(input_ids, z=z, uniforms=uniforms, generator=generator)
        loss = None
        if labels is not None:
            loss = self.causal_lm_loss(out.logits, torch.as_tensor(labels, dtype=torch.long), out.kl_per_token)
        result = FreeTransformerCausalLMOutput(
            loss=loss, logits=out.logits, codes=out.codes, kl_per_token=out.kl_per_token, bit_logits=out.bit_logits
        )
        return result.to_tuple() if return_dict is False else result

    def causal_lm_loss(self, logits, labels, kl_per_token):
        """transformers' shifted cross-entropy (labels -100 ignored, mean over the rest), plus for a
        latent model ftlab's free-bits term, averaged over the same scored positions."""
        if labels.shape != logits.shape[:2]:
            raise ValueError(f"labels have shape {list(labels.shape)} but input_ids {list(logits.shape[:2])}")
        targets = labels[:, 1:]
        scored = targets != IGNORE_INDEX
        count = scored.sum()
        if count == 0:
            raise ValueError("every label is -100 (or there is one position): nothing to score")
        ce = F.cross_entropy(
            logits[:, :-1].flatten(0, 1), targets.flatten(), ignore_index=IGNORE_INDEX, reduction="sum"
        )
        loss = ce / count
        if self.twin.config.has_latent:
            hinge = F.relu(kl_per_token[:, :-1] - self.twin.config.kappa_nats)
            loss = loss + (hinge * scored).sum() / count
        return loss

    @torch.no_grad()
    def generate(self, input_ids=None, max_new_tokens=None, attention_mask=None, generation_config=None, **kwargs):
        """Samples after input_ids [B, T0] (equal-length rows, no padding) and returns the prompt and
        the new tokens, a LongTensor [B, T0 + n]. Settings come from kwargs, else generation_config,
        else the model's generation_config (generation_config.json): max_new_tokens (or max_length
        - T0), do_sample (False: greedy), temperature, top_k (0: every token), eos_token_id (stops a
        row; finished rows are filled with pad_token_id, else the eos token). The twin's keywords:
        z="prior" (default: each new token's Z drawn once from the prior and kept) or pinned codes
        [B, n] / [n] for every position (n >= T0 + max_new_tokens - 1), prompt_z ("posterior" or
        "prior"; default the config's prompt_z), generator (a torch.Generator). Beam search,
        top_p, repetition penalties and the like are refused, not ignored."""
        if input_ids is None or torch.as_tensor(input_ids).numel() == 0:
            raise ValueError(
                "FreeTransformerForCausalLM.generate needs a prompt of at least one token "
                "(ftlab tokenizers have no BOS token to start from)"
            )
        input_ids = torch.as_tensor(input_ids, dtype=torch.long)
        if input_ids.dim() == 1:
            input_ids = input_ids.unsqueeze(0)
        refuse_padding(attention_mask, input_ids, "FreeTransformerForCausalLM.generate")
        if generation_config is None:
            generation_config = getattr(self, "generation_config", None)
        settings = {}
        for name in (*GENERATION_USED, *GENERATION_OFF):
            value = getattr(generation_config, name, None)
            if value is not None:
                settings[name] = value
        twin_options = {}
        for name, value in kwargs.items():
            if name in TWIN_GENERATE_OPTIONS:
                twin_options[name] = value
            elif name in GENERATION_USED or name in GENERATION_OFF:
                settings[name] = value
            elif name not in GENERATION_IGNORED:
                raise ValueError(
                    f"FreeTransformerForCausalLM.generate does not know the argument {name!r}; it takes "
                    f"{', '.join((*GENERATION_USED, *TWIN_GENERATE_OPTIONS))}"
                )
        for name, off in GENERATION_OFF.items():
            if name in settings and settings[name] != off:
                raise ValueError(
                    f"FreeTransformerForCausalLM.generate: {name}={settings[name]!r} is not supported (the twin's "
                    f"sampler: greedy, or temperature and top_k); leave it at {off!r}"
                )
        if max_new_tokens is None:
            max_new_tokens = settings.get("max_new_tokens")
        if max_new_tokens is None and "max_length" in settings:
            max_new_tokens = settings["max_length"] - input_ids.shape[1]
        if max_new_tokens is None or max_new_tokens < 1:
            raise ValueError(
                f"FreeTransformerForCausalLM.generate: no tokens to generate (max_new_tokens {max_new_tokens}, "
                f"max_length {settings.get('max_length')}, prompt length {input_ids.shape[1]}): give max_new_tokens"
            )
        greedy = settings.get("do_sample") is False
        stops = settings.get("eos_token_id")
        stops = [] if stops is None else [stops] if isinstance(stops, int) else list(stops)
        out = self.twin.generate(
            input_ids,
            max_new_tokens,
            temperature=0.0 if greedy else float(settings.get("temperature", 1.0)),
            top_k=int(settings.get("top_k") or 0),
            stop_tokens=stops,
            **twin_options,
        )
        pad = settings.get("pad_token_id", stops[0] if stops else 0)
        width = max(len(row) for row in out.tokens)
        sequences = torch.full((len(out.tokens), width), pad, dtype=torch.long, device=input_ids.device)
        for b, row in enumerate(out.tokens):
            sequences[b, : len(row)] = row
        return sequences
