"""Hyper-parameter validation shared by every optimizer and update function.

One rule per hyper-parameter name, whichever optimizer takes it: an optimizer checks each of its
group's options against the rule of the same name (when the group is made, and again at each
step, since ``param_groups`` may be edited), and each update function checks its own arguments
the same way. The messages carry PyTorch's wording ("invalid learning rate") plus the argument's
name, the value received and the range expected.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from autograd import Tensor

__all__ = ["check_options", "check_real"]


def check_real(
    owner: str,
    arg: str,
    value: Any,
    what: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    hi_open: bool = False,
    tensor_ok: bool = False,
) -> None:
    """Raise unless ``value`` is a real number (with ``tensor_ok``, also a one-element Tensor)
    in ``[lo, hi]`` (``[lo, hi)`` with ``hi_open``): TypeError for a non-number, ValueError for
    a number out of range or NaN."""
    if tensor_ok and isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(
                f"{owner}: {arg} given as a Tensor must have one element, got shape {value.shape}"
            )
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {arg} must be a real number, got {type(value).__name__}")
    below = lo is not None and value < lo
    above = hi is not None and (value >= hi if hi_open else value > hi)
    if below or above or value != value:
        lo_s = "" if lo is None else f"{lo:g} <= "
        hi_s = "" if hi is None else f" {'<' if hi_open else '<='} {hi:g}"
        expected = f"{lo_s}{arg}{hi_s}" if lo_s or hi_s else "a number"
        raise ValueError(f"{owner}: invalid {what or arg}: {value} (expected {expected})")


def _check_betas(owner: str, arg: str, value: Any) -> None:
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{owner}: {arg} must be a pair (beta1, beta2), got {value!r}")
    if len(value) != 2:
        raise ValueError(f"{owner}: {arg} must be a pair (beta1, beta2), got {len(value)} values")
    for i, beta in enumerate(value):
        _beta(i)(owner, "beta", beta)


def _check_flag(owner: str, arg: str, value: Any, optional: bool = False) -> None:
    if isinstance(value, (bool, np.bool_)) or (optional and value is None):
        return
    expected = "a bool or None" if optional else "a bool"
    raise TypeError(f"{owner}: {arg} must be {expected}, got {value!r}")


def _check_count(owner: str, arg: str, value: Any) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {arg} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{owner}: invalid {arg}: {value} (expected an int >= 1)")


def _check_line_search(owner: str, arg: str, value: Any) -> None:
    if value not in (None, "strong_wolfe"):
        raise ValueError(f"{owner}: invalid {arg}: {value!r} (expected None or 'strong_wolfe')")


def _non_negative(what: str) -> Callable[[str, str, Any], None]:
    return partial(check_real, what=what, lo=0.0)


def _beta(index: int) -> Callable[[str, str, Any], None]:
    # PyTorch accepts one-element Tensors for the learning rate and the betas.
    return partial(check_real, what=f"beta parameter at index {index}", lo=0.0, hi=1.0,
                   hi_open=True, tensor_ok=True)  # fmt: skip


# Every hyper-parameter any optimizer or update function takes, by name.
_RULES: dict[str, Callable[[str, str, Any], None]] = {
    "lr": partial(check_real, what="learning rate", lo=0.0, tensor_ok=True),
    "eps": _non_negative("epsilon value"),
    "weight_decay": _non_negative("weight_decay value"),
    "momentum": _non_negative("momentum value"),
    "dampening": partial(check_real, what="dampening value"),
    "alpha": _non_negative("alpha value"),
    "rho": partial(check_real, what="rho value", lo=0.0, hi=1.0),
    "lr_decay": _non_negative("lr_decay value"),
    "initial_accumulator_value": _non_negative("initial_accumulator_value value"),
    "momentum_decay": _non_negative("momentum_decay value"),
    "betas": _check_betas,
    "beta1": _beta(0),
    "beta2": _beta(1),
    "tolerance_grad": _non_negative("tolerance_grad"),
    "tolerance_change": _non_negative("tolerance_change"),
    "max_iter": _check_count,
    "max_eval": _check_count,
    "history_size": _check_count,
    "line_search_fn": _check_line_search,
    **dict.fromkeys(
        (
            "amsgrad",
            "nesterov",
            "maximize",
            "centered",
            "decoupled_weight_decay",
            "capturable",
            "differentiable",
        ),
        _check_flag,
    ),  # fmt: skip
    **dict.fromkeys(("foreach", "fused"), partial(_check_flag, optional=True)),
}


def check_options(owner: str, options: Mapping[str, Any]) -> None:
    """Check every entry of ``options`` that names a hyper-parameter against its rule; other
    entries (parameters, state lists, a scheduler's ``initial_lr``) are left alone.

    Examples
    --------
    >>> check_options("SGD", {"lr": 0.1, "momentum": 0.9, "params": []})
    >>> check_options("SGD", {"lr": -0.1})
    Traceback (most recent call last):
    ...
    ValueError: SGD: invalid learning rate: -0.1 (expected 0 <= lr)
    """
    for arg, value in options.items():
        rule = _RULES.get(arg)
        if rule is not None:
            rule(owner, arg, value)
    if options.get("fused") and options.get("foreach"):
        raise RuntimeError(f"{owner}: fused=True and foreach=True cannot be used together")
    if options.get("fused") and options.get("differentiable"):
        raise RuntimeError(f"{owner}: fused=True does not support differentiable=True")
