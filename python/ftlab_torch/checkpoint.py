"""Loading ftlab checkpoints and runs: the ftlab manifest, model.safetensors (parsed with the
standard library and NumPy) and a run's tokenizer.json.

A checkpoint directory holds model.safetensors and the manifest ftlab-model.json (older
checkpoints: config.json with format "ftlab-model-checkpoint"; a Hugging Face export keeps
ftlab-model.json next to transformers' own config.json):

    { "format": "ftlab-model-checkpoint", "version": 1, "config": {...},
      "weights": { "file": "model.safetensors", "sha256": "...", "bytes": N }, "metadata": {...} }

A run directory holds tokenizer.json and checkpoints/LATEST, the name of its newest checkpoint.
"""

import hashlib
import json
import math
import os
import struct

import numpy as np
import torch

from .model import FreeTransformerConfig, FreeTransformerForCausalLM
from .tokenizer import load_tokenizer

MANIFEST_FILE = "ftlab-model.json"
LEGACY_MANIFEST_FILE = "config.json"
CHECKPOINT_FORMAT = "ftlab-model-checkpoint"
CHECKPOINT_VERSION = 1
TOKENIZER_FILE = "tokenizer.json"
SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2"}


class CheckpointError(Exception):
    """A checkpoint or run that cannot be loaded; the message says which file and what to do."""


def read_safetensors(path):
    """{name: float ndarray} and the string metadata of a safetensors file:
    [u64 little-endian N][N bytes of JSON header][tensor bytes at the header's data_offsets].
    As @ftlab/model's reader: each tensor's offsets span exactly shape x dtype bytes, and together
    they cover the tensor bytes without holes or overlaps (otherwise tensors would silently share
    or skip bytes)."""
    with open(path, "rb") as file:
        data = file.read()
    if len(data) < 8:
        raise CheckpointError(f"{path}: {len(data)} bytes, not a safetensors file")
    (header_length,) = struct.unpack("<Q", data[:8])
    if 8 + header_length > len(data):
        raise CheckpointError(f"{path}: header length {header_length} exceeds the file: truncated or not safetensors")
    try:
        header = json.loads(data[8 : 8 + header_length])
    except ValueError as error:
        raise CheckpointError(f"{path}: the header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    start = 8 + header_length
    data_length = len(data) - start
    tensors, spans = {}, []
    for name, info in header.items():
        info = info if isinstance(info, dict) else {}
        dtype = SAFETENSORS_DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise CheckpointError(f"{path}: tensor {name} has dtype {info.get('dtype')}; only F32, F64, F16 load")
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
            raise CheckpointError(f"{path}: tensor {name} has an invalid shape {shape!r}")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets):
            raise CheckpointError(f"{path}: tensor {name} has invalid data_offsets {offsets!r}")
        begin, end = offsets
        needed = math.prod(shape) * np.dtype(dtype).itemsize
        if end - begin != needed:
            raise CheckpointError(
                f"{path}: tensor {name}: data_offsets [{begin}, {end}] hold {end - begin} bytes, but "
                f"{info['dtype']} {shape} needs {needed}: the file is damaged; re-save the checkpoint"
            )
        if end > data_length:
            raise CheckpointError(
                f"{path}: tensor {name} ends at byte {end} beyond the data ({data_length} bytes): truncated"
            )
        spans.append((begin, end, name))
        array = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=start + begin)
        tensors[name] = array.reshape(shape)
    covered, previous = 0, None
    for begin, end, name in sorted(spans):
        if begin < covered:
            problem = f"tensor {name} (bytes {begin}..{end}) overlaps tensor {previous} (ending at {covered})"
        elif begin > covered:
            problem = f"{begin - covered} bytes before tensor {name} belong to no tensor"
        else:
            covered, previous = end, name
            continue
        raise CheckpointError(f"{path}: {problem}: the file is damaged; re-save the checkpoint")
    if covered != data_length:
        raise CheckpointError(
            f"{path}: {data_length - covered} trailing bytes belong to no tensor: the file is damaged; "
            "re-save the checkpoint"
        )
    return tensors, metadata


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def read_manifest(directory):
    """The ftlab manifest of a checkpoint directory: ftlab-model.json, else a legacy config.json."""
    for name in (MANIFEST_FILE, LEGACY_MANIFEST_FILE):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as file:
                manifest = json.load(file)
        except ValueError as error:
            raise CheckpointError(f"{path}: not valid JSON ({error})") from None
        if isinstance(manifest, dict) and manifest.get("format") == CHECKPOINT_FORMAT:
            if manifest.get("version") != CHECKPOINT_VERSION:
                raise CheckpointError(
                    f"{path}: format version {manifest.get('version')} is not supported (this twin reads "
                    f"{CHECKPOINT_VERSION}): update python/ftlab_torch"
                )
            return manifest, path
        if name == MANIFEST_FILE:
            raise CheckpointError(f"{path}: not an ftlab manifest (format is not {CHECKPOINT_FORMAT!r})")
    raise CheckpointError(
        f"{directory}: no ftlab manifest ({MANIFEST_FILE}, or a {LEGACY_MANIFEST_FILE} with format "
        f"{CHECKPOINT_FORMAT!r}): give a checkpoint directory (a run's checkpoints/step-NNNNNN) or a run directory"
    )


def load_checkpoint(path, dtype=torch.float32, device="cpu") -> FreeTransformerForCausalLM:
    """The model saved in checkpoint directory `path` (or a run directory: its newest checkpoint),
    in eval mode. Refuses a manifest without the weights' SHA-256, a weights file whose SHA-256
    differs from it, a damaged safetensors layout, and any missing, extra or mis-shaped tensor."""
    directory = checkpoint_directory(path)
    manifest, manifest_path = read_manifest(directory)
    try:
        config = FreeTransformerConfig.from_ftlab(manifest["config"])
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{manifest_path}: its config cannot be used ({error})") from None
    weights = manifest.get("weights")
    # As @ftlab/model's loadCheckpoint: weights without a recorded checksum are not trusted.
    recorded = isinstance(weights, dict) and all(isinstance(weights.get(key), str) for key in ("file", "sha256"))
    if not recorded:
        raise CheckpointError(
            f"{manifest_path} records no weights file and checksum (weights.file, weights.sha256): "
            "re-save the checkpoint with ftlab"
        )
    weights_path = os.path.join(directory, weights["file"])
    if not os.path.isfile(weights_path):
        raise CheckpointError(f"{directory}: its weights file {weights_path} is missing")
    with open(weights_path, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    if digest != weights["sha256"]:
        raise CheckpointError(
            f"{weights_path} has SHA-256 {digest}, but {manifest_path} records {weights['sha256']}: "
            "the file is corrupt or was replaced; restore it or re-save the checkpoint"
        )
    arrays, _ = read_safetensors(weights_path)
    model = FreeTransformerForCausalLM(config)
    expected = {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}
    problems = [f"missing tensor {name}" for name in expected if name not in arrays]
    problems += [f"unexpected tensor {name}" for name in arrays if name not in expected]
    problems += [
        f"{name} has shape {list(arrays[name].shape)}, expected {list(shape)}"
        for name, shape in expected.items()
        if name in arrays and tuple(arrays[name].shape) != shape
    ]
    if problems:
        raise CheckpointError(f"{weights_path} does not match its config: " + "; ".join(problems))
    model.load_state_dict({name: torch.from_numpy(np.array(array)) for name, array in arrays.items()})
    return model.to(dtype=dtype, device=device).eval()


def checkpoint_directory(path):
    """`path` if it holds a manifest, else the newest checkpoint of the run directory `path`."""
    if os.path.isfile(path):
        path = os.path.dirname(path)
    if any(os.path.isfile(os.path.join(path, name)) for name in (MANIFEST_FILE, LEGACY_MANIFEST_FILE)):
        return path
    latest = os.path.join(path, "checkpoints", "LATEST")
    if os.path.isfile(latest):
        with open(latest, encoding="utf-8") as file:
            return os.path.join(path, "checkpoints", file.read().strip())
    raise CheckpointError(
        f"{path}: neither a checkpoint directory (no {MANIFEST_FILE} or {LEGACY_MANIFEST_FILE}) nor a run "
        "directory (no checkpoints/LATEST): give a run's directory under the artifact root (ftlab-runs/<run id>)"
    )


def load_run(path, dtype=torch.float32, device="cpu"):
    """(model, tokenizer) of a run directory: its newest checkpoint and its tokenizer.json."""
    model = load_checkpoint(path, dtype=dtype, device=device)
    tokenizer_path = os.path.join(path, TOKENIZER_FILE)
    if not os.path.isfile(tokenizer_path):
        raise CheckpointError(f"{path}: no {TOKENIZER_FILE}; load_run needs a run directory (ftlab-runs/<run id>)")
    tokenizer = load_tokenizer(tokenizer_path)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise CheckpointError(
            f"{tokenizer_path} has {tokenizer.vocab_size} tokens but the model {model.config.vocab_size}: "
            "they belong to different runs"
        )
    return model, tokenizer
