"""The PyTorch side of `ftlab bench --reference torch`: the twin trains with the same step as
ftlab's trainer (the loss and its gradients, global-norm clipping at 1, AdamW) on the same config
and batch shape, and reports its median step time and what PyTorch ran it with.

measure(spec), spec = {"config": ftlab model config (ftlab-model.json's "config"), "batch": B,
"time": T, "steps": n, "warmupSteps": w, "threads": k, "seed": s}. Returns {"tokensPerSec",
"msPerStep", "cpuMsPerStep", "steps", "parameters" (the model trained), "threads", "torch": version, "cpuCapability": the
vector ISA PyTorch's own kernels use, "blas": the BLAS library and, for OpenBLAS, the core type
its kernels were chosen for, "openblasCoretype": OPENBLAS_CORETYPE as set (it overrides
OpenBLAS's detection)}.
"""

import ctypes
import os
import re
import statistics
import time

import torch

from .model import FreeTransformerConfig, FreeTransformerForCausalLM

# ftlab's trainer defaults, as `ftlab bench` uses them (packages/training/src/throughput-benchmark.ts).
ADAMW = {"lr": 1e-3, "betas": (0.9, 0.95), "eps": 1e-8, "weight_decay": 0.1}
CLIP_NORM = 1.0


def cpu_capability():
    """The vector ISA PyTorch dispatched its own CPU kernels to (AVX2, AVX512, DEFAULT, ...)."""
    get = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    if get is not None:
        return get()
    found = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return found.group(1) if found else "unknown"


def blas_library():
    """The BLAS this process loaded (from /proc/self/maps) and, for OpenBLAS, its core type."""
    paths = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split()
                if len(fields) >= 6 and "blas" in os.path.basename(fields[-1]).lower():
                    paths.add(fields[-1])
    except OSError:
        return {"library": "unknown (no /proc/self/maps)"}
    paths = sorted(paths)
    for path in paths:
        try:
            library = ctypes.CDLL(path)
            corename = library.openblas_get_corename
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        config = library.openblas_get_config
        config.restype = ctypes.c_char_p
        return {
            "library": os.path.realpath(path),
            "openblasCore": corename().decode(),
            "openblasConfig": config().decode().strip(),
        }
    return {"library": ", ".join(os.path.realpath(path) for path in paths) or "none found"}


def measure(spec):
    threads = int(spec.get("threads", 1))
    torch.set_num_threads(threads)
    torch.manual_seed(spec.get("seed", 1))
    config = FreeTransformerConfig.from_ftlab(spec["config"])
    model = FreeTransformerForCausalLM(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), **ADAMW)
    batch, length = spec["batch"], spec["time"]
    generator = torch.Generator().manual_seed(spec.get("seed", 1))

    def step():
        tokens = torch.randint(config.vocab_size, (batch, length + 1), generator=generator)
        out = model(tokens[:, :-1], tokens[:, 1:], z="posterior", generator=generator)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
        optimizer.step()
        loss = out.loss.item()
        if loss != loss or loss in (float("inf"), float("-inf")):
            raise ValueError(f"bench: loss {loss}")

    for _ in range(spec.get("warmupSteps", 2)):
        step()
    wall, cpu = [], []
    for _ in range(spec["steps"]):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        step()
        wall.append(time.perf_counter() - wall0)
        cpu.append(time.process_time() - cpu0)
    ms = statistics.median(wall) * 1000
    return {
        "tokensPerSec": round(batch * length * 1000 / ms),
        "msPerStep": round(ms, 1),
        "cpuMsPerStep": round(statistics.median(cpu) * 1000, 1),
        "steps": spec["steps"],
        "parameters": sum(p.numel() for p in model.parameters()),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cpuCapability": cpu_capability(),
        "blas": blas_library(),
        "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"),
    }
