"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""

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
    _check_adam_group,
    _check_number,
    _decayed_grad,
    _scalar,
)

__all__ = ["NAdam", "nadam"]


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Learning rate (default 2e-3).
    betas : (float, float)
        Moment decay rates (default (0.9, 0.999)).
    eps : float
        Denominator term for numerical stability (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    momentum_decay : float
        Decay of the momentum schedule ``mu_t`` (default 4e-3).
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
    >>> opt = optim.NAdam([w], lr=0.1)
    >>> w.grad = autograd.tensor([1.0])
    >>> opt.step()
    >>> round(w.item(), 4)
    0.8944
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
            "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "differentiable": differentiable,
        }  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_adam_group(self, group)
        _check_number(
            self, "momentum_decay", group["momentum_decay"], "momentum_decay value", lo=0.0
        )

    @autograd.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, mu_products, steps = self._group_tensors(
                group, "exp_avg", "exp_avg_sq", "mu_product", "step", init=_fresh_state
            )
            beta1, beta2 = group["betas"]
            nadam(
                params, grads, exp_avgs, exp_avg_sqs, mu_products, steps, beta1=beta1,
                beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
                momentum_decay=group["momentum_decay"], eps=group["eps"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
                maximize=group["maximize"],
            )  # fmt: skip
        return loss


def _fresh_state(p: Tensor) -> dict[str, Tensor]:
    return {
        "step": autograd.tensor(0.0),
        # float32 like PyTorch's, so the product rounds the same way
        "mu_product": autograd.tensor(1.0),
        "exp_avg": autograd.zeros_like(p),
        "exp_avg_sq": autograd.zeros_like(p),
    }


def nadam(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    mu_products: list[Tensor],
    state_steps: list[Tensor],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    momentum_decay: float,
    eps: float,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
) -> None:
    """Apply one NAdam step in place.

    With ``t`` the step count after increment and ``P`` the running product of ``mu``::

        g <- -g                                       if maximize
        p <- p * (1 - lr * weight_decay)              if weight_decay and decoupled
        g <- g + weight_decay * p                     if weight_decay and not decoupled
        mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96**((t + 1) * momentum_decay))
        P <- P * mu_t
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        denom = sqrt(v / (1 - beta2**t)) + eps
        p <- p - lr * (1 - mu_t) / (1 - P) * g / denom
               - lr * mu_next / (1 - P * mu_next) * m / denom

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([1.0])
    >>> m, v = autograd.zeros(1), autograd.zeros(1)
    >>> mu, step = autograd.tensor(1.0), autograd.tensor(0.0)
    >>> nadam([p], [g], [m], [v], [mu], [step], beta1=0.9, beta2=0.999, lr=0.1,
    ...       weight_decay=0, momentum_decay=4e-3, eps=1e-8)
    >>> round(p.item(), 4)
    0.8944
    """
    lr = _scalar(lr)
    with autograd.no_grad():
        for i, p in enumerate(params):
            g, m, v, mu_product, step_t = (
                grads[i], exp_avgs[i], exp_avg_sqs[i], mu_products[i], state_steps[i]
            )  # fmt: skip
            step_t.add_(1)
            step = step_t.item()
            bias_correction2 = 1 - beta2**step
            g = _decayed_grad(p, g, weight_decay, maximize, lr, decoupled_weight_decay)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product.mul_(mu)
            prod = mu_product.item()
            m.lerp_(g, 1 - beta1)
            _addcmul_(v.mul_(beta2), g, g, 1 - beta2)
            denom = v.div(bias_correction2).sqrt_().add_(eps)
            _addcdiv_(p, g, denom, -lr * (1.0 - mu) / (1.0 - prod))
            _addcdiv_(p, m, denom, (-lr * mu_next) / (1.0 - prod * mu_next))
