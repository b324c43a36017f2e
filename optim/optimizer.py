"""The optimizer base class: parameter groups, the step template, per-parameter state, state
dicts.

Every optimizer in this package is a thin subclass that declares its per-parameter state and
its update function (``sgd``, ``adam``, ...); the base class runs the closure, walks the
parameter groups, creates state on a parameter's first step and calls the update function once
per group. Update functions run under ``autograd.no_grad()`` and change parameters in place,
so the tensors a model holds are the ones that move.
"""

from __future__ import annotations

import copy
import inspect
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache
from itertools import chain
from typing import Any, NamedTuple

import autograd
from autograd import Tensor
from autograd.extend import zero_grad

from ._checks import check_options

__all__ = ["Optimizer", "ParamsT", "State", "STEP", "hyper_parameters"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]

# Keys of a parameter's state that keep their own dtype when a state dict is loaded: float32
# scalars whatever the parameter's dtype, as PyTorch creates them.
_KEEP_DTYPE = frozenset({"step", "mu_product"})


def _zeros(p: Tensor, group: dict[str, Any]) -> Tensor:
    return autograd.zeros_like(p)


class State(NamedTuple):
    """One entry of an optimizer's per-parameter state.

    Attributes
    ----------
    key : str
        Its name in ``optimizer.state[p]`` (and in the state dict), as PyTorch names it.
    argument : str
        The update function's argument that takes the list of these entries, one per parameter.
    init : callable or None
        ``init(param, group)`` makes its first value (default: zeros like the parameter); None
        when the update function creates it on the first step (SGD's momentum buffer).
    when : str or None
        The group option that switches the entry on (``"amsgrad"``); None for always. When it
        is off, the update function gets an empty list.
    """

    key: str
    argument: str
    init: Callable[[Tensor, dict[str, Any]], Tensor] | None = _zeros
    when: str | None = None


#: The step counter: a float32 scalar Tensor, as PyTorch keeps it whatever the parameter's dtype.
STEP = State("step", "state_steps", lambda p, group: autograd.tensor(0.0))


def hyper_parameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """An optimizer's ``defaults`` from its constructor's ``locals()`` taken on entry: every
    argument but ``self`` and ``params``.

    Examples
    --------
    >>> hyper_parameters({"self": None, "params": [], "lr": 0.1, "momentum": 0.9})
    {'lr': 0.1, 'momentum': 0.9}
    """
    return {k: v for k, v in arguments.items() if k not in ("self", "params", "__class__")}


class Optimizer:
    """Base class of all optimizers.

    A subclass declares its per-parameter state in ``_state`` (a tuple of :class:`State`, in the
    order PyTorch creates it) and its update function in ``_update``; :meth:`step` does the
    rest. The update function gets the parameters that have a gradient, their gradients, one
    list per state entry (by the entry's ``argument`` name) and the group's hyper-parameters as
    its keyword-only arguments of the same names (the pair ``betas`` as ``beta1``, ``beta2``).

    Parameters
    ----------
    params : iterable
        Tensors to optimize, or dicts each holding a ``"params"`` list plus options that override
        ``defaults`` for that group, or ``(name, tensor)`` pairs.
    defaults : dict
        Default hyper-parameters, copied into every group that does not set them.

    Notes
    -----
    The hyper-parameters several optimizers share mean the same in each:

    - ``lr``: learning rate (a float, or a one-element Tensor).
    - ``weight_decay``: L2 penalty, added to the gradient as ``weight_decay * p``; decoupled
      (AdamW style: the parameter is first scaled by ``1 - lr * weight_decay``) where an
      optimizer has ``decoupled_weight_decay``.
    - ``maximize``: maximize the objective (the update uses ``-grad``).
    - ``eps``: the small term that keeps a denominator away from zero.
    - ``betas``: ``(beta1, beta2)``, the decay rates of the first and second moment estimates.
    - ``foreach``, ``capturable``, ``differentiable``, ``fused``: accepted for PyTorch
      compatibility (and type-checked); every update runs as one fused kernel per parameter,
      without recording a graph.

    Every hyper-parameter is checked when a group is made, and again at each step before any
    parameter moves (``param_groups`` may be edited between steps); the update functions check
    their own arguments by the same rules.

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

    _state: tuple[State, ...] = ()
    _update: Callable[..., None] | None = None

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
        """Check every hyper-parameter of ``group`` (subclasses add checks that tie several
        together); a ``betas`` list becomes a tuple, as PyTorch stores it."""
        check_options(type(self).__name__, group)
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])

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
        zero_grad((p for group in self.param_groups for p in group["params"]), set_to_none)

    @autograd.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss; it runs (with gradients enabled)
            before the update.

        Returns
        -------
        The closure's loss, or None without a closure.
        """
        update = self._update
        if update is None:
            raise NotImplementedError(
                f"{type(self).__name__} declares no update function: override step() or set "
                "_update and _state"
            )
        loss = self._closure_loss(closure)
        for group in self.param_groups:  # all first: a bad group must not leave others stepped
            self._check_group(group)
        for group in self.param_groups:
            params, grads, lists = self._init_group(group)
            if not params:
                continue
            update(params, grads, **lists, **self._update_options(group))
            for entry in self._state:
                if entry.init is None and lists[entry.argument]:
                    for p, value in zip(params, lists[entry.argument]):
                        self.state[p][entry.key] = value
        return loss

    def _init_group(
        self, group: dict[str, Any]
    ) -> tuple[list[Tensor], list[Tensor], dict[str, list[Any]]]:
        """The parameters of ``group`` that have a gradient, their gradients, and for each
        state entry the list of its values (empty for an entry the options turn off)."""
        entries = [e for e in self._state if e.when is None or group[e.when]]
        params: list[Tensor] = []
        grads: list[Tensor] = []
        lists: dict[str, list[Any]] = {e.argument: [] for e in self._state}
        for p in group["params"]:
            if p.grad is None:
                continue
            params.append(p)
            grads.append(p.grad)
            if entries:
                state = self._fill_state(p, group, entries)
                for e in entries:
                    lists[e.argument].append(state.get(e.key))
        return params, grads, lists

    def _fill_state(
        self, p: Tensor, group: dict[str, Any], entries: Iterable[State] | None = None
    ) -> dict[str, Any]:
        """``p``'s state with every entry that is on and missing created, in declared order."""
        if entries is None:
            entries = [e for e in self._state if e.when is None or group[e.when]]
        state = self.state[p]
        for e in entries:
            if e.init is not None and e.key not in state:
                state[e.key] = e.init(p, group)
        return state

    def _update_options(self, group: dict[str, Any]) -> dict[str, Any]:
        """The group's hyper-parameters as the update function's keyword arguments."""
        options = {}
        for name in _keyword_arguments(self._update):
            if name in ("beta1", "beta2"):
                options[name] = group["betas"][name == "beta2"]
            else:
                options[name] = group[name] if name in group else self.defaults[name]
        return options

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
        step counters), so the loaded dict is never aliased. NAdam's ``mu_product`` also keeps
        its float32, which PyTorch casts: a resumed run then rounds exactly as an uninterrupted
        one.

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


@cache
def _keyword_arguments(update: Callable[..., None]) -> tuple[str, ...]:
    """The names of an update function's keyword-only arguments (its hyper-parameters)."""
    parameters = inspect.signature(update).parameters.values()
    return tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY)
