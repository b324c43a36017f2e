"""RMSprop: gradients scaled by a running root-mean-square (Hinton's lecture 6e)."""

from __future__ import annotations

from autograd import Tensor
from autograd.extend import apply_update, count_step, rmsprop_update

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import STEP, Optimizer, ParamsT, State, hyper_parameters

__all__ = ["RMSprop", "rmsprop"]


def rmsprop(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
            grad_avgs: list[Tensor], momentum_buffer_list: list[Tensor], state_steps: list[Tensor],
            *, lr: float, alpha: float, eps: float, weight_decay: float, momentum: float,
            centered: bool, maximize: bool = False) -> None:  # fmt: skip
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

    ``grad_avgs`` may be empty unless ``centered``, ``momentum_buffer_list`` unless
    ``momentum > 0``.

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
    check_arguments(
        "rmsprop", locals(), {"grad_avgs": "centered", "momentum_buffer_list": "momentum"}
    )
    sign, weight_decay, _ = gradient_terms(maximize, weight_decay)
    coefficients = (sign, weight_decay, alpha, 1 - alpha, eps, momentum, -scalar(lr))
    flags = (centered, momentum > 0)
    for i, p in enumerate(params):
        count_step(state_steps[i])
        state = (square_avgs[i], grad_avgs[i] if centered else None,
                 momentum_buffer_list[i] if momentum > 0 else None)  # fmt: skip
        apply_update(rmsprop_update, p, grads[i], state, coefficients, flags, op="rmsprop")


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``, with the update rule of :func:`rmsprop`.

    Parameters
    ----------
    params, lr, eps, weight_decay, maximize, capturable, foreach, differentiable :
        As for every optimizer (see :class:`Optimizer`).
    alpha : float
        Smoothing constant of the squared-gradient average.
    momentum : float
        Momentum factor (0: no momentum buffer).
    centered : bool
        Normalize by an estimate of the gradient's variance instead of its second moment.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.99)
    >>> w.grad = autograd.tensor([2.0])
    >>> opt.step()  # 1 - 0.01 * 2 / sqrt(0.01 * 4)
    >>> w
    tensor([0.9000], requires_grad=True)
    >>> opt = optim.RMSprop([w], momentum=0.9, centered=True)
    >>> opt.step()
    >>> list(opt.state[w])  # the buffers each option adds, in PyTorch's order
    ['step', 'square_avg', 'momentum_buffer', 'grad_avg']
    """

    _state = (STEP, State("square_avg", "square_avgs"),
              State("momentum_buffer", "momentum_buffer_list", when="momentum"),
              State("grad_avg", "grad_avgs", when="centered"))  # fmt: skip
    _update = staticmethod(rmsprop)

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))
