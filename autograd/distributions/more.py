"""Exponential and Laplace distributions, and ``Independent``, which turns batch dims of a
distribution into event dims (a diagonal Normal over vectors is
``Independent(Normal(loc, scale), 1)``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Size, Tensor

from . import constraints
from .distribution import Distribution, _LocScale, broadcast_all

__all__ = ["Exponential", "Laplace", "Independent"]


def _sum_rightmost(value: Tensor, dims: int) -> Tensor:
    return value.sum(dim=tuple(range(-dims, 0))) if dims > 0 else value


class Exponential(Distribution):
    """Exponential distribution with rate ``rate`` (density ``rate * exp(-rate * x)``).

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Exponential
    >>> d = Exponential(autograd.tensor([2.0]))
    >>> d.log_prob(autograd.tensor([1.0])), d.mean
    (tensor([-1.3069]), tensor([0.5000]))
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(tuple(self.rate.shape), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return 1 / self.rate

    @property
    def mode(self) -> Tensor:
        return autograd.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return 1 / self.rate

    @property
    def variance(self) -> Tensor:
        return self.rate**-2

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        """``-log(u) / rate`` with ``u ~ U(0, 1]`` from the global generator."""
        shape = self._extended_shape(sample_shape)
        u = 1 - autograd.rand(*shape, dtype=self.rate.dtype)  # in (0, 1]
        return -autograd.log(u) / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return autograd.log(self.rate) - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - autograd.exp(-self.rate * value)

    def entropy(self) -> Tensor:
        return 1.0 - autograd.log(self.rate)


class Laplace(_LocScale):
    """Laplace distribution with location ``loc`` and scale ``scale``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Laplace
    >>> Laplace(0.0, 1.0).log_prob(autograd.tensor(1.0))
    tensor(-1.6931)
    """

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale * self.scale

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        """``loc - scale * sign(u) * log(1 - |u|)`` with ``u`` uniform in ``(-1, 1)``."""
        shape = self._extended_shape(sample_shape)
        eps = float(np.finfo(np.dtype(self.loc.dtype)).eps)
        u = autograd.rand(*shape, dtype=self.loc.dtype) * (2 - eps) - (1 - eps)
        return self.loc - self.scale * autograd.sign(u) * autograd.log1p(-u.abs())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -autograd.log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        d = value - self.loc
        return 0.5 - 0.5 * autograd.sign(d) * autograd.expm1(-d.abs() / self.scale)

    def entropy(self) -> Tensor:
        return 1 + autograd.log(2 * self.scale)


class Independent(Distribution):
    """``base_distribution`` with its ``reinterpreted_batch_ndims`` rightmost batch dims made
    event dims: ``log_prob`` and ``entropy`` sum over them.

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Independent, Normal
    >>> d = Independent(Normal(autograd.zeros(3, 2), autograd.ones(3, 2)), 1)
    >>> d.batch_shape, d.event_shape, d.log_prob(autograd.zeros(3, 2)).shape
    (autograd.Size([3]), autograd.Size([2]), (3,))
    """

    arg_constraints: dict = {}

    def __init__(
        self,
        base_distribution: Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                "Independent: base_distribution must be a Distribution, got "
                f"{type(base_distribution).__name__}"
            )
        batch = tuple(base_distribution.batch_shape)
        if not 0 <= reinterpreted_batch_ndims <= len(batch):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {reinterpreted_batch_ndims} vs {len(batch)}"
            )
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        split = len(batch) - reinterpreted_batch_ndims
        event = batch[split:] + tuple(base_distribution.event_shape)
        super().__init__(batch[:split], event, validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
