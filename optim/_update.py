"""What the update functions (``sgd``, ``adam``, ...) share around their kernel call.

Each update function checks its arguments, computes the scalars of its rule in double precision
(as PyTorch computes them in Python) and hands one parameter at a time to its fused kernel
through :func:`autograd.extend.apply_update`; the per-element arithmetic lives in the kernel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograd import Tensor

from ._checks import check_options

__all__ = ["check_arguments", "gradient_terms", "scalar"]


def check_arguments(
    op: str, arguments: Mapping[str, Any], optional: Mapping[str, str] | None = None
) -> None:
    """Check an update function's arguments (``locals()`` on entry): each hyper-parameter
    against its rule, then each list (``params``, ``grads``, state lists) for one entry per
    parameter, except a list that ``optional`` maps to an option that is off (the state it
    holds is not used, so it may be empty)."""
    check_options(op, arguments)
    optional = optional or {}
    unused = {name for name, option in optional.items() if not arguments[option]}
    params = arguments["params"]
    if not isinstance(params, (list, tuple)):
        raise TypeError(f"{op}: params must be a list of Tensors, got {type(params).__name__}")
    for name, value in arguments.items():
        if name in unused or not isinstance(value, (list, tuple)):
            continue
        if len(value) != len(params):
            raise ValueError(
                f"{op}: {name} has {len(value)} entries, expected one per parameter ({len(params)})"
            )


def scalar(x: Any) -> float:
    """A Python number from a number or a one-element Tensor (a Tensor learning rate)."""
    return x.item() if isinstance(x, Tensor) else x


def gradient_terms(
    maximize: bool, weight_decay: float, lr: float = 0.0, decoupled: bool = False
) -> tuple[float, float, float]:
    """The coefficients every kernel starts with: the gradient's sign (-1 to maximize), the L2
    weight decay added to the gradient, and the factor ``1 - lr * weight_decay`` the parameter
    is scaled by first when the decay is decoupled (AdamW), else 1.

    Examples
    --------
    >>> gradient_terms(True, 0.1), gradient_terms(False, 0.1, lr=0.5, decoupled=True)
    ((-1.0, 0.1, 1.0), (1.0, 0.0, 0.95))
    """
    sign = -1.0 if maximize else 1.0
    if decoupled:
        return sign, 0.0, 1 - lr * weight_decay
    return sign, weight_decay, 1.0
