"""``Variable``: PyTorch's old tensor wrapper, which is now the tensor itself.

Examples
--------
>>> import autograd
>>> v = autograd.Variable(autograd.ones(2), requires_grad=True)
>>> v.requires_grad, isinstance(v, autograd.Variable)
(True, True)
"""

from __future__ import annotations

from typing import Any

from .tensor import Tensor

__all__ = ["Variable"]


class _VariableType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor)

    def __call__(  # type: ignore[override]
        cls, data: Any, requires_grad: bool = False, volatile: bool = False
    ) -> Tensor:
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable: data must be a Tensor, got {type(data).__name__}")
        if not isinstance(requires_grad, bool):
            raise TypeError(
                f"Variable: requires_grad must be a bool, got {type(requires_grad).__name__}"
            )
        return data.detach().requires_grad_(requires_grad)


class Variable(metaclass=_VariableType):
    """PyTorch's old wrapper, kept for old programs: ``Variable(t)`` is ``t`` without history.

    ``Variable(t, requires_grad=True)`` shares ``t``'s storage and is a leaf that requires grad;
    every Tensor is an instance of ``Variable`` (``volatile`` is accepted and ignored, as in
    PyTorch).

    Examples
    --------
    >>> import autograd as torch
    >>> from autograd.autograd import Variable
    >>> v = Variable(torch.ones(2), requires_grad=True)
    >>> v.is_leaf, v.requires_grad, isinstance(torch.ones(1), Variable)
    (True, True, True)
    """
