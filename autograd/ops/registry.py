"""The op registry: every differentiable primitive says how to draw inputs for checking it.

``@register(...)`` sits on an op's public function. The test suite walks ``REGISTRY`` and, for each
op, draws inputs with Hypothesis, compares forward against ``ref`` (NumPy), gradchecks and
gradgradchecks in float64, and compares against PyTorch when it is installed. Adding an op costs
one decorator and no test edits.

Samplers are plain functions ``sample(draw, dtype) -> Sample`` where ``draw`` is Hypothesis's
``data.draw``; they import Hypothesis (through ``autograd.testing``) only when called, so the
library never imports Hypothesis at import time.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tensor import Tensor, tensor_method
from ._mutate import run_inplace


@dataclass
class Sample:
    """One drawn call: ``fn(*args, **kwargs)``.

    Float arrays in ``args`` become tensors that require grad; other arrays become tensors that do
    not; anything else is passed as it is.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpInfo:
    """How to check one op. ``torch`` is the name of the PyTorch function (default: the op's
    name), a callable ``(torch, *args, **kwargs)``, or None when PyTorch has no equivalent.
    ``nondeterministic_ties``: at ties the op may pick any of the tied elements (PyTorch's
    choice among them is unspecified), so only values, not indices, are compared there.
    ``masked``: the backward rule masks the gradient (outputs that do not depend on some input
    entries, as where clamp saturates); the registry tests check that an inf or NaN upstream
    gradient at such an output gives those entries 0, as PyTorch's selecting rules do."""

    name: str
    fn: Callable
    sample: Callable[[Any, np.dtype], Sample]
    ref: Callable | None = None
    torch: Any = "same"
    gradcheck: bool = True
    gradgradcheck: bool = True
    atol: float = 1e-5
    rtol: float = 1e-3
    nondeterministic_ties: bool = False
    masked: bool = False


REGISTRY: dict[str, OpInfo] = {}
"""Every differentiable op (and every op worth checking against NumPy/PyTorch), by name."""

EXPORTS: dict[str, Callable] = {}
"""Every public op name -> function: ops, their aliases and their in-place twins."""

NAMESPACES: dict[str, dict[str, Callable]] = {}
"""Sub-namespace (``"linalg"``, ``"special"``) -> public name -> function, for ops PyTorch keeps
only there (``torch.linalg.solve``); ``autograd.linalg`` and friends are built from it."""

NUMPY_DISPATCH: dict[Any, Callable] = {}
"""NumPy ufunc or function -> the op that ``np.f(tensor)`` runs (see ``numpy_dispatch``)."""

_INPLACE_OPERATORS = frozenset(
    {"__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
     "__imatmul__", "__iand__", "__ior__", "__ixor__"}
)  # fmt: skip

# Operators whose Python form takes (self, other) but the op takes (other, self).
_REFLECTED = frozenset(
    {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rfloordiv__", "__rmod__",
     "__rpow__", "__rmatmul__", "__rand__", "__ror__", "__rxor__"}
)  # fmt: skip


def register(
    *,
    sample: Callable[[Any, np.dtype], Sample] | None = None,
    ref: Callable | None = None,
    torch: Any = "same",
    gradcheck: bool = True,
    gradgradcheck: bool = True,
    name: str | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    nondeterministic_ties: bool = False,
    masked: bool = False,
    method: bool | Callable = False,
    inplace: bool | Callable | None = None,
    numpy: Any = (),
    aliases: tuple[str, ...] = (),
    operators: tuple[str, ...] = (),
    namespace: str | None = None,
) -> Callable[[Callable], Callable]:
    """Declare the decorated public op function; everything else about the op is derived here.

    Parameters
    ----------
    sample, ref, torch, gradcheck, gradgradcheck, atol, rtol, nondeterministic_ties, masked
        How the test suite checks the op (see :class:`OpInfo`). Without ``sample`` the op is
        exported but not drawn by the registry tests (comparisons, integer-valued queries).
    name : str, optional
        The public name, if not the function's own.
    method : bool or callable
        ``True``: ``Tensor.<name>`` is the function itself (its first argument is ``self``).
        A callable ``make(fn) -> method`` builds a method whose arguments differ, such as
        :func:`sizes_method` for ``x.reshape(2, 3)``.
    inplace : bool or callable, optional
        Also declare the in-place twin ``<name>_`` (a function and a Tensor method). ``True``
        derives its fast path from the ``numpy`` ufunc; a callable ``fast(array, *args,
        **kwargs)`` writes the result into ``array``. When a graph is being recorded the twin
        runs the op out of place and rebases the tensor (:func:`run_inplace`).
    numpy : ufunc or NumPy function, or a tuple of them
        ``np.f(tensor)`` runs this op, so a backward rule written with NumPy functions stays
        differentiable under ``create_graph=True``.
    aliases : tuple of str
        Other public names of the same op (``absolute`` for ``abs``); methods too if ``method``.
    operators : tuple of str
        Python operators bound to the op (``"__add__"``, reflected ``"__radd__"``, in-place
        ``"__iadd__"``, which runs the in-place twin).
    namespace : str, optional
        The op lives only in this sub-namespace (``"linalg"`` for ``autograd.linalg.solve``):
        it is not exported at the top level, its registry name is ``"linalg.solve"`` and its
        PyTorch counterpart defaults to ``torch.linalg.solve``.
    """

    def deco(fn: Callable) -> Callable:
        key = name or fn.__name__
        if namespace is not None:
            space = NAMESPACES.setdefault(namespace, {})
            for n in (key, *aliases):
                if space.get(n, fn) is not fn:
                    raise RuntimeError(f"register: {namespace}.{n} is declared twice")
                space[n] = fn
            key = f"{namespace}.{key}"
        if sample is not None:
            if key in REGISTRY:
                raise RuntimeError(f"register: op {key!r} is registered twice")
            REGISTRY[key] = OpInfo(
                key, fn, sample, ref, key if torch == "same" else torch, gradcheck,
                gradgradcheck, atol, rtol, nondeterministic_ties, masked,
            )  # fmt: skip
        if namespace is None:  # a sub-namespace op is not a top-level name or a method
            declare(fn, key, method=method, inplace=inplace, numpy=numpy, aliases=aliases,
                    operators=operators)  # fmt: skip
        return fn

    return deco


def declare(
    fn: Callable,
    name: str,
    *,
    method: bool | Callable = False,
    inplace: bool | Callable | None = None,
    numpy: Any = (),
    aliases: tuple[str, ...] = (),
    operators: tuple[str, ...] = (),
) -> None:
    """Export ``fn`` as ``name`` and derive its method, in-place twin, operators and NumPy entry.

    This is :func:`register` without the registry entry; ops that are not drawn by the
    registry tests (in-place-only ops such as ``zero_``) are declared with it directly.
    """
    names = (name, *aliases)
    for n in names:
        _export(n, fn)
    if method:
        bound = fn if method is True else method(fn)
        for n in names:
            _bind(n, bound)
    twin = None
    if inplace:
        twin = _inplace_twin(fn, name, inplace, numpy)
        for n in names:
            _export(n + "_", twin)
            _bind(n + "_", twin)
    for obj in numpy if isinstance(numpy, tuple) else (numpy,):
        if NUMPY_DISPATCH.get(obj, fn) is not fn:
            raise RuntimeError(f"register: numpy.{obj.__name__} already dispatches to an op")
        NUMPY_DISPATCH[obj] = fn
    for op in operators:
        if op in _INPLACE_OPERATORS:
            if twin is None:
                raise RuntimeError(f"register: {op} needs {name} to have an in-place twin")
            _bind(op, twin)
        elif op in _REFLECTED:
            _bind(op, _reflected(fn, op))
        else:
            _bind(op, fn)


def _export(name: str, fn: Callable) -> None:
    if EXPORTS.get(name, fn) is not fn:
        raise RuntimeError(f"register: the public name {name!r} is declared twice")
    EXPORTS[name] = fn


def _bind(name: str, fn: Callable) -> None:
    tensor_method(fn, name=name)


def _reflected(fn: Callable, op: str) -> Callable:
    def method(self: Tensor, other: Any) -> Any:
        return fn(other, self)

    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"``other {op[3:-2]} self``: :func:`autograd.{fn.__name__}` reflected."
    return method


def _inplace_twin(fn: Callable, name: str, inplace: bool | Callable, numpy: Any) -> Callable:
    twin_name = name + "_"
    params = tuple(inspect.signature(fn).parameters)[1:]  # the names errors give the operands
    leading = [params[:n] for n in range(len(params) + 1)]
    if inplace is True:
        ufunc = numpy[0] if isinstance(numpy, tuple) else numpy
        if not isinstance(ufunc, np.ufunc):
            raise RuntimeError(f"register: {name}: inplace=True needs a NumPy ufunc in numpy=")

        def fast(a: np.ndarray, *args: Any, **kwargs: Any) -> None:
            if kwargs:  # keyword operands in their positional places (``x.mul_(other=y)``)
                extra = tuple(kwargs[p] for p in params[len(args) :] if p in kwargs)
                if len(extra) != len(kwargs):
                    unknown = sorted(set(kwargs) - set(params))
                    raise TypeError(f"{twin_name}: unexpected keyword arguments {unknown}")
                args += extra
            ufunc(a, *args, out=a, casting="same_kind")

    else:
        fast = inplace

    def twin(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        arrays = [a._array if isinstance(a, Tensor) else a for a in args]
        kw, others, names = kwargs, args, leading[len(args)]
        if kwargs:  # keyword operands take part too (one that requires grad is recorded)
            values = tuple(kwargs.values())
            if any(isinstance(v, Tensor) for v in values):
                kw = {k: v._array if isinstance(v, Tensor) else v for k, v in kwargs.items()}
            others, names = args + values, names + tuple(kwargs)
        return run_inplace(
            self, twin_name, lambda a: fast(a, *arrays, **kw),
            lambda t: fn(t, *args, **kwargs), others, names,
        )  # fmt: skip

    twin.__name__ = twin.__qualname__ = twin_name
    twin.__module__ = fn.__module__
    twin.__doc__ = (
        f"In-place :func:`autograd.{name}`: writes the result into ``input`` and returns it.\n\n"
        f"Arguments and an example: see :func:`autograd.{name}`; ``x.{twin_name}(...)`` equals "
        f"``x.copy_(autograd.{name}(x, ...))`` and keeps ``x``'s storage."
    )
    return twin


def sizes_method(fn: Callable) -> Callable:
    """Method maker for ops taking a size tuple: ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``."""

    def method(self: Tensor, *sizes: Any) -> Any:
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        return fn(self, sizes)

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = f"Method form of :func:`autograd.{fn.__name__}`; sizes as arguments or tuple."
    return method


# ------------------------------------------------------------------------- common samplers
def unary(low: float = -3.0, high: float = 3.0, kinks: tuple = (), **kwargs: Any) -> Callable:
    """Sampler for ``f(x)``: any shape (0-d to 3-d), values in [low, high] plus ``kinks``."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from .. import testing

        x = draw(testing.arrays(draw(testing.shapes()), dtype, low=low, high=high, kinks=kinks))
        return Sample((x,), dict(kwargs))

    return sample


def binary(
    low: float = -3.0,
    high: float = 3.0,
    kinks: tuple = (),
    other_low: float | None = None,
    other_high: float | None = None,
    ties: bool = False,
) -> Callable:
    """Sampler for ``f(a, b)`` on broadcastable shapes; ``ties`` makes some elements equal."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from .. import testing

        sa, sb = draw(testing.broadcastable_shapes(2))
        a = draw(testing.arrays(sa, dtype, low=low, high=high, kinks=kinks))
        lo = low if other_low is None else other_low
        hi = high if other_high is None else other_high
        b = draw(testing.arrays(sb, dtype, low=lo, high=hi, kinks=kinks))
        if ties and a.size and b.size:
            tie = draw(testing.tie_mask(np.broadcast_shapes(sa, sb)))
            bb = np.broadcast_to(b, tie.shape)
            aa = np.broadcast_to(a, tie.shape)
            if a.shape == tie.shape:
                a = np.where(tie, bb, a)
            elif b.shape == tie.shape:
                b = np.where(tie, aa, b)
        return Sample((a, b))

    return sample
