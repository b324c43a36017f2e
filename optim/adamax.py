"""Adamax: Adam with an infinity-norm second moment (Kingma & Ba, 2015, section 7)."""

from __future__ import annotations

from autograd import Tensor
from autograd.extend import adamax_update, apply_update, count_step

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import STEP, Optimizer, ParamsT, State, hyper_parameters

__all__ = ["Adamax", "adamax"]


def adamax(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
           exp_infs: list[Tensor], state_steps: list[Tensor], *, eps: float, beta1: float,
           beta2: float, lr: float, weight_decay: float,
           maximize: bool = False) -> None:  # fmt: skip
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
    >>> p, m, u = autograd.zeros(2), autograd.zeros(2), autograd.tensor([1.0, 1.0])
    >>> adamax([p], [autograd.tensor([4.0, -0.5])], [m], [u], [autograd.tensor(0.0)], eps=1e-8,
    ...        beta1=0.9, beta2=0.5, lr=0.1, weight_decay=0)
    >>> u  # max(beta2 * u, |g| + eps)
    tensor([4.0000, 0.5000])
    """
    check_arguments("adamax", locals())
    lr, beta1, beta2 = scalar(lr), scalar(beta1), scalar(beta2)
    sign, weight_decay, _ = gradient_terms(maximize, weight_decay)
    for i, p in enumerate(params):
        t = count_step(state_steps[i])
        coefficients = (sign, weight_decay, 1 - beta1, beta2, eps, -lr / (1 - beta1**t))
        state = (exp_avgs[i], exp_infs[i])
        apply_update(adamax_update, p, grads[i], state, coefficients, op="adamax")


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``; the update rule is :func:`adamax`'s.

    Parameters
    ----------
    params, lr, betas, eps, weight_decay, maximize, foreach, differentiable, capturable :
        As for every optimizer (see :class:`Optimizer`); ``beta2`` decays the infinity norm
        and ``eps`` is added to ``|g|``.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0, 1.0], requires_grad=True)
    >>> opt = optim.Adamax([w], lr=0.1)
    >>> w.grad = autograd.tensor([4.0, -0.5])
    >>> opt.step()  # the first step moves every coordinate by lr, whatever its gradient
    >>> w, opt.state[w]["exp_inf"]
    (tensor([0.9000, 1.1000], requires_grad=True), tensor([4.0000, 0.5000]))
    """

    _state = (STEP, State("exp_avg", "exp_avgs"), State("exp_inf", "exp_infs"))
    _update = staticmethod(adamax)

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))
