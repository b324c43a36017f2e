"""Simple elementwise ops as table rows: one call declares the Function, the public function, its
Tensor method, its in-place twin and its NumPy dispatch entry.

A row names the array function and the derivative rule side by side::

    exp = elementwise_op("exp", np.exp, lambda g, x, y: g * y, save="y", ...)

The rule receives the upstream gradient ``g``, the input ``x`` and the output ``y`` (each None
unless listed in ``save``), as arrays or, under ``create_graph=True``, as Tensors: it is written
with operators and NumPy functions that both understand, so it is itself differentiable.
Save what PyTorch saves (its derivative formulas name ``self`` or ``result``): a saved value
that is later changed in place makes backward raise, so saving more than needed would refuse
programs PyTorch runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..function import _STATE, Function
from ..kernels.masked import select_or_zero
from ..tensor import Tensor
from ._jvp import zero_jvp
from ._util import as_tensor, float_tensor
from .registry import register

__all__ = ["PiecewiseConstant", "elementwise_op", "select_grad", "zeros_like_grad"]

# How a row treats integer and bool inputs.
_PREPARE = {
    "float": float_tensor,  # computed in float32, as PyTorch's float-only math
    "keep": as_tensor,  # the op keeps the dtype (abs, neg, square)
    "copy": as_tensor,  # integers are their own result (floor, ceil): a copy
}


def zeros_like_grad(g: Any) -> Any:
    """A zero gradient shaped like ``g`` (an array, or a constant Tensor under create_graph).

    Piecewise-constant ops (sign, floor, ...) return it: PyTorch gives 0 there even where ``g``
    is inf or NaN, which ``g * 0`` would not.
    """
    if isinstance(g, Tensor):
        return Tensor._make(np.zeros(g.shape, g.dtype))
    return np.zeros_like(g)


class PiecewiseConstant(Function):
    """Base of an op that is constant between jumps (``round``, ``div(rounding_mode=...)``): a
    subclass defines ``forward`` only; every Tensor input gets a zero gradient (see
    :func:`zeros_like_grad`) and the output a zero tangent, as in PyTorch."""

    @staticmethod
    def backward(ctx, g):
        return tuple(zeros_like_grad(g) if n else None for n in ctx.needs_input_grad)

    jvp = staticmethod(zero_jvp)


def select_grad(mask: Any, g: Any) -> Any:
    """``g`` where ``mask`` holds and exactly 0 elsewhere: how a backward rule masks a gradient.

    Selecting rather than multiplying (``g * mask``) keeps an inf or NaN upstream gradient at an
    entry the input does not reach out of the result, as PyTorch does (``inf * 0`` is NaN).
    ``g`` is an array, or a Tensor under create_graph (``np.where`` then runs
    :func:`autograd.where`, so the rule stays differentiable).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd.ops._table import select_grad
    >>> select_grad(np.array([True, False]), np.array([np.inf, np.inf]))
    array([inf,  0.])
    """
    if (
        type(g) is np.ndarray
        and type(mask) is np.ndarray
        and g.size >= _SELECT_KERNEL_MIN_SIZE
        and mask.shape == g.shape
        and mask.dtype == np.bool_
        and g.dtype in _SELECT_KERNEL_DTYPES
    ):
        return select_or_zero(mask, g)
    return np.where(mask, g, 0)


# np.where mispredicts a branch on irregular masks (see kernels/masked.py); below this size the
# compiled kernel's call overhead outweighs what that costs.
_SELECT_KERNEL_MIN_SIZE = 512
_SELECT_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def elementwise_op(
    name: str,
    forward: Callable[[np.ndarray], np.ndarray],
    vjp: Callable[[Any, Any, Any], Any],
    *,
    save: str,
    doc: str,
    example: tuple[str, str],
    sample: Callable,
    ref: Callable | None = None,
    integer: str = "float",
    inplace: bool = True,
    numpy: Any = None,
    aliases: tuple[str, ...] = (),
    torch: Any = "same",
    gradgradcheck: bool = True,
    operators: tuple[str, ...] = (),
    check: Callable[[Tensor], None] | None = None,
    masked: bool = False,
    node_name: str | None = None,
) -> Callable[[Any], Tensor]:
    """Declare a one-input elementwise op from its array function and its derivative rule.

    Parameters
    ----------
    name : str
        The public name; the Function is named after it (``"log1p"`` -> ``Log1p``).
    forward : callable
        ``array -> array``. A NumPy ufunc also becomes the op's NumPy dispatch entry.
    vjp : callable
        ``(g, x, y) -> gradient for x``.
    save : str
        ``"x"``, ``"y"``, ``"xy"`` or ``""``: what ``vjp`` reads.
    doc : str
        The docstring's first paragraph.
    example : (str, str)
        A literal input list and the printed result, for the docstring's example.
    sample, ref, torch, gradgradcheck, masked
        As for :func:`register`.
    integer : {"float", "keep", "copy"}
        Integer inputs are cast to float32, kept (the op preserves the dtype), or returned as a
        copy (rounding ops, for which an integer is its own result).
    inplace : bool
        Also declare ``<name>_``.
    numpy : ufunc, optional
        The NumPy entry; defaults to ``forward`` when it is a ufunc.
    check : callable, optional
        Argument check run on the input Tensor before the op.
    node_name : str, optional
        PyTorch's name of the op's graph node, when it is not ``<Function>Backward0``
        (``square`` records ``PowBackward0``).
    """
    module = sys._getframe(1).f_globals["__name__"]  # where the row stands: for docs and doctests
    save_x, save_y = "x" in save, "y" in save

    def fwd(ctx: Any, x: np.ndarray) -> np.ndarray:
        y = forward(x)
        if save_x and save_y:
            ctx.save_for_backward(x, y)
        elif save_x:
            ctx.save_for_backward(x)
        elif save_y:
            ctx.save_for_backward(y)
        return y

    def bwd(ctx: Any, g: Any) -> Any:
        saved = ctx.saved_tensors
        x = saved[0] if save_x else None
        y = saved[-1] if save_y else None
        return vjp(g, x, y)

    def jvp(ctx: Any, u: Any) -> Any:
        # The Jacobian of an elementwise op is diagonal: J u is the backward rule applied to u.
        return bwd(ctx, u)

    cls_name = "".join(part.capitalize() for part in name.split("_"))
    body = {
        "forward": staticmethod(fwd), "backward": staticmethod(bwd), "jvp": staticmethod(jvp),
        "__module__": module, "__doc__": f"The Function behind :func:`autograd.{name}`.",
    }  # fmt: skip
    if node_name is not None:
        body["node_name"] = node_name
    fn_cls = type(cls_name, (Function,), body)
    prepare = _PREPARE[integer]
    copy_integers = integer == "copy"

    def op(input: Any) -> Tensor:
        if type(input) is Tensor and input._array.dtype.kind == "f":
            t = input  # most calls: a float Tensor, nothing to prepare
        else:
            t = prepare(input)
            if copy_integers and t._array.dtype.kind != "f":
                return Tensor._make(t._array.copy())
        if check is not None:
            check(t)
        state = _STATE
        if not (
            state.tangents is not None
            or state.recording
            or (t._requires_grad and state.grad_enabled)
        ):
            # No node to record: the array op alone (what apply would do, without its context).
            out = forward(t._array)
            return Tensor._make(out if type(out) is np.ndarray else np.asarray(out))
        return fn_cls.apply(t)

    op.__name__ = op.__qualname__ = name
    op.__module__ = module
    op.__doc__ = (
        f"{doc}\n\nExamples\n--------\n>>> import autograd\n"
        f">>> autograd.{name}(autograd.tensor({example[0]}))\n{example[1]}\n"
    )
    if numpy is None and isinstance(forward, np.ufunc):
        numpy = forward
    if inplace:
        fast = _ufunc_fast(forward) if isinstance(forward, np.ufunc) else _copy_fast(forward)
    register(
        sample=sample, ref=ref, torch=torch, gradgradcheck=gradgradcheck, masked=masked,
        method=True,
        inplace=fast if inplace else None, numpy=numpy if numpy is not None else (),
        aliases=aliases, operators=operators,
    )(op)  # fmt: skip
    return op


def _ufunc_fast(ufunc: np.ufunc) -> Callable[[np.ndarray], None]:
    def fast(a: np.ndarray) -> None:
        ufunc(a, out=a, casting="same_kind")

    return fast


def _copy_fast(forward: Callable) -> Callable[[np.ndarray], None]:
    def fast(a: np.ndarray) -> None:
        np.copyto(a, forward(a), casting="same_kind")

    return fast
