"""Parameter and Buffer: Tensor subclasses that a Module registers on attribute assignment."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["Parameter", "Buffer"]


def _as_storage(data: Any, cls: str) -> Tensor:
    if data is None:
        return autograd.empty(0)
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return autograd.from_numpy(data)
    raise TypeError(f"{cls}: data must be a Tensor (or numpy array), got {type(data).__name__}")


class Parameter(Tensor):
    """A Tensor that is a module's learnable parameter.

    Assigning a ``Parameter`` as a Module attribute registers it, so it shows up in
    ``parameters()`` and ``state_dict()``. Built from a Tensor, it shares that tensor's storage.

    Parameters
    ----------
    data : Tensor, optional
        The initial value (shared, not copied). ``None`` gives an empty tensor.
    requires_grad : bool
        Whether the parameter receives gradients (default ``True``).

    Examples
    --------
    >>> import autograd, nn
    >>> t = autograd.zeros(2)
    >>> p = nn.Parameter(t)
    >>> p
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    >>> t.add_(1.0)  # storage is shared
    tensor([1., 1.])
    >>> p.detach()
    tensor([1., 1.])
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        src = _as_storage(data, "Parameter")
        Tensor.__init__(self, ())
        self.data = src
        if not isinstance(requires_grad, bool):
            raise TypeError(
                f"Parameter: requires_grad must be a bool, got {type(requires_grad).__name__}"
            )
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        p = type(self)(autograd.from_numpy(self.numpy(force=True).copy()), self.requires_grad)
        if self.grad is not None:
            p.grad = autograd.from_numpy(self.grad.numpy(force=True).copy())
        memo[id(self)] = p
        return p

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (type(self), (self.detach(), self.requires_grad))


class Buffer(Tensor):
    """A Tensor that a Module registers as a (persistent by default) buffer on assignment.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.Module()
    >>> m.running = nn.Buffer(autograd.zeros(1))
    >>> list(m.state_dict())
    ['running']
    """

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        src = _as_storage(data, "Buffer")
        Tensor.__init__(self, ())
        self.data = src
        self.persistent = bool(persistent)
