"""A stand-in for the few parts of Hugging Face transformers that the custom code of an ftlab
Free Transformer export imports, because transformers cannot be installed where the tests run.
Test-only: check_export.py, beside it, imports it (a script's folder is on sys.path). It keeps the behaviour those files rely on and nothing else:

- PretrainedConfig: keyword arguments become attributes (as transformers does for the fields it
  has no default for; tie_word_embeddings defaults to True there too), and to_dict().
- PreTrainedModel: an nn.Module holding `config` (refused unless a PretrainedConfig, as there), a
  `generation_config` (from_pretrained sets it from generation_config.json), and post_init(),
  where transformers initialises and ties weights: nothing to do for weights loaded afterwards.
- GenerationMixin: the base transformers >= 4.50 requires of a model with generate().
- GenerationConfig: keyword arguments over GenerationConfig's documented defaults.
"""

from torch import nn

from .utils import ModelOutput

__all__ = ["GenerationConfig", "GenerationMixin", "ModelOutput", "PreTrainedModel", "PretrainedConfig"]


class PretrainedConfig:
    model_type = ""

    def __init__(self, **kwargs):
        self.tie_word_embeddings = kwargs.pop("tie_word_embeddings", True)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def to_dict(self):
        return {**self.__dict__, "model_type": type(self).model_type}


class GenerationMixin:
    pass


class PreTrainedModel(nn.Module):
    config_class = None
    base_model_prefix = ""

    def __init__(self, config, *inputs, **kwargs):
        super().__init__()
        if not isinstance(config, PretrainedConfig):
            raise TypeError(f"config must be a PretrainedConfig, got {type(config).__name__}")
        self.config = config
        self.generation_config = None

    def post_init(self):
        pass


class GenerationConfig:
    # transformers' GenerationConfig defaults, for the fields an ftlab export's generate() reads.
    DEFAULTS = {
        "max_length": 20,
        "max_new_tokens": None,
        "min_length": 0,
        "min_new_tokens": None,
        "do_sample": False,
        "num_beams": 1,
        "num_beam_groups": 1,
        "penalty_alpha": None,
        "use_cache": True,
        "temperature": 1.0,
        "top_k": 50,
        "top_p": 1.0,
        "typical_p": 1.0,
        "min_p": None,
        "epsilon_cutoff": 0.0,
        "eta_cutoff": 0.0,
        "repetition_penalty": 1.0,
        "no_repeat_ngram_size": 0,
        "bad_words_ids": None,
        "num_return_sequences": 1,
        "output_attentions": False,
        "output_hidden_states": False,
        "output_scores": False,
        "output_logits": None,
        "return_dict_in_generate": False,
        "pad_token_id": None,
        "bos_token_id": None,
        "eos_token_id": None,
    }

    def __init__(self, **kwargs):
        for key, value in {**self.DEFAULTS, **kwargs}.items():
            setattr(self, key, value)
