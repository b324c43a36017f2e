"""The op registry: every differentiable primitive says how to draw inputs for checking it.

``@register(...)`` sits on an op's public function. The test suite walks ``REGISTRY`` and, for each
op, draws inputs with Hypothesis, compares forward against ``ref`` (NumPy), gradchecks and
gradgradchecks in float64, and compares against PyTorch when it is installed. Adding an op costs
one decorator and no test edits.

Samplers are plain functions ``sample(draw, dtype) -> Sample`` where ``draw`` is Hypothesis's
``data.draw``; they import Hypothesis (through ``autograd.testing``) only when called, so the
library never imports Hypothesis at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Sample:
    """One drawn call: ``fn(*args, **kwargs)``.

    Float arrays in ``args`` become tensors that require grad; other arrays become tensors that do
    not; anything else is passed as it is.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpInfo:
    """How to check one op. ``torch`` is the name of the PyTorch function (default: the op's
    name), a callable ``(torch, *args, **kwargs)``, or None when PyTorch has no equivalent."""

    name: str
    fn: Callable
    sample: Callable[[Any, np.dtype], Sample]
    ref: Callable | None = None
    torch: Any = "same"
    gradcheck: bool = True
    gradgradcheck: bool = True
    atol: float = 1e-5
    rtol: float = 1e-3
    nondeterministic_ties: bool = False


REGISTRY: dict[str, OpInfo] = {}


def register(
    *,
    sample: Callable[[Any, np.dtype], Sample],
    ref: Callable | None = None,
    torch: Any = "same",
    gradcheck: bool = True,
    gradgradcheck: bool = True,
    name: str | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> Callable[[Callable], Callable]:
    """Register the decorated public op function for the registry-driven test suite."""

    def deco(fn: Callable) -> Callable:
        key = name or fn.__name__
        if key in REGISTRY:
            raise RuntimeError(f"register: op {key!r} is registered twice")
        REGISTRY[key] = OpInfo(
            key, fn, sample, ref, key if torch == "same" else torch, gradcheck, gradgradcheck,
            atol, rtol,
        )  # fmt: skip
        return fn

    return deco


# ------------------------------------------------------------------------- common samplers
def unary(low: float = -3.0, high: float = 3.0, kinks: tuple = (), **kwargs: Any) -> Callable:
    """Sampler for ``f(x)``: any shape (0-d to 3-d), values in [low, high] plus ``kinks``."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from .. import testing

        x = draw(testing.arrays(draw(testing.shapes()), dtype, low=low, high=high, kinks=kinks))
        return Sample((x,), dict(kwargs))

    return sample


def binary(
    low: float = -3.0,
    high: float = 3.0,
    kinks: tuple = (),
    other_low: float | None = None,
    other_high: float | None = None,
    ties: bool = False,
) -> Callable:
    """Sampler for ``f(a, b)`` on broadcastable shapes; ``ties`` makes some elements equal."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from .. import testing

        sa, sb = draw(testing.broadcastable_shapes(2))
        a = draw(testing.arrays(sa, dtype, low=low, high=high, kinks=kinks))
        lo = low if other_low is None else other_low
        hi = high if other_high is None else other_high
        b = draw(testing.arrays(sb, dtype, low=lo, high=hi, kinks=kinks))
        if ties and a.size and b.size:
            tie = draw(testing.tie_mask(np.broadcast_shapes(sa, sb)))
            bb = np.broadcast_to(b, tie.shape)
            aa = np.broadcast_to(a, tie.shape)
            if a.shape == tie.shape:
                a = np.where(tie, bb, a)
            elif b.shape == tie.shape:
                b = np.where(tie, aa, b)
        return Sample((a, b))

    return sample
