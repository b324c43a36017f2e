"""Module's lookups and iteration over sub-modules, parameters and buffers (a mixin of Module)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from autograd import Tensor

if TYPE_CHECKING:
    from .module import Module
    from .parameter import Parameter


class ModuleIteration:
    """Walking the module tree: ``named_modules``, ``named_parameters``, ``get_submodule``, ..."""

    _modules: dict
    _parameters: dict
    _buffers: dict

    def get_submodule(self, target: str) -> Module:
        """The sub-module at dotted path ``target`` (``""`` is self).

        Examples
        --------
        >>> import nn
        >>> m = nn.Sequential(nn.Sequential(nn.Module()))
        >>> type(m.get_submodule("0.0")).__name__
        'Module'
        """
        mod: Module = self
        if target == "":
            return mod
        for atom in target.split("."):
            sub = mod._modules.get(atom)
            if sub is None:
                raise AttributeError(
                    f"get_submodule: {type(mod).__name__} has no submodule '{atom}' "
                    f"(path {target!r})"
                )
            mod = sub
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (e.g. ``"0.weight"``)."""
        return self._get_entry(target, "_parameters", "get_parameter", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``."""
        return self._get_entry(target, "_buffers", "get_buffer", "buffer")

    def _get_entry(self, target: str, registry: str, call: str, what: str) -> Any:
        path, _, name = target.rpartition(".")
        entry = getattr(self.get_submodule(path), registry).get(name)
        if entry is None:
            raise AttributeError(f"{call}: no {what} named {target!r}")
        return entry

    # ----------------------------------------------------------------------------- iteration
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted_name, module)`` for self and every descendant, depth first.

        Examples
        --------
        >>> import nn
        >>> m = nn.Sequential(nn.Sequential(nn.Module()))
        >>> [n for n, _ in m.named_modules()]
        ['', '0', '0.0']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, mod in self._modules.items():
            if mod is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from mod.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield self and every descendant module."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct children (each module once)."""
        seen = set()
        for name, mod in self._modules.items():
            if mod is not None and mod not in seen:
                seen.add(mod)
                yield name, mod

    def children(self) -> Iterator[Module]:
        """Yield the direct child modules."""
        for _, m in self.named_children():
            yield m

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        mods = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen = set()
        for mod_prefix, mod in mods:
            for name, v in mod.__dict__[registry].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield mod_prefix + ("." if mod_prefix else "") + name, v

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)``; a parameter shared by two modules comes once.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Sequential(nn.Module())
        >>> m[0].w = nn.Parameter(autograd.ones(1))
        >>> [n for n, _ in m.named_parameters(prefix="net")]
        ['net.0.w']
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the parameters (of all descendants too unless ``recurse=False``)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted_name, buffer)`` for persistent and non-persistent buffers."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield the buffers."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b
