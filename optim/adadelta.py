"""Adadelta: step sizes from running averages of squared gradients and updates (Zeiler, 2012)."""

from __future__ import annotations

from autograd import Tensor
from autograd.extend import adadelta_update, apply_update, count_step

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import STEP, Optimizer, ParamsT, State, hyper_parameters

__all__ = ["Adadelta", "adadelta"]


def adadelta(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
             acc_deltas: list[Tensor], state_steps: list[Tensor], *, lr: float, rho: float,
             eps: float, weight_decay: float, maximize: bool = False) -> None:  # fmt: skip
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
    >>> p, square_avg, acc_delta = autograd.ones(1), autograd.zeros(1), autograd.zeros(1)
    >>> adadelta([p], [autograd.ones(1)], [square_avg], [acc_delta], [autograd.tensor(0.0)],
    ...          lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)
    >>> round(p.item(), 5), square_avg  # delta = sqrt(0 + eps) / sqrt(0.1 + eps) * g
    (0.99684, tensor([0.1000]))
    """
    check_arguments("adadelta", locals())
    sign, weight_decay, _ = gradient_terms(maximize, weight_decay)
    coefficients = (sign, weight_decay, rho, 1 - rho, eps, -scalar(lr))
    for p, g, v, u, step_t in zip(params, grads, square_avgs, acc_deltas, state_steps):
        count_step(step_t)
        apply_update(adadelta_update, p, g, (v, u), coefficients, op="adadelta")


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``; the update rule is :func:`adadelta`'s.

    Parameters
    ----------
    params, lr, eps, weight_decay, maximize, foreach, capturable, differentiable :
        As for every optimizer (see :class:`Optimizer`); ``lr`` scales the delta and ``eps``
        is added inside both square roots.
    rho : float
        Decay rate of the running averages.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adadelta([w])
    >>> w.grad = autograd.tensor([1.0])
    >>> opt.step()  # delta = sqrt(1e-6) / sqrt(0.1 + 1e-6)
    >>> round(w.item(), 5), sorted(opt.state[w])
    (0.99684, ['acc_delta', 'square_avg', 'step'])
    """

    _state = (STEP, State("square_avg", "square_avgs"), State("acc_delta", "acc_deltas"))
    _update = staticmethod(adadelta)

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))
