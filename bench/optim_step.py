"""One optimizer ``step()`` over a model-sized parameter set, ratio to PyTorch.

1M float32 parameters in 20 tensors of 50 000, gradients already in place; the figure is the
median time of one ``step()`` after warm-up. ``run(quick)`` returns one row per optimizer.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

N_TENSORS = 20
PER_TENSOR = 50_000

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("Adam step 1M params/20 tensors", "Adam", {"lr": 1e-3}),
    ("SGD(momentum) step 1M params/20 tensors", "SGD", {"lr": 1e-2, "momentum": 0.9}),
]


def _median_ms(step: Callable[[], Any], repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _ours(opt_name: str, kwargs: dict[str, Any], data: list[np.ndarray]) -> Callable[[], Any]:
    import autograd
    import optim

    params = [autograd.tensor(x, requires_grad=True) for x in data]
    for p, x in zip(params, data):
        p.grad = autograd.tensor(x * 1e-3)
    return getattr(optim, opt_name)(params, **kwargs).step


def _torch(opt_name: str, kwargs: dict[str, Any], data: list[np.ndarray]) -> Callable[[], Any]:
    import torch

    params = [torch.tensor(x, requires_grad=True) for x in data]
    for p, x in zip(params, data):
        p.grad = torch.tensor(x * 1e-3)
    return getattr(torch.optim, opt_name)(params, **kwargs).step


def run(quick: bool) -> list[dict[str, Any]]:
    """Time one step of each optimizer; torch fields are None when torch is not installed."""
    try:
        import torch

        torch.set_num_threads(2)
    except ImportError:
        torch = None
    repeats, warmup = (15, 3) if quick else (60, 10)
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(PER_TENSOR).astype(np.float32) for _ in range(N_TENSORS)]
    rows = []
    for label, opt_name, kwargs in CASES:
        ours = _median_ms(_ours(opt_name, kwargs, data), repeats, warmup)
        theirs = None
        if torch is not None:
            theirs = _median_ms(_torch(opt_name, kwargs, data), repeats, warmup)
        rows.append(
            {
                "name": label,
                "ours_ms": ours,
                "torch_ms": theirs,
                "ratio": None if theirs is None else ours / theirs,
            }
        )
    return rows


if __name__ == "__main__":
    for row in run(quick=False):
        ratio = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        torch_ms = "n/a" if row["torch_ms"] is None else f"{row['torch_ms']:.3f} ms"
        print(f"{row['name']:45s} ours {row['ours_ms']:.3f} ms  torch {torch_ms}  ratio {ratio}")
