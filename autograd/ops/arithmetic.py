"""Binary arithmetic and selection: + - * / ** maximum minimum where clamp lerp.

Operands broadcast as in PyTorch; the engine sums each gradient back to its operand's shape.
Python scalars never up-cast a tensor (``float32_tensor * 2.5`` stays float32).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..function import Function, name_node
from ..kernels.binary import ADD, DIV, MUL, SUB
from ..kernels.binary import MIN_SIZE as _KERNEL_MIN_SIZE
from ..kernels.binary import binary as _compiled
from ..tensor import Tensor, tensor_method
from ._jvp import sum_terms
from ._table import PiecewiseConstant, select_grad, zeros_like_grad
from ._util import (
    _raw,
    as_tensor,
    binary_operands,
    broadcast_error,
    float_tensor,
    half_with_number,
    power,
    promote_operands,
    remainder_array,
    trunc_divide,
)  # fmt: skip
from .elementwise import reciprocal
from .registry import Sample, binary, register


def _apply_binary(fn: type[Function], a: Any, b: Any, op: str, floating: bool = False) -> Tensor:
    # Fast paths (same-dtype tensors; float tensor with a Python float) skip the promotion logic.
    ta, tb = type(a), type(b)
    if ta is Tensor and (tb is float or (tb is int and a._array.dtype.kind == "f")):
        if a._array.dtype.kind != "f":
            a, b = binary_operands(a, b, op, floating)
        elif a._array.dtype.itemsize == 2 and fn in _FLOAT_OPMATH:
            return half_with_number(fn, a, b)
    elif tb is Tensor and (ta is float or (ta is int and b._array.dtype.kind == "f")):
        if b._array.dtype.kind != "f":
            a, b = binary_operands(a, b, op, floating)
        elif b._array.dtype.itemsize == 2 and fn in _FLOAT_OPMATH:
            return half_with_number(fn, a, b)
    elif not (ta is Tensor and tb is Tensor and a._array.dtype == b._array.dtype) or (
        floating and a._array.dtype.kind != "f"
    ):
        a, b = binary_operands(a, b, op, floating)
    try:
        return fn.apply(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(op, a, b) from None
        raise


# Fast paths of the in-place twins (``add_``, ``sub_``, ...): write into ``a``, no graph.
def _add_fast(a: np.ndarray, other: Any, alpha: float = 1) -> None:
    if alpha == 1:
        np.add(a, other, out=a, casting="same_kind")
    else:
        np.add(a, np.multiply(other, alpha, dtype=a.dtype), out=a, casting="same_kind")


def _sub_fast(a: np.ndarray, other: Any, alpha: float = 1) -> None:
    _add_fast(a, np.negative(other), alpha)


def _clamp_fast(a: np.ndarray, min: Any = None, max: Any = None) -> None:  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    np.clip(a, min, max, out=a)


def _lerp_fast(a: np.ndarray, end: Any, weight: Any) -> None:
    a += np.multiply(weight, np.subtract(end, a), dtype=a.dtype)


def _where_method(fn: Any) -> Any:
    def where(self: Tensor, condition: Any, other: Any) -> Tensor:
        """``where(condition, self, other)``."""
        return fn(condition, self, other)

    return where


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return _arith(ADD, a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g

    @staticmethod
    def jvp(ctx, ta, tb):
        has_a, has_b = ctx.has_tangent  # a Python number operand has none
        return sum_terms(ta if has_a else None, tb if has_b else None)


@register(
    method=True,
    inplace=_add_fast,
    numpy=np.add,
    operators=("__add__", "__radd__", "__iadd__"),
    sample=binary(),
)
def add(input: Any, other: Any, alpha: float = 1) -> Tensor:
    """``input + alpha * other``, broadcasting.

    Examples
    --------
    >>> import autograd
    >>> autograd.add(autograd.tensor([1.0, 2.0]), 10.0)
    tensor([11., 12.])
    """
    if alpha != 1:
        other = mul(other, alpha)
    return _apply_binary(Add, input, other, "add")


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return _arith(SUB, a, b)

    @staticmethod
    def backward(ctx, g):
        return g, -g

    @staticmethod
    def jvp(ctx, ta, tb):
        has_a, has_b = ctx.has_tangent
        return sum_terms(ta if has_a else None, -tb if has_b else None)


class Rsub(Sub):
    node_name = "RsubBackward1"  # number - tensor


@register(
    method=True,
    inplace=_sub_fast,
    numpy=np.subtract,
    aliases=("subtract",),
    operators=("__sub__", "__rsub__", "__isub__"),
    sample=binary(),
)
def sub(input: Any, other: Any, alpha: float = 1) -> Tensor:
    """``input - alpha * other``, broadcasting.

    Examples
    --------
    >>> import autograd
    >>> autograd.sub(autograd.tensor([1.0, 2.0]), autograd.tensor([0.5]))
    tensor([0.5000, 1.5000])
    """
    if alpha != 1:
        other = mul(other, alpha)
    number_first = isinstance(input, (int, float)) and isinstance(other, Tensor)
    return _apply_binary(Rsub if number_first else Sub, input, other, "sub")


_OPERATORS = (operator.add, operator.sub, operator.mul, operator.truediv)  # by kernel op


def _arith(op: int, a: Any, b: Any) -> Any:
    """``a + b``, ``a - b``, ``a * b`` or ``a / b`` (``op``: the kernels' code) of arrays or
    numbers, compiled where :func:`autograd.kernels.binary.binary` takes them; or of Tensors (a
    backward rule under ``create_graph``). Small operands, most of a small model's, skip the
    kernels' checks: two arrays, one of them of ``MIN_SIZE`` values or more, go there."""
    if (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and (a.size >= _KERNEL_MIN_SIZE or b.size >= _KERNEL_MIN_SIZE)
    ):
        out = _compiled(op, a, b)
        if out is not None:
            return out
    return _OPERATORS[op](a, b)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)  # only what a rule reads
        return _arith(MUL, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (_arith(MUL, g, b) if na else None), (_arith(MUL, g, a) if nb else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.primals
        has_a, has_b = ctx.has_tangent
        return sum_terms(ta * b if has_a else None, a * tb if has_b else None)


@register(
    method=True,
    inplace=True,
    numpy=np.multiply,
    aliases=("multiply",),
    operators=("__mul__", "__rmul__", "__imul__"),
    sample=binary(),
)
def mul(input: Any, other: Any) -> Tensor:
    """``input * other``, broadcasting.

    Examples
    --------
    >>> import autograd
    >>> autograd.mul(autograd.tensor([1.0, 2.0]), 3)
    tensor([3., 6.])
    """
    return _apply_binary(Mul, input, other, "mul")


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return _arith(DIV, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        # -g * (a / b) / b rather than -g * a / (b * b): b * b overflows first, and at b = inf the
        # second derivative would meet inf * 0 (NaN) where the math (and PyTorch) gives 0.
        return (_arith(DIV, g, b) if na else None), (-g * (a / b / b) if nb else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.primals
        has_a, has_b = ctx.has_tangent
        return sum_terms(ta / b if has_a else None, -tb * (a / b / b) if has_b else None)


def _div_sample(draw: Any, dtype: np.dtype) -> Sample:
    s = binary()(draw, dtype)
    a, b = s.args
    return Sample((a, np.where(np.abs(b) < 0.3, 0.3 + np.abs(b), b)))


@register(
    method=True,
    inplace=True,
    numpy=np.divide,
    aliases=("divide", "true_divide"),
    operators=("__truediv__", "__rtruediv__", "__itruediv__"),
    sample=_div_sample,
)
def div(input: Any, other: Any, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give float32), or ``rounding_mode="floor"``/``"trunc"``.

    Examples
    --------
    >>> import autograd
    >>> autograd.div(autograd.tensor([1, 2]), 2)
    tensor([0.5000, 1.0000])
    """
    if rounding_mode is None:
        if isinstance(input, (int, float)) and isinstance(other, Tensor):
            return mul(reciprocal(other), input)  # PyTorch's ``number / tensor``
        return _apply_binary(Div, input, other, "div", floating=True)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )
    fn = DivFloor if rounding_mode == "floor" else DivTrunc
    return _integer_division(fn, input, other, "div")


def _integer_division(fn: type[Function], input: Any, other: Any, op: str) -> Tensor:
    """``fn.apply`` on promoted operands: integer division by zero raises as in PyTorch (float
    division by zero gives inf/NaN quietly)."""
    a, b = binary_operands(input, other, op)
    ra = a._array if isinstance(a, Tensor) else a
    rb = b._array if isinstance(b, Tensor) else b
    if np.result_type(ra, rb).kind in "iub" and not np.all(rb):
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn.apply(a, b)
    except ValueError:
        raise broadcast_error(op, ra, rb) from None


class DivFloor(PiecewiseConstant):
    """``div(rounding_mode='floor')``: piecewise constant, so a zero gradient (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.floor_divide(a, b)


class DivTrunc(PiecewiseConstant):
    """``div(rounding_mode='trunc')``: zero gradient, as :class:`DivFloor`."""

    @staticmethod
    def forward(ctx, a, b):
        return trunc_divide(a, b)


def _shape(x: Any) -> tuple:
    # np.shape on a Tensor that requires grad would go through __array_function__ and refuse.
    return x.shape if isinstance(x, Tensor) else np.shape(x)


def _pow_exponent_factor(a: Any, b: Any, y: Any) -> Any:
    """d(a**b)/db = a**b * log(a), selected to 0 where a == 0 and b >= 0 (PyTorch's convention).

    The selection comes after ``log(a)`` and before the incoming gradient multiplies it, as in
    PyTorch's formula, so the recorded rule differentiates as PyTorch's does: at a selected
    entry the zero cotangent meets ``log(0) = -inf``, and the second derivatives there are NaN.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a == 0) & (b >= 0), 0.0, y * np.log(a))


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        y = power(a, b)
        # The output only for the exponent's gradient, as PyTorch: x ** 3 followed by an
        # in-place op on the result still differentiates.
        ctx.save_for_backward(a, b, y if ctx.needs_input_grad[1] else None)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            if isinstance(b, (int, float)):
                ga = zeros_like_grad(g) if b == 0 else g * b * a ** (b - 1)
            else:
                # d/da a**b = b * a**(b-1); PyTorch gives 0 where b == 0 (even at a == 0).
                ga = np.where(b == 0, 0.0, g * b * a ** (b - 1))
        if nb:
            gb = g * _pow_exponent_factor(a, b, y)
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.primals
        has_a, has_b = ctx.has_tangent
        da = db = None
        if has_a:  # the conventions of the backward rule: 0 where the exponent is 0
            if isinstance(b, (int, float)):
                da = None if b == 0 else ta * b * a ** (b - 1)
            else:
                da = np.where(b == 0, 0.0, ta * b * a ** (b - 1))
        if has_b:
            db = tb * _pow_exponent_factor(a, b, power(a, b))
        return sum_terms(da, db)


class PowTensors(Pow):
    node_name = "PowBackward1"  # tensor ** tensor


class PowNumberBase(Pow):
    node_name = "PowBackward2"  # number ** tensor


def _pow_sample(draw: Any, dtype: np.dtype) -> Sample:
    return binary(low=0.3, high=2.0, other_low=-2.0, other_high=2.0)(draw, dtype)


@register(
    method=True,
    inplace=True,
    numpy=np.power,
    operators=("__pow__", "__rpow__", "__ipow__"),
    sample=_pow_sample,
)
def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001
    """``input ** exponent``; either may be a tensor.

    At ``input == 0`` the gradient with respect to the exponent is 0 for ``exponent >= 0``
    (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.pow(autograd.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)):
        if input.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
    if not isinstance(exponent, Tensor):
        fn = Pow  # tensor ** number
    else:
        fn = PowTensors if isinstance(input, Tensor) else PowNumberBase
    return _apply_binary(fn, input, exponent, "pow")


class _Extremum(Function):
    """``maximum``/``minimum``: ``pick`` chooses elementwise, ``lost(a, b)`` says where ``a``
    is not chosen over ``b``."""

    pick: Any
    lost: Any

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls.pick(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        return _extremum_grads(ctx, g, cls.lost(a, b), cls.lost(b, a), a == b)

    @classmethod
    def jvp(cls, ctx, ta, tb):
        a, b = ctx.primals
        return _extremum_jvp(ctx, ta, tb, cls.lost(a, b), cls.lost(b, a), a == b)


class Maximum(_Extremum):
    pick = staticmethod(np.maximum)
    lost = staticmethod(operator.lt)


class Minimum(_Extremum):
    pick = staticmethod(np.minimum)
    lost = staticmethod(operator.gt)


def _extremum_grads(ctx: Any, g: Any, a_loses: Any, b_loses: Any, tie: Any) -> tuple:
    """Gradients of maximum/minimum by selection: the side that lost gets exactly 0, ties split
    ``g`` evenly, and where neither comparison holds (a NaN) both sides get ``g`` (PyTorch's
    rule)."""
    na, nb = ctx.needs_input_grad
    shared = np.where(tie, g * 0.5, g)
    return (
        select_grad(~a_loses, shared) if na else None,
        select_grad(~b_loses, shared) if nb else None,
    )


def _extremum_jvp(ctx: Any, ta: Any, tb: Any, a_loses: Any, b_loses: Any, tie: Any) -> Any:
    """The forward-mode rule of maximum/minimum, the transpose of :func:`_extremum_grads`: the
    winner's tangent, the mean of both at ties, their sum where neither comparison holds."""
    has_a, has_b = ctx.has_tangent
    ta = ta if has_a else 0.0
    tb = tb if has_b else 0.0
    both = np.where(tie, (ta + tb) * 0.5, ta + tb)
    return np.where(a_loses, tb, np.where(b_loses, ta, both))


@register(method=True, numpy=np.maximum, sample=binary(ties=True), ref=np.maximum, masked=True)
def maximum(input: Any, other: Any) -> Tensor:
    """Elementwise maximum; at ties each side gets half the gradient (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.maximum(autograd.tensor([1.0, 5.0]), autograd.tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    return _apply_binary(Maximum, input, other, "maximum")


@register(method=True, numpy=np.minimum, sample=binary(ties=True), ref=np.minimum, masked=True)
def minimum(input: Any, other: Any) -> Tensor:
    """Elementwise minimum; at ties each side gets half the gradient (PyTorch's convention).

    Examples
    --------
    >>> import autograd
    >>> autograd.minimum(autograd.tensor([1.0, 5.0]), autograd.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    return _apply_binary(Minimum, input, other, "minimum")


class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        # Selecting (never multiplying) keeps a NaN/Inf of the branch not taken out of the
        # gradient of the branch taken.
        _, na, nb = ctx.needs_input_grad
        # A literal 0.0, not g * 0: NaN * 0 is NaN.
        return (
            None,
            np.where(cond, g, 0.0) if na else None,
            np.where(cond, 0.0, g) if nb else None,
        )

    @staticmethod
    def jvp(ctx, _, ta, tb):
        cond = ctx.primals[0]
        _, has_a, has_b = ctx.has_tangent
        return np.where(cond, ta if has_a else 0.0, tb if has_b else 0.0)


def _where_sample(draw: Any, dtype: np.dtype) -> Sample:
    from .. import testing

    sa, sb = draw(testing.broadcastable_shapes(2))
    sc = np.broadcast_shapes(sa, sb)
    cond = draw(testing.arrays(sc, np.bool_))
    a = draw(testing.arrays(sa, dtype))
    b = draw(testing.arrays(sb, dtype))
    return Sample((cond, a, b))


@register(
    method=_where_method, numpy=np.where, sample=_where_sample, ref=np.where, masked=True
)  # fmt: skip
def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``.

    The gradient of each branch is exactly zero where the other was selected (selected, not
    multiplied by a mask, so a NaN or Inf upstream gradient there does not leak into it). As in
    PyTorch, a branch whose own backward is NaN/Inf where it was not selected (``sqrt`` of a
    negative) still gives NaN through that backward (0 * inf); mask its input too:

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([-1.0, 4.0], requires_grad=True)
    >>> safe = autograd.where(x > 0, x, autograd.ones(2))
    >>> y = autograd.where(x > 0, safe.sqrt(), autograd.zeros(2))
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.0000, 0.2500])
    """
    cond = as_tensor(condition, "condition")
    if cond.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = binary_operands(input, other, "where")
    try:
        np.broadcast_shapes(cond.shape, _shape(a), _shape(b))
    except ValueError:
        raise ValueError(
            f"where: shapes {cond.shape}, {_shape(a)} and {_shape(b)} cannot be broadcast together"
        ) from None
    return Where.apply(cond, a, b)


class Clamp(Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        y = x
        if lo is not None:
            y = np.maximum(y, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        return y

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        nx, nlo, nhi = ctx.needs_input_grad
        gx = glo = ghi = None
        if nx:
            if lo is None:
                gx = select_grad(x <= hi, g)
            elif hi is None:
                gx = select_grad(x >= lo, g)
            else:
                gx = select_grad((x >= lo) & (x <= hi), g)
        # PyTorch's rule for tensor bounds: ``min`` gets the gradient where it was taken and
        # is below ``max``; ``max`` where it was taken or lies below ``min`` (it wins then).
        if nlo:
            glo = select_grad((x < lo) & (lo < hi) if hi is not None else x < lo, g)
        if nhi:
            ghi = select_grad((x > hi) | (hi < lo) if lo is not None else x > hi, g)
        return gx, glo, ghi

    @staticmethod
    def jvp(ctx, tx, tlo, thi):
        x, lo, hi = ctx.primals
        has_x, has_lo, has_hi = ctx.has_tangent
        # The selections of the backward rule, applied to the tangents.
        if lo is None:
            keep = x <= hi
        elif hi is None:
            keep = x >= lo
        else:
            keep = (x >= lo) & (x <= hi)
        terms = [np.where(keep, tx, 0.0) if has_x else None]
        if has_lo:
            terms.append(np.where((x < lo) & (lo < hi) if hi is not None else x < lo, tlo, 0.0))
        if has_hi:
            terms.append(np.where((x > hi) | (hi < lo) if lo is not None else x > hi, thi, 0.0))
        return sum_terms(*terms)


class ClampScalar(Clamp):
    node_name = "ClampBackward1"  # clamp with number bounds; tensor bounds give ClampBackward0


def _clamp_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    x = draw(testing.arrays(draw(testing.shapes()), dtype, kinks=(-1.0, 1.0)))
    lo = draw(st.sampled_from([None, -1.0]))
    hi = draw(st.sampled_from([None, 1.0] if lo is not None else [1.0]))
    return Sample((x,), {"min": lo, "max": hi})


@register(
    method=True,
    inplace=_clamp_fast,
    numpy=np.clip,
    aliases=("clip",),
    masked=True,
    sample=_clamp_sample,
    ref=lambda x, min, max: np.clip(x, min, max),
)
def clamp(input: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; bounds may be scalars or tensors.

    The gradient passes where ``min <= input <= max`` (boundaries included, as PyTorch).

    Examples
    --------
    >>> import autograd
    >>> autograd.clamp(autograd.tensor([-2.0, 0.5, 3.0]), min=-1, max=1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    tensor_bounds = isinstance(min, Tensor) or isinstance(max, Tensor)
    x, lo, hi = promote_operands((input, min, max), ("input", "min", "max"))
    try:
        return (Clamp if tensor_bounds else ClampScalar).apply(x, lo, hi)
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(f"clamp: bounds do not broadcast with input shape {x.shape}") from None
        raise


def _one_bound_sample(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    x = draw(testing.arrays(draw(testing.shapes()), dtype, kinks=(0.0,)))
    if draw(st.booleans()):
        return Sample((x, 0.0))
    return Sample((x, draw(testing.arrays(x.shape, dtype, low=-1.0, high=1.0))))


@register(method=True, inplace=lambda a, min: np.maximum(a, min, out=a), masked=True,
          sample=_one_bound_sample, ref=np.maximum)  # fmt: skip
def clamp_min(input: Any, min: Any) -> Tensor:  # noqa: A002
    """:func:`clamp` with a lower bound only (a number or a tensor).

    Examples
    --------
    >>> import autograd
    >>> autograd.clamp_min(autograd.tensor([-2.0, 0.5]), 0.0)
    tensor([0.0000, 0.5000])
    """
    # PyTorch's node: ClampMinBackward0 for a number, ClampMinBackward1 for a tensor bound
    node = "ClampMinBackward1" if isinstance(min, Tensor) else "ClampMinBackward0"
    return name_node(clamp(input, min=min), node)


@register(method=True, inplace=lambda a, max: np.minimum(a, max, out=a), masked=True,
          sample=_one_bound_sample, ref=np.minimum)  # fmt: skip
def clamp_max(input: Any, max: Any) -> Tensor:  # noqa: A002
    """:func:`clamp` with an upper bound only (a number or a tensor).

    Examples
    --------
    >>> import autograd
    >>> autograd.clamp_max(autograd.tensor([-2.0, 0.5]), 0.0)
    tensor([-2.,  0.])
    """
    node = "ClampMaxBackward1" if isinstance(max, Tensor) else "ClampMaxBackward0"
    return name_node(clamp(input, max=max), node)


_FLOAT_OPMATH = (Mul, Div)  # with a number, a float16 tensor is computed at float precision


class Lerp(Function):
    @staticmethod
    def forward(ctx, start, end, weight):
        ns, ne, nw = ctx.needs_input_grad
        # As PyTorch: start and end only for the weight's gradient, the weight only for theirs.
        ctx.save_for_backward(
            start if nw else None, end if nw else None, weight if ns or ne else None
        )
        return start + weight * (end - start)

    @staticmethod
    def backward(ctx, g):
        start, end, weight = ctx.saved_tensors
        ns, ne, nw = ctx.needs_input_grad
        return (
            g * (1 - weight) if ns else None,
            g * weight if ne else None,
            g * (end - start) if nw else None,
        )

    @staticmethod
    def jvp(ctx, ts, te, tw):
        start, end, weight = ctx.primals
        hs, he, hw = ctx.has_tangent
        return sum_terms(
            ts * (1 - weight) if hs else None,
            te * weight if he else None,
            tw * (end - start) if hw else None,
        )


def _lerp_sample(draw: Any, dtype: np.dtype) -> Sample:
    from .. import testing

    sa, sb, sw = draw(testing.broadcastable_shapes(3))
    return Sample((draw(testing.arrays(sa, dtype)), draw(testing.arrays(sb, dtype)),
                   draw(testing.arrays(sw, dtype, low=0.0, high=1.0))))  # fmt: skip


@register(method=True, inplace=_lerp_fast, sample=_lerp_sample, ref=lambda s, e, w: s + w * (e - s))
def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``.

    Examples
    --------
    >>> import autograd
    >>> autograd.lerp(autograd.tensor([0.0]), autograd.tensor([10.0]), 0.25)
    tensor([2.5000])
    """
    start = float_tensor(input)
    stop = as_tensor(end, "end").to(start.dtype)
    w = weight if isinstance(weight, (int, float)) else as_tensor(weight, "weight").to(start.dtype)
    try:
        return Lerp.apply(start, stop, float(w) if isinstance(w, (int, float)) else w)
    except ValueError as e:
        if "broadcast" in str(e):
            raise ValueError(
                f"lerp: shapes {start.shape}, {stop.shape} and {_shape(w)} cannot be broadcast"
            ) from None
        raise


class FloorDivide(DivFloor):
    """``div(rounding_mode='floor')``'s value, with no derivative (as PyTorch's floor_divide)."""

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(
            "floor_divide: the derivative for floor_divide is not implemented (as in PyTorch); "
            "detach its operands, or use div(input, other, rounding_mode='floor'), whose "
            "gradient is zero"
        )

    @staticmethod
    def jvp(ctx, ta, tb):
        return FloorDivide.backward(ctx, ta)  # raises: no derivative, as in PyTorch


@register(
    method=True,
    inplace=True,
    numpy=np.floor_divide,
    operators=("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
)
def floor_divide(input: Any, other: Any) -> Tensor:
    """``floor(input / other)``; the result requires grad, but backward through it raises.

    As in PyTorch no derivative is defined; ``div(input, other, rounding_mode='floor')`` is the
    same value with a zero gradient.

    Examples
    --------
    >>> import autograd
    >>> autograd.floor_divide(autograd.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    return _integer_division(FloorDivide, input, other, "floor_divide")


class Remainder(Function):
    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return remainder_array(a, b)

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        gb = None
        if nb:
            a, b = ctx.saved_tensors
            # The quotient is piecewise constant: it enters as a constant (PyTorch's
            # div(rounding_mode="floor"), whose derivative is 0), not differentiated through
            # a / b, whose derivative is 0 / 0 = NaN at a = b = 0. It is the floor division the
            # forward used, not floor(a / b): a / b rounds onto an integer the exact quotient
            # lies just below (-2 / 0.03333333333333333 is -60.0, floor_divide gives -61).
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = -g * np.floor_divide(_raw(a), _raw(b))
        return (g if na else None), gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.primals
        has_a, has_b = ctx.has_tangent
        d_b = None
        if has_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                d_b = -tb * np.floor_divide(a, b)
        return sum_terms(ta if has_a else None, d_b)


def _remainder_sample(draw: Any, dtype: np.dtype) -> Sample:
    # Quotients keep their fractional part in [0.15, 0.85]: away from the jumps of the result.
    a, b = binary(other_low=0.5, other_high=2.0)(draw, dtype).args
    sign = np.where(np.arange(b.size).reshape(b.shape) % 2 == 0, 1.0, -1.0)
    b = np.asarray(b * sign, dtype)
    q = a / b
    whole = np.floor(q)
    a = np.asarray(b * (whole + np.clip(q - whole, 0.15, 0.85)), dtype)
    return Sample((a, b))


@register(
    method=True,
    inplace=True,
    numpy=np.remainder,
    operators=("__mod__", "__rmod__", "__imod__"),
    sample=_remainder_sample,
    ref=np.remainder,
)
def remainder(input: Any, other: Any) -> Tensor:
    """Python-style modulus ``input - other * floor(input / other)`` (the sign of ``other``).

    The gradient is PyTorch's: 1 for ``input`` and ``-floor(input / other)`` for ``other``
    (the jumps where the quotient crosses an integer are ignored).

    Examples
    --------
    >>> import autograd
    >>> autograd.remainder(autograd.tensor([-3, 5]), 3)
    tensor([0, 2])
    >>> x = autograd.tensor([1.0, 2.5], requires_grad=True)
    >>> (x % 1.5 + x).sum().backward()
    >>> x.grad
    tensor([2., 2.])
    """
    return _integer_division(Remainder, input, other, "remainder")


@tensor_method(name="__pos__")
def _positive(self: Tensor) -> Tensor:
    """``+self``: the tensor itself."""
    return self
