"""Op checkers: :class:`OpCall`, :func:`check_op`, :func:`op_test` and
:func:`ops_without_forward_rule`, re-exported and documented by :mod:`autograd.testing`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import settings as _settings
from hypothesis import strategies as st

from ._testing_strategies import avoiding_kinks
from .gradcheck import gradcheck as _gradcheck
from .gradcheck import gradgradcheck as _gradgradcheck
from .tensor import Tensor


class _Leaf:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class OpCall:
    """A call ``fn(*args, **kwargs)`` seen as a function of its floating-point inputs only.

    Float arrays (and float Tensors) anywhere in ``args``/``kwargs`` -- also inside lists,
    tuples and dicts -- become fresh Tensors that require grad, collected in ``leaves``; other
    arrays become plain Tensors; anything else is passed as it is. Calling the object with new
    leaves runs ``fn`` on them, which is the shape :func:`autograd.gradcheck` wants.

    ``contiguous=False`` lays each float leaf out as a strided view of a larger array, to check
    that the op does not assume C-contiguous storage.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> from autograd import testing
    >>> call = testing.OpCall(autograd.mul, np.array([1.0, 2.0]), 3.0)
    >>> len(call.leaves), call()
    (1, tensor([3., 6.], dtype=autograd.float64, grad_fn=<MulBackward0>))
    >>> autograd.gradcheck(call, call.leaves)
    True
    """

    def __init__(
        self, fn: Callable, *args: Any, kwargs: dict | None = None, contiguous: bool = True
    ) -> None:
        self.fn = fn
        self.args = tuple(_as_arrays(args))
        self.kwargs = dict(_as_arrays(kwargs or {}))
        leaves: list[Tensor] = []
        self._template = _template((self.args, self.kwargs), leaves, contiguous)
        self.leaves = tuple(leaves)

    def __call__(self, *leaves: Tensor) -> Any:
        args, kwargs = _fill(self._template, leaves or self.leaves)
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", repr(self.fn))
        return f"OpCall({name}, args={self.args!r}, kwargs={self.kwargs!r})"


def _as_arrays(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return obj._array
    if isinstance(obj, (list, tuple)):
        return type(obj)(_as_arrays(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _as_arrays(v) for k, v in obj.items()}
    return obj


def _template(obj: Any, leaves: list, contiguous: bool) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            leaves.append(Tensor._make(_layout(obj, contiguous), True))
            return _Leaf(len(leaves) - 1)
        return Tensor._make(obj.copy())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_template(o, leaves, contiguous) for o in obj)
    if isinstance(obj, dict):
        return {k: _template(v, leaves, contiguous) for k, v in obj.items()}
    return obj


def _fill(obj: Any, leaves: tuple) -> Any:
    if isinstance(obj, _Leaf):
        return leaves[obj.index]
    if isinstance(obj, (list, tuple)):
        return type(obj)(_fill(o, leaves) for o in obj)
    if isinstance(obj, dict):
        return {k: _fill(v, leaves) for k, v in obj.items()}
    return obj


def _layout(a: np.ndarray, contiguous: bool) -> np.ndarray:
    """A private copy of ``a``; a strided view into a larger buffer when not ``contiguous``."""
    if contiguous or a.ndim == 0:
        return a.copy()
    big = np.zeros(a.shape + (2,), a.dtype)
    view = big[..., 1]
    view[...] = a
    return view


def _outputs(out: Any) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def check_forward(out: Any, expected: Any, atol: float, rtol: float, what: str = "op") -> None:
    """Assert that ``out`` (Tensor or tuple of Tensors) matches ``expected`` (arrays).

    Shapes must match exactly (no broadcasting); values within ``atol + rtol * |expected|``.
    """
    outs, exps = _outputs(out), _outputs(expected)
    if len(outs) != len(exps):
        raise AssertionError(f"{what}: {len(outs)} outputs, the reference gives {len(exps)}")
    for j, (o, e) in enumerate(zip(outs, exps)):
        got = np.asarray(o._array if isinstance(o, Tensor) else o)
        e = np.asarray(e._array if isinstance(e, Tensor) else e)
        if got.shape != e.shape:
            raise AssertionError(
                f"{what}: output {j} has shape {got.shape}, the reference gives {e.shape}"
            )
        np.testing.assert_allclose(
            got, e, rtol=rtol, atol=atol, err_msg=f"{what}: output {j} differs from the reference"
        )


def check_op(
    fn: Callable,
    ref: Callable | None,
    *args: Any,
    kwargs: dict | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    forward_atol: float = 1e-7,
    forward_rtol: float = 1e-6,
    gradcheck: bool = True,
    gradgradcheck: bool = True,
    forward_ad: bool | None = None,
) -> Any:
    """Check an op: forward against a NumPy reference, gradients against finite differences.

    ``fn(*args, **kwargs)`` runs with every float array (or float Tensor) argument turned into a
    Tensor that requires grad; ``ref(*args, **kwargs)`` gets the plain arrays. The gradient checks
    run on float64 copies of the float arguments (so float32 data can be checked too), with
    ``atol``/``rtol``; the forward comparison uses ``forward_atol``/``forward_rtol`` (loosened to
    float32 precision when an input is float32).

    Parameters
    ----------
    fn : callable
        The op under test.
    ref : callable or None
        NumPy reference for the forward (None: skip the forward comparison).
    *args, kwargs
        The call's arguments: arrays, Tensors, or anything else (passed as is).
    gradcheck, gradgradcheck : bool
        Which gradient checks to run.
    forward_ad : bool or None
        Also check the Jacobian computed in forward mode (``gradcheck(...,
        check_forward_ad=True)``). None (default): when every op on the path from the inputs
        to the outputs has a forward-mode rule (a ``jvp``); True: always, so an op without one
        fails, naming it; False: never.

    Returns
    -------
    The op's output on the given arguments.

    Raises
    ------
    AssertionError
        When the forward differs from the reference.
    autograd.gradcheck.GradcheckError
        When a gradient check fails.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> from autograd import testing
    >>> out = testing.check_op(autograd.tanh, np.tanh, np.array([0.5, -1.0]))
    >>> out.shape
    (2,)

    ``tanh`` has a forward-mode rule, so its forward-mode Jacobian was checked too:

    >>> testing.ops_without_forward_rule(autograd.tanh(autograd.ones(2, requires_grad=True)))
    []
    """
    call = OpCall(fn, *args, kwargs=kwargs)
    out = call()
    if ref is not None:
        low = any(t.dtype.itemsize < 8 for t in call.leaves)
        expected = ref(*_copies(call.args), **_copies(call.kwargs))
        check_forward(
            out, expected,
            atol=max(forward_atol, 1e-5) if low else forward_atol,
            rtol=max(forward_rtol, 1e-4) if low else forward_rtol,
            what=getattr(fn, "__name__", "op"),
        )  # fmt: skip
    if (gradcheck or gradgradcheck or forward_ad is not False) and call.leaves:
        call64 = OpCall(fn, *_to_float64(call.args), kwargs=_to_float64(call.kwargs))
        if forward_ad is None:
            forward_ad = not ops_without_forward_rule(call64())
        if gradcheck or forward_ad:
            _gradcheck(call64, call64.leaves, atol=atol, rtol=rtol, check_backward_ad=gradcheck,
                       check_forward_ad=forward_ad)  # fmt: skip
        if gradgradcheck:
            _gradgradcheck(call64, call64.leaves, atol=atol, rtol=rtol)
    return out


def _copies(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, (list, tuple)):
        return type(obj)(_copies(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _copies(v) for k, v in obj.items()}
    return obj


def _to_float64(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.astype(np.float64) if obj.dtype.kind == "f" else obj
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_float64(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_float64(v) for k, v in obj.items()}
    return obj


def op_test(
    ref: Callable | None,
    *strategies: st.SearchStrategy,
    kwargs: dict | st.SearchStrategy | None = None,
    max_examples: int | None = None,
    **check: Any,
) -> Callable[[Callable], Callable]:
    """Decorator: a Hypothesis test that runs :func:`check_op` on drawn arguments.

    The decorated function receives the drawn arguments as Tensors (floats require grad) and
    returns the op's output; the test checks it against ``ref`` and gradchecks it. Each strategy
    draws one positional argument; ``kwargs`` is a dict or a strategy of dicts. Gradient checks
    draw their inputs inside :func:`avoiding_kinks`; the forward check also sees kinks and ties.
    Extra keyword arguments (``atol``, ``gradgradcheck=False``, ``forward_ad=True``, ...) go to
    :func:`check_op`.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> from autograd import testing
    >>> @testing.op_test(np.multiply, testing.arrays((2, 3)), testing.arrays((3,)),
    ...                  max_examples=5)
    ... def test_mul(a, b):
    ...     return a * b
    >>> test_mul()
    """

    def deco(fn: Callable) -> Callable:
        kw_st = kwargs if isinstance(kwargs, st.SearchStrategy) else st.just(kwargs or {})

        grads = {k: check.pop(k, True) for k in ("gradcheck", "gradgradcheck")}
        grads["forward_ad"] = check.pop("forward_ad", None)
        off = dict.fromkeys(grads, False)

        def test(data: Any) -> None:
            args = data.draw(st.tuples(*strategies), label="args")
            kw = data.draw(kw_st, label="kwargs")
            check_op(fn, ref, *args, kwargs=kw, **off, **check)
            if grads["gradcheck"] or grads["gradgradcheck"] or grads["forward_ad"] is not False:
                with avoiding_kinks():
                    args = data.draw(st.tuples(*strategies), label="smooth args")
                check_op(fn, None, *args, kwargs=kw, **grads, **check)

        test.__name__ = fn.__name__
        test.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
        test.__module__ = fn.__module__
        test.__doc__ = fn.__doc__
        wrapped = given(data=st.data())(test)
        if max_examples is not None:
            wrapped = _settings(max_examples=max_examples, deadline=None)(wrapped)
        return wrapped

    return deco


def ops_without_forward_rule(out: Any) -> list[str]:
    """Names of the ops in the graph behind ``out`` (a Tensor or a tuple of them) that have no
    forward-mode rule (``jvp``), in the order found from the outputs back.

    The graph is recorded only for inputs that require grad, which are the ones forward mode
    would give tangents to.

    Examples
    --------
    >>> import autograd
    >>> from autograd import testing
    >>> x = autograd.ones(3, requires_grad=True)
    >>> testing.ops_without_forward_rule(autograd.exp(x).sin())
    []
    >>> class Twice(autograd.Function):
    ...     forward = staticmethod(lambda ctx, x: 2 * x)
    ...     backward = staticmethod(lambda ctx, g: 2 * g)
    >>> testing.ops_without_forward_rule((Twice.apply(x), autograd.exp(x)))
    ['Twice']
    """
    stack = [o.grad_fn for o in _outputs(out) if isinstance(o, Tensor) and o.grad_fn is not None]
    seen: set[int] = set()
    missing: list[str] = []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        fn = getattr(node, "_fn", None)
        name = fn.__name__ if fn is not None else type(node).__name__
        if getattr(fn, "jvp", None) is None and name not in missing:
            missing.append(name)
        for edge in getattr(node, "_next", ()):
            if isinstance(edge, tuple):
                stack.append(edge[0])
            elif edge is not None and not isinstance(edge, Tensor):
                stack.append(edge)  # the node that made output 0 of an input
    return missing
