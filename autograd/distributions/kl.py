"""``kl_divergence(p, q)``: the Kullback-Leibler divergence ``KL(p || q)`` in closed form, for
the registered pairs of distribution types, and ``register_kl`` to add pairs."""

from __future__ import annotations

import math
from collections.abc import Callable

import autograd
from autograd import Tensor

from .discrete import Bernoulli, Categorical
from .distribution import Distribution
from .more import Exponential, Independent, Laplace, _sum_rightmost
from .normal import Normal, Uniform

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict[tuple[type, type], Callable] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """Decorator registering ``fn(p, q)`` as ``KL(p || q)`` for ``p`` of ``type_p`` and ``q``
    of ``type_q`` (subclasses included; the most specific registered pair wins).

    Examples
    --------
    >>> from autograd.distributions import Normal, register_kl
    >>> class Shifted(Normal):
    ...     pass
    >>> @register_kl(Shifted, Shifted)
    ... def _kl_shifted(p, q):
    ...     return (p.loc - q.loc) ** 2
    """
    if not (isinstance(type_p, type) and issubclass(type_p, Distribution)):
        raise TypeError(f"register_kl: expected a Distribution subclass, got {type_p!r}")
    if not (isinstance(type_q, type) and issubclass(type_q, Distribution)):
        raise TypeError(f"register_kl: expected a Distribution subclass, got {type_q!r}")

    def decorator(fn: Callable) -> Callable:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def _lookup(type_p: type, type_q: type) -> Callable | None:
    best, best_rank = None, None
    for (sup_p, sup_q), fn in _KL_REGISTRY.items():
        if issubclass(type_p, sup_p) and issubclass(type_q, sup_q):
            rank = (type_p.__mro__.index(sup_p), type_q.__mro__.index(sup_q))
            if best_rank is None or rank < best_rank:
                best, best_rank = fn, rank
    return best


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """``KL(p || q) = E_p[log p(x) - log q(x)]``, batched over ``batch_shape``.

    Raises ``NotImplementedError`` for a pair of types with no registered formula, as
    PyTorch does.

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Normal, kl_divergence
    >>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
    tensor(0.5000)
    """
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
            f"{type(q).__name__}"
        )
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - autograd.log(var_ratio))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (autograd.softplus(-q.logits) - autograd.softplus(-p.logits))
    t1 = autograd.where(q.probs == 0, float("inf"), t1)
    t1 = autograd.where(p.probs == 0, 0.0, t1)
    t2 = (1 - p.probs) * (autograd.softplus(q.logits) - autograd.softplus(p.logits))
    t2 = autograd.where(q.probs == 1, float("inf"), t2)
    t2 = autograd.where(p.probs == 1, 0.0, t2)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = autograd.where(q.probs == 0, float("inf"), t)
    t = autograd.where(p.probs == 0, 0.0, t)
    return t.sum(dim=-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = autograd.log((q.high - q.low) / (p.high - p.low))
    outside = (q.low > p.low) | (q.high < p.high)
    return autograd.where(outside, float("inf"), result)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Tensor:
    width = p.high - p.low
    t1 = autograd.log(math.sqrt(math.pi * 2) * q.scale / width)
    t2 = width * width / 12
    t3 = ((p.high + p.low - 2 * q.loc) / 2) ** 2
    return t1 + 0.5 * (t2 + t3) / (q.scale * q.scale)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    rate_ratio = q.rate / p.rate
    return -autograd.log(rate_ratio) + rate_ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -autograd.log(scale_ratio)
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * autograd.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "No KL(p || q) is implemented for Independent distributions with different "
            "reinterpreted_batch_ndims"
        )
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
