"""Constraints on distribution parameters and supports, PyTorch's names
(``constraints.real``, ``positive``, ``unit_interval``, ``simplex``, ...).

Examples
--------
>>> import autograd
>>> from autograd.distributions import constraints
>>> constraints.positive.check(autograd.tensor([1.0, -1.0]))
tensor([ True, False])
"""

from __future__ import annotations

from typing import Any

import autograd
from autograd import Tensor

__all__ = [
    "Constraint", "real", "positive", "unit_interval", "simplex", "boolean",
    "nonnegative_integer", "dependent", "interval", "half_open_interval", "integer_interval",
    "greater_than", "real_vector", "nonnegative", "independent",
]  # fmt: skip


class Constraint:
    """A region of values: ``check(value)`` is a bool tensor, ``True`` where a value lies in
    it (over the event dims for ``event_dim > 0``)."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        raise TypeError(f"{type(self).__name__} cannot check values")

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """Depends on other parameters (e.g. ``Uniform``'s ``low < high``): not checked alone."""


class _Real(Constraint):
    def check(self, value: Tensor) -> Tensor:
        return value == value  # NaN is not real


class _RealVector(_Real):
    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        return (value == value).all(dim=-1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: float) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        return value > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(Constraint):
    def __init__(self, lower_bound: float) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        return value >= self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _IndependentConstraint(Constraint):
    """``base`` on every element, with the ``reinterpreted_batch_ndims`` rightmost dims of a
    value forming one event (all must hold)."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.event_dim = base.event_dim + reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete

    def check(self, value: Tensor) -> Tensor:
        result = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            result = result.all(dim=-1)
        return result

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any, half_open: bool = False) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.half_open = half_open

    def check(self, value: Tensor) -> Tensor:
        upper = value < self.upper_bound if self.half_open else value <= self.upper_bound
        return (value >= self.lower_bound) & upper

    def __repr__(self) -> str:
        name = "HalfOpenInterval" if self.half_open else "Interval"
        return f"{name}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: int, upper_bound: Any) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        return (value % 1 == 0) & (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        return (value == 0) | (value == 1)


class _NonnegativeInteger(Constraint):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        return (value % 1 == 0) & (value >= 0)


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        total = value.sum(dim=-1)
        return (value >= 0).all(dim=-1) & ((total - 1).abs() < 1e-6)


def greater_than(lower_bound: float) -> Constraint:
    """Values above ``lower_bound``."""
    return _GreaterThan(lower_bound)


def interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Values in ``[lower_bound, upper_bound]``."""
    return _Interval(lower_bound, upper_bound)


def half_open_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Values in ``[lower_bound, upper_bound)``."""
    return _Interval(lower_bound, upper_bound, half_open=True)


def independent(base: Constraint, reinterpreted_batch_ndims: int) -> Constraint:
    """``base`` over events of ``reinterpreted_batch_ndims`` more rightmost dims."""
    return _IndependentConstraint(base, reinterpreted_batch_ndims)


def integer_interval(lower_bound: int, upper_bound: Any) -> Constraint:
    """Integers in ``[lower_bound, upper_bound]``."""
    return _IntegerInterval(lower_bound, upper_bound)


real = _Real()
real_vector = _RealVector()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
boolean = _Boolean()
nonnegative_integer = _NonnegativeInteger()
dependent = _Dependent()


def _all(value: Tensor) -> bool:
    return bool(autograd.all(value).item()) if value.numel() else True
