"""The ``Distribution`` base class: shapes, argument validation, and the sampling helpers
every distribution shares (PyTorch's ``torch.distributions.Distribution``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Size, Tensor

from . import constraints
from .constraints import Constraint, _all

__all__ = ["Distribution"]


def _as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return autograd.tensor(value, dtype=like.dtype if like is not None else autograd.float32)


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Numbers and tensors broadcast to one shape (numbers take the tensors' dtype).

    Examples
    --------
    >>> import autograd
    >>> from autograd.distributions.distribution import broadcast_all
    >>> [tuple(t.shape) for t in broadcast_all(autograd.zeros(2, 1), 1.0, autograd.ones(3))]
    [(2, 3), (2, 3), (2, 3)]
    """
    like = next((v for v in values if isinstance(v, Tensor)), None)
    if like is not None and not like.is_floating_point():
        like = None
    tensors = [_as_tensor(v, like) for v in values]
    floats = [t for t in tensors if t.is_floating_point()]
    dtype = functools.reduce(autograd.promote_types, [t.dtype for t in floats]) if floats else None
    if dtype is not None:
        tensors = [t.to(dtype) if t.is_floating_point() and t.dtype != dtype else t
                   for t in tensors]  # fmt: skip
    try:
        shape = np.broadcast_shapes(*[tuple(t.shape) for t in tensors])
    except ValueError:
        raise ValueError(
            f"distribution parameters do not broadcast: shapes {[tuple(t.shape) for t in tensors]}"
        ) from None
    return tuple(t if tuple(t.shape) == shape else t.expand(*shape) for t in tensors)


class Distribution:
    """A probability distribution with ``batch_shape`` independent copies of an event of
    ``event_shape``.

    Subclasses define ``arg_constraints``, ``support``, ``log_prob``, and ``sample`` or
    ``rsample`` (``has_rsample``: reparametrized samples carry gradients to the parameters).
    Arguments are validated against their constraints unless ``validate_args=False`` (or
    :meth:`set_default_validate_args` turned it off), as in PyTorch.
    """

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict[str, Constraint] = {}
    support: Constraint | None = None
    _validate_args = True

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions built afterwards.

        Examples
        --------
        >>> from autograd.distributions import Distribution
        >>> Distribution.set_default_validate_args(True)
        """
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected a bool, got {value!r}")
        Distribution._validate_args = value

    def __init__(
        self,
        batch_shape: Sequence[int] = (),
        event_shape: Sequence[int] = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for name, constraint in self.arg_constraints.items():
                if constraint is constraints.dependent or name not in self.__dict__:
                    continue  # a lazily computed parameter, or one checked by the subclass
                value = getattr(self, name)
                if not _all(constraint.check(value)):
                    raise ValueError(
                        f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of "
                        f"distribution {self!r} to satisfy the constraint {constraint!r}, but "
                        f"found invalid values:\n{value}"
                    )

    @property
    def batch_shape(self) -> Size:
        """Shape of the independent copies."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """Shape of one sample of one copy."""
        return self._event_shape

    @property
    def stddev(self) -> Tensor:
        """Standard deviation, ``variance.sqrt()``."""
        return self.variance.sqrt()

    def _extended_shape(self, sample_shape: Sequence[int] = ()) -> Size:
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        """A sample of shape ``sample_shape + batch_shape + event_shape``, with no gradient."""
        with autograd.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        """A reparametrized sample: differentiable in the parameters."""
        raise TypeError(
            f"{type(self).__name__} has no reparametrized sampler (has_rsample is False); use "
            "sample()"
        )

    def sample_n(self, n: int) -> Tensor:
        """``sample((n,))`` (PyTorch's older name)."""
        return self.sample((n,))

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return autograd.exp(self.entropy())

    def _validate_sample(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{type(self).__name__}.log_prob: value must be a Tensor, got "
                f"{type(value).__name__}"
            )
        event = len(self._event_shape)
        if event and tuple(value.shape[-event:]) != tuple(self._event_shape):
            raise ValueError(
                f"The right-most size of value must match event_shape: {tuple(value.shape)} vs "
                f"{tuple(self._event_shape)}."
            )
        try:
            np.broadcast_shapes(tuple(value.shape[: value.ndim - event]), tuple(self._batch_shape))
        except ValueError:
            raise ValueError(
                f"Value of shape {tuple(value.shape)} is not broadcastable with batch_shape+"
                f"event_shape: {tuple(self._batch_shape)} + {tuple(self._event_shape)}"
            ) from None
        if self.support is not None and not _all(self.support.check(value)):
            raise ValueError(
                f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within "
                f"the support ({self.support!r}) of the distribution {self!r}, but found "
                f"invalid values:\n{value}"
            )

    def __repr__(self) -> str:
        parts = []
        for name in self.arg_constraints:
            if name in self.__dict__:
                value = self.__dict__[name]
                parts.append(f"{name}: {value if value.numel() == 1 else Size(value.shape)}")
        return f"{type(self).__name__}({', '.join(parts)})"


class _LocScale(Distribution):
    """A location-scale family on the real line (Normal, Laplace): ``loc`` and a positive
    ``scale`` broadcast to the batch shape; the mean and the mode are ``loc``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(tuple(self.loc.shape), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc
