"""transformers' config class for a Free Transformer exported by `ftlab export --format hf`.

config.json holds LlamaConfig's fields (hidden_size, num_hidden_layers, rope_theta, ...) and one
snake_case field per remaining ftlab model config field (latent_bits, kappa_nats, ...); ftlab's
`variant` is `ftlab_variant`, since `variant` is a from_pretrained argument (the weights file's
name suffix) and would be taken for one.
`ftlab_config()` gives the config in ftlab's own terms (as ftlab-model.json holds it), which the
PyTorch twin (ftlab_torch_model.py) is built from. Loaded with trust_remote_code=True.
"""

from transformers import PretrainedConfig

# config.json field -> ftlab model config field. The exporter (packages/training/src/hf-config.ts,
# HF_CONFIG_FIELDS) writes the same table; a test compares the two. This file is exported from
# python/ftlab_torch/hf/ into every Free Transformer directory.
FTLAB_FIELDS = {
    "vocab_size": "vocabSize",
    "hidden_size": "width",
    "num_hidden_layers": "layers",
    "num_attention_heads": "heads",
    "intermediate_size": "mlpWidth",
    "max_position_embeddings": "contextLength",
    "rope_theta": "ropeBase",
    "rms_norm_eps": "normEps",
    "tie_word_embeddings": "tieEmbeddings",
    "initializer_range": "initStd",
    "ftlab_variant": "variant",
    "latent_bits": "latentBits",
    "kappa_nats": "kappaNats",
    "encoder_placement": "encoderPlacement",
    "estimator": "estimator",
    "zero_init_post_sampler": "zeroInitPostSampler",
    "latent_kv_path": "latentKvPath",
    "prompt_z": "promptZ",
    "dense_chunk_bytes": "denseChunkBytes",
    "cvae_encoder_layers": "cvaeEncoderLayers",
}


class FreeTransformerConfig(PretrainedConfig):
    model_type = "free_transformer"

    def __init__(
        self,
        vocab_size=2,
        hidden_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=352,
        max_position_embeddings=256,
        rope_theta=10000.0,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        initializer_range=0.02,
        ftlab_variant="free-transformer",
        latent_bits=8,
        kappa_nats=0.0,
        encoder_placement=2,
        estimator="dense",
        zero_init_post_sampler=True,
        latent_kv_path="before-norm",
        prompt_z="posterior",
        dense_chunk_bytes=64 * 1024 * 1024,
        cvae_encoder_layers=4,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.rope_theta = rope_theta
        self.rms_norm_eps = rms_norm_eps
        self.initializer_range = initializer_range
        self.ftlab_variant = ftlab_variant
        self.latent_bits = latent_bits
        self.kappa_nats = kappa_nats
        self.encoder_placement = encoder_placement
        self.estimator = estimator
        self.zero_init_post_sampler = zero_init_post_sampler
        self.latent_kv_path = latent_kv_path
        self.prompt_z = prompt_z
        self.dense_chunk_bytes = dense_chunk_bytes
        self.cvae_encoder_layers = cvae_encoder_layers
        super().__init__(tie_word_embeddings=tie_word_embeddings, **kwargs)

    def ftlab_config(self):
        """The ftlab model config (camelCase, as in ftlab-model.json)."""
        return {ftlab: getattr(self, name) for name, ftlab in FTLAB_FIELDS.items()}
