"""Module: the base class of every layer and model.

Assigning a :class:`Parameter`, a ``Module`` or a registered buffer as an attribute routes it into
an ordered registry (``_parameters``, ``_modules``, ``_buffers``); ``state_dict`` names and order
come from those registries, so they match PyTorch's for the same model code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd import Tensor
from autograd.extend import zero_grad

from . import _backward_hooks
from ._module_hooks import ModuleHooks, RemovableHandle
from ._module_iter import ModuleIteration
from ._state import ModuleState
from .parameter import Buffer, Parameter

__all__ = ["Module", "RemovableHandle"]


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind}: name must be a str, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind}: name must not be the empty string ""')
    if "." in name:
        raise KeyError(f'{kind}: name must not contain ".", got "{name}"')


def _assign_placeholder(
    registry: dict | None, name: str, value: Any, what: str, expected: str
) -> bool:
    """Assigning to a name ``registry`` holds (a parameter or a child module): only None is
    accepted, and kept as a placeholder. False if ``registry`` does not hold ``name``."""
    if registry is None or name not in registry:
        return False
    if value is not None:
        raise TypeError(
            f"cannot assign '{type(value).__name__}' as {what} '{name}' ({expected} or None "
            "expected)"
        )
    registry[name] = None
    return True


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


class Module(ModuleHooks, ModuleIteration, ModuleState):
    """Base class for all neural-network modules; subclass it and define ``forward``.

    Examples
    --------
    >>> import autograd, nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = nn.Parameter(autograd.ones(1))
    ...         self.register_buffer("calls", autograd.zeros(1))
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> net = Net()
    >>> [name for name, _ in net.named_parameters()], list(net.state_dict())
    (['scale'], ['scale', 'calls'])
    >>> net(autograd.tensor([2.0]))
    tensor([2.], grad_fn=<MulBackward0>)
    """

    training: bool
    _version: int = 1
    """Bumped by a layer whose state_dict layout changes; saved in ``state_dict()._metadata``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}; "
                "Module.__init__ takes none"
            )
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = {}
        d["_forward_hooks_with_kwargs"] = set()
        d["_forward_pre_hooks"] = {}
        d["_forward_pre_hooks_with_kwargs"] = set()
        d["_backward_hooks"] = {}
        d["_backward_pre_hooks"] = {}
        d["_state_dict_pre_hooks"] = {}
        d["_state_dict_hooks"] = {}
        d["_load_state_dict_pre_hooks"] = {}
        d["_load_state_dict_post_hooks"] = {}

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it. Call the module, not ``forward``."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    # ------------------------------------------------------------------------------- calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        backward_hooks = self._backward_hooks or self._backward_pre_hooks
        if not (self._forward_pre_hooks or self._forward_hooks or backward_hooks):
            return self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook with kwargs must return None or a tuple "
                            f"(args, kwargs), got {type(res).__name__}"
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        if backward_hooks:
            args, call_state = _backward_hooks.wrap_inputs(self, args)
        out = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, out)
            else:
                res = hook(self, args, out)
            if res is not None:
                out = res
        if backward_hooks:
            out = _backward_hooks.wrap_outputs(call_state, out)
        return out

    def _require_init(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder) under ``name``.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Module()
        >>> m.register_parameter("bias", None)
        >>> m.register_parameter("weight", nn.Parameter(autograd.ones(2)))
        >>> [n for n, _ in m.named_parameters()]
        ['weight']
        """
        self._require_init("parameter")
        _check_name("register_parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"register_parameter: attribute '{name}' already exists")
        if param is not None:
            if not isinstance(param, Parameter):
                raise TypeError(
                    f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                    "(nn.Parameter or None required)"
                )
            if param.grad_fn is not None:
                raise ValueError(
                    f"register_parameter: cannot assign non-leaf Tensor to parameter '{name}'; "
                    "model parameters must be created explicitly (wrap a detached value in "
                    "nn.Parameter)"
                )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is not a parameter (e.g. BatchNorm's running mean).

        Persistent buffers are part of ``state_dict``; non-persistent ones are not.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Module()
        >>> m.register_buffer("mean", autograd.zeros(2))
        >>> m.register_buffer("cache", autograd.zeros(2), persistent=False)
        >>> list(m.state_dict()), len(list(m.buffers()))
        (['mean'], 2)
        """
        self._require_init("buffer")
        _check_name("register_buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"register_buffer: attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        if isinstance(tensor, Buffer):
            persistent = tensor.persistent
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module (or a ``None`` placeholder) under ``name``.

        Examples
        --------
        >>> import nn
        >>> m = nn.Module()
        >>> m.add_module("block", nn.Sequential())
        >>> [n for n, _ in m.named_children()]
        ['block']
        """
        self._require_init("module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        _check_name("add_module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"add_module: attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
            return
        if _assign_placeholder(params, name, value, "parameter", "nn.Parameter"):
            return
        if isinstance(value, Module):
            self._require_init("module")
            self._forget(name, keep="_modules")
            self._modules[name] = value
            return
        if _assign_placeholder(d.get("_modules"), name, value, "child module", "nn.Module"):
            return
        if isinstance(value, Buffer):
            self._require_init("buffer")
            self._forget(name, keep="_buffers")
            self.register_buffer(name, value, value.persistent)
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Remove ``name`` from every place except the registry ``keep``."""
        self.__dict__.pop(name, None)
        for reg in ("_parameters", "_buffers", "_modules"):
            if reg != keep:
                self.__dict__[reg].pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, i.e. for registered names.
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            r = d.get(reg)
            if r is not None and name in r:
                return r[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            if name in d.get(reg, ()):
                del d[reg][name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        for reg in ("_parameters", "_buffers", "_modules"):
            names.update(self.__dict__.get(reg, ()))
        return sorted(n for n in names if not n[:1].isdigit())

    # ------------------------------------------------------------------------- mode and grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on self and all descendants.

        Examples
        --------
        >>> import nn
        >>> m = nn.Sequential(nn.Module())
        >>> m.eval()[0].training
        False
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode (same as ``train(False)``); returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros in place.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(autograd.ones(2))
        >>> (m.w * 3).sum().backward()
        >>> m.zero_grad(set_to_none=False); m.w.grad
        tensor([0., 0.])
        >>> m.zero_grad(); m.w.grad is None
        True
        """
        zero_grad(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (freeze with ``False``); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every descendant (children first) and then on self; returns self.

        Examples
        --------
        >>> import nn
        >>> names = []
        >>> _ = nn.Sequential(nn.Module()).apply(lambda m: names.append(type(m).__name__))
        >>> names
        ['Module', 'Sequential']
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---------------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """One-line (or multi-line) description of this module's own settings for ``repr``."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _addindent(repr(mod), 2) for name, mod in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return self._get_name() + "(" + body + ")"
