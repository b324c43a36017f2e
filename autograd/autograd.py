"""``autograd.autograd``: the names PyTorch programs reach through ``torch.autograd``.

After ``import autograd as torch``, ``torch.autograd.grad``, ``torch.autograd.Function``,
``torch.autograd.backward`` and ``torch.autograd.Variable`` resolve here. ``autograd`` loads
this module on first use of the attribute.

Examples
--------
>>> import autograd as torch
>>> x = torch.tensor([3.0], requires_grad=True)
>>> torch.autograd.grad((x * x).sum(), x)
(tensor([6.]),)
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

from . import grad_mode
from .engine import backward, grad
from .function import Context, Function
from .grad_mode import detect_anomaly, enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "backward", "grad", "Function", "Context", "Variable", "gradcheck", "gradgradcheck",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "detect_anomaly", "grad_mode",
]  # fmt: skip


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


def __getattr__(name: str) -> ModuleType:
    # torch.autograd.functional / forward_ad: the engine's modules of that name, when present.
    here = os.path.dirname(__file__)
    if name in ("functional", "forward_ad") and os.path.exists(os.path.join(here, name + ".py")):
        return importlib.import_module(f"autograd.{name}")
    raise AttributeError(f"module 'autograd.autograd' has no attribute {name!r}")
