"""ftlab runs in PyTorch: the Free Transformer and its baselines (model.py, torch only), ftlab
checkpoints and tokenizers. See python/README.md."""

from .checkpoint import CheckpointError, load_checkpoint, load_run, read_manifest, read_safetensors
from .model import (
    FreeTransformerConfig,
    FreeTransformerForCausalLM,
    FreeTransformerOutput,
    GenerateOutput,
    codes_from_uniforms,
    token_kl,
)
from .tokenizer import BpeTokenizer, CharTokenizer, load_tokenizer, pretokenize

__all__ = [
    "BpeTokenizer",
    "CharTokenizer",
    "CheckpointError",
    "FreeTransformerConfig",
    "FreeTransformerForCausalLM",
    "FreeTransformerOutput",
    "GenerateOutput",
    "codes_from_uniforms",
    "load_checkpoint",
    "load_run",
    "load_tokenizer",
    "pretokenize",
    "read_manifest",
    "read_safetensors",
    "token_kl",
]
