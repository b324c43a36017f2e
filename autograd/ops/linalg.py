"""Matrix products: matmul, mm, bmm, dot, outer (einsum and tensordot live in contract.py).

``matmul`` follows ``torch.matmul``: 1-D operands get a dimension prepended (left) or appended
(right) that is removed again from the result, and batch dimensions broadcast. Its backward is
``g @ b^T`` and ``a^T @ g``; the engine sums the gradient over broadcast batch dimensions.

Operands must share one dtype, as in PyTorch (no implicit promotion); only ``outer`` promotes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import _ACCUMULATED, _GRAD_OFFER, Function, _Stacked
from ..kernels import _blas
from ..tensor import Tensor
from ._jvp import multilinear_jvp
from ._util import binary_operands
from .contract import _contract, _operand, _same_dtype
from .registry import Sample, register

try:  # the kernel dispatcher: np.matmul, or a Numba kernel for batches of small matrices
    from ..kernels.matmul import matmul as _kernel_matmul
except ModuleNotFoundError as e:  # pragma: no cover - only while the kernel module is absent
    if e.name != "autograd.kernels.matmul":
        raise
    _kernel_matmul = None

_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


#: Bounds of the products :func:`_by_columns` computes transposed: at most this many rows, ...
_FEW_ROWS = 32
#: ... at least this deep, ...
_MIN_DEPTH = 128
#: ... and at least this many multiply-adds.
_MIN_PRODUCTS = 1 << 19
_F32 = np.dtype(np.float32)


def _by_columns(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether float32 ``a @ b`` is faster as ``(b.T @ a.T).T``: a few rows times a matrix laid
    out column by column (a transposed weight, ``x @ w.t()``; or ``g @ w.T`` in the backward of
    ``h @ w``).

    OpenBLAS's single-precision GEMM reads such a right operand slowly when the left one has
    few rows: measured here with two threads, a 16 x 2048 x 512 product took 0.41 ms, and the
    same product written as ``w @ g.T`` 0.23 ms, the transposing copy of its 16 x 512 result
    included (8 x 256 x 256: 23 -> 14 us; 32 x 512 x 128: 46 -> 33 us). With more rows, less
    depth (the copy's share grows) or in double precision the two orders are even or the
    plain one wins, so they keep it.
    """
    m, k = a.shape
    return (
        1 < m <= _FEW_ROWS
        and k >= _MIN_DEPTH
        and m * k * b.shape[1] >= _MIN_PRODUCTS
        and a.dtype == _F32
        and b.dtype == _F32
        and a.flags.c_contiguous
        and b.flags.f_contiguous
        and not b.flags.c_contiguous
    )


#: Fewest outputs of an ``addmm`` whose bias the GEMM adds (see :func:`_bias_in_gemm`).
_BIAS_IN_GEMM_MIN_OUTPUTS = 1 << 17


def _bias_in_gemm(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``addmm`` adds its bias inside the GEMM (:func:`autograd.kernels._blas.
    add_product`): an output large enough that the pass it saves pays for the accumulating GEMM
    (1024 x 128 x 384: 443 -> 397 us, 4096 x 64 x 64: 219 -> 186; with 256 x 64 x 192 outputs
    it lost, 53 -> 60), and not a product that :func:`_by_columns` computes transposed."""
    m, n = a.shape[0], b.shape[1]
    return (
        m * n >= _BIAS_IN_GEMM_MIN_OUTPUTS
        and _blas.AVAILABLE
        and a.dtype in _KERNEL_DTYPES
        and m * a.shape[1] * n >= _blas.ADD_MIN_MULTIPLY_ADDS
        and not _by_columns(a, b)
    )


def _gemm2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of two matrices by BLAS, in the faster order (see :func:`_by_columns`), on one
    OpenBLAS thread where :func:`autograd.kernels._blas.small_on_one_thread` says so; the
    result is C-contiguous either way."""
    if _blas.small_on_one_thread(a.shape[0] * a.shape[1] * b.shape[1]):
        with _blas.one_thread():
            return _gemm2_ordered(a, b)
    return _gemm2_ordered(a, b)


def _gemm2_ordered(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if _by_columns(a, b):
        return np.matmul(b.T, a.T).T.copy()
    return np.matmul(a, b)


def _gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` on arrays, folding a stack of matrices times one matrix into a single GEMM."""
    if b.ndim == 2:
        if a.ndim == 2:
            return _gemm2(a, b)  # most products: BLAS at once (the kernel is for stacks)
        if a.flags.c_contiguous:
            out = _gemm2(_rows(a), b)
            return out.reshape(a.shape[:-1] + (b.shape[1],))
    if (
        _kernel_matmul is not None
        and a.dtype in _KERNEL_DTYPES
        and a.flags.c_contiguous
        and b.flags.c_contiguous
    ):
        return _kernel_matmul(a, b)
    return np.matmul(a, b)


def _rows(a: Any) -> Any:
    """A stack of matrices as one matrix of all their rows (sizes spelled out: NumPy cannot
    infer a -1 for an empty array)."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


def _mm(a: Any, b: Any) -> Any:
    """``a @ b`` for arrays (fast path) or Tensors (differentiable, under create_graph)."""
    if type(a) is np.ndarray and type(b) is np.ndarray:
        return _gemm(a, b)
    return a @ b


def _mT(x: Any) -> Any:
    return x.T if x.ndim == 2 else x.swapaxes(-1, -2)


def _column_major(x: np.ndarray) -> bool:
    """Whether matrix ``x`` is laid out column by column only, as a transposed view (``w.t()``).

    Matrices only: PyTorch's ``mm`` gives such an operand a gradient of its layout, its ``bmm``
    does not (the keys' gradient of ``q @ k.transpose(-2, -1)`` reaches ``k`` transposed, and
    hooks and ``autograd.grad`` show those strides), so stacks keep theirs.
    """
    if x.ndim != 2 or x.strides[1] == x.itemsize:  # a row-major matrix: answered at once
        return False
    flags = x.flags
    return flags.f_contiguous and not flags.c_contiguous


def _mm_like(column_major: bool, a: Any, b: Any) -> Any:
    """``a @ b``, written column by column when the operand it is the gradient of is laid out so.

    A gradient takes its operand's layout, as in PyTorch: the gradient of a weight used as
    ``w.t()`` (``nn.Linear``) then reaches ``w`` row-major like ``w`` itself, and is stored and
    updated without a transposing copy. BLAS reads either layout at the same speed.
    """
    return _mT(_mm(_mT(b), _mT(a))) if column_major else _mm(a, b)


#: Most rows (the inner dimension ``m`` of ``a.T @ g``) of a weight-gradient product that
#: :func:`_grad_product` stacks with the weight's other uses: a batch of 32 rows or fewer makes a
#: GEMM thin enough that one over all the uses' rows is faster (20 steps of 32 rows, a 128 x 512
#: weight: 0.89 -> 0.48 ms); with 128 rows the stacked GEMM was no faster (5.5 ms either way).
_STACK_MAX_ROWS = 32


def _grad_product(ctx: Any, i: int, column_major: bool, a: Any, b: Any) -> Any:
    """Input ``i``'s gradient ``a @ b`` (laid out as :func:`_mm_like` says); or, when the engine
    offers it (:data:`~autograd.function._GRAD_OFFER`), a weight gradient ``x.T @ g`` of few rows
    as a :class:`~autograd.function._Stacked` product for the engine to join with the weight's
    other uses, or the gradient summed so far for that input plus ``a @ b`` by one accumulating
    GEMM (:data:`~autograd.function._ACCUMULATED` is returned then)."""
    offer = _GRAD_OFFER
    if offer.node is ctx:
        stack = offer.stack
        if stack is not None and stack[i] and _stackable(a, b):
            return _Stacked(a.T, b, column_major, stack[i])
        sums = offer.sums
        if sums is not None:
            total = sums[i]
            if total is not None and _blas.add_product(a, b, total):
                return _ACCUMULATED
    return _mm_like(column_major, a, b)


def _stackable(a: Any, b: Any) -> bool:
    """Whether :func:`_grad_product` stacks ``a @ b`` (``x.T @ g``, a weight's gradient, or any
    product of that form): two float matrices of one dtype, an inner dimension of at most
    :data:`_STACK_MAX_ROWS`, a result of at least ``_Stacked.min_entries``, and two uses'
    rows within a stack's bound (:meth:`~autograd.function._Stacked.fits`)."""
    return (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.ndim == 2
        and b.ndim == 2
        and 0 < a.shape[1] <= _STACK_MAX_ROWS
        and a.shape[0] * b.shape[1] >= _Stacked.min_entries
        and a.dtype == b.dtype
        and a.dtype in _KERNEL_DTYPES
        and _Stacked.fits(a.shape[1], a.shape[0], b.shape[1], a.itemsize)
    )


def _check_matmul(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """Raise the error PyTorch would raise for ``a @ b``, naming both shapes."""
    _same_dtype(op, a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"{op}: both arguments need at least 1 dimension, got shapes {a.shape} and {b.shape} "
            "(use mul for a scalar product)"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not align: {k_a} != {k_b}")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{op}: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} of shapes {a.shape} and "
            f"{b.shape} cannot be broadcast together"
        ) from None


# --------------------------------------------------------------------------------- matmul
class Matmul(Function):
    _accumulates = True  # a weight's gradient is added into its sum by the GEMM itself

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        if need_a or need_b:  # what backward reads (nothing, when no node is recorded)
            ctx.ndims = (a.ndim, b.ndim)
            ctx.layouts = (need_a and _column_major(a), need_b and _column_major(b))
            ctx.save_for_backward(a if need_b else None, b if need_a else None)
        if a.ndim == 1 or b.ndim == 1:
            return np.matmul(a, b)
        return _gemm(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        nd_a, nd_b = ctx.ndims
        if nd_a == 1 or nd_b == 1:
            return _matvec_grads(a, b, nd_a, nd_b, g, need_a, need_b)
        column_a, column_b = ctx.layouts
        ga = _grad_product(ctx, 0, column_a, g, _mT(b)) if need_a else None
        gb = None
        if need_b:
            if nd_b == 2 and nd_a > 2:
                # One GEMM over the folded batch instead of a stack the engine would sum.
                gb = _grad_product(ctx, 1, column_b, _mT(_rows(a)), _rows(g))
            else:
                gb = _grad_product(ctx, 1, column_b, _mT(a), g)
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        return multilinear_jvp(ctx, (ta, tb), (0, 1))  # bilinear: ta @ b + a @ tb


# PyTorch's node for each form of the product (the rules are Matmul's).
class Mm(Matmul):
    """Two matrices (``mm``, and ``matmul`` of 2-D operands)."""


class Mv(Matmul):
    """A matrix and a vector."""


class Dot(Matmul):
    """Two vectors."""


class Bmm(Matmul):
    """Two 3-D batches (``bmm``)."""


class BatchedMatmul(Matmul):
    """``matmul`` with batch dimensions: PyTorch folds them into one product and views the
    result back, so its outermost node is that view."""

    node_name = "UnsafeViewBackward0"


class VecMat(Matmul):
    """A vector times a matrix: PyTorch's outermost node squeezes the prepended dimension."""

    node_name = "SqueezeBackward4"


def _product_node(nd_a: int, nd_b: int) -> type[Matmul]:
    if nd_a == 1:
        return Dot if nd_b == 1 else VecMat if nd_b == 2 else BatchedMatmul
    if nd_a == 2:
        return Mm if nd_b == 2 else Mv if nd_b == 1 else BatchedMatmul
    return BatchedMatmul


def _matvec_grads(
    a: Any, b: Any, nd_a: int, nd_b: int, g: Any, need_a: bool, need_b: bool
) -> tuple:
    """Gradients when an operand is 1-D (its added dimension never reaches the gradient).

    ``a`` is only read for ``b``'s gradient and ``b`` for ``a``'s (the other may be None)."""
    if nd_a == 1 and nd_b == 1:
        return (g * b if need_a else None), (g * a if need_b else None)
    ga = gb = None
    if nd_a == 1:  # (k,) @ (..., k, m) -> (..., m)
        if need_a:
            ga = _mm(b, g) if nd_b == 2 else _contract("...km,...m->...k", b, g)
        if need_b:
            gb = _contract("k,...m->...km", a, g)
    else:  # (..., n, k) @ (k,) -> (..., n)
        if need_a:
            ga = _contract("...n,k->...nk", g, b)
        if need_b:
            gb = _mm(g, a) if nd_a == 2 else _contract("...nk,...n->...k", a, g)
    return ga, gb


def _sample_matmul(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    kind = draw(st.sampled_from(["dot", "mv", "vm", "mm", "batched", "batched_vec"]))
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    if kind == "dot":
        sa, sb = (k,), (k,)
    elif kind == "mv":
        sa, sb = (n, k), (k,)
    elif kind == "vm":
        sa, sb = (k,), (k, m)
    elif kind == "mm":
        sa, sb = (n, k), (k, m)
    else:
        n, k, m = min(n, 2), min(k, 2), min(m, 2)
        ba, bb = draw(testing.broadcastable_shapes(2, max_dims=2, max_side=2))
        sa, sb = ba + (n, k), bb + (k, m)
        if kind == "batched_vec":
            sa, sb = draw(st.sampled_from([((k,), sb), (sa, (k,))]))
    return Sample((draw(testing.arrays(sa, dtype)), draw(testing.arrays(sb, dtype))))


@register(
    method=True,
    numpy=np.matmul,
    operators=("__matmul__", "__rmatmul__"),
    sample=_sample_matmul,
    ref=np.matmul,
)
def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product with PyTorch's rules for 1-D operands and broadcast batch dimensions.

    1-D @ 1-D is a dot product (0-d result); a 1-D left operand gets a dimension prepended and a
    1-D right operand one appended, removed again from the result; dimensions before the last
    two are batch dimensions and broadcast. Both operands must have the same dtype.

    Examples
    --------
    >>> import autograd
    >>> a = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> autograd.matmul(a, autograd.tensor([1.0, 1.0]))
    tensor([3., 7.], grad_fn=<MvBackward0>)
    >>> (autograd.ones(5, 1, 2, 3) @ autograd.ones(4, 3, 2)).shape
    (5, 4, 2, 2)
    """
    if type(input) is not Tensor or type(other) is not Tensor:
        input = _operand(input, other, "input")
        other = _operand(other, input, "other")
    a, b = input._array, other._array
    # The hot path (two same-dtype matrices that align) costs four attribute checks.
    if a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype or a.shape[1] != b.shape[0]:
        _check_matmul("matmul", a, b)
    elif a.dtype.kind not in "fiu":
        _same_dtype("matmul", a, b)
    else:
        return Mm.apply(input, other)
    return _product_node(a.ndim, b.ndim).apply(input, other)


def _sample_fixed_ndim(ndim: int) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
        if ndim == 1:
            sa, sb = (k,), (k,)
        elif ndim == 2:
            sa, sb = (n, k), (k, m)
        else:
            batch = draw(st.integers(1, 2))
            sa, sb = (batch, min(n, 2), k), (batch, k, min(m, 2))
        return Sample((draw(testing.arrays(sa, dtype)), draw(testing.arrays(sb, dtype))))

    return sample


def _fixed_ndim_operands(op: str, input: Any, other: Any, ndim: int) -> tuple[Tensor, Tensor]:
    input = _operand(input, other, "input")
    other = _operand(other, input, "other")
    what = {1: "1-D vectors", 2: "2-D matrices", 3: "3-D batches of matrices"}[ndim]
    names = ("mat1", "mat2") if op == "addmm" else ("input", "mat2" if op == "mm" else "other")
    for name, t in zip(names, (input, other)):
        if t.ndim != ndim:
            raise ValueError(f"{op}: expected {what}, got {name} with shape {t.shape}")
    a, b = input._array, other._array
    _same_dtype(op, a, b)
    if ndim == 1 and a.shape != b.shape:
        raise ValueError(f"{op}: vectors of shapes {a.shape} and {b.shape} differ in length")
    if ndim == 3 and a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{op}: shapes {a.shape} and {b.shape} have different batch sizes: "
            f"{a.shape[0]} != {b.shape[0]} (bmm does not broadcast; use matmul)"
        )
    if ndim > 1 and a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"{op}: shapes {a.shape} and {b.shape} do not align: {a.shape[-1]} != {b.shape[-2]}"
        )
    return input, other


@register(method=True, sample=_sample_fixed_ndim(2), ref=np.matmul)
def mm(input: Any, mat2: Any) -> Tensor:
    """Product of two 2-D matrices (no broadcasting; see :func:`matmul` for that).

    Examples
    --------
    >>> import autograd
    >>> autograd.mm(autograd.ones(2, 3), autograd.ones(3, 4)).shape
    (2, 4)
    """
    return Mm.apply(*_fixed_ndim_operands("mm", input, mat2, 2))


@register(method=True, sample=_sample_fixed_ndim(3), ref=np.matmul)
def bmm(input: Any, mat2: Any) -> Tensor:
    """Batched product of 3-D tensors ``(b, n, k) @ (b, k, m) -> (b, n, m)``; no broadcasting.

    Examples
    --------
    >>> import autograd
    >>> autograd.bmm(autograd.ones(5, 2, 3), autograd.ones(5, 3, 4)).shape
    (5, 2, 4)
    """
    return Bmm.apply(*_fixed_ndim_operands("bmm", input, mat2, 3))


@register(method=True, numpy=np.dot, sample=_sample_fixed_ndim(1), ref=np.dot)
def dot(input: Any, other: Any) -> Tensor:
    """Inner product of two 1-D tensors of the same length (a 0-d result).

    Examples
    --------
    >>> import autograd
    >>> autograd.dot(autograd.tensor([1.0, 2.0]), autograd.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return Dot.apply(*_fixed_ndim_operands("dot", input, other, 1))


# ---------------------------------------------------------------------------------- addmm
class Addmm(Function):
    _accumulates = True  # see Matmul

    @staticmethod
    def forward(ctx, bias, m1, m2, beta, alpha):
        _, need_1, need_2 = ctx.needs_input_grad[:3]
        ctx.scale = (beta, alpha)
        ctx.layouts = (_column_major(m1), _column_major(m2))
        ctx.save_for_backward(m1 if need_2 else None, m2 if need_1 else None)
        if beta == 1 and alpha == 1 and _bias_in_gemm(m1, m2):
            # As PyTorch: the bias broadcast into the output, the product added by the GEMM
            # itself (beta = 1), instead of a pass of its own over the output.
            out = np.empty((m1.shape[0], m2.shape[1]), m1.dtype)
            out[...] = bias
            if not _blas.add_product(m1, m2, out):
                out += _gemm(m1, m2)
            return out
        out = _gemm(m1, m2)
        if alpha != 1:
            out *= alpha
        if beta == 0:  # as PyTorch: bias is ignored, so nan or inf in it does not propagate
            return out
        out += bias if beta == 1 else beta * bias
        return out

    @staticmethod
    def backward(ctx, g):
        m1, m2 = ctx.saved_tensors
        need_bias, need_1, need_2 = ctx.needs_input_grad[:3]
        beta, alpha = ctx.scale
        column_1, column_2 = ctx.layouts
        ga = gb = None
        if need_1:
            if alpha == 1:
                ga = _grad_product(ctx, 1, column_1, g, m2.T)
            else:
                ga = _mm_like(column_1, g, m2.T) * alpha
        if need_2:
            if alpha == 1:
                gb = _grad_product(ctx, 2, column_2, m1.T, g)
            else:
                gb = _mm_like(column_2, m1.T, g) * alpha
        gbias = (g if beta == 1 else g * beta) if need_bias else None
        return gbias, ga, gb, None, None

    @staticmethod
    def jvp(ctx, t_bias, t1, t2, beta, alpha):
        _, m1, m2 = ctx.primals[:3]
        return beta * t_bias + alpha * (t1 @ m2 + m1 @ t2)


def _sample_addmm(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    bias_shape = draw(st.sampled_from([(n, m), (m,), (1, m), (n, 1), ()]))
    kwargs = draw(st.sampled_from([{}, {"beta": 0.5, "alpha": 2.0}]))
    return Sample(
        (draw(testing.arrays(bias_shape, dtype)), draw(testing.arrays((n, k), dtype)),
         draw(testing.arrays((k, m), dtype))),
        kwargs,
    )  # fmt: skip


def _addmm_ref(bias, m1, m2, beta=1, alpha=1):
    return beta * bias + alpha * (m1 @ m2)


@register(method=True, sample=_sample_addmm, ref=_addmm_ref)
def addmm(input: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D ``mat1``, ``mat2`` and ``input``
    broadcastable to the product's shape: one node (``AddmmBackward0``), as ``nn.Linear`` uses.

    Examples
    --------
    >>> import autograd
    >>> w = autograd.ones(3, 2, requires_grad=True)
    >>> autograd.addmm(autograd.tensor([0.5, -0.5]), autograd.ones(1, 3), w)
    tensor([[3.5000, 2.5000]], grad_fn=<AddmmBackward0>)
    """
    m1, m2 = _fixed_ndim_operands("addmm", mat1, mat2, 2)
    input = _operand(input, m1, "input")
    _same_dtype("addmm", input._array, m1._array)
    out_shape = (m1.shape[0], m2.shape[1])
    try:
        # A bias row (nn.Linear's) or the product's own shape needs no broadcasting check.
        if input.shape not in (out_shape[1:], out_shape) and (
            np.broadcast_shapes(input.shape, out_shape) != out_shape
        ):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"addmm: input of shape {input.shape} cannot be broadcast to the product's shape "
            f"{out_shape}"
        ) from None
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"addmm: {name} must be a number, got {type(v).__name__}")
    return Addmm.apply(input, m1, m2, beta, alpha)


# ---------------------------------------------------------------------------------- outer
class Outer(Function):
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return np.multiply.outer(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (_mm(g, b) if need_a else None), (_mm(a, g) if need_b else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        return multilinear_jvp(ctx, (ta, tb), (0, 1))  # bilinear: ta @ b + a @ tb


def _sample_outer(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return Sample((draw(testing.arrays((n,), dtype)), draw(testing.arrays((m,), dtype))))


@register(method=True, numpy=np.outer, aliases=("ger",), sample=_sample_outer, ref=np.outer)
def outer(input: Any, vec2: Any) -> Tensor:
    """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]``.

    Unlike the other products, mixed dtypes promote as in ``mul``.

    Examples
    --------
    >>> import autograd
    >>> autograd.outer(autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    a, b = binary_operands(input, vec2, "outer")
    for name, t in (("input", a), ("vec2", b)):
        if not isinstance(t, Tensor) or t.ndim != 1:
            shape = t.shape if isinstance(t, Tensor) else ()
            raise ValueError(f"outer: expected 1-D vectors, got {name} with shape {shape}")
    return Outer.apply(a, b)
