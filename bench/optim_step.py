"""One optimizer ``step()`` over a model-sized parameter set, ratio to PyTorch.

1M float32 parameters in 20 tensors of 50 000, gradients already in place; the figure is the
median time of one ``step()`` after warm-up, both engines on the same number of threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._timing import TorchSide, median_ms, row

N_TENSORS = 20
PER_TENSOR = 50_000

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("Adam step, 1M params in 20 tensors", "Adam", {"lr": 1e-3}),
    ("SGD(momentum) step, 1M params in 20 tensors", "SGD", {"lr": 1e-2, "momentum": 0.9}),
]


def _ours(opt_name: str, kwargs: dict[str, Any], data: list[np.ndarray]) -> Callable[[], Any]:
    import autograd
    import optim

    params = [autograd.tensor(x, requires_grad=True) for x in data]
    for p, x in zip(params, data):
        p.grad = autograd.tensor(x * 1e-3)
    return getattr(optim, opt_name)(params, **kwargs).step


def _torch(
    torch: Any, opt_name: str, kwargs: dict[str, Any], data: list[np.ndarray]
) -> Callable[[], Any]:
    params = [torch.tensor(x, requires_grad=True) for x in data]
    for p, x in zip(params, data):
        p.grad = torch.tensor(x * 1e-3)
    return getattr(torch.optim, opt_name)(params, **kwargs).step


def _data() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(PER_TENSOR).astype(np.float32) for _ in range(N_TENSORS)]


def time_torch(torch: Any, case: int, repeats: int) -> float:
    """Median ms of PyTorch's step of ``CASES[case]`` (in :class:`~bench._timing.TorchSide`)."""
    _, opt_name, kwargs = CASES[case]
    return median_ms(_torch(torch, opt_name, kwargs, _data()), repeats, warmup=5)


def run(quick: bool = False, threads: int = 2) -> list[dict]:
    """One row per optimizer; PyTorch fields are None when it is not installed."""
    repeats = 15 if quick else 60
    data = _data()
    rows = []
    with TorchSide(threads) as side:
        for i, (label, opt_name, kwargs) in enumerate(CASES):
            ours = median_ms(_ours(opt_name, kwargs, data), repeats, warmup=5)
            theirs = (
                side.call("bench.optim_step", "time_torch", i, repeats) if side.available else None
            )
            rows.append(row(label, ours, theirs))
    return rows
