"""The optimizer base class: parameter groups, per-parameter state, state dicts.

Every optimizer in this package is a thin subclass that checks its hyper-parameters and calls a
plain update function (``sgd``, ``adam``, ...) once per parameter group. The update functions run
under ``autograd.no_grad()`` and change parameters in place, so the tensors a model holds are the
ones that move.
"""

from __future__ import annotations

import copy
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import autograd
from autograd import Tensor

__all__ = ["Optimizer", "ParamsT"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]

# Keys of a parameter's state that keep their own dtype when a state dict is loaded (PyTorch keeps
# the step counter in float32 whatever the parameter's dtype).
_KEEP_DTYPE = frozenset({"step", "mu_product"})


class Optimizer:
    """Base class of all optimizers.

    Parameters
    ----------
    params : iterable
        Tensors to optimize, or dicts each holding a ``"params"`` list plus options that override
        ``defaults`` for that group, or ``(name, tensor)`` pairs.
    defaults : dict
        Default hyper-parameters, copied into every group that does not set them.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` (list of tensors) and every hyper-parameter.
    state : defaultdict
        Per-parameter state (moment buffers, step counters), keyed by the parameter tensor.

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.zeros(2, requires_grad=True)
    >>> b = autograd.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or dicts, got a single Tensor; "
                "wrap it in a list"
            )
        self.defaults = defaults
        self._check_group(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ hyper-parameter checks
    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a bad hyper-parameter in ``group`` (subclasses extend this)."""
        if "lr" in group:
            _check_number(self, "lr", group["lr"], "learning rate", lo=0.0)

    # ------------------------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones come from ``defaults``).

        Parameters
        ----------
        param_group : dict
            ``{"params": tensors, "lr": ..., ...}``.

        Examples
        --------
        >>> import autograd, optim
        >>> opt = optim.SGD([autograd.zeros(1, requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": autograd.zeros(3, requires_grad=True), "lr": 0.01})
        >>> len(opt.param_groups), opt.param_groups[1]["momentum"]
        (2, 0)
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: param_group must have a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: parameters must be given in an ordered collection (a list), not a set: "
                "the order of a set changes between runs"
            )
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(tensors):
            raise ValueError(f"{name}: either all parameters have names or none do")
        for i, p in enumerate(tensors):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: can only optimize Tensors, but parameter {i} is {type(p).__name__}"
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i})")
        if len({id(p) for p in tensors}) != len(tensors):
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in tensors):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in self.param_groups[0]) != bool(names):
            raise ValueError(f"{name}: all parameter groups must be either with or without names")
        group["params"] = tensors
        if names:
            group["param_names"] = names
        self.param_groups.append(group)

    # ------------------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Parameters
        ----------
        set_to_none : bool
            Set ``.grad`` to None (default) instead of filling it with zeros. A parameter whose
            grad is None is skipped by ``step``, while a zero grad still moves it (momentum,
            weight decay).

        Examples
        --------
        >>> import autograd, optim
        >>> w = autograd.ones(2, requires_grad=True)
        >>> w.grad = autograd.ones(2)
        >>> opt = optim.SGD([w], lr=0.1)
        >>> opt.zero_grad(set_to_none=False); w.grad
        tensor([0., 0.])
        >>> opt.zero_grad(); w.grad is None
        True
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once; ``closure`` re-evaluates the loss and returns it."""
        raise NotImplementedError(f"{type(self).__name__}.step is not implemented")

    def _group_tensors(
        self,
        group: dict[str, Any],
        *state_keys: str | None,
        init: Callable[[Tensor], dict[str, Any]] | None = None,
    ) -> tuple[list[Tensor], ...]:
        """The parameters of ``group`` that have a gradient, their gradients, then one list per
        name in ``state_keys`` holding that state entry of each parameter (an empty list for a
        ``None`` name, so an option that turns a buffer off keeps the positions).

        A parameter's state is created on its first step: ``init(p)`` if given, else ``"step"``
        (a float32 zero, as PyTorch keeps it) and a zero tensor like ``p`` for every other name.
        """
        params: list[Tensor] = []
        grads: list[Tensor] = []
        lists: list[list[Tensor]] = [[] for _ in state_keys]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state.update(init(p) if init is not None else _zero_state(p, state_keys))
            params.append(p)
            grads.append(p.grad)
            for key, values in zip(state_keys, lists):
                if key is not None:
                    values.append(state[key])
        return (params, grads, *lists)

    def _closure_loss(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with autograd.enable_grad():
            return closure()

    # ---------------------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout.

        Returns
        -------
        dict
            ``{"state": {index: {name: value}}, "param_groups": [{..., "params": [indices]}]}``
            where a parameter's index is its position counting through all groups in order.
            State tensors are returned by reference, as PyTorch does; copy the dict (e.g.
            ``copy.deepcopy``) to snapshot it.

        Examples
        --------
        >>> import autograd, optim
        >>> w = autograd.ones(2, requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> w.grad = autograd.ones(2)
        >>> opt.step()
        >>> sd = opt.state_dict()
        >>> sorted(sd["state"][0]), sd["param_groups"][0]["params"]
        (['momentum_buffer'], [0])
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by :meth:`state_dict`.

        Hyper-parameters come from the loaded groups; parameters stay this optimizer's own,
        matched by position. State tensors are copied (and cast to the parameter's dtype, except
        step counters), so the loaded dict is never aliased.

        Examples
        --------
        >>> import autograd, optim
        >>> w = autograd.ones(2, requires_grad=True)
        >>> opt = optim.Adam([w], lr=0.1)
        >>> w.grad = autograd.ones(2)
        >>> opt.step()
        >>> opt2 = optim.Adam([w], lr=1.0)
        >>> opt2.load_state_dict(opt.state_dict())
        >>> opt2.param_groups[0]["lr"], opt2.state[w]["step"].item()
        (0.1, 1.0)
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' keys"
            )
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(s['params'])} "
                    f"parameters in the state dict but {len(g['params'])} in this optimizer"
                )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast_state(param, val, key) for key, val in v.items()}
            else:
                state[k] = copy.deepcopy(v)
        new_groups = []
        for g, s in zip(self.param_groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups

    def __getstate__(self) -> dict[str, Any]:
        return {
            "defaults": self.defaults, "state": self.state, "param_groups": self.param_groups,
        }  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _zero_state(p: Tensor, keys: Iterable[str | None]) -> dict[str, Tensor]:
    """A fresh state: the step counter first, then a zero tensor like ``p`` per other key."""
    state = {"step": autograd.tensor(0.0)}
    for key in keys:
        if key is not None and key != "step":
            state[key] = autograd.zeros_like(p)
    return state


def _cast_state(param: Tensor, value: Any, key: Any = None) -> Any:
    """Deep-copy one state value, casting floating tensors to the parameter's dtype."""
    if isinstance(value, Tensor):
        value = value.detach()
        if key not in _KEEP_DTYPE and param.is_floating_point() and value.is_floating_point():
            if value.dtype != param.dtype:
                return value.to(param.dtype)
        return value.clone()
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return copy.deepcopy(value)


# ------------------------------------------------------------------------- validation helpers
def _check_number(
    opt: Any,
    arg: str,
    value: Any,
    what: str,
    lo: float | None = None,
    hi: float | None = None,
    hi_open: bool = False,
    lo_open: bool = False,
) -> None:
    """Raise ValueError naming ``arg`` unless ``value`` is a real number inside the range."""
    name = opt if isinstance(opt, str) else type(opt).__name__
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name}: {arg} given as a Tensor must have one element")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: {arg} must be a real number, got {type(value).__name__}")
    below = value <= lo if (lo is not None and lo_open) else (lo is not None and value < lo)
    above = value >= hi if (hi is not None and hi_open) else (hi is not None and value > hi)
    if below or above or value != value:
        lo_s = "" if lo is None else f"{lo:g} {'<' if lo_open else '<='} "
        hi_s = "" if hi is None else f" {'<' if hi_open else '<='} {hi:g}"
        raise ValueError(f"{name}: invalid {what}: {value} (expected {lo_s}{arg}{hi_s})")


def _check_betas(opt: Any, betas: Any) -> None:
    name = type(opt).__name__
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        _check_number(opt, "beta", b, f"beta parameter at index {i}", lo=0.0, hi=1.0, hi_open=True)


def _check_adam_group(opt: Any, group: dict[str, Any]) -> None:
    """The checks every Adam variant shares: ``eps``, ``betas`` and ``weight_decay``."""
    _check_number(opt, "eps", group["eps"], "epsilon value", lo=0.0)
    _check_betas(opt, group["betas"])
    _check_number(opt, "weight_decay", group["weight_decay"], "weight_decay value", lo=0.0)


def _decayed_grad(
    p: Tensor,
    g: Tensor,
    weight_decay: float,
    maximize: bool,
    lr: float = 0.0,
    decoupled: bool = False,
) -> Tensor:
    """The gradient an update uses: negated if ``maximize``, plus ``weight_decay * p`` (L2), or
    with ``decoupled`` the parameter itself scaled by ``1 - lr * weight_decay`` in place."""
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled:
            p.mul_(1 - lr * weight_decay)
        else:
            g = g.add(p, alpha=weight_decay)
    return g


def _scalar(x: Any) -> float:
    """A Python float from a number or a one-element Tensor."""
    return x.item() if isinstance(x, Tensor) else x


def _addcmul_(t: Tensor, a: Tensor, b: Tensor, value: float = 1) -> Tensor:
    """``t += value * a * b`` rounded as PyTorch does: ``(value * a) * b``."""
    return t.addcmul_(a * value if value != 1 else a, b)


def _addcdiv_(t: Tensor, a: Tensor, b: Tensor, value: float = 1) -> Tensor:
    """``t += value * a / b`` rounded as PyTorch does: ``(value * a) / b``."""
    return t.addcdiv_(a * value if value != 1 else a, b)
