"""What the hook-based reparametrizations (``weight_norm``, ``spectral_norm``) share: finding the
parameter a hook is about to take over, and taking a hook off again."""

from __future__ import annotations

from ..module import Module
from ..parameter import Parameter


def parameter_to_hook(module: Module, name: str, hook_type: type, what: str) -> Parameter:
    """``module``'s parameter ``name``, checked to exist and not to carry a ``hook_type`` hook
    yet; ``what`` names the reparametrization in the errors."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, hook_type) and getattr(hook, "name", None) == name:
            raise RuntimeError(
                f"{what}: cannot register two {what} hooks on the same parameter {name!r}"
            )
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"{what}: module {type(module).__name__} has no parameter named {name!r}")
    return weight


def remove_hook(module: Module, name: str, hook_type: type, what: str) -> Module:
    """Undo the ``hook_type`` hook on ``name`` (its ``remove`` restores the parameter)."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, hook_type) and getattr(hook, "name", None) == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"{what} of {name!r} not found in {type(module).__name__}")
