"""Module hooks: registration of forward, backward and state-dict hooks, and their handles.

A mixin of :class:`nn.Module`; the hooks run in ``Module.__call__`` (forward and backward) and in
``state_dict``/``load_state_dict``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from autograd.hooks import RemovableHandle

__all__ = ["ModuleHooks", "RemovableHandle"]


class ModuleHooks:
    """Hook registration for :class:`nn.Module` (see each method)."""

    _forward_hooks: dict
    _forward_hooks_with_kwargs: set
    _forward_pre_hooks: dict
    _forward_pre_hooks_with_kwargs: set
    _backward_hooks: dict
    _backward_pre_hooks: dict
    _state_dict_pre_hooks: dict
    _state_dict_hooks: dict
    _load_state_dict_pre_hooks: dict
    _load_state_dict_post_hooks: dict

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before each forward; a non-None result replaces ``args``.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and may return a new
        ``(args, kwargs)`` pair. ``prepend=True`` runs it before the hooks already registered.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Sequential()
        >>> h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        >>> m(autograd.tensor([1.0]))
        tensor([2.])
        >>> h.remove()
        >>> m(autograd.tensor([1.0]))
        tensor([1.])
        """
        return self._new_hook(
            self._forward_pre_hooks, hook, prepend, self._forward_pre_hooks_with_kwargs, with_kwargs
        )

    def register_forward_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each forward; a non-None result replaces
        the output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Sequential()
        >>> seen = []
        >>> h = m.register_forward_hook(lambda mod, args, out: seen.append(out.shape))
        >>> _ = m(autograd.zeros(3))
        >>> seen
        [(3,)]
        """
        return self._new_hook(
            self._forward_hooks, hook, prepend, self._forward_hooks_with_kwargs, with_kwargs
        )

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to the
        module's positional tensor inputs are computed; a non-None result replaces
        ``grad_input``. Entries for arguments that are not tensors needing a gradient are None.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Linear(2, 1)
        >>> seen = []
        >>> h = m.register_full_backward_hook(lambda mod, gi, go: seen.append(go[0].shape))
        >>> m(autograd.ones(3, 2, requires_grad=True)).sum().backward()
        >>> seen
        [(3, 1)]
        """
        return self._new_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's
        outputs are computed, before they flow into the module; a non-None result replaces them.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Linear(2, 1)
        >>> h = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
        >>> x = autograd.ones(1, 2, requires_grad=True)
        >>> m(x).sum().backward()
        >>> x.grad
        tensor([[0., 0.]])
        """
        return self._new_hook(self._backward_pre_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """Deprecated form of :meth:`register_full_backward_hook` (same call, with a warning).

        PyTorch's old hook saw the gradients of the module's last operation only; numbagrad
        gives it the module's input gradients, as the full hook does.

        Examples
        --------
        >>> import warnings, nn
        >>> with warnings.catch_warnings(record=True):
        ...     h = nn.Linear(2, 1).register_backward_hook(lambda mod, gi, go: None)
        """
        warnings.warn(
            "register_backward_hook is deprecated; use register_full_backward_hook",
            FutureWarning,
            stacklevel=2,
        )
        return self.register_full_backward_hook(hook)

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` collects this module.

        Examples
        --------
        >>> import nn
        >>> m = nn.Linear(1, 1)
        >>> seen = []
        >>> h = m.register_state_dict_pre_hook(lambda mod, prefix, keep: seen.append(prefix))
        >>> _ = m.state_dict(prefix="net.")
        >>> seen
        ['net.']
        """
        return self._new_hook(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict`` collected
        this module and its children; the hook edits ``state_dict`` in place.

        Examples
        --------
        >>> import nn
        >>> m = nn.Linear(1, 1)
        >>> def drop_bias(mod, sd, prefix, metadata):
        ...     del sd[prefix + "bias"]
        >>> h = m.register_state_dict_post_hook(drop_bias)
        >>> list(m.state_dict())
        ['weight']
        """
        return self._new_hook(self._state_dict_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module's entries are matched; the hook may
        edit ``state_dict`` (e.g. rename keys of an old checkpoint).

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Linear(1, 1, bias=False)
        >>> def rename(mod, sd, prefix, *rest):
        ...     if prefix + "w" in sd:
        ...         sd[prefix + "weight"] = sd.pop(prefix + "w")
        >>> h = m.register_load_state_dict_pre_hook(rename)
        >>> m.load_state_dict({"w": autograd.ones(1, 1)})
        <All keys matched successfully>
        """
        return self._new_hook(self._load_state_dict_pre_hooks, hook)

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` once ``load_state_dict`` has matched the keys;
        the hook may edit ``incompatible_keys.missing_keys`` / ``.unexpected_keys`` in place, and
        the ``strict`` check sees its edits.

        Examples
        --------
        >>> import autograd, nn
        >>> m = nn.Linear(1, 1)
        >>> h = m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
        >>> m.load_state_dict({"weight": autograd.ones(1, 1)})
        <All keys matched successfully>
        """
        return self._new_hook(self._load_state_dict_post_hooks, hook)

    @staticmethod
    def _new_hook(
        hooks: dict,
        hook: Callable,
        prepend: bool = False,
        kwargs_ids: set | None = None,
        with_kwargs: bool = False,
    ) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"register hook: expected a callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks, extra=kwargs_ids)
        if prepend:
            items = list(hooks.items())
            hooks.clear()
            hooks[handle.id] = hook
            hooks.update(items)
        else:
            hooks[handle.id] = hook
        if with_kwargs and kwargs_ids is not None:
            kwargs_ids.add(handle.id)
        return handle

    # -------------------------------------------------------------------------- registration
