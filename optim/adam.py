"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
from autograd import Tensor
from autograd.fused import adam_update, amsgrad_update

from ._fused import CastCache, apply_fused, flat_arrays
from .optimizer import (
    Optimizer,
    ParamsT,
    _addcdiv_,
    _addcmul_,
    _check_adam_group,
    _decayed_grad,
    _scalar,
)

__all__ = ["Adam", "AdamW", "adam", "adamw"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), optionally AMSGrad, as ``torch.optim.Adam``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Learning rate (default 1e-3).
    betas : (float, float)
        Decay rates of the first and second moment estimates (default (0.9, 0.999)).
    eps : float
        Added to the denominator for numerical stability (default 1e-8).
    weight_decay : float
        L2 penalty (default 0); added to the gradient, or applied to the parameter directly when
        ``decoupled_weight_decay`` (AdamW).
    amsgrad : bool
        Use the running maximum of the second moment (AMSGrad).
    maximize : bool
        Maximize the objective instead of minimizing it.
    decoupled_weight_decay : bool
        Decay the parameter by ``lr * weight_decay`` instead of adding to the gradient.
    foreach, capturable, differentiable, fused :
        Accepted for PyTorch compatibility and ignored.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> w.grad = autograd.tensor([3.0, -0.5])
    >>> opt.step()  # the first Adam step moves every coordinate by about lr
    >>> w
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr, "betas": tuple(betas) if isinstance(betas, list) else betas, "eps": eps,
            "weight_decay": weight_decay, "amsgrad": amsgrad, "maximize": maximize,
            "foreach": foreach, "capturable": capturable, "differentiable": differentiable,
            "fused": fused, "decoupled_weight_decay": decoupled_weight_decay,
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
            params, grads, exp_avgs, exp_avg_sqs, max_sqs, steps = self._group_tensors(
                group, "exp_avg", "exp_avg_sq", "max_exp_avg_sq" if group["amsgrad"] else None,
                "step",
            )  # fmt: skip
            beta1, beta2 = group["betas"]
            adam(
                params, grads, exp_avgs, exp_avg_sqs, max_sqs, steps,
                amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2, lr=group["lr"],
                weight_decay=group["weight_decay"], eps=group["eps"],
                maximize=group["maximize"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
            )  # fmt: skip
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Same parameters as :class:`Adam` except ``weight_decay`` defaults to 1e-2 and is always
    decoupled: each step first scales the parameter by ``1 - lr * weight_decay``.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = autograd.tensor([0.0])
    >>> opt.step()  # zero gradient: only the decay acts, 1 * (1 - 0.1 * 0.5)
    >>> w
    tensor([0.9500], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            foreach=foreach, maximize=maximize, capturable=capturable,
            differentiable=differentiable, fused=fused, decoupled_weight_decay=True,
        )  # fmt: skip

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not group.get("decoupled_weight_decay", True):
            raise ValueError("AdamW: decoupled_weight_decay must be True (use Adam otherwise)")


def adam(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    max_exp_avg_sqs: list[Tensor],
    state_steps: list[Tensor],
    *,
    amsgrad: bool,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool = False,
) -> None:
    """Apply one Adam step in place to each parameter and its state.

    With ``t`` the step count after increment, for each parameter ``p`` and gradient ``g``::

        g <- -g                                          if maximize
        p <- p * (1 - lr * weight_decay)                 if weight_decay and decoupled
        g <- g + weight_decay * p                        if weight_decay and not decoupled
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        v_max <- max(v_max, v); v_hat = v_max            if amsgrad, else v_hat = v
        p <- p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([2.0])
    >>> m, v, step = autograd.zeros(1), autograd.zeros(1), autograd.tensor(0.0)
    >>> adam([p], [g], [m], [v], [], [step], amsgrad=False, beta1=0.9, beta2=0.999, lr=0.1,
    ...      weight_decay=0, eps=1e-8, maximize=False)
    >>> p, m, step
    (tensor([0.9000]), tensor([0.2000]), tensor(1.))
    """
    lr = _scalar(lr)
    decoupled = decoupled_weight_decay and weight_decay != 0
    coefficients = CastCache(
        -1 if maximize else 1, 0 if decoupled else weight_decay,
        1 - lr * weight_decay if decoupled else 1, 1 - beta1, 1 - beta1 < 0.5, beta2, 1 - beta2,
        eps,
    )  # fmt: skip
    with autograd.no_grad():
        for i, p in enumerate(params):
            g, m, v, step_t = grads[i], exp_avgs[i], exp_avg_sqs[i], state_steps[i]
            vmax = max_exp_avg_sqs[i] if amsgrad else None
            step_t.add_(1)
            step = step_t.item()
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            step_size = lr / bias_correction1
            arrays = flat_arrays(p, g, m, v, vmax) if amsgrad else flat_arrays(p, g, m, v)
            if arrays is not None:
                dt = arrays[0].dtype.type
                apply_fused(
                    p, "adam", amsgrad_update if amsgrad else adam_update, *arrays,
                    *coefficients[arrays[0].dtype], dt(-step_size), dt(bias_correction2_sqrt),
                )  # fmt: skip
                continue
            g = _decayed_grad(p, g, weight_decay, maximize, lr, decoupled_weight_decay)
            m.lerp_(g, 1 - beta1)
            _addcmul_(v.mul_(beta2), g, g, 1 - beta2)
            if amsgrad:
                vmax.copy_(autograd.maximum(vmax, v))
                v = vmax
            denom = (v.sqrt() / bias_correction2_sqrt).add_(eps)
            _addcdiv_(p, m, denom, -step_size)


def adamw(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    max_exp_avg_sqs: list[Tensor],
    state_steps: list[Tensor],
    **kwargs: Any,
) -> None:
    """:func:`adam` with ``decoupled_weight_decay=True``: ``p <- p * (1 - lr * weight_decay)``
    before the Adam update, instead of adding ``weight_decay * p`` to the gradient.

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([0.0])
    >>> m, v, step = autograd.zeros(1), autograd.zeros(1), autograd.tensor(0.0)
    >>> adamw([p], [g], [m], [v], [], [step], amsgrad=False, beta1=0.9, beta2=0.999, lr=0.1,
    ...       weight_decay=0.5, eps=1e-8, maximize=False)
    >>> p
    tensor([0.9500])
    """
    kwargs["decoupled_weight_decay"] = True
    adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs)
