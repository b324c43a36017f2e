"""Grad mode (thread-local) and anomaly detection switches."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.inference = False
        self.tangents = None  # forward AD: tensor -> tangent, while a dual level is active
        # ``autograd.compile`` is recording this thread's calls of Function.apply: an op must
        # not take a path around it (an op that records no node may, otherwise).
        self.recording = False


_state = _State()


def is_grad_enabled() -> bool:
    """Whether operations are recorded for backward in this thread.

    Examples
    --------
    >>> import autograd
    >>> autograd.is_grad_enabled()
    True
    """
    return _state.grad_enabled


def is_anomaly_enabled() -> bool:
    """Whether :class:`detect_anomaly` is active in this thread.

    Examples
    --------
    >>> import autograd
    >>> with autograd.detect_anomaly():
    ...     autograd.is_anomaly_enabled()
    True
    >>> autograd.is_anomaly_enabled()
    False
    """
    return _state.anomaly


def is_inference_mode_enabled() -> bool:
    """Whether :class:`inference_mode` is active in this thread.

    Examples
    --------
    >>> import autograd
    >>> with autograd.inference_mode():
    ...     autograd.is_inference_mode_enabled()
    True
    """
    return _state.inference


class _ContextDecorator:
    """A context manager that is also a decorator: each call of the decorated function runs
    inside a fresh instance built from ``_args()``."""

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _args(self) -> tuple:
        return ()


class _ModeSwitch(_ContextDecorator):
    """A context manager that is also a decorator; subclasses say what the mode becomes.

    ``no_grad`` and ``enable_grad`` take no arguments, so as in PyTorch they also decorate
    without parentheses (``@no_grad``).
    """

    def __new__(cls, *args: Any) -> Any:
        if cls in (no_grad, enable_grad) and args:
            if len(args) == 1 and callable(args[0]):
                return cls()(args[0])
            raise TypeError(
                f"{cls.__name__}() takes no arguments (or one function, used as @{cls.__name__}), "
                f"got {args!r}"
            )
        return super().__new__(cls)

    def _new_value(self) -> bool:  # pragma: no cover - overridden
        raise TypeError("_ModeSwitch is abstract")

    def __enter__(self) -> None:
        self._prev = _state.grad_enabled
        _state.grad_enabled = self._new_value()

    def __exit__(self, *exc: object) -> None:
        _state.grad_enabled = self._prev


class no_grad(_ModeSwitch):
    """Disable graph recording, as a context manager or decorator.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(2, requires_grad=True)
    >>> with autograd.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def _new_value(self) -> bool:
        return False


class enable_grad(_ModeSwitch):
    """Enable graph recording inside a ``no_grad`` region.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(2, requires_grad=True)
    >>> with autograd.no_grad(), autograd.enable_grad():
    ...     (x * 2).requires_grad
    True
    """

    def _new_value(self) -> bool:
        return True


class set_grad_enabled(_ModeSwitch):
    """Set grad mode to ``mode``; usable as a function, context manager or decorator.

    Examples
    --------
    >>> import autograd
    >>> with autograd.set_grad_enabled(False):
    ...     autograd.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        self.mode = mode
        # Called as a plain function it takes effect at once, as in PyTorch.
        self._prev = _state.grad_enabled
        _state.grad_enabled = mode

    def _new_value(self) -> bool:
        return self.mode

    def __enter__(self) -> None:
        _state.grad_enabled = self.mode

    def _args(self) -> tuple:
        return (self.mode,)

    def __call__(self, fn: F) -> F:
        _state.grad_enabled = self._prev  # used as a decorator: undo the immediate effect
        return super().__call__(fn)


class inference_mode(_ModeSwitch):
    """Disable graph recording for inference, as a context manager or decorator.

    ``inference_mode(False)`` turns grad mode back on inside the block, as in PyTorch. Used
    without parentheses it decorates (``@inference_mode``). numbagrad has no separate inference
    tensors: inside the block it behaves as :class:`no_grad`, and tensors made there can later
    take part in autograd (PyTorch refuses that).

    Parameters
    ----------
    mode : bool
        ``True`` (the default) to enable inference mode, ``False`` to leave it.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(2, requires_grad=True)
    >>> with autograd.inference_mode():
    ...     (x * 2).requires_grad
    False
    >>> @autograd.inference_mode
    ... def predict(x):
    ...     return x * 2
    >>> predict(x).requires_grad
    False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {type(mode).__name__}")
        self.mode = mode

    def _new_value(self) -> bool:
        return not self.mode

    def __enter__(self) -> None:
        self._prev_inference = _state.inference
        _state.inference = self.mode
        super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        _state.inference = self._prev_inference

    def _args(self) -> tuple:
        return (self.mode,)


class detect_anomaly(_ContextDecorator):
    """Check every gradient computed in backward for NaN/Inf.

    When one is found, the error names the forward op that produced it and the line of user code
    that called that op. Slows backward; use while debugging.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([0.0], requires_grad=True)
    >>> with autograd.detect_anomaly():
    ...     try:
    ...         x.sqrt().backward(autograd.tensor([1.0]))
    ...     except RuntimeError as e:
    ...         print("Sqrt" in str(e))
    True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = _state.anomaly
        _state.anomaly = self.check_nan

    def __exit__(self, *exc: object) -> None:
        _state.anomaly = self._prev

    def _args(self) -> tuple:
        return (self.check_nan,)


def _set_grad_enabled_raw(mode: bool) -> bool:
    """Set grad mode and return the previous one (for the engine; no object allocated)."""
    prev = _state.grad_enabled
    _state.grad_enabled = mode
    return prev
