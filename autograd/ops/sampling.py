"""Sampling from distributions given by tensors: multinomial, bernoulli, normal, poisson,
randint_like; and dropout, whose mask is drawn inside its primitive. Every draw goes through the
one seeded generator (``autograd.manual_seed``), or the ``generator=`` passed in. Samples carry
no gradient; dropout's output does, through its mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..function import Function
from ..random import generator_or_default
from ..tensor import Tensor
from ._shape_util import _draw_x
from ._util import as_tensor, float_tensor
from .registry import Sample, register


def _probabilities(t: Tensor, op: str, argname: str) -> np.ndarray:
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: {argname} must be a floating-point tensor, got dtype {t.dtype}")
    p = t._array
    if not np.all(np.isfinite(p)) or (p < 0).any():
        raise ValueError(f"{op}: {argname} must hold finite, non-negative numbers")
    return p


@register(method=True)
def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None
) -> Tensor:
    """Draw ``num_samples`` category indices from each row of non-negative weights.

    ``input`` is 1-d (one distribution) or 2-d (one per row); weights need not sum to 1.
    Without ``replacement`` each index is drawn at most once per row.

    Examples
    --------
    >>> import autograd
    >>> _ = autograd.manual_seed(0)
    >>> autograd.multinomial(autograd.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    """
    t = as_tensor(input)
    if t.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-d or 2-d, got {t.ndim}-d")
    if not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
    p = _probabilities(t, "multinomial", "input").astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    n = rows.shape[1]
    if not replacement and num_samples > n:
        raise RuntimeError(
            f"multinomial: cannot draw {num_samples} samples without replacement from "
            f"{n} categories"
        )
    rng = generator_or_default(generator, "multinomial")._rng
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for r, w in enumerate(rows):
        total = w.sum()
        if total <= 0:
            raise RuntimeError("multinomial: each row of input must have a positive sum")
        if not replacement and np.count_nonzero(w) < num_samples:
            raise RuntimeError(
                f"multinomial: row {r} has fewer non-zero weights than num_samples={num_samples}"
            )
        out[r] = rng.choice(n, size=num_samples, replace=bool(replacement), p=w / total)
    return Tensor._make(out.reshape(*p.shape[:-1], num_samples))


@register(method=True)
def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """1 with probability ``input`` (or ``p``, when given) at each element, else 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.bernoulli(autograd.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    t = as_tensor(input)
    probs = np.full(t.shape, float(p)) if p is not None else _probabilities(t, "bernoulli", "input")
    if p is not None and not 0 <= p <= 1:
        raise ValueError(f"bernoulli: p must be in [0, 1], got {p}")
    if p is None and (probs > 1).any():
        raise ValueError("bernoulli: input holds probabilities, so it must lie in [0, 1]")
    draws = generator_or_default(generator, "bernoulli").random(t.shape) < probs
    return Tensor._make(draws.astype(t.dtype if t.dtype.kind == "f" else _dt.float32))


@register()
def normal(
    mean: Any, std: Any = 1.0, size: Any = None, *, generator: Any = None, dtype: Any = None
) -> Tensor:
    """Normal samples with elementwise ``mean`` and ``std`` (tensors or numbers, broadcast), or
    of shape ``size`` when both are numbers.

    Examples
    --------
    >>> import autograd
    >>> autograd.normal(autograd.zeros(3), 1.0).shape
    (3,)
    >>> autograd.normal(2.0, 0.0, size=(2,))
    tensor([2., 2.])
    """
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    m = mean._array if isinstance(mean, Tensor) else float(mean)
    s = std._array if isinstance(std, Tensor) else float(std)
    if np.any(np.asarray(s) < 0):
        raise ValueError("normal: std must be non-negative")
    if tensors:
        if size is not None:
            raise ValueError("normal: size is given by mean and std when either is a tensor")
        shape = np.broadcast_shapes(*(np.shape(x) for x in (m, s)))
        out_dtype = np.result_type(*(t.dtype for t in tensors))
    else:
        if size is None:
            raise TypeError("normal: size is required when mean and std are numbers")
        shape = tuple(size) if isinstance(size, (tuple, list)) else (size,)
        out_dtype = _dt.float32 if dtype is None else _dt.to_dtype(dtype)
    draws = generator_or_default(generator, "normal").normal(m, s, shape)
    return Tensor._make(np.asarray(draws, dtype=out_dtype))


@register()
def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """Poisson samples with rates ``input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.poisson(autograd.zeros(2))
    tensor([0., 0.])
    """
    t = as_tensor(input)
    rates = _probabilities(t, "poisson", "input")
    draws = generator_or_default(generator, "poisson")._rng.poisson(rates)
    return Tensor._make(draws.astype(t.dtype))


@register()
def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    dtype: Any = None,
    generator: Any = None,
) -> Tensor:
    """Integers in ``[low, high)`` with the shape (and dtype) of ``input``;
    ``randint_like(x, high)`` also works.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.randint_like(autograd.zeros(4), 3)
    >>> bool(((x >= 0) & (x < 3)).all())
    True
    """
    t = as_tensor(input)
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint_like: expected low < high, got low={low}, high={high}")
    out_dtype = t.dtype if dtype is None else _dt.to_dtype(dtype)
    draws = generator_or_default(generator, "randint_like").integers(low, high, t.shape)
    return Tensor._make(draws.astype(out_dtype))


class NativeDropout(Function):
    """``x * mask``: the mask keeps each element (of ``mask_shape``, broadcast over ``x``) with
    probability ``1 - p`` and scales it by ``1 / (1 - p)``. It is drawn in ``forward``, so every
    run of the primitive (a replay of ``autograd.compile`` too) draws a new one."""

    node_name = "MulBackward0"  # PyTorch's CPU dropout is this product too

    @staticmethod
    def forward(ctx, x, mask_shape, p):
        # The draws of empty(mask_shape).bernoulli_(1 - p), in the same order.
        keep = generator_or_default(None, "dropout").random(mask_shape) < 1.0 - p
        mask = keep.astype(x.dtype)
        mask *= 1.0 / (1.0 - p)
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None, None

    @staticmethod
    def jvp(ctx, t, mask_shape, p):
        return t * ctx.mask


def _dropout(input: Any, p: float, train: bool, op: str, feature: bool) -> Tensor:
    x = float_tensor(input, "input")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be a probability in [0, 1], got {p!r}")
    if not train or p == 0.0:
        return x
    if feature and x.ndim < 2:
        raise ValueError(f"{op}: expected an input with a batch and a channel dim, got {x.shape}")
    if p == 1.0:
        return x * 0.0
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2) if feature else tuple(x.shape)
    return NativeDropout.apply(x, shape, float(p))


def _sample_dropout(min_dims: int) -> Any:
    # The paths without a draw (the registry compares values): no training, p of 0 or 1. The
    # drawn path is checked with a seeded generator in tests/autograd/test_dropout_op.py.
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        p, train = draw(st.sampled_from([(0.5, False), (0.0, True), (1.0, True)]))
        return Sample((_draw_x(draw, dtype, min_dims=min_dims), p, train))

    return sample


def _ref_dropout(x: np.ndarray, p: float, train: bool) -> np.ndarray:
    return x * 0.0 if train and p == 1.0 else x


@register(sample=_sample_dropout(0), ref=_ref_dropout)
def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when
    ``train``; the input itself otherwise (PyTorch's ``torch.dropout``).

    Examples
    --------
    >>> import autograd
    >>> _ = autograd.manual_seed(0)
    >>> sorted(set(autograd.dropout(autograd.ones(1000), 0.5, True).tolist()))
    [0.0, 2.0]
    >>> autograd.dropout(autograd.ones(2), 0.5, False)
    tensor([1., 1.])
    """
    return _dropout(input, p, train, "dropout", feature=False)


@register(sample=_sample_dropout(2), ref=_ref_dropout)
def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout of whole channels of an ``(N, C, ...)`` input: one draw per sample and channel
    (PyTorch's ``torch.feature_dropout``).

    Examples
    --------
    >>> import autograd
    >>> y = autograd.feature_dropout(autograd.ones(2, 8, 3), 0.5, True)
    >>> bool((y == y[:, :, :1]).all())
    True
    """
    return _dropout(input, p, train, "feature_dropout", feature=True)
