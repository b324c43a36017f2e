"""RMSprop: gradients scaled by a running root-mean-square (Hinton's lecture 6e)."""

from __future__ import annotations

from collections.abc import Callable
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

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Learning rate (default 1e-2).
    alpha : float
        Smoothing constant of the squared-gradient average (default 0.99).
    eps : float
        Denominator term for numerical stability (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    momentum : float
        Momentum factor (default 0).
    centered : bool
        Normalize by an estimate of the gradient's variance instead of its second moment.
    maximize : bool
        Maximize the objective instead of minimizing it.
    capturable, foreach, differentiable :
        Accepted for PyTorch compatibility and ignored.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.99)
    >>> w.grad = autograd.tensor([2.0])
    >>> opt.step()  # 1 - 0.01 * 2 / sqrt(0.01 * 4)
    >>> w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
            "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable,
        }  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_number(self, "eps", group["eps"], "epsilon value", lo=0.0)
        _check_number(self, "momentum", group["momentum"], "momentum value", lo=0.0)
        _check_number(self, "weight_decay", group["weight_decay"], "weight_decay value", lo=0.0)
        _check_number(self, "alpha", group["alpha"], "alpha value", lo=0.0)

    @autograd.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params, grads, square_avgs, bufs, grad_avgs, steps = self._group_tensors(
                group, "square_avg", "momentum_buffer" if group["momentum"] > 0 else None,
                "grad_avg" if group["centered"] else None, "step",
            )  # fmt: skip
            rmsprop(
                params, grads, square_avgs, grad_avgs, bufs, steps, lr=group["lr"],
                alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
                momentum=group["momentum"], centered=group["centered"],
                maximize=group["maximize"],
            )  # fmt: skip
        return loss


def rmsprop(
    params: list[Tensor],
    grads: list[Tensor],
    square_avgs: list[Tensor],
    grad_avgs: list[Tensor],
    momentum_buffer_list: list[Tensor],
    state_steps: list[Tensor],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool = False,
) -> None:
    """Apply one RMSprop step in place::

        g <- -g                                     if maximize
        g <- g + weight_decay * p                   if weight_decay != 0
        v <- alpha * v + (1 - alpha) * g**2
        if centered:
            a <- alpha * a + (1 - alpha) * g
            d = sqrt(v - a**2) + eps
        else:
            d = sqrt(v) + eps
        if momentum > 0:
            b <- momentum * b + g / d
            p <- p - lr * b
        else:
            p <- p - lr * g / d

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([2.0])
    >>> v, step = autograd.zeros(1), autograd.tensor(0.0)
    >>> rmsprop([p], [g], [v], [], [], [step], lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0,
    ...         momentum=0, centered=False)
    >>> p
    tensor([0.9000])
    """
    lr = _scalar(lr)
    with autograd.no_grad():
        for i, p in enumerate(params):
            g, v, step_t = grads[i], square_avgs[i], state_steps[i]
            step_t.add_(1)
            g = _decayed_grad(p, g, weight_decay, maximize)
            _addcmul_(v.mul_(alpha), g, g, 1 - alpha)
            if centered:
                a = grad_avgs[i]
                a.lerp_(g, 1 - alpha)
                avg = _addcmul_(v.clone(), a, a, -1).sqrt_()
            else:
                avg = v.sqrt()
            avg.add_(eps)
            if momentum > 0:
                buf = momentum_buffer_list[i]
                buf.mul_(momentum).addcdiv_(g, avg)
                p.add_(buf, alpha=-lr)
            else:
                _addcdiv_(p, g, avg, -lr)
