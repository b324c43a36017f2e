"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
from autograd import Tensor
from autograd.fused import sgd_update

from ._fused import CastCache, apply_fused, flat_arrays
from .optimizer import Optimizer, ParamsT, _check_number, _decayed_grad, _scalar

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Parameters
    ----------
    params : iterable
        Tensors or parameter-group dicts.
    lr : float
        Learning rate (default 1e-3).
    momentum : float
        Momentum factor (default 0).
    dampening : float
        Dampening of the momentum (default 0).
    weight_decay : float
        L2 penalty added to the gradient (default 0).
    nesterov : bool
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool
        Maximize the objective instead of minimizing it.
    foreach, differentiable, fused :
        Accepted for PyTorch compatibility and ignored.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = w.detach() * 2  # gradient of sum(w ** 2)
    >>> opt.step()
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused,
        }  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_number(self, "momentum", group["momentum"], "momentum value", lo=0.0)
        _check_number(self, "dampening", group["dampening"], "dampening value")
        _check_number(self, "weight_decay", group["weight_decay"], "weight_decay value", lo=0.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True requires momentum > 0 and dampening == 0, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    @autograd.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params, grads, bufs = [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                params.append(p)
                grads.append(p.grad)
                if group["momentum"] != 0:
                    bufs.append(self.state[p].get("momentum_buffer"))
            sgd(
                params, grads, bufs, lr=group["lr"], momentum=group["momentum"],
                dampening=group["dampening"], weight_decay=group["weight_decay"],
                nesterov=group["nesterov"], maximize=group["maximize"],
            )  # fmt: skip
            if group["momentum"] != 0:
                for p, buf in zip(params, bufs):
                    self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(
    params: list[Tensor],
    grads: list[Tensor],
    momentum_buffer_list: list[Tensor | None],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """Apply one SGD step in place; new momentum buffers are stored into the list.

    For each parameter ``p`` with gradient ``g`` (``b`` its momentum buffer, ``t`` the step)::

        g <- -g                            if maximize
        g <- g + weight_decay * p          if weight_decay != 0
        if momentum != 0:
            b <- g                                       if t == 1 (no buffer yet)
            b <- momentum * b + (1 - dampening) * g      otherwise
            g <- g + momentum * b   if nesterov, else   g <- b
        p <- p - lr * g

    Examples
    --------
    >>> import autograd
    >>> p = autograd.tensor([1.0])
    >>> sgd([p], [autograd.tensor([0.5])], [], lr=0.1, momentum=0, dampening=0,
    ...     weight_decay=0, nesterov=False, maximize=False)
    >>> p
    tensor([0.9500])
    """
    lr = _scalar(lr)
    coefficients = CastCache(-lr, -1 if maximize else 1, weight_decay, momentum, 1 - dampening)
    with autograd.no_grad():
        for i, (p, g) in enumerate(zip(params, grads)):
            buf = momentum_buffer_list[i] if momentum != 0 else None
            first = momentum != 0 and buf is None
            if first:
                buf = autograd.zeros_like(p)
            arrays = flat_arrays(p, g) if buf is None else flat_arrays(p, g, buf)
            if arrays is not None:
                if buf is None:  # the kernel ignores the buffer without momentum
                    arrays.append(arrays[0])
                mode = 0 if momentum == 0 else (1 if first else 3) + bool(nesterov)
                apply_fused(p, "sgd", sgd_update, *arrays, *coefficients[arrays[0].dtype], mode)
            else:
                _sgd_per_op(p, g, buf, first, lr, momentum, dampening, weight_decay, nesterov,
                            maximize)  # fmt: skip
            if momentum != 0:
                momentum_buffer_list[i] = buf


def _sgd_per_op(p: Tensor, g: Tensor, buf: Tensor | None, first: bool, lr: float,
                momentum: float, dampening: float, weight_decay: float, nesterov: bool,
                maximize: bool) -> None:  # fmt: skip
    g = _decayed_grad(p, g, weight_decay, maximize)
    if momentum != 0:
        if first:
            buf.copy_(g)
        else:
            buf.mul_(momentum).add_(g, alpha=1 - dampening)
        g = g.add(buf, alpha=momentum) if nesterov else buf
    p.add_(g, alpha=-lr)
