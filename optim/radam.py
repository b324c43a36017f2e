"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2020)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
from autograd import Tensor

from .optimizer import Optimizer, ParamsT, _addcmul_, _check_adam_group, _decayed_grad, _scalar

__all__ = ["RAdam", "radam"]


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Learning rate (default 1e-3).
    betas : (float, float)
        Moment decay rates (default (0.9, 0.999)).
    eps : float
        Denominator term for numerical stability (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    decoupled_weight_decay : bool
        Decay the parameter directly (as AdamW) instead of adding to the gradient.
    maximize : bool
        Maximize the objective instead of minimizing it.
    foreach, capturable, differentiable :
        Accepted for PyTorch compatibility and ignored.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.RAdam([w], lr=0.1)
    >>> w.grad = autograd.tensor([2.0])
    >>> opt.step()  # early steps are plain momentum SGD: the variance is not trusted yet
    >>> w
    tensor([0.8000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable,
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
            params, grads, exp_avgs, exp_avg_sqs, steps = self._group_tensors(
                group, "exp_avg", "exp_avg_sq", "step"
            )
            beta1, beta2 = group["betas"]
            radam(
                params, grads, exp_avgs, exp_avg_sqs, steps, beta1=beta1, beta2=beta2,
                lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
                maximize=group["maximize"],
            )  # fmt: skip
        return loss


def radam(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    state_steps: list[Tensor],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> None:
    """Apply one RAdam step in place.

    With ``t`` the step count after increment::

        g <- -g                                       if maximize
        p <- p * (1 - lr * weight_decay)              if weight_decay and decoupled
        g <- g + weight_decay * p                     if weight_decay and not decoupled
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p <- p - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:
            p <- p - lr * m_hat

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([2.0])
    >>> m, v, step = autograd.zeros(1), autograd.zeros(1), autograd.tensor(0.0)
    >>> radam([p], [g], [m], [v], [step], beta1=0.9, beta2=0.999, lr=0.1, weight_decay=0,
    ...       eps=1e-8)
    >>> p
    tensor([0.8000])
    """
    lr = _scalar(lr)
    with autograd.no_grad():
        for i, p in enumerate(params):
            g, m, v, step_t = grads[i], exp_avgs[i], exp_avg_sqs[i], state_steps[i]
            step_t.add_(1)
            step = step_t.item()
            g = _decayed_grad(p, g, weight_decay, maximize, lr, decoupled_weight_decay)
            m.lerp_(g, 1 - beta1)
            _addcmul_(v.mul_(beta2), g, g, 1 - beta2)
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            m_hat = m / bias_correction1
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            if rho_t > 5.0:
                rect = (
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                ) ** 0.5
                adaptive_lr = (bias_correction2**0.5) / v.sqrt().add_(eps)
                p.add_(m_hat * lr * adaptive_lr * rect, alpha=-1.0)
            else:
                p.add_(m_hat * lr, alpha=-1.0)
