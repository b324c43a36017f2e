"""Bernoulli and Categorical distributions, parametrized by ``probs`` or ``logits``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Size, Tensor

from . import constraints
from .distribution import Distribution, broadcast_all

__all__ = ["Bernoulli", "Categorical"]


def _clamp_probs(probs: Tensor) -> Tensor:
    eps = float(np.finfo(np.dtype(probs.dtype)).eps)
    return autograd.clamp(probs, eps, 1 - eps)


class _ProbsOrLogits(Distribution):
    """A distribution given by exactly one of ``probs`` and ``logits``; the other is computed
    from it on first use, by the subclass's ``_logits_from_probs`` / ``_probs_from_logits``."""

    @staticmethod
    def _logits_from_probs(probs: Tensor) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def _probs_from_logits(logits: Tensor) -> Tensor:
        raise NotImplementedError

    def _given(self, probs: Any, logits: Any, min_ndim: int) -> tuple[str, Tensor]:
        """The name of the given parameter and its value as a Tensor, checked."""
        fn = type(self).__name__
        if (probs is None) == (logits is None):
            raise ValueError(f"{fn}: either `probs` or `logits` must be specified, but not both.")
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        (value,) = broadcast_all(value)
        if value.ndim < min_ndim:
            raise ValueError(f"{fn}: `{name}` parameter must be at least one-dimensional.")
        return name, value

    def __getattr__(self, name: str) -> Tensor:
        d = self.__dict__
        if name == "logits" and "probs" in d:
            d["logits"] = self._logits_from_probs(_clamp_probs(d["probs"]))
            return d["logits"]
        if name == "probs" and "logits" in d:
            d["probs"] = self._probs_from_logits(d["logits"])
            return d["probs"]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    @property
    def param_shape(self) -> Size:
        return Size(self.__dict__.get("probs", self.__dict__.get("logits")).shape)


class Bernoulli(_ProbsOrLogits):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Bernoulli
    >>> d = Bernoulli(probs=autograd.tensor([0.25]))
    >>> d.log_prob(autograd.tensor([1.0])), d.mean
    (tensor([-1.3863]), tensor([0.2500]))
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        name, param = self._given(probs, logits, 0)
        setattr(self, name, param)
        super().__init__(tuple(param.shape), validate_args=validate_args)

    @staticmethod
    def _logits_from_probs(probs: Tensor) -> Tensor:
        return autograd.log(probs) - autograd.log1p(-probs)

    _probs_from_logits = staticmethod(autograd.sigmoid)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return autograd.where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with autograd.no_grad():
            return autograd.bernoulli(self.probs.detach().expand(*shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        # v log sigmoid(l) + (1 - v) log sigmoid(-l) = v l - softplus(l), stable for any l
        return value * self.logits - autograd.softplus(self.logits)

    def entropy(self) -> Tensor:
        return autograd.softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = autograd.arange(2, dtype=self.probs.dtype).reshape(
            2, *([1] * len(self.batch_shape))
        )
        return values.expand(2, *self.batch_shape) if expand else values


class Categorical(_ProbsOrLogits):
    """One of ``K`` categories, with probabilities ``probs`` (normalized over the last dim)
    or ``softmax(logits)``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Categorical
    >>> d = Categorical(probs=autograd.tensor([0.5, 0.25, 0.25]))
    >>> d.log_prob(autograd.tensor(1)), d.entropy()
    (tensor(-1.3863), tensor(1.0397))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        name, param = self._given(probs, logits, 1)
        if name == "probs":
            param = param / param.sum(dim=-1, keepdim=True)
        else:
            param = param - autograd.logsumexp(param, dim=-1, keepdim=True)
        setattr(self, name, param)
        self._num_events = param.shape[-1]
        super().__init__(tuple(param.shape[:-1]), validate_args=validate_args)

    _logits_from_probs = staticmethod(autograd.log)

    @staticmethod
    def _probs_from_logits(logits: Tensor) -> Tensor:
        return autograd.softmax(logits, dim=-1)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Tensor:
        return autograd.full(tuple(self.batch_shape), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return autograd.full(tuple(self.batch_shape), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        n = int(np.prod(sample_shape)) if len(sample_shape) else 1
        with autograd.no_grad():
            rows = self.probs.detach().reshape(-1, self._num_events)
            draws = autograd.multinomial(rows, n, True).T  # (n, batch)
            return draws.reshape(*self._extended_shape(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.long() if hasattr(value, "long") else value.to(autograd.int64)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.batch_shape))
        logits = self.logits.expand(*shape, self._num_events)
        index = value.expand(*shape).unsqueeze(-1).to(autograd.int64)
        return logits.gather(-1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        finfo_min = float(np.finfo(np.dtype(self.logits.dtype)).min)
        logits = autograd.clamp(self.logits, min=finfo_min)
        return -(logits * self.probs).sum(dim=-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = autograd.arange(self._num_events).reshape(-1, *([1] * len(self.batch_shape)))
        return values.expand(-1, *self.batch_shape) if expand else values
