"""python -m ftlab_torch: run an ftlab checkpoint in PyTorch.

    python -m ftlab_torch generate RUN_DIR --prompt "Q>" --max-new-tokens 64 [--temperature 0.8 --top-k 10]
    python -m ftlab_torch info RUN_DIR
    python -m ftlab_torch json < requests.json > results.json

`json` reads a list of requests and writes one result per request (camelCase, as ftlab's
TypeScript names them); the parity tests drive the twin through it:

    {"op": "forward", "checkpoint": DIR, "tokens": [[...]], "targets"?: [[...]],
     "z": "posterior" | "prior" | [[codes]], "uniforms"?: [[[u_h]]], "seed"?: n, "dtype"?: "float32",
     "device"?: "cpu" | "cuda"}
    {"op": "gradients", ...as forward, with targets}: the loss and its gradient per parameter
    {"op": "draw_codes", "probabilities": [[p_h]], "uniforms": [[u_h]]}
    {"op": "generate", "checkpoint": DIR, "prompt": [[...]], "maxNewTokens": n, "temperature"?: t,
     "topK"?: k, "z"?: "prior" | [[codes]], "seed"?: n, "device"?: ...}
    {"op": "tokenize", "tokenizer": FILE, "encode"?: [text], "decode"?: [[ids]]}
    {"op": "devices"}: the devices torch can run the model on here ("cpu", and "cuda" with a GPU)
    {"op": "bench", "config": {...}, "batch": B, "time": T, "steps": n, ...}: training steps timed
      (bench.py; `ftlab bench --reference torch` sends these)

`seed` seeds a CPU generator whatever the device, so a model draws the same numbers on CPU and CUDA.
"""

import argparse
import json
import sys

import torch

from .bench import measure
from .checkpoint import CheckpointError, load_checkpoint, load_run
from .model import codes_from_uniforms
from .tokenizer import load_tokenizer, pretokenize

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _listed(tensor):
    return None if tensor is None else tensor.tolist()


class Requests:
    """Answers json requests, loading each checkpoint once."""

    def __init__(self):
        self.models = {}

    def model(self, request):
        key = (request["checkpoint"], request.get("dtype", "float32"), request.get("device", "cpu"))
        if key not in self.models:
            self.models[key] = load_checkpoint(key[0], dtype=DTYPES[key[1]], device=key[2])
        return self.models[key]

    def answer(self, request):
        op = request.get("op")
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            raise ValueError(f"unknown op {op!r}: forward, gradients, draw_codes, generate, tokenize, devices or bench")
        return handler(request)

    @staticmethod
    def run_forward(model, request):
        dtype, device = model.model.norm.weight.dtype, model.model.norm.weight.device
        tokens = torch.tensor(request["tokens"], dtype=torch.long, device=device)
        targets = torch.tensor(request["targets"], dtype=torch.long, device=device) if "targets" in request else None
        z = request.get("z", "posterior")
        z = z if isinstance(z, str) else torch.tensor(z, dtype=torch.long, device=device)
        uniforms = torch.tensor(request["uniforms"], dtype=dtype, device=device) if "uniforms" in request else None
        generator = torch.Generator().manual_seed(request.get("seed", 0))
        return model(tokens, targets, z=z, uniforms=uniforms, generator=generator)

    @torch.no_grad()
    def op_forward(self, request):
        out = self.run_forward(self.model(request), request)
        has_bits = out.bit_logits is not None
        return {
            "logits": _listed(out.logits),
            "codes": _listed(out.codes),
            "klPerToken": _listed(out.kl_per_token),
            "logQ": _listed(out.log_q),
            "bitLogits": _listed(out.bit_logits),
            "bitProbabilities": _listed(torch.sigmoid(out.bit_logits)) if has_bits else None,
            "cePerToken": _listed(out.ce_per_token),
            "ce": None if out.ce is None else out.ce.item(),
            "loss": None if out.loss is None else out.loss.item(),
        }

    def op_gradients(self, request):
        """The loss and d loss / d parameter (checkpoint layout) for one forward, as op_forward's."""
        model = self.model(request)
        model.zero_grad(set_to_none=True)
        with torch.enable_grad():
            out = self.run_forward(model, request)
            out.loss.backward()
        gradients = {name: parameter.grad.tolist() for name, parameter in model.named_parameters()}
        return {"loss": out.loss.item(), "gradients": gradients}

    def op_draw_codes(self, request):
        probabilities = torch.tensor(request["probabilities"], dtype=torch.float64)
        uniforms = torch.tensor(request["uniforms"], dtype=torch.float64)
        return {"codes": codes_from_uniforms(probabilities, uniforms)[1].tolist()}

    def op_generate(self, request):
        model = self.model(request)
        z = request.get("z", "prior")
        out = model.generate(
            torch.tensor(request["prompt"], dtype=torch.long),
            request["maxNewTokens"],
            temperature=request.get("temperature", 1.0),
            top_k=request.get("topK", 0),
            z=z if isinstance(z, str) else torch.tensor(z, dtype=torch.long),
            generator=torch.Generator().manual_seed(request.get("seed", 0)),
        )
        return {"tokens": [row.tolist() for row in out.tokens], "codes": [row.tolist() for row in out.codes]}

    @staticmethod
    def op_bench(request):
        return measure(request)

    @staticmethod
    def op_devices(_request):
        return {"devices": ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])}

    def op_tokenize(self, request):
        tokenizer = load_tokenizer(request["tokenizer"])
        return {
            "vocabSize": tokenizer.vocab_size,
            "pretokenized": [pretokenize(text) for text in request.get("encode", [])],
            "encoded": [tokenizer.encode(text) for text in request.get("encode", [])],
            "decoded": [tokenizer.decode(ids) for ids in request.get("decode", [])],
        }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ftlab_torch", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="sample text from a run's newest checkpoint")
    generate.add_argument("run", help="a run directory (ftlab-runs/<run id>)")
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--max-new-tokens", type=int, default=64)
    generate.add_argument("--temperature", type=float, default=1.0, help="0: greedy")
    generate.add_argument("--top-k", type=int, default=0, help="0: every token")
    generate.add_argument("--samples", type=int, default=1)
    generate.add_argument("--seed", type=int, default=0)
    info = commands.add_parser("info", help="print a checkpoint's config and parameter count")
    info.add_argument("checkpoint", help="a run or checkpoint directory")
    commands.add_parser("json", help="answer a JSON list of requests on stdin (see the module docstring)")
    args = parser.parse_args(argv)
    try:
        if args.command == "json":
            requests = Requests()
            json.dump([requests.answer(request) for request in json.load(sys.stdin)], sys.stdout)
        elif args.command == "info":
            model = load_checkpoint(args.checkpoint)
            print(json.dumps(vars(model.config), indent=2))
            print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
        else:
            model, tokenizer = load_run(args.run)
            prompt = torch.tensor([tokenizer.encode(args.prompt)] * args.samples)
            generator = torch.Generator().manual_seed(args.seed)
            out = model.generate(prompt, args.max_new_tokens, args.temperature, args.top_k, generator=generator)
            for row in out.tokens:
                print(tokenizer.decode(row.tolist()))
    except (CheckpointError, ValueError, OSError) as error:
        print(f"ftlab_torch: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
