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

from . import grad_mode
from .engine import backward, grad
from .function import Context, Function
from .grad_mode import detect_anomaly, enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck
from .variable import Variable

__all__ = [
    "backward", "grad", "Function", "Context", "Variable", "gradcheck", "gradgradcheck",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "detect_anomaly", "grad_mode",
]  # fmt: skip


def __getattr__(name: str) -> ModuleType:
    # torch.autograd.functional / forward_ad: the engine's modules of that name, when present.
    here = os.path.dirname(__file__)
    if name in ("functional", "forward_ad") and os.path.exists(os.path.join(here, name + ".py")):
        return importlib.import_module(f"autograd.{name}")
    raise AttributeError(f"module 'autograd.autograd' has no attribute {name!r}")
