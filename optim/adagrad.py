"""Adagrad: per-coordinate learning rates from accumulated squared gradients (Duchi et al.)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import autograd
from autograd import Tensor

from .optimizer import (
    Optimizer,
    ParamsT,
    _addcdiv_,
    _addcmul_,
    _check_number,
    _decayed_grad,
    _scalar,
)

__all__ = ["Adagrad", "adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Learning rate (default 1e-2).
    lr_decay : float
        The step's learning rate is ``lr / (1 + (t - 1) * lr_decay)`` (default 0).
    weight_decay : float
        L2 penalty (default 0).
    initial_accumulator_value : float
        Starting value of the squared-gradient sum (default 0).
    eps : float
        Denominator term for numerical stability (default 1e-10).
    maximize : bool
        Maximize the objective instead of minimizing it.
    foreach, differentiable, fused :
        Accepted for PyTorch compatibility and ignored.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.1)
    >>> w.grad = autograd.tensor([3.0])
    >>> opt.step()
    >>> w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable, "fused": fused,
        }  # fmt: skip
        super().__init__(params, defaults)
        # PyTorch creates Adagrad's state eagerly, so a fresh state dict already lists it.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = _fresh_state(group["initial_accumulator_value"], p)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_number(self, "lr_decay", group["lr_decay"], "lr_decay value", lo=0.0)
        _check_number(self, "weight_decay", group["weight_decay"], "weight_decay value", lo=0.0)
        _check_number(
            self, "initial_accumulator_value", group["initial_accumulator_value"],
            "initial_accumulator_value value", lo=0.0,
        )  # fmt: skip
        _check_number(self, "eps", group["eps"], "epsilon value", lo=0.0)

    @autograd.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            init = partial(_fresh_state, group["initial_accumulator_value"])
            params, grads, sums, steps = self._group_tensors(group, "sum", "step", init=init)
            adagrad(
                params, grads, sums, steps, lr=group["lr"], weight_decay=group["weight_decay"],
                lr_decay=group["lr_decay"], eps=group["eps"], maximize=group["maximize"],
            )  # fmt: skip
        return loss


def _fresh_state(initial_accumulator_value: float, p: Tensor) -> dict[str, Tensor]:
    return {"step": autograd.tensor(0.0), "sum": autograd.full_like(p, initial_accumulator_value)}


def adagrad(
    params: list[Tensor],
    grads: list[Tensor],
    state_sums: list[Tensor],
    state_steps: list[Tensor],
    *,
    lr: float,
    weight_decay: float,
    lr_decay: float,
    eps: float,
    maximize: bool = False,
) -> None:
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
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([3.0])
    >>> s, step = autograd.zeros(1), autograd.tensor(0.0)
    >>> adagrad([p], [g], [s], [step], lr=0.1, weight_decay=0, lr_decay=0, eps=1e-10)
    >>> p, s
    (tensor([0.9000]), tensor([9.]))
    """
    lr = _scalar(lr)
    with autograd.no_grad():
        for p, g, s, step_t in zip(params, grads, state_sums, state_steps):
            step_t.add_(1)
            step = step_t.item()
            g = _decayed_grad(p, g, weight_decay, maximize)
            clr = lr / (1 + (step - 1) * lr_decay)
            _addcmul_(s, g, g, 1)
            std = s.sqrt().add_(eps)
            _addcdiv_(p, g, std, -clr)
