"""Optimizers and learning-rate schedules that follow PyTorch's ``torch.optim`` step for step.

Each optimizer is a class holding parameter groups and per-parameter state, plus a plain update
function (``optim.sgd``, ``optim.adam``, ...) whose docstring writes out the update rule.

Examples
--------
>>> import autograd, optim
>>> w = autograd.tensor([2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.25)
>>> for _ in range(3):
...     opt.zero_grad()
...     w.grad = 2 * w.detach()  # gradient of w ** 2
...     opt.step()
>>> w
tensor([0.2500], requires_grad=True)
"""

import importlib as _importlib

if getattr(_importlib.import_module("autograd"), "__numbagrad__", False) is not True:
    raise ImportError(
        "optim: `import autograd` found a package that is not numbagrad's engine (most likely "
        "HIPS autograd, the PyPI package 'autograd', which uses the same import name). Install "
        "numbagrad in its own virtual environment, or `pip uninstall autograd` and reinstall "
        "numbagrad."
    )

from . import lr_scheduler
from .adadelta import Adadelta, adadelta
from .adagrad import Adagrad, adagrad
from .adam import Adam, AdamW, adam, adamw
from .adamax import Adamax, adamax
from .lbfgs import LBFGS
from .nadam import NAdam, nadam
from .optimizer import Optimizer
from .radam import RAdam, radam
from .rmsprop import RMSprop, rmsprop
from .sgd import SGD, sgd

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "NAdam", "RAdam", "Adamax", "Adagrad", "Adadelta",
    "RMSprop", "LBFGS", "lr_scheduler", "sgd", "adam", "adamw", "nadam", "radam", "adamax",
    "adagrad", "adadelta", "rmsprop", "swa_utils",
]  # fmt: skip


def __getattr__(name: str) -> object:
    # swa_utils builds on nn (AveragedModel is a Module): loaded on first use only.
    if name == "swa_utils":
        module = _importlib.import_module(".swa_utils", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
