"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import autograd
from autograd import Tensor
from autograd.extend import apply_update, sgd_update

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import Optimizer, ParamsT, State, hyper_parameters

__all__ = ["SGD", "sgd"]


def sgd(params: list[Tensor], grads: list[Tensor], momentum_buffer_list: list[Tensor | None], *,
        lr: float, momentum: float, dampening: float, weight_decay: float, nesterov: bool,
        maximize: bool) -> None:  # fmt: skip
    """Apply one SGD step in place; new momentum buffers are stored into the list.

    For each parameter ``p`` with gradient ``g`` (``b`` its momentum buffer)::

        g <- -g                            if maximize
        g <- g + weight_decay * p          if weight_decay != 0
        if momentum != 0:
            b <- g                                       on the first step (no buffer yet)
            b <- momentum * b + (1 - dampening) * g      otherwise
            g <- g + momentum * b   if nesterov, else   g <- b
        p <- p - lr * g

    ``momentum_buffer_list`` holds one buffer or None per parameter, or is empty when
    ``momentum == 0``.

    Examples
    --------
    >>> import autograd
    >>> p, buffers = autograd.tensor([1.0]), [None]
    >>> sgd([p], [autograd.tensor([0.5])], buffers, lr=0.1, momentum=0.9, dampening=0,
    ...     weight_decay=0, nesterov=False, maximize=False)
    >>> p, buffers  # the first step starts the buffer at the gradient
    (tensor([0.9500]), [tensor([0.5000])])
    """
    check_arguments("sgd", locals(), {"momentum_buffer_list": "momentum"})
    sign, weight_decay, _ = gradient_terms(maximize, weight_decay)
    coefficients = (-scalar(lr), sign, weight_decay, momentum, 1 - dampening)
    for i, (p, g) in enumerate(zip(params, grads)):
        buf, first = None, False
        if momentum != 0:
            buf = momentum_buffer_list[i]
            first = buf is None
            if first:
                buf = momentum_buffer_list[i] = autograd.zeros_like(p)
        flags = (momentum != 0, first, nesterov)
        apply_update(sgd_update, p, g, (buf,), coefficients, flags, op="sgd")


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``; the
    update rule is :func:`sgd`'s.

    Parameters
    ----------
    params, lr, weight_decay, maximize, foreach, differentiable, fused :
        As for every optimizer (see :class:`Optimizer`).
    momentum : float
        Momentum factor; 0 (the default) keeps no state.
    dampening : float
        Dampening of the momentum.
    nesterov : bool
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = w.detach() * 2  # gradient of sum(w ** 2)
    >>> opt.step()
    >>> w, opt.state[w]["momentum_buffer"]
    (tensor([ 0.8000, -1.6000], requires_grad=True), tensor([ 2., -4.]))
    """

    _state = (State("momentum_buffer", "momentum_buffer_list", init=None, when="momentum"),)
    _update = staticmethod(sgd)

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True requires momentum > 0 and dampening == 0, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )
