"""Adamax: Adam with an infinity-norm second moment (Kingma & Ba, 2015, section 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
from autograd import Tensor

from .optimizer import Optimizer, ParamsT, _addcdiv_, _check_adam_group, _decayed_grad, _scalar

__all__ = ["Adamax", "adamax"]


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Learning rate (default 2e-3).
    betas : (float, float)
        Decay rates of the first moment and of the infinity norm (default (0.9, 0.999)).
    eps : float
        Added to ``|g|`` for numerical stability (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    maximize : bool
        Maximize the objective instead of minimizing it.
    foreach, differentiable, capturable :
        Accepted for PyTorch compatibility and ignored.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adamax([w], lr=0.1)
    >>> w.grad = autograd.tensor([4.0])
    >>> opt.step()
    >>> w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
        }  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_adam_group(self, group)

    @autograd.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_infs, steps = self._group_tensors(
                group, "exp_avg", "exp_inf", "step"
            )
            beta1, beta2 = group["betas"]
            adamax(
                params, grads, exp_avgs, exp_infs, steps, eps=group["eps"], beta1=beta1,
                beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )  # fmt: skip
        return loss


def adamax(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_infs: list[Tensor],
    state_steps: list[Tensor],
    *,
    eps: float,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    maximize: bool = False,
) -> None:
    """Apply one Adamax step in place.

    With ``t`` the step count after increment::

        g <- -g                                     if maximize
        g <- g + weight_decay * p                   if weight_decay != 0
        m <- beta1 * m + (1 - beta1) * g
        u <- max(beta2 * u, |g| + eps)
        p <- p - lr / (1 - beta1**t) * m / u

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([4.0])
    >>> m, u, step = autograd.zeros(1), autograd.zeros(1), autograd.tensor(0.0)
    >>> adamax([p], [g], [m], [u], [step], eps=1e-8, beta1=0.9, beta2=0.999, lr=0.1,
    ...        weight_decay=0)
    >>> p, u
    (tensor([0.9000]), tensor([4.]))
    """
    lr = _scalar(lr)
    with autograd.no_grad():
        for i, p in enumerate(params):
            g, m, u, step_t = grads[i], exp_avgs[i], exp_infs[i], state_steps[i]
            step_t.add_(1)
            g = _decayed_grad(p, g, weight_decay, maximize)
            m.lerp_(g, 1 - beta1)
            u.copy_(autograd.maximum(u.mul_(beta2), g.abs().add_(eps)))
            clr = lr / (1 - beta1 ** step_t.item())
            _addcdiv_(p, m, u, -clr)
