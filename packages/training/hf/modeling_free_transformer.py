"""transformers' model class for a Free Transformer exported by `ftlab export --format hf`
(AutoModelForCausalLM.from_pretrained(directory, trust_remote_code=True)).

The model is ftlab_torch_model.py, a copy of the repository's python/ftlab_torch/model.py (torch
only). This class only adapts it: its submodules are registered here under their own names
(model, lm_head), so the parameter names are the ones in model.safetensors and
from_pretrained loads them unchanged; forward and generate are the twin's.
"""

from dataclasses import dataclass
from typing import Optional

import torch
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_free_transformer import FreeTransformerConfig
from .ftlab_torch_model import FreeTransformerConfig as TwinConfig
from .ftlab_torch_model import FreeTransformerForCausalLM as TwinModel


@dataclass
class FreeTransformerCausalLMOutput(ModelOutput):
    loss: Optional[torch.FloatTensor] = None  # mean CE + (1/T) sum_t max(0, KL_t - kappa), with labels
    logits: Optional[torch.FloatTensor] = None  # [B, T, V]
    codes: Optional[torch.LongTensor] = None  # [B, T] the z_t used
    kl_per_token: Optional[torch.FloatTensor] = None  # [B, T] KL(Q(Z_t | S) || uniform), nats
    bit_logits: Optional[torch.FloatTensor] = None  # [B, T, H] the encoder's


class FreeTransformerForCausalLM(PreTrainedModel):
    config_class = FreeTransformerConfig
    base_model_prefix = "model"

    def __init__(self, config: FreeTransformerConfig):
        super().__init__(config)
        twin = TwinModel(TwinConfig.from_ftlab(config.ftlab_config()))
        for name, module in twin.named_children():
            self.add_module(name, module)
        # Held outside the module tree, so its parameters are not registered twice (as twin.*).
        self.__dict__["twin"] = twin
        self.post_init()

    def forward(self, input_ids, labels=None, z="posterior", uniforms=None, **kwargs):
        """Z: "posterior" (drawn from the encoder's bit probabilities; `uniforms` [B, T, H] fixes
        the draw), "prior", or codes [B, T]. With labels (transformers' convention: labels =
        input_ids, shifted here), the model reads input_ids[:, :-1] and is scored on labels[:, 1:],
        ftlab's training loss: the encoder never sees the token it is scored on."""
        if labels is None:
            out = self.twin(input_ids, z=z, uniforms=uniforms)
        else:
            out = self.twin(input_ids[:, :-1], targets=labels[:, 1:], z=z, uniforms=uniforms)
        return FreeTransformerCausalLMOutput(
            loss=out.loss, logits=out.logits, codes=out.codes, kl_per_token=out.kl_per_token, bit_logits=out.bit_logits
        )

    def generate(self, input_ids, max_new_tokens, **options):
        """The twin's sampler (temperature, top_k, z="prior" or pinned codes, prompt_z, stop_tokens,
        generator): each new token's Z is drawn once from the prior and kept, which transformers'
        generation loop (re-running forward on the whole sequence) would not do."""
        return self.twin.generate(input_ids, max_new_tokens, **options)
