"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from autograd.extend import adam_update, apply_update, count_step

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import STEP, Optimizer, ParamsT, State, hyper_parameters

__all__ = ["Adam", "AdamW", "adam", "adamw"]


def adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
         exp_avg_sqs: list[Tensor], max_exp_avg_sqs: list[Tensor], state_steps: list[Tensor], *,
         amsgrad: bool, beta1: float, beta2: float, lr: float, weight_decay: float, eps: float,
         maximize: bool, decoupled_weight_decay: bool = False) -> None:  # fmt: skip
    """Apply one Adam step in place to each parameter and its state.

    With ``t`` the step count after increment, for each parameter ``p`` and gradient ``g``::

        g <- -g                                          if maximize
        p <- p * (1 - lr * weight_decay)                 if decoupled_weight_decay
        g <- g + weight_decay * p                        otherwise
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        v_max <- max(v_max, v); v_hat = v_max            if amsgrad, else v_hat = v
        p <- p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

    ``max_exp_avg_sqs`` may be empty without ``amsgrad``.

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
    check_arguments("adam", locals(), {"max_exp_avg_sqs": "amsgrad"})
    lr, beta1, beta2 = scalar(lr), scalar(beta1), scalar(beta2)
    terms = gradient_terms(maximize, weight_decay, lr, decoupled_weight_decay)
    for i, p in enumerate(params):
        t = count_step(state_steps[i])
        coefficients = (*terms, 1 - beta1, beta2, 1 - beta2, eps, -lr / (1 - beta1**t),
                        (1 - beta2**t) ** 0.5)  # fmt: skip
        state = (exp_avgs[i], exp_avg_sqs[i], max_exp_avg_sqs[i] if amsgrad else None)
        apply_update(adam_update, p, grads[i], state, coefficients, (amsgrad,), op="adam")


def adamw(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], max_exp_avg_sqs: list[Tensor], state_steps: list[Tensor],
          **kwargs: Any) -> None:  # fmt: skip
    """:func:`adam` with ``decoupled_weight_decay=True``: ``p <- p * (1 - lr * weight_decay)``
    before the Adam update, instead of adding ``weight_decay * p`` to the gradient.

    Examples
    --------
    >>> import autograd
    >>> p = autograd.tensor([1.0])
    >>> state = [autograd.zeros(1)], [autograd.zeros(1)], [], [autograd.tensor(0.0)]
    >>> adamw([p], [autograd.zeros(1)], *state, amsgrad=False, beta1=0.9, beta2=0.999, lr=0.1,
    ...       weight_decay=0.5, eps=1e-8, maximize=False)
    >>> p
    tensor([0.9500])
    """
    kwargs["decoupled_weight_decay"] = True
    adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, **kwargs)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), optionally AMSGrad, as ``torch.optim.Adam``; the update rule
    is :func:`adam`'s.

    Parameters
    ----------
    params, lr, betas, eps, weight_decay, decoupled_weight_decay, maximize, foreach,
    capturable, differentiable, fused :
        As for every optimizer (see :class:`Optimizer`).
    amsgrad : bool
        Divide by the running maximum of the second moment (AMSGrad).

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1, amsgrad=True)
    >>> w.grad = autograd.tensor([3.0, -0.5])
    >>> opt.step()  # the first Adam step moves every coordinate by about lr
    >>> w
    tensor([ 0.9000, -0.9000], requires_grad=True)
    >>> list(opt.state[w])
    ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']
    """

    _state = (STEP, State("exp_avg", "exp_avgs"), State("exp_avg_sq", "exp_avg_sqs"),
              State("max_exp_avg_sq", "max_exp_avg_sqs", when="amsgrad"))  # fmt: skip
    _update = staticmethod(adam)

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Same parameters as :class:`Adam` except ``weight_decay`` defaults to 1e-2 and is always
    decoupled: each step first scales the parameter by ``1 - lr * weight_decay``.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.ones(3, requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> for _ in range(2):  # zero gradients: only the decay acts, (1 - 0.1 * 0.5) ** 2
    ...     w.grad = autograd.zeros(3)
    ...     opt.step()
    >>> w
    tensor([0.9025, 0.9025, 0.9025], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:  # fmt: skip
        super().__init__(**hyper_parameters(locals()), params=params, decoupled_weight_decay=True)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if not group.get("decoupled_weight_decay", True):
            raise ValueError("AdamW: decoupled_weight_decay must be True (use Adam otherwise)")
