"""Adadelta: step sizes from running averages of squared gradients and updates (Zeiler, 2012)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
from autograd import Tensor

from .optimizer import Optimizer, ParamsT, _addcmul_, _check_number, _decayed_grad, _scalar

__all__ = ["Adadelta", "adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Scale applied to the delta (default 1.0).
    rho : float
        Decay rate of the running averages (default 0.9).
    eps : float
        Added inside the square roots for numerical stability (default 1e-6).
    weight_decay : float
        L2 penalty (default 0).
    maximize : bool
        Maximize the objective instead of minimizing it.
    foreach, capturable, differentiable :
        Accepted for PyTorch compatibility and ignored.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adadelta([w])
    >>> w.grad = autograd.tensor([1.0])
    >>> opt.step()
    >>> round(w.item(), 5)
    0.99684
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "capturable": capturable, "foreach": foreach,
            "differentiable": differentiable,
        }  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_number(self, "rho", group["rho"], "rho value", lo=0.0, hi=1.0)
        _check_number(self, "eps", group["eps"], "epsilon value", lo=0.0)
        _check_number(self, "weight_decay", group["weight_decay"], "weight_decay value", lo=0.0)

    @autograd.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params, grads, square_avgs, acc_deltas, steps = self._group_tensors(
                group, "square_avg", "acc_delta", "step"
            )
            adadelta(
                params, grads, square_avgs, acc_deltas, steps, lr=group["lr"], rho=group["rho"],
                eps=group["eps"], weight_decay=group["weight_decay"], maximize=group["maximize"],
            )  # fmt: skip
        return loss


def adadelta(
    params: list[Tensor],
    grads: list[Tensor],
    square_avgs: list[Tensor],
    acc_deltas: list[Tensor],
    state_steps: list[Tensor],
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool = False,
) -> None:
    """Apply one Adadelta step in place::

        g <- -g                                         if maximize
        g <- g + weight_decay * p                       if weight_decay != 0
        v <- rho * v + (1 - rho) * g**2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * delta**2
        p <- p - lr * delta

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([1.0])
    >>> v, u, step = autograd.zeros(1), autograd.zeros(1), autograd.tensor(0.0)
    >>> adadelta([p], [g], [v], [u], [step], lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)
    >>> round(p.item(), 5)
    0.99684
    """
    lr = _scalar(lr)
    with autograd.no_grad():
        for p, g, v, u, step_t in zip(params, grads, square_avgs, acc_deltas, state_steps):
            step_t.add_(1)
            g = _decayed_grad(p, g, weight_decay, maximize)
            _addcmul_(v.mul_(rho), g, g, 1 - rho)
            std = v.add(eps).sqrt_()
            delta = u.add(eps).sqrt_().div_(std).mul_(g)
            _addcmul_(u.mul_(rho), delta, delta, 1 - rho)
            p.add_(delta, alpha=-lr)
