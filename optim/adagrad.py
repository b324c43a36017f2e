"""Adagrad: per-coordinate learning rates from accumulated squared gradients (Duchi et al.)."""

from __future__ import annotations

from typing import Any

import autograd
from autograd import Tensor
from autograd.extend import adagrad_update, apply_update, count_step

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import STEP, Optimizer, ParamsT, State, hyper_parameters

__all__ = ["Adagrad", "adagrad"]


def adagrad(params: list[Tensor], grads: list[Tensor], state_sums: list[Tensor],
            state_steps: list[Tensor], *, lr: float, weight_decay: float, lr_decay: float,
            eps: float, maximize: bool = False) -> None:  # fmt: skip
    """Apply one Adagrad step in place.

    With ``t`` the step count after increment::

        g <- -g                                     if maximize
        g <- g + weight_decay * p                   if weight_decay != 0
        clr = lr / (1 + (t - 1) * lr_decay)
        s <- s + g**2
        p <- p - clr * g / (sqrt(s) + eps)

    Examples
    --------
    >>> import autograd
    >>> params, sums = [autograd.tensor([1.0])], [autograd.tensor([16.0])]
    >>> adagrad(params, [autograd.tensor([3.0])], sums, [autograd.tensor(0.0)], lr=0.1,
    ...         weight_decay=0, lr_decay=0, eps=1e-10)
    >>> params[0], sums[0]  # 1 - 0.1 * 3 / sqrt(16 + 9)
    (tensor([0.9400]), tensor([25.]))
    """
    check_arguments("adagrad", locals())
    lr = scalar(lr)
    sign, weight_decay, _ = gradient_terms(maximize, weight_decay)
    for p, g, s, step_t in zip(params, grads, state_sums, state_steps):
        t = count_step(step_t)
        coefficients = (sign, weight_decay, eps, -lr / (1 + (t - 1) * lr_decay))
        apply_update(adagrad_update, p, g, (s,), coefficients, op="adagrad")


def _accumulator(p: Tensor, group: dict[str, Any]) -> Tensor:
    return autograd.full_like(p, group["initial_accumulator_value"])


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``: each coordinate's step shrinks as the sum of its
    squared gradients grows. The update rule is :func:`adagrad`'s.

    Parameters
    ----------
    params, lr, eps, weight_decay, maximize, foreach, differentiable, fused :
        As for every optimizer (see :class:`Optimizer`).
    lr_decay : float
        The step's learning rate is ``lr / (1 + (t - 1) * lr_decay)``.
    initial_accumulator_value : float
        Starting value of the squared-gradient sum.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.1, initial_accumulator_value=16.0)
    >>> opt.state[w]["sum"]  # created with the optimizer, as PyTorch does
    tensor([16.])
    >>> w.grad = autograd.tensor([3.0])
    >>> opt.step()  # 1 - 0.1 * 3 / sqrt(16 + 9)
    >>> w
    tensor([0.9400], requires_grad=True)
    """

    _state = (STEP, State("sum", "state_sums", _accumulator))
    _update = staticmethod(adagrad)

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))
        for group in self.param_groups:
            for p in group["params"]:
                self._fill_state(p, group)
