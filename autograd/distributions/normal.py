"""Normal (Gaussian) and continuous Uniform distributions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import autograd
from autograd import Size, Tensor

from . import constraints
from .distribution import Distribution, _LocScale, broadcast_all

__all__ = ["Normal", "Uniform"]

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


class Normal(_LocScale):
    """Normal distribution with mean ``loc`` and standard deviation ``scale``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Normal
    >>> d = Normal(autograd.tensor([0.0, 1.0]), autograd.tensor([1.0, 2.0]))
    >>> d.batch_shape, d.sample((5,)).shape
    (autograd.Size([2]), (5, 2))
    >>> d.log_prob(autograd.tensor([0.0, 1.0]))
    tensor([-0.9189, -1.6121])
    """

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        """``loc + scale * eps`` with ``eps ~ N(0, 1)`` from the global generator."""
        shape = self._extended_shape(sample_shape)
        eps = autograd.randn(*shape, dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -0.5 * z * z - autograd.log(self.scale) - _LOG_SQRT_2PI

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + autograd.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def entropy(self) -> Tensor:
        return 0.5 + _LOG_SQRT_2PI + autograd.log(self.scale)


class Uniform(Distribution):
    """Uniform distribution on ``[low, high)``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions import Uniform
    >>> d = Uniform(0.0, 4.0)
    >>> d.log_prob(autograd.tensor([1.0])), d.entropy()
    (tensor([-1.3863]), tensor(1.3863))
    """

    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}
    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(tuple(self.low.shape), validate_args=validate_args)
        if self._validate_args and not bool(autograd.all(self.low < self.high).item()):
            raise ValueError(
                f"Expected parameter low (Tensor of shape {tuple(self.low.shape)}) of "
                f"distribution {self!r} to satisfy the constraint LessThan(upper_bound=high), "
                f"but found invalid values:\n{self.low}"
            )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return self.high * float("nan")

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        """``low + (high - low) * u`` with ``u ~ U[0, 1)`` from the global generator."""
        shape = self._extended_shape(sample_shape)
        u = autograd.rand(*shape, dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        inside = (self.low <= value) & (value < self.high)
        log_density = -autograd.log(self.high - self.low)
        return autograd.where(inside, log_density, float("-inf"))

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return autograd.clamp((value - self.low) / (self.high - self.low), 0.0, 1.0)

    def entropy(self) -> Tensor:
        return autograd.log(self.high - self.low)
