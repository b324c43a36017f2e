"""Module's state: state_dict / load_state_dict (collecting, validating, then copying) and the
dtype moves (``to``, ``float``, ``double``).

Loading runs in two phases so that a bad checkpoint never leaves a model half-loaded: every
module's ``_load_from_state_dict`` validates its entries and schedules copies on the active plan;
only when no module reported an error are the copies performed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd
from autograd import Tensor
from autograd.extend import check_device, to_dtype

from .parameter import Parameter

if TYPE_CHECKING:
    from .module import Module

_local = threading.local()


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and the keys it did not use."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def state_dict(module: Any, destination: Any, prefix: str, keep_vars: bool) -> Any:
    for hook in list(module._state_dict_pre_hooks.values()):
        hook(module, prefix, keep_vars)
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    metadata = getattr(destination, "_metadata", None)
    local_metadata = {"version": module._version}
    if metadata is not None:
        metadata[prefix[:-1]] = local_metadata
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            child.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)  # fmt: skip
    for hook in list(module._state_dict_hooks.values()):
        result = hook(module, destination, prefix, local_metadata)
        if result is not None:
            raise RuntimeError(
                f"state_dict post hook {hook!r:.60} must return None and edit the state dict in "
                "place"
            )
    return destination


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.numpy(force=True)
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__array__"):  # e.g. a torch.Tensor: weights can move over by name
        if getattr(value, "requires_grad", False):
            value = value.detach()
        return np.asarray(value)
    raise TypeError(f"expected a Tensor or array, got {type(value).__name__}")


def load_own(
    module: Any,
    sd: Mapping,
    prefix: str,
    strict: bool,
    missing: list,
    unexpected: list,
    errors: list,
) -> None:
    """Validate ``module``'s own parameters/persistent buffers against ``sd``; schedule copies."""
    local = {n: p for n, p in module._parameters.items() if p is not None}
    for n, b in module._buffers.items():
        if b is not None and n not in module._non_persistent_buffers_set:
            local[n] = b
    plan = getattr(_local, "plan", None)
    for name, target in local.items():
        key = prefix + name
        if key not in sd:
            missing.append(key)
            continue
        try:
            arr = _to_array(sd[key])
        except (TypeError, ValueError, RuntimeError) as e:
            errors.append(f'While copying the parameter named "{key}": {e}.')
            continue
        if tuple(arr.shape) != tuple(target.shape):
            errors.append(
                f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} from "
                f"checkpoint, the shape in current model is {tuple(target.shape)}."
            )
            continue
        try:
            arr = np.asarray(arr).astype(target.dtype, copy=False)
        except (TypeError, ValueError) as e:
            errors.append(
                f'While copying the parameter named "{key}": cannot convert dtype {arr.dtype} '
                f"to {target.dtype} ({e})."
            )
            continue
        if plan is None:  # called outside load_state_dict: copy right away, as PyTorch does
            _copy(target, arr)
        else:
            plan.append((module, name, target, sd[key], arr))
    if strict:
        for key in sd:
            if not key.startswith(prefix):
                continue
            head = key[len(prefix) :].split(".", 1)[0]
            if head not in module._modules and head not in local:
                unexpected.append(key)


def _assign(module: Any, name: str, target: Tensor, value: Any, arr: np.ndarray) -> None:
    """``load_state_dict(assign=True)``: the module takes the checkpoint's tensor itself (its
    dtype and storage); a Parameter stays a Parameter and keeps the module's requires_grad."""
    new = value if isinstance(value, Tensor) else autograd.as_tensor(np.asarray(arr))
    if name in module._parameters:
        module._parameters[name] = Parameter(new.detach(), requires_grad=target.requires_grad)
    else:
        module._buffers[name] = new.detach()


def _copy(target: Tensor, arr: np.ndarray) -> None:
    with autograd.no_grad():
        target.copy_(autograd.from_numpy(np.asarray(arr, order="C")))  # 0-d stays 0-d


def load_state_dict(
    module: Any, state_dict: Any, strict: bool, assign: bool = False
) -> IncompatibleKeys:
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"load_state_dict: expected state_dict to be a Mapping (dict-like), got "
            f"{type(state_dict).__name__}"
        )
    metadata = getattr(state_dict, "_metadata", None)
    sd = OrderedDict(state_dict)  # a copy: _load_from_state_dict overrides may edit it
    if metadata is not None:
        sd._metadata = metadata
    missing: list[str] = []
    unexpected: list[str] = []
    errors: list[str] = []
    plan: list = []
    visited: list = []
    outer = getattr(_local, "plan", None)
    _local.plan = plan
    try:
        stack = [(module, "")]
        while stack:
            mod, prefix = stack.pop()
            local_md = {} if metadata is None else metadata.get(prefix[:-1], {})
            for hook in list(mod._load_state_dict_pre_hooks.values()):
                hook(mod, sd, prefix, local_md, strict, missing, unexpected, errors)
            mod._load_from_state_dict(sd, prefix, local_md, True, missing, unexpected, errors)
            visited.append(mod)
            children = [(c, prefix + n + ".") for n, c in mod._modules.items() if c is not None]
            stack.extend(reversed(children))
    finally:
        _local.plan = outer
    incompatible = IncompatibleKeys(missing, unexpected)
    for mod in visited:  # hooks may edit the key lists in place, e.g. to accept missing keys
        for hook in list(mod._load_state_dict_post_hooks.values()):
            if hook(mod, incompatible) is not None:
                raise RuntimeError(
                    f"load_state_dict post hook {hook!r:.60} must return None and edit "
                    "incompatible_keys in place"
                )
    msgs = []
    if strict:
        if missing:
            msgs.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
        if unexpected:
            msgs.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
            )
    msgs.extend(errors)
    if msgs:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {type(module).__name__} (nothing was loaded):\n\t"
            + "\n\t".join(msgs)
        )
    for mod, name, target, value, arr in plan:
        if assign:
            _assign(mod, name, target, value, arr)
        else:
            _copy(target, arr)
    return incompatible


class ModuleState:
    """What a module holds: ``state_dict``/``load_state_dict`` and dtype moves (a mixin of
    Module)."""

    _modules: dict
    _parameters: dict
    _buffers: dict
    _non_persistent_buffers_set: set
    _version: int

    # --------------------------------------------------------------------------------- dtype
    def _apply(self, fn: Callable[[Tensor], Tensor]) -> Module:
        """Replace every parameter's and buffer's storage by ``fn(tensor)``, in place.

        Parameters keep their identity (their ``.data`` is swapped, as in PyTorch), so an
        optimizer built before the call still holds the right objects.
        """
        for mod in self.modules():
            with autograd.no_grad():
                for p in mod._parameters.values():
                    if p is None:
                        continue
                    new = fn(p.detach())
                    p.data = new
                    if p.grad is not None:
                        p.grad = fn(p.grad.detach())
                for name, b in mod._buffers.items():
                    if b is not None:
                        mod._buffers[name] = fn(b)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Cast floating-point parameters and buffers to a dtype (in place); returns self.

        Accepts ``to(dtype)``, ``to(dtype=...)``, ``to(tensor)`` (its dtype) and
        ``to("cpu")``. Integer buffers (e.g. counters) keep their dtype, as in PyTorch.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(autograd.ones(2))
        >>> w = m.w
        >>> m.to(autograd.float64).w.dtype, m.w is w
        (dtype('float64'), True)
        """
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"Module.to(): unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, autograd.device) or (
                isinstance(a, str) and a.split(":")[0] in ("cpu", "meta", "cuda", "mps")
            ):
                device = a
            else:
                dtype = a
        if device is not None:
            check_device(device)
        if dtype is None:
            return self
        dt = np.dtype(to_dtype(dtype))
        if dt.kind != "f":
            raise TypeError(
                f"Module.to() only accepts floating point dtypes, but got desired dtype={dt}"
            )
        return self._apply(lambda t: t.to(dt) if t.is_floating_point() else t)

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to float32."""
        return self.to(autograd.float32)

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(autograd.float64)

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16."""
        return self.to(autograd.float16)

    def type(self, dst_type: Any) -> Module:
        """Cast floating-point parameters and buffers to ``dst_type``."""
        return self.to(dst_type)

    def cpu(self) -> Module:
        """Return self (numbagrad only runs on the CPU)."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raise ``RuntimeError``: numbagrad runs on the CPU only, nothing is moved.

        Examples
        --------
        >>> import nn
        >>> try:
        ...     nn.Linear(1, 1).cuda()
        ... except RuntimeError as e:
        ...     print(str(e)[:40])
        Module.cuda(): numbagrad runs on the CPU
        """
        raise RuntimeError(
            "Module.cuda(): numbagrad runs on the CPU only and has no CUDA device; keep the "
            "module on the CPU (module.to('cpu') or module.cpu())"
        )

    # ---------------------------------------------------------------------------- state dict
    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """Parameters and persistent buffers by dotted name, in registration order.

        Values are detached tensors sharing storage with the module (``keep_vars=True`` keeps
        the Parameter objects themselves).

        Examples
        --------
        >>> import nn
        >>> m = nn.Sequential(nn.Module())
        >>> m[0].register_buffer("b", __import__("autograd").zeros(1))
        >>> list(m.state_dict())
        ['0.b']
        """
        if args:  # PyTorch's deprecated positional form: (destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        return state_dict(self, destination, prefix, keep_vars)

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """Put this module's own parameters and persistent buffers into ``destination``."""
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def load_state_dict(
        self, state_dict: Any, strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Every problem (missing keys, unexpected keys, shape mismatches) is reported in one
        ``RuntimeError``, raised before anything is copied. With ``strict=False``, missing and
        unexpected keys are allowed (and returned); shape mismatches still raise. Values are cast
        to the existing tensors' dtypes; with ``assign=True`` the module takes the checkpoint's
        tensors themselves instead (Parameters keep the module's ``requires_grad``).

        Load-state-dict post hooks run after validation and before the values are copied (so a
        hook can accept missing keys without anything being half loaded); PyTorch runs them after
        copying.

        Returns
        -------
        IncompatibleKeys
            A named tuple ``(missing_keys, unexpected_keys)``.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(autograd.zeros(2))
        >>> m.load_state_dict({"w": autograd.tensor([1.0, 2.0])})
        <All keys matched successfully>
        >>> m.w.detach()
        tensor([1., 2.])
        >>> m.load_state_dict({"v": autograd.zeros(1)}, strict=False)
        IncompatibleKeys(missing_keys=['w'], unexpected_keys=['v'])
        """
        if not isinstance(assign, bool):
            raise TypeError(f"load_state_dict: assign must be a bool, got {type(assign).__name__}")
        return load_state_dict(self, state_dict, strict, assign)

    def _load_from_state_dict(
        self,
        state_dict: dict,
        prefix: str,
        local_metadata: dict,
        strict: bool,
        missing_keys: list,
        unexpected_keys: list,
        error_msgs: list,
    ) -> None:
        """Match this module's own entries in ``state_dict`` (PyTorch's signature).

        Layers override it to upgrade old checkpoints, e.g. by inserting a default for a key
        older files lack, then call ``super()._load_from_state_dict(...)``. The copies are
        scheduled here and only performed by ``load_state_dict`` once every module validated.
        """
        load_own(self, state_dict, prefix, strict, missing_keys, unexpected_keys,
                        error_msgs)  # fmt: skip
