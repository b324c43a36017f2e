"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from autograd import Tensor

from ..module import Module, _addindent
from ..parameter import Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(idx: Any, n: int, cls: str) -> int:
    try:
        i = operator.index(idx)
    except TypeError:
        raise TypeError(
            f"{cls} indices must be integers or slices, not {type(idx).__name__}"
        ) from None
    if not -n <= i < n:
        raise IndexError(f"{cls}: index {i} is out of range for length {n}")
    return i % n


def _renumber(mod: Module, values: list[Module] | None = None) -> None:
    """Register ``values`` (by default the modules already there) under the keys 0..n-1, after
    a deletion or an insertion, so later appends do not collide."""
    if values is None:
        values = list(mod._modules.values())
    mod._modules.clear()
    mod._modules.update((str(i), v) for i, v in enumerate(values))


class _ModuleSequence(Module):
    """Sequential's and ModuleList's positional protocol over their registry of modules:
    length, iteration, deletion and insertion (both renumber the keys)."""

    _kind = ""  # the class named by index errors

    def __delitem__(self, idx: Any) -> None:
        keys = list(self._modules)
        if isinstance(idx, slice):
            for k in keys[idx]:
                del self._modules[k]
        else:
            del self._modules[keys[_index(idx, len(keys), self._kind)]]
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def _insert(self, index: int, module: Module) -> None:
        values = list(self._modules.values())
        values.insert(index, module)
        _renumber(self, values)


class Sequential(_ModuleSequence):
    """Modules applied one after the other; ``forward`` feeds each output to the next.

    Built from modules as arguments or from one ``OrderedDict`` of named modules.

    Examples
    --------
    >>> import autograd, nn
    >>> net = nn.Sequential(nn.Sequential(), nn.Sequential())
    >>> len(net), type(net[-1]).__name__, len(net[:1])
    (2, 'Sequential', 1)
    >>> net(autograd.ones(2))
    tensor([1., 1.])
    """

    _kind = "Sequential"

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        keys = list(self._modules)
        return self._modules[keys[_index(idx, len(keys), "Sequential")]]

    def __setitem__(self, idx: int, module: Module) -> None:
        keys = list(self._modules)
        self.add_module(keys[_index(idx, len(keys), "Sequential")], module)

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise TypeError(f"Sequential + {type(other).__name__}: expected a Sequential")
        return Sequential(*self, *other)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index``; returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: expected a Module, got {type(module).__name__}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for length {n}")
        self._insert(index, module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append every module of ``modules``; returns self."""
        for m in modules:
            self.append(m)
        return self

    def pop(self, idx: int) -> Module:
        """Remove and return the module at ``idx``."""
        m = self[idx]
        del self[idx]
        return m

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (no ``forward`` of its own).

    Examples
    --------
    >>> import nn
    >>> blocks = nn.ModuleList([nn.Sequential() for _ in range(3)])
    >>> blocks.append(nn.Sequential())
    ModuleList(
      (0-3): 4 x Sequential()
    )
    >>> len(blocks[1:]), [n for n, _ in blocks.named_children()][-1]
    (3, '3')
    """

    _kind = "ModuleList"

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules``; returns self."""
        if isinstance(modules, (Module, Tensor)) or not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable, got {type(modules).__name__}"
            )
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.insert: expected a Module, got {type(module).__name__}")
        self._insert(index, module)

    def pop(self, idx: int = -1) -> Module:
        """Remove and return the module at ``idx``."""
        m = self[idx]
        del self[idx]
        return m

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it instead")

    def __repr__(self) -> str:
        # Runs of identical reprs are folded into "(i-j): n x Layer(...)", as PyTorch prints.
        items = [(k, repr(m)) for k, m in self._modules.items()]
        if not items:
            return self._get_name() + "()"
        lines, start = [], 0
        for end in range(1, len(items) + 1):
            if end < len(items) and items[end][1] == items[start][1]:
                continue
            text = _addindent(items[start][1], 2)
            if end - start == 1:
                lines.append(f"({items[start][0]}): {text}")
            else:
                lines.append(f"({items[start][0]}-{items[end - 1][0]}): {end - start} x {text}")
            start = end
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _update_from_pairs(container: Module, entries: Mapping | Iterable, what: str) -> None:
    """``container[name] = value`` for each entry of a mapping or of an iterable of
    ``(name, value)`` pairs (ModuleDict's and ParameterDict's ``update``)."""
    pairs = entries.items() if isinstance(entries, Mapping) else entries
    for j, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(
                f"{type(container).__name__}.update: element #{j} should be a (name, {what}) "
                f"pair, got {type(pair).__name__}"
            )
        container[pair[0]] = pair[1]


class _NamedEntries(Module):
    """ModuleDict's and ParameterDict's mapping protocol over their ordered registry of names:
    the dict (keyed by name) in the instance attribute that ``_names_attr`` names."""

    _names_attr = "_modules"

    def _entry_names(self) -> dict[str, Any]:
        return self.__dict__[self._names_attr]

    def __len__(self) -> int:
        return len(self._entry_names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._entry_names())

    def __contains__(self, key: object) -> bool:
        return key in self._entry_names()

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._entry_names().keys()

    def pop(self, key: str) -> Any:
        """Remove and return the entry under ``key``."""
        value = self[key]
        del self[key]
        return value

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(); index it instead")


class ModuleDict(_NamedEntries):
    """An ordered dict of modules whose parameters are registered.

    Examples
    --------
    >>> import nn
    >>> heads = nn.ModuleDict({"a": nn.Sequential(), "b": nn.Sequential()})
    >>> list(heads), "a" in heads, len(heads)
    (['a', 'b'], True, 2)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module named {key!r}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(name, module)`` pairs."""
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        """The modules."""
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        """Add or replace modules from a mapping or an iterable of ``(name, module)`` pairs."""
        _update_from_pairs(self, modules, "module")


def _param_repr(value: Any) -> str:
    if isinstance(value, Tensor):
        kind = "Parameter containing" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(s) for s in value.shape)
        return f"{kind}: [autograd.{value.dtype} of size {size}]"
    return repr(value)


class ParameterList(Module):
    """A list of parameters, registered under the names ``"0"``, ``"1"``, ...

    Plain tensors are wrapped into :class:`Parameter` on insertion.

    Examples
    --------
    >>> import autograd, nn
    >>> ps = nn.ParameterList([autograd.zeros(2), autograd.ones(3)])
    >>> [n for n, _ in ps.named_parameters()], type(ps[0]).__name__
    (['0', '1'], 'Parameter')
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self.__dict__["_size"] = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_index(idx, len(self), "ParameterList")))

    def __setitem__(self, idx: int, value: Any) -> None:
        i = _index(idx, len(self), "ParameterList")
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, str(i), value)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a Tensor becomes a Parameter); returns self."""
        n = len(self)
        self.__dict__["_size"] = n + 1
        try:
            self[n] = value
        except Exception:
            self.__dict__["_size"] = n
            raise
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append every element of ``values``; returns self."""
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(
                f"ParameterList.extend should be called with an iterable, got "
                f"{type(values).__name__}"
            )
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        # PyTorch indents these lines twice; kept so reprs compare equal
        return "\n".join(f"  ({i}): {_param_repr(v)}" for i, v in enumerate(self))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterList has no forward(); index it instead")


class ParameterDict(_NamedEntries):
    """An ordered dict of parameters; plain tensors are wrapped into :class:`Parameter`.

    Examples
    --------
    >>> import autograd, nn
    >>> pd = nn.ParameterDict({"scale": autograd.ones(1)})
    >>> pd["shift"] = nn.Parameter(autograd.zeros(1))
    >>> list(pd), list(pd.state_dict())
    (['scale', 'shift'], ['scale', 'shift'])
    """

    _names_attr = "_keys"

    def __init__(self, parameters: Mapping[str, Any] | Iterable | None = None) -> None:
        super().__init__()
        self.__dict__["_keys"] = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(f"ParameterDict: no parameter named {key!r}")
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be str, got {type(key).__name__}")
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, key, value)
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        if key not in self._keys:
            raise KeyError(f"ParameterDict: no parameter named {key!r}")
        del self._keys[key]
        delattr(self, key)

    def items(self) -> Iterable[tuple[str, Any]]:
        """``(name, parameter)`` pairs."""
        return [(k, self[k]) for k in self._keys]

    def values(self) -> Iterable[Any]:
        """The parameters."""
        return [self[k] for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """The parameter under ``key``, or ``default``."""
        return self[key] if key in self else default

    def clear(self) -> None:
        """Remove every parameter."""
        for k in list(self._keys):
            del self[k]

    def update(self, parameters: Mapping[str, Any] | Iterable) -> None:
        """Add or replace entries from a mapping or an iterable of ``(name, value)`` pairs."""
        _update_from_pairs(self, parameters, "value")

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_param_repr(v)}" for k, v in self.items())
