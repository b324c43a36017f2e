"""Learning-rate schedules, with PyTorch's ``torch.optim.lr_scheduler`` semantics.

A scheduler takes a step in its constructor (so ``group["lr"]`` already holds the schedule's
first value, with ``last_epoch == 0``) and one more on every ``step()``, which belongs after
``optimizer.step()``. Most schedules are "chainable": they update the current ``group["lr"]``
multiplicatively, so two of them applied to one optimizer compose.

Examples
--------
>>> import autograd, optim
>>> opt = optim.SGD([autograd.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(sched.get_last_lr()[0])
...     opt.step()
...     sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import types
import warnings
import weakref
from collections.abc import Callable
from functools import wraps
from typing import Any

from .optimizer import Optimizer

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
    "LinearLR", "ExponentialLR", "SequentialLR", "CosineAnnealingLR", "ChainedScheduler",
    "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR",
]  # fmt: skip


def _group_values(optimizer: Optimizer, key: str) -> list[Any]:
    return [group[key] for group in optimizer.param_groups]


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list is checked for length, a scalar is repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have one value per parameter group: got {len(value)} values for "
                f"{len(optimizer.param_groups)} groups"
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def _check_optimizer(sched: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{sched}: optimizer must be an Optimizer, got {type(optimizer).__name__}")


class LRScheduler:
    """Base class of the schedules: subclasses implement :meth:`get_lr`.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``group["lr"]`` values are set.
    last_epoch : int
        Index of the last epoch; -1 (default) starts a new schedule. A non-default value is for
        resuming, and needs ``"initial_lr"`` in every group.

    Examples
    --------
    >>> import autograd, optim
    >>> class Halving(optim.lr_scheduler.LRScheduler):
    ...     def get_lr(self):
    ...         return [base * 0.5**self.last_epoch for base in self.base_lrs]
    >>> opt = optim.SGD([autograd.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = Halving(opt)
    >>> opt.step(); sched.step(); opt.step(); sched.step()
    >>> opt.param_groups[0]["lr"]
    0.25
    """

    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{name}: param_groups[{i}] has no 'initial_lr' while resuming with "
                        f"last_epoch={last_epoch}; load the optimizer's state first"
                    )
        self.base_lrs: list[Any] = _group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        _track_optimizer_step(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[Any]:
        """The learning rates for the current ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError(f"{type(self).__name__}.get_lr is not implemented")

    def _scaled_lrs(self, factor: Any = None) -> list[Any]:
        """The groups' current lrs, each times ``factor`` (as they are when it is None): the
        step of a chainable schedule."""
        lrs = _group_values(self.optimizer, "lr")
        return lrs if factor is None else [lr * factor for lr in lrs]

    def get_last_lr(self) -> list[Any]:
        """The learning rates set by the latest step, one per parameter group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch (``epoch``, deprecated in PyTorch, jumps to it and
        uses the closed form where one exists)."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "lr_scheduler.step() was called before optimizer.step(); the first value of "
                "the schedule is skipped. Call optimizer.step() first.",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(
                "passing an epoch to scheduler.step() is deprecated; call step() without it",
                UserWarning,
                stacklevel=2,
            )
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _group_values(self.optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)


def _track_optimizer_step(optimizer: Optimizer) -> None:
    """Make ``optimizer.step`` record that it ran, for the call-order warning."""
    if getattr(optimizer.step, "_tracked_by_lr_scheduler", False):
        return
    ref = weakref.ref(optimizer)
    func = type(optimizer).step

    @wraps(func)
    def step(*args: Any, **kwargs: Any) -> Any:
        opt = ref()
        opt._opt_called = True
        return func(opt, *args, **kwargs)

    step._tracked_by_lr_scheduler = True  # type: ignore[attr-defined]
    optimizer.step = step  # type: ignore[method-assign]


def _state_with(scheduler: LRScheduler, key: str, nested: list) -> dict[str, Any]:
    """The scheduler's attributes but the optimizer, with ``nested`` (what can be saved of the
    attribute ``key``) in place of that attribute."""
    state = {k: v for k, v in scheduler.__dict__.items() if k not in ("optimizer", key)}
    state[key] = nested
    return state


def _load_state_with(scheduler: LRScheduler, state_dict: dict[str, Any], key: str) -> list:
    """Restore the attributes :func:`_state_with` saved but ``key``; return what it saved for
    ``key``, for the caller to restore."""
    state = dict(state_dict)
    nested = state.pop(key)
    scheduler.__dict__.update(state)
    return nested


class _LambdaState:
    """Schedules driven by ``lr_lambda`` (one function, or one per group): their construction,
    and state_dict/load_state_dict that save only callable objects' attributes (plain functions
    and lambdas cannot be)."""

    lr_lambdas: list[Callable[[int], float]]

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas(type(self).__name__, optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)  # type: ignore[call-arg]

    def state_dict(self) -> dict[str, Any]:
        saved = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
            for fn in self.lr_lambdas
        ]
        return _state_with(self, "lr_lambdas", saved)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for fn, saved in zip(self.lr_lambdas, _load_state_with(self, state_dict, "lr_lambdas")):
            if saved is not None:
                fn.__dict__.update(saved)


def _lambdas(name: str, optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    _check_optimizer(name, optimizer)
    fns = _per_group(f"{name}: lr_lambda", optimizer, lr_lambda)
    for fn in fns:
        if not callable(fn):
            raise TypeError(f"{name}: lr_lambda must be callable, got {type(fn).__name__}")
    return fns


class LambdaLR(_LambdaState, LRScheduler):
    """``lr = initial_lr * lr_lambda(epoch)`` for each group.

    Examples
    --------
    >>> import autograd, optim
    >>> opt = optim.SGD([autograd.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.5**epoch)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.5]
    """

    def get_lr(self) -> list[Any]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaState, LRScheduler):
    """``lr <- lr * lr_lambda(epoch)`` on every step after the first.

    Examples
    --------
    >>> import autograd, optim
    >>> opt = optim.SGD([autograd.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.9)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.9]
    """

    def get_lr(self) -> list[Any]:
        if self._is_initial:
            return self._scaled_lrs()
        groups = self.optimizer.param_groups
        return [g["lr"] * fn(self.last_epoch) for fn, g in zip(self.lr_lambdas, groups)]


from ._cyclic_schedulers import (  # noqa: E402 - these build on the classes above
    CosineAnnealingWarmRestarts,
    CyclicLR,
    OneCycleLR,
)  # fmt: skip
from ._epoch_schedulers import (  # noqa: E402 - these build on the classes above
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)  # fmt: skip
from ._schedulers import (  # noqa: E402
    ChainedScheduler,
    ReduceLROnPlateau,
    SequentialLR,
)  # fmt: skip
