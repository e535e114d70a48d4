"""Loads an `ftlab export --format hf` directory the way transformers' from_pretrained does, and
answers what apps/cli/test/torch-twin.test.ts compares with @ftlab/model. Test-only.

Request (JSON on stdin): {"dir", "modules"?: an empty folder for the copied code, "tokens": [[...]], "codes": [[...]], "labels": [[...]] (-100 not
scored), "klProbe": [[...]] (a KL per token for the loss rule alone), "prompt": [[...]], "maxNewTokens": n, "pinned": [[...]]}.

- model_type "llama" (a baseline): llama_reference.py, built from config.json and
  model.safetensors alone. Answers the logits and the tensor names a LlamaForCausalLM expects
  that the file lacks, or holds beyond them.
- model_type "free_transformer": the directory's own custom code, imported as transformers imports
  it (copied into a package, so its relative imports resolve) against the stand-in transformers
  package beside this file; config from config.json (FreeTransformerConfig(**config)), weights
  from model.safetensors (strict), generation_config from generation_config.json. Answers the
  forward pass with the given codes (logits, KL per token), the loss with labels, greedy and
  sampled generation, and the messages of what it must refuse.
"""

import importlib
import json
import os
import shutil
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def listed(tensor):
    return None if tensor is None else tensor.detach().cpu().tolist()


def llama(directory, request):
    from llama_reference import LlamaReference

    reference = LlamaReference(directory)
    expected, held = reference.parameter_names(), set(reference.w)
    return {
        "modelType": "llama",
        "logits": listed(reference.logits(request["tokens"])),
        "missing": sorted(expected - held),
        "unexpected": sorted(held - expected),
    }


def load_free_transformer(directory, modules):
    """What from_pretrained(directory, trust_remote_code=True) does, for the parts an ftlab export
    uses; the custom code is copied under `modules`, as transformers copies it under its cache."""
    from transformers import GenerationConfig

    from ftlab_torch.checkpoint import read_safetensors

    package = os.path.join(modules, "transformers_modules", "export")
    os.makedirs(package)
    open(os.path.join(modules, "transformers_modules", "__init__.py"), "w").close()
    open(os.path.join(package, "__init__.py"), "w").close()
    for name in os.listdir(directory):
        if name.endswith(".py"):
            shutil.copy(os.path.join(directory, name), package)
    sys.path.insert(0, modules)
    with open(os.path.join(directory, "config.json")) as file:
        config_json = json.load(file)
    module_name, class_name = config_json["auto_map"]["AutoModelForCausalLM"].rsplit(".", 1)
    config_module, config_class = config_json["auto_map"]["AutoConfig"].rsplit(".", 1)
    model_class = getattr(importlib.import_module(f"transformers_modules.export.{module_name}"), class_name)
    config_type = getattr(importlib.import_module(f"transformers_modules.export.{config_module}"), config_class)
    config = config_type(**config_json)
    model = model_class(config)
    arrays, _ = read_safetensors(os.path.join(directory, "model.safetensors"))
    model.load_state_dict({name: torch.from_numpy(array.copy()) for name, array in arrays.items()}, strict=True)
    model.eval()
    with open(os.path.join(directory, "generation_config.json")) as file:
        model.generation_config = GenerationConfig(**json.load(file))
    return model


def refusal(call):
    try:
        call()
    except ValueError as error:
        return str(error)
    return None


def free_transformer(directory, request):
    from transformers import GenerationConfig

    model = load_free_transformer(directory, request.get("modules") or tempfile.mkdtemp(prefix="ftlab-hf-"))
    tokens = torch.tensor(request["tokens"], dtype=torch.long)
    codes = torch.tensor(request["codes"], dtype=torch.long)
    labels = torch.tensor(request["labels"], dtype=torch.long)
    prompt = torch.tensor(request["prompt"], dtype=torch.long)
    pinned = torch.tensor(request["pinned"], dtype=torch.long)
    n = request["maxNewTokens"]
    with torch.no_grad():
        out = model(tokens, z=codes)
        with_labels = model(tokens, labels=labels, z=codes, attention_mask=torch.ones_like(tokens))
        as_tuple = model(tokens, labels=labels, z=codes, return_dict=False)
        # The loss rule with a KL per token chosen by the test (a trained tiny model's KL is far
        # below kappa, where the free-bits term would be zero whatever positions it covered).
        probe_loss = model.causal_lm_loss(out.logits, labels, torch.tensor(request["klProbe"], dtype=out.logits.dtype))
    greedy = model.generate(prompt, max_new_tokens=n, do_sample=False, z=pinned)
    # generation_config.json's settings (sampling at temperature 1 over every token), seeded.
    sampled = [model.generate(prompt, max_new_tokens=n, generator=torch.Generator().manual_seed(1)) for _ in range(2)]
    # max_length from a GenerationConfig, as transformers callers pass it.
    by_length = model.generate(
        prompt, generation_config=GenerationConfig(max_length=prompt.shape[1] + 3, do_sample=False), z=pinned
    )
    padded = torch.ones_like(tokens)
    padded[0, -2:] = 0  # right padding, as a tokenizer pads a batch for training
    left_padded = torch.ones_like(prompt)
    left_padded[1, :3] = 0  # left padding, as transformers pads a batch of prompts to generate
    return {
        "modelType": "free_transformer",
        "logits": listed(out.logits),
        "klPerToken": listed(out.kl_per_token),
        "codes": listed(out.codes),
        "loss": with_labels.loss.item(),
        "tupleLoss": as_tuple[0].item(),
        "probeLoss": probe_loss.item(),
        "labelsKeepLogits": bool(torch.equal(with_labels.logits, out.logits)),
        "greedy": listed(greedy),
        "greedyDtype": str(greedy.dtype),
        "sampled": [listed(s) for s in sampled],
        "sampledDtype": str(sampled[0].dtype),
        "byLength": listed(by_length),
        "refusals": {
            "padding": refusal(lambda: model(tokens, attention_mask=padded)),
            "generatePadding": refusal(lambda: model.generate(prompt, max_new_tokens=2, attention_mask=left_padded)),
            "topP": refusal(lambda: model.generate(prompt, max_new_tokens=2, top_p=0.9)),
            "beams": refusal(lambda: model.generate(prompt, max_new_tokens=2, num_beams=2)),
            "unknown": refusal(lambda: model.generate(prompt, max_new_tokens=2, frobnicate=1)),
            "pastKeyValues": refusal(lambda: model(tokens, past_key_values=((tokens, tokens),))),
            "emptyPrompt": refusal(lambda: model.generate(prompt[:, :0], max_new_tokens=2)),
            "allIgnored": refusal(lambda: model(tokens, labels=torch.full_like(tokens, -100), z=codes)),
        },
    }


def main():
    request = json.load(sys.stdin)
    directory = request["dir"]
    with open(os.path.join(directory, "config.json")) as file:
        model_type = json.load(file)["model_type"]
    answer = llama(directory, request) if model_type == "llama" else free_transformer(directory, request)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
