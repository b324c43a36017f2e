"""What the device modules (``cuda``, ``accelerator``, ``backends.*``) answer on a CPU-only engine.

Each of their functions is written with PyTorch's signature and a one-line docstring; one of the
decorators below gives it its answer (a constant, or a ``RuntimeError`` where PyTorch without the
device raises) and appends an ``Examples`` section that calls it, so every answer is a doctest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_EXAMPLE = """

    Examples
    --------
    >>> import autograd
{lines}
"""


def _documented(fn: Callable, call: Callable, lines: list[str]) -> Callable:
    functools.update_wrapper(call, fn)
    body = "\n".join(f"    {line}" for line in lines)
    call.__doc__ = (fn.__doc__ or "").rstrip() + _EXAMPLE.format(lines=body).rstrip() + "\n    "
    return call


def answers(value: Any, args: str = "") -> Callable[[Callable], Callable]:
    """Make the decorated function return ``value`` (after running its body, which may check the
    arguments); its example calls it with ``args``.

    Examples
    --------
    >>> from autograd._absent import answers
    >>> @answers(0)
    ... def device_count() -> int:
    ...     '''Always 0.'''
    >>> device_count()
    0
    """

    def wrap(fn: Callable) -> Callable:
        def call(*a: Any, **k: Any) -> Any:
            fn(*a, **k)
            return value

        shown = [] if value is None else [repr(value)]
        return _documented(fn, call, [f">>> {fn.__module__}.{fn.__name__}({args})", *shown])

    return wrap


def refuses(prefix: str, reason: str, args: str = "") -> Callable[[Callable], Callable]:
    """Make the decorated function raise ``RuntimeError("{prefix}.{name}: {reason}")``, as
    PyTorch does where the device is missing; its example calls it with ``args``.

    Examples
    --------
    >>> from autograd._absent import refuses
    >>> @refuses("cuda", "no CUDA")
    ... def synchronize() -> None:
    ...     '''Raise: no device.'''
    >>> synchronize()
    Traceback (most recent call last):
    RuntimeError: cuda.synchronize: no CUDA
    """

    def wrap(fn: Callable) -> Callable:
        message = f"{prefix}.{fn.__name__}: {reason}"

        def call(*a: Any, **k: Any) -> Any:
            fn(*a, **k)
            raise RuntimeError(message)

        lines = [
            f">>> {fn.__module__}.{fn.__name__}({args})",
            "Traceback (most recent call last):",
            f"RuntimeError: {message}",
        ]
        return _documented(fn, call, lines)

    return wrap
