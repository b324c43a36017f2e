"""``autograd.utils``: PyTorch's ``torch.utils`` paths. ``checkpoint`` (activation
checkpointing) lives here, ``hooks`` is :mod:`autograd.hooks`; ``data`` is :mod:`nn.data`,
loaded on first use so that importing ``autograd`` never imports ``nn``.

Examples
--------
>>> import autograd as torch
>>> torch.utils.data.DataLoader.__module__.startswith("nn.data")
True
>>> from autograd.utils.checkpoint import checkpoint
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .. import hooks
from . import checkpoint

__all__ = ["checkpoint", "hooks"]


def __getattr__(name: str) -> ModuleType:
    if name == "data":
        module = importlib.import_module("nn.data")
        globals()["data"] = module
        return module
    raise AttributeError(f"module 'autograd.utils' has no attribute {name!r}")
