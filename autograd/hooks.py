"""Handles on registered hooks (PyTorch's ``torch.utils.hooks``).

Every ``register_*hook`` method of :class:`autograd.Tensor`, of a graph node (``grad_fn``) and of
``nn.Module`` returns a :class:`RemovableHandle`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Returned by the ``register_*hook`` methods; ``remove()`` unregisters the hook.

    The hooks live in a list, run in order (tensor and node hooks; pass ``hook``), or in a dict
    keyed by this handle's ``id`` (module hooks, which may be prepended; the caller stores the
    hook under ``handle.id``). ``extra`` holds ids to forget with the hook (the module's set of
    hooks that take keyword arguments). Also a context manager that removes the hook on exit.

    Parameters
    ----------
    hooks : list or dict
        Where the hook is registered.
    hook : callable, optional
        The hook, when ``hooks`` is a list.
    extra : set, optional
        Ids to discard with the hook.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([1.0], requires_grad=True)
    >>> with x.register_hook(lambda g: g * 10):
    ...     (x * 2).sum().backward()
    >>> x.grad
    tensor([20.])
    >>> x.grad = None
    >>> (x * 2).sum().backward()
    >>> x.grad
    tensor([2.])
    """

    _next_id = itertools.count()

    def __init__(
        self, hooks: list | dict, hook: Callable | None = None, extra: set | None = None
    ) -> None:
        if isinstance(hooks, list) and hook is None:
            raise TypeError("RemovableHandle: hook is required when hooks is a list")
        self.id = next(RemovableHandle._next_id)
        self._hooks = hooks
        self._hook = hook
        self._extra = extra
        self._removed = False

    def remove(self) -> None:
        """Unregister the hook (calling it twice is harmless)."""
        if isinstance(self._hooks, dict):
            self._hooks.pop(self.id, None)
        elif not self._removed:
            for i, h in enumerate(self._hooks):
                if h is self._hook:
                    del self._hooks[i]
                    break
        self._removed = True
        if self._extra is not None:
            self._extra.discard(self.id)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
