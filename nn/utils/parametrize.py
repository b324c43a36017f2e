"""``nn.utils.parametrize``: a parameter computed from other tensors on each access.

After ``register_parametrization(module, "weight", P)`` the module's ``weight`` is
``P(original)``, recomputed (and differentiated through) each time it is read; the stored
tensors live in ``module.parametrizations.weight.original`` (or ``original0``, ``original1``,
... when ``P.right_inverse`` returns several), which are the state_dict keys PyTorch uses.
As in PyTorch, the module's class is swapped for a subclass holding a property per
parametrized name, and restored once the last parametrization is removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import autograd
from autograd import Tensor

from ..layers.container import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = [
    "register_parametrization", "remove_parametrizations", "is_parametrized", "cached",
    "type_before_parametrizations", "ParametrizationList",
]  # fmt: skip

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside this context each parametrized tensor is computed once, on first access.

    Examples
    --------
    >>> import nn
    >>> from nn.utils import parametrize
    >>> with parametrize.cached():
    ...     pass
    """
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the tensors they start from
    (``original``, or ``original0``, ``original1``, ... when the first one's ``right_inverse``
    returns a sequence).
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = tuple(original.shape), original.dtype
        with autograd.no_grad():
            new: Any = original
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if not unsafe and (tuple(new.shape) != original_shape or new.dtype != original_dtype):
                raise ValueError(
                    "register_parametrization: right_inverse must return a tensor of the "
                    f"original's shape {original_shape} and dtype {original_dtype}, got "
                    f"{tuple(new.shape)} and {new.dtype}"
                )
            # The original keeps its identity (an optimizer may hold it); its data is replaced.
            with autograd.no_grad():
                original.data = new.detach()
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, value in enumerate(new):
                if not isinstance(value, Tensor):
                    raise ValueError(
                        "register_parametrization: right_inverse must return a tensor or a "
                        f"sequence of tensors, got an element of type {type(value).__name__}"
                    )
                tensor = value.detach().clone()
                if isinstance(original, Parameter):
                    tensor = Parameter(tensor, original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", tensor)
        if not unsafe:
            z = self()
            if not isinstance(z, Tensor):
                raise ValueError(
                    "register_parametrization: a parametrization must return a tensor, got "
                    f"{type(z).__name__}"
                )
            if tuple(z.shape) != original_shape or z.dtype != original_dtype:
                raise ValueError(
                    "register_parametrization: the parametrization changes the tensor's shape "
                    f"or dtype: {original_shape} {original_dtype} became {tuple(z.shape)} "
                    f"{z.dtype} (pass unsafe=True to allow it)"
                )

    def right_inverse(self, value: Tensor) -> None:
        """Set the originals so that the parametrized tensor becomes ``value``."""
        with autograd.no_grad():
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                elif module is not self[0]:
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement "
                        "right_inverse, so the parametrized tensor cannot be assigned"
                    )
            if self.is_tensor:
                self.original.data = value.detach()
            else:
                for i, v in enumerate(value):
                    getattr(self, f"original{i}").data = v.detach()

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _property(name: str) -> property:
    def getter(self: Module) -> Tensor:
        parametrization = self.parametrizations[name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def setter(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(getter, setter)


def _rebuild_class(module: Module) -> None:
    """Give ``module`` a class of its own holding one property per parametrized name, or its
    original class when none is left. A fresh class each time: copies of the module (which
    share its class) are not changed by a later registration or removal on it."""
    base = type_before_parametrizations(module)
    names = list(module.parametrizations) if is_parametrized(module) else []
    if not names:
        module.__class__ = base
        return
    namespace: dict[str, Any] = {"_unparametrized": base}
    namespace.update({name: _property(name) for name in names})
    module.__class__ = type(f"Parametrized{base.__name__}", (base,), namespace)


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, when given).

    Examples
    --------
    >>> import nn
    >>> from nn.utils import parametrize
    >>> parametrize.is_parametrized(nn.Linear(2, 2))
    False
    """
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return tensor_name is None or tensor_name in parametrizations


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations were registered on it.

    Examples
    --------
    >>> import nn
    >>> from nn.utils import parametrize
    >>> parametrize.type_before_parametrizations(nn.Linear(2, 2)).__name__
    'Linear'
    """
    return module.__class__.__dict__.get("_unparametrized", module.__class__)


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` the result of ``parametrization`` applied to a stored
    tensor; registering a second parametrization on the same name chains it after the first.

    Parameters
    ----------
    module : Module
    tensor_name : str
        A parameter or buffer of ``module``.
    parametrization : Module
        Its ``forward`` maps the stored tensor(s) to the parametrized one; an optional
        ``right_inverse`` maps a value to the stored tensor(s) (used at registration, so the
        parametrized tensor starts at the original value, and on assignment).
    unsafe : bool
        Skip the check that the parametrization keeps the shape and dtype.

    Examples
    --------
    >>> import autograd, nn
    >>> from nn.utils import parametrize
    >>> class Symmetric(nn.Module):
    ...     def forward(self, x):
    ...         return x.triu() + x.triu(1).transpose(0, 1)
    >>> layer = nn.Linear(3, 3)
    >>> _ = parametrize.register_parametrization(layer, "weight", Symmetric())
    >>> bool((layer.weight == layer.weight.T).all())
    True
    >>> [k for k in layer.state_dict()]
    ['bias', 'parametrizations.weight.original']
    """
    if not isinstance(parametrization, Module):
        raise TypeError(
            "register_parametrization: parametrization must be an nn.Module, got "
            f"{type(parametrization).__name__}"
        )
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            y = getattr(module, tensor_name)
            z = parametrization(y)
            if not isinstance(z, Tensor) or tuple(z.shape) != tuple(y.shape) or z.dtype != y.dtype:
                raise ValueError(
                    "register_parametrization: the new parametrization changes the tensor's "
                    "shape or dtype (pass unsafe=True to allow it)"
                )
        plist.append(parametrization)
        plist.unsafe |= unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(
            f"register_parametrization: module {type(module).__name__} has no parameter or "
            f"buffer named {tensor_name!r}"
        )
    original = getattr(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = plist
    _rebuild_class(module)
    return module


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo the parametrizations on ``tensor_name``: it becomes a plain parameter again,
    holding the parametrized value (``leave_parametrized=True``) or the stored original.

    Examples
    --------
    >>> import nn
    >>> from nn.utils import parametrize
    >>> layer = nn.utils.parametrizations.weight_norm(nn.Linear(2, 3))
    >>> _ = parametrize.remove_parametrizations(layer, "weight")
    >>> list(layer.state_dict()), type(layer).__name__
    (['bias', 'weight'], 'Linear')
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"remove_parametrizations: module {type(module).__name__} has no parametrization "
            f"on {tensor_name!r}"
        )
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with autograd.no_grad():
                value = getattr(module, tensor_name)
            with autograd.no_grad():
                if tuple(value.shape) == tuple(original.shape):
                    original.data = value.detach()
                else:
                    original = Parameter(value.detach(), original.requires_grad)
    else:
        if not leave_parametrized:
            raise ValueError(
                "remove_parametrizations: cannot leave the tensor unparametrized "
                f"(leave_parametrized=False) when {tensor_name!r} is stored as several tensors"
            )
        with autograd.no_grad():
            value = getattr(module, tensor_name)
        first = plist.original0
        original = Parameter(value.detach(), first.requires_grad)
        if not isinstance(first, Parameter):
            original = value.detach()
    del module.parametrizations[tensor_name]
    if len(module.parametrizations) == 0:
        delattr(module, "parametrizations")
    _rebuild_class(module)
    _register_parameter_or_buffer(module, tensor_name, original)
    return module
