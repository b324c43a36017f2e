"""Stochastic weight averaging (Izmailov et al., 2018) and exponential moving averages of a
model's weights: ``AveragedModel``, the ``SWALR`` schedule, and ``update_bn`` to recompute
batch-norm statistics for the averaged weights (PyTorch's ``torch.optim.swa_utils``).

Examples
--------
>>> import autograd, nn, optim
>>> from optim.swa_utils import AveragedModel
>>> model = nn.Linear(2, 1)
>>> swa = AveragedModel(model)
>>> swa.update_parameters(model)
>>> int(swa.n_averaged)
1
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd
from autograd import Tensor
from nn import Module
from nn.modules.batchnorm import _BatchNorm

from .lr_scheduler import LRScheduler
from .optimizer import Optimizer

__all__ = [
    "AveragedModel", "SWALR", "update_bn", "get_ema_avg_fn", "get_swa_avg_fn",
    "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
]  # fmt: skip


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Tensor], Tensor]:
    """``avg_fn`` for an exponential moving average: ``decay * ema + (1 - decay) * current``.

    Examples
    --------
    >>> import autograd
    >>> from optim.swa_utils import get_ema_avg_fn
    >>> get_ema_avg_fn(0.5)(autograd.tensor(2.0), autograd.tensor(4.0), autograd.tensor(1))
    tensor(3.)
    """

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Tensor], Tensor]:
    """``avg_fn`` for the running mean: ``avg + (current - avg) / (n + 1)``.

    Examples
    --------
    >>> import autograd
    >>> from optim.swa_utils import get_swa_avg_fn
    >>> get_swa_avg_fn()(autograd.tensor(2.0), autograd.tensor(4.0), autograd.tensor(1))
    tensor(3.)
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list, list, Any], None]:
    """``multi_avg_fn`` for an exponential moving average, updating the lists in place.

    Examples
    --------
    >>> import autograd
    >>> from optim.swa_utils import get_ema_multi_avg_fn
    >>> ema = [autograd.tensor([2.0])]
    >>> get_ema_multi_avg_fn(0.5)(ema, [autograd.tensor([4.0])], autograd.tensor(1))
    >>> ema
    [tensor([3.])]
    """

    def ema_update(ema_param_list: list, current_param_list: list, num_averaged: Any) -> None:
        with autograd.no_grad():
            for ema, current in zip(ema_param_list, current_param_list):
                if ema.is_floating_point():
                    ema.lerp_(current, 1 - decay)
                else:
                    ema.copy_(decay * ema + (1 - decay) * current)

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list, list, Any], None]:
    """``multi_avg_fn`` for the running mean, updating the lists in place.

    Examples
    --------
    >>> import autograd
    >>> from optim.swa_utils import get_swa_multi_avg_fn
    >>> avg = [autograd.tensor([2.0])]
    >>> get_swa_multi_avg_fn()(avg, [autograd.tensor([4.0])], autograd.tensor(1))
    >>> avg
    [tensor([3.])]
    """

    def swa_update(averaged_param_list: list, current_param_list: list, num_averaged: Any) -> None:
        weight = 1.0 / (float(num_averaged) + 1)
        if isinstance(num_averaged, Tensor):
            weight = float(np.float32(weight))  # PyTorch divides the integer tensor: float32
        with autograd.no_grad():
            for avg, current in zip(averaged_param_list, current_param_list):
                if avg.is_floating_point():
                    avg.lerp_(current, weight)
                else:
                    avg.copy_(avg + (current - avg) * weight)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) hold an
    average of the weights passed to :meth:`update_parameters`: the running mean by default
    (SWA), or what ``avg_fn(averaged, current, n_averaged)`` or
    ``multi_avg_fn(averaged_list, current_list, n_averaged)`` computes (e.g. an EMA).

    Without ``use_buffers`` the buffers are copied from the model at each update (run
    :func:`update_bn` afterwards for batch-norm statistics that match the averaged weights).
    The state_dict holds ``n_averaged`` and the copy's entries under ``module.``.

    Examples
    --------
    >>> import autograd, nn
    >>> from optim.swa_utils import AveragedModel
    >>> model = nn.Linear(1, 1, bias=False)
    >>> swa = AveragedModel(model)
    >>> for w in (1.0, 2.0, 6.0):
    ...     with autograd.no_grad():
    ...         _ = model.weight.fill_(w)
    ...     swa.update_parameters(model)
    >>> swa.module.weight
    Parameter containing:
    tensor([[3.]], requires_grad=True)
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Tensor], Tensor] | None = None,
        multi_avg_fn: Callable[[list, list, Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: model must be an nn.Module, got {type(model)}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: only one of avg_fn and multi_avg_fn should be given")
        if device is not None and str(device) not in ("cpu", "cpu:0"):
            raise RuntimeError(f"AveragedModel: numbagrad only runs on the CPU, got {device!r}")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", autograd.tensor(0, dtype=autograd.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average (the first call copies them)."""
        if self.use_buffers:
            ours: Iterable[Tensor] = itertools.chain(
                self.module.parameters(), self.module.buffers()
            )
            theirs: Iterable[Tensor] = itertools.chain(model.parameters(), model.buffers())
        else:
            ours, theirs = self.module.parameters(), model.parameters()
        averaged, current = [], []
        for p_avg, p_model in zip(ours, theirs):
            averaged.append(p_avg.detach())
            current.append(p_model.detach())
        n = self.n_averaged
        with autograd.no_grad():
            if int(n) == 0:
                for a, c in zip(averaged, current):
                    a.copy_(c)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(averaged, current, n)
            else:
                avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                for a, c in zip(averaged, current):
                    a.copy_(avg_fn(a, c, n))
            if not self.use_buffers:
                # The buffers follow the source model (running averages are not averaged).
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg.detach().copy_(b_model.detach())
            self.n_averaged.add_(1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of ``model``'s batch-norm layers with one pass over
    ``loader`` (a cumulative average over its batches); a batch that is a list or tuple
    contributes its first element.

    Examples
    --------
    >>> import autograd, nn
    >>> from optim.swa_utils import update_bn
    >>> model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    >>> update_bn([autograd.randn(8, 2) for _ in range(3)], model)
    >>> int(model[1].num_batches_tracked)
    3
    """
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"update_bn: numbagrad only runs on the CPU, got {device!r}")
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        with autograd.no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps
    (``"cos"`` or ``"linear"``), then hold it there; used while averaging weights.

    Examples
    --------
    >>> import autograd, optim
    >>> from optim.swa_utils import SWALR
    >>> opt = optim.SGD([autograd.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
    >>> lrs = []
    >>> for _ in range(3):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    >>> lrs
    [0.55, 0.1, 0.1]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        groups = optimizer.param_groups
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(swa_lrs) != len(groups):
            raise ValueError(
                f"SWALR: swa_lr must have one value per parameter group ({len(groups)}), got "
                f"{len(swa_lrs)}"
            )
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                "SWALR: anneal_strategy must by one of 'cos' or 'linear', instead got "
                f"{anneal_strategy!r}"
            )
        if (
            not isinstance(anneal_epochs, int)
            or isinstance(anneal_epochs, bool)
            or (anneal_epochs < 0)
        ):
            raise ValueError(
                f"SWALR: anneal_epochs must be equal or greater than 0, got {anneal_epochs!r}"
            )
        for value, group in zip(swa_lrs, groups):
            group["swa_lr"] = value
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[Any]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and the annealing function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}
