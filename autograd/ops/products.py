"""Products built on matmul: addbmm, baddbmm, addmv, addr (``beta * input + alpha *
product``, each with its in-place twin; ``addmm`` itself is one primitive in ``linalg``), mv,
kron, cross / linalg.cross, linalg.vecdot, linalg.multi_dot, chain_matmul.

They are composed from differentiable primitives, so gradients of every order and forward-mode
tangents come from those. As in PyTorch, ``beta=0`` ignores ``input`` (a NaN there does not
reach the result).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._mutate import run_inplace
from ._util import as_tensor, binary_operands, normalize_dim
from .linalg import addmm, bmm, matmul, outer
from .registry import Sample, declare, register


def _operands(op: str, names: tuple[str, ...], ndims: tuple[int, ...], *args: Any) -> list:
    out = []
    for name, nd, x in zip(names, ndims, args):
        t = as_tensor(x, name)
        if t.ndim != nd:
            what = {1: "a 1-D vector", 2: "a 2-D matrix", 3: "a 3-D batch of matrices"}[nd]
            raise ValueError(f"{op}: {name} must be {what}, got shape {tuple(t.shape)}")
        out.append(t)
    return out


def _add_scaled(op: str, input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * product``; ``input`` must broadcast to the product's shape."""
    inp = as_tensor(input, "input")
    try:
        shape = np.broadcast_shapes(tuple(inp.shape), tuple(product.shape))
    except ValueError:
        shape = None
    if shape != tuple(product.shape):
        raise ValueError(
            f"{op}: input of shape {tuple(inp.shape)} cannot be broadcast to the product's "
            f"shape {tuple(product.shape)}"
        )
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out
    return out + (inp if beta == 1 else inp * beta)


def _inplace_twin(fn: Callable) -> Callable:
    """``input.<fn>_(...)``: the result written into ``input`` (its shape must not change)."""
    twin_name = fn.__name__ + "_"

    def fast(a: np.ndarray, args: tuple, kwargs: dict) -> None:
        out = fn(Tensor._make(a), *args, **kwargs)._array
        if out.shape != a.shape:
            raise ValueError(
                f"{twin_name}: the result's shape {out.shape} differs from input's {a.shape}"
            )
        np.copyto(a, out, casting="same_kind")

    def twin(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return run_inplace(
            self, twin_name, lambda a: fast(a, args, kwargs),
            lambda t: fn(t, *args, **kwargs), args + tuple(kwargs.values()),
        )  # fmt: skip

    twin.__name__ = twin.__qualname__ = twin_name
    twin.__doc__ = (
        f"In-place :func:`autograd.{fn.__name__}`: writes the result into ``input`` and returns "
        f"it.\n\nArguments and an example: see :func:`autograd.{fn.__name__}`."
    )
    declare(twin, twin_name, method=True)
    return twin


def _sample_add_product(kind: str) -> Callable:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        b, n, k, m = (draw(st.integers(1, 3)) for _ in range(4))
        shapes = {
            "addmm": ((n, m), (n, k), (k, m)),
            "baddbmm": ((b, n, m), (b, n, k), (b, k, m)),
            "addbmm": ((n, m), (b, n, k), (b, k, m)),
            "addmv": ((n,), (n, k), (k,)),
            "addr": ((n, m), (n,), (m,)),
        }[kind]
        out_shape = shapes[0]
        in_shape = draw(st.sampled_from([out_shape, out_shape[-1:], (1,) * len(out_shape), ()]))
        arrays = [draw(testing.arrays(s, dtype)) for s in (in_shape, *shapes[1:])]
        beta, alpha = draw(st.sampled_from([1, 0.5, 0])), draw(st.sampled_from([1, 2.0]))
        kwargs = {"beta": beta, "alpha": alpha}
        return Sample(tuple(arrays), kwargs)

    return sample


def _ref_add_product(product: Callable) -> Callable:
    def ref(inp, a, b, beta=1, alpha=1):
        out = alpha * product(a, b)
        return out if beta == 0 else out + beta * inp

    return ref


@register(
    method=True,
    sample=_sample_add_product("baddbmm"), ref=_ref_add_product(np.matmul),
)  # fmt: skip
def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)`` for 3-D batches of matrices.

    Examples
    --------
    >>> import autograd
    >>> b1, b2 = autograd.ones(4, 2, 3), autograd.ones(4, 3, 5)
    >>> autograd.baddbmm(autograd.zeros(4, 2, 5), b1, b2).shape
    (4, 2, 5)
    """
    b1, b2 = _operands("baddbmm", ("batch1", "batch2"), (3, 3), batch1, batch2)
    return _add_scaled("baddbmm", input, bmm(b1, b2), beta, alpha)


@register(
    method=True,
    sample=_sample_add_product("addbmm"),
    ref=_ref_add_product(lambda a, b: np.matmul(a, b).sum(0)),
)  # fmt: skip
def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]`` (the batch is summed over).

    Examples
    --------
    >>> import autograd
    >>> autograd.addbmm(autograd.zeros(2, 5), autograd.ones(4, 2, 3), autograd.ones(4, 3, 5))[0, 0]
    tensor(12.)
    """
    b1, b2 = _operands("addbmm", ("batch1", "batch2"), (3, 3), batch1, batch2)
    return _add_scaled("addbmm", input, bmm(b1, b2).sum(0), beta, alpha)


@register(
    method=True,
    sample=_sample_add_product("addmv"), ref=_ref_add_product(np.matmul),
)  # fmt: skip
def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)`` for a 2-D ``mat`` and a 1-D ``vec``.

    Examples
    --------
    >>> import autograd
    >>> autograd.addmv(autograd.ones(2), autograd.eye(2), autograd.tensor([2.0, 3.0]))
    tensor([3., 4.])
    """
    m, v = _operands("addmv", ("mat", "vec"), (2, 1), mat, vec)
    return _add_scaled("addmv", input, mv(m, v), beta, alpha)


@register(
    method=True,
    sample=_sample_add_product("addr"), ref=_ref_add_product(np.outer),
)  # fmt: skip
def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``.

    Examples
    --------
    >>> import autograd
    >>> v1, v2 = autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 3.0])
    >>> autograd.addr(autograd.zeros(2, 2), v1, v2)
    tensor([[1., 3.],
            [2., 6.]])
    """
    v1, v2 = _operands("addr", ("vec1", "vec2"), (1, 1), vec1, vec2)
    return _add_scaled("addr", input, outer(v1, v2), beta, alpha)


def _sample_mv(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    n, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return Sample((draw(testing.arrays((n, k), dtype)), draw(testing.arrays((k,), dtype))))


@register(method=True, sample=_sample_mv, ref=np.matmul)
def mv(input: Any, vec: Any) -> Tensor:
    """Matrix-vector product of a 2-D ``input`` and a 1-D ``vec``.

    Examples
    --------
    >>> import autograd
    >>> autograd.mv(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]), autograd.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    m, v = _operands("mv", ("input", "vec"), (2, 1), input, vec)
    if m.shape[1] != v.shape[0]:
        raise ValueError(
            f"mv: input of shape {tuple(m.shape)} and vec of shape {tuple(v.shape)} do not align"
        )
    return matmul(m, v)


# ------------------------------------------------------------------------------------ kron
def _sample_kron(draw: Any, dtype: np.dtype) -> Sample:
    from .. import testing

    sa = draw(testing.shapes(max_dims=3, max_side=3))
    sb = draw(testing.shapes(max_dims=3, max_side=3))
    return Sample((draw(testing.arrays(sa, dtype)), draw(testing.arrays(sb, dtype))))


@register(method=True, numpy=np.kron, sample=_sample_kron, ref=np.kron)
def kron(input: Any, other: Any) -> Tensor:
    """The Kronecker product: blocks ``input[i, j, ...] * other``; the operand with fewer dims
    gets leading size-1 dims, so the result's shape is the product of the two shapes.

    Examples
    --------
    >>> import autograd
    >>> autograd.kron(autograd.eye(2), autograd.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 0., 0.],
            [0., 0., 1., 2.]])
    """
    a, b = binary_operands(input, other, "kron")
    a, b = as_tensor(a, "input"), as_tensor(b, "other")
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + tuple(a.shape)
    sb = (1,) * (nd - b.ndim) + tuple(b.shape)
    a_split = a.reshape(tuple(s for d in sa for s in (d, 1)))
    b_split = b.reshape(tuple(s for d in sb for s in (1, d)))
    return (a_split * b_split).reshape(tuple(x * y for x, y in zip(sa, sb)))


# ----------------------------------------------------------------------------------- cross
def _cross(op: str, input: Any, other: Any, dim: int) -> Tensor:
    a, b = binary_operands(input, other, op)
    a, b = as_tensor(a, "input"), as_tensor(b, "other")
    if a.ndim != b.ndim:
        raise ValueError(
            f"{op}: input and other must have the same number of dimensions, got shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    try:
        shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise ValueError(
            f"{op}: input of shape {tuple(a.shape)} and other of shape {tuple(b.shape)} cannot be "
            "broadcast together"
        ) from None
    d = normalize_dim(dim, len(shape), op)
    if shape[d] != 3:
        raise ValueError(f"{op}: dim {dim} must have size 3, got shape {shape}")
    a, b = a.expand(*shape), b.expand(*shape)
    # c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}
    return a.roll(-1, d) * b.roll(-2, d) - a.roll(-2, d) * b.roll(-1, d)


def _sample_cross(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = list(draw(testing.shapes(min_dims=1, max_dims=3, max_side=3)))
    d = draw(st.integers(0, len(shape) - 1))
    shape[d] = 3
    other = [1 if i != d and draw(st.booleans()) else s for i, s in enumerate(shape)]
    if draw(st.booleans()):
        shape, other = other, shape
    args = (draw(testing.arrays(tuple(shape), dtype)), draw(testing.arrays(tuple(other), dtype)))
    return Sample(args, {"dim": d - len(shape)})


def _cross_ref(a: np.ndarray, b: np.ndarray, dim: int = -1) -> np.ndarray:
    return np.cross(a, b, axis=dim)


@register(method=True, sample=_sample_cross, ref=_cross_ref)
def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (input and other have the same number of
    dims and broadcast). With
    ``dim=None`` the first dim of size 3 is used, as PyTorch's (deprecated) default;
    :func:`autograd.linalg.cross` defaults to the last dim.

    Examples
    --------
    >>> import autograd
    >>> autograd.cross(autograd.tensor([1.0, 0.0, 0.0]), autograd.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if dim is None:
        a, b = as_tensor(input, "input"), as_tensor(other, "other")
        shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
        sizes = [i for i, s in enumerate(shape) if s == 3]
        if not sizes:
            raise ValueError(f"cross: no dim of size 3 in the broadcast shape {shape}")
        dim = sizes[0]
    return _cross("cross", input, other, dim)


@register(namespace="linalg", name="cross", sample=_sample_cross, ref=_cross_ref)
def linalg_cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the last by default); input and other
    have the same number of dims and broadcast.

    Examples
    --------
    >>> import autograd
    >>> a, b = autograd.tensor([[0.0, 1.0, 0.0]]), autograd.tensor([[0.0, 0.0, 1.0]])
    >>> autograd.linalg.cross(a, b)
    tensor([[1., 0., 0.]])
    """
    return _cross("linalg.cross", input, other, dim)


# ------------------------------------------------------------------ vecdot, multi_dot
def _sample_vecdot(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(min_dims=1))
    d = draw(st.integers(-len(shape), -1))
    k = draw(st.integers(-d, len(shape)))
    other = [1 if i != len(shape) + d and draw(st.booleans()) else s for i, s in enumerate(shape)]
    other = other[len(shape) - k :]
    if draw(st.booleans()):
        shape, other = other, shape
    args = (draw(testing.arrays(tuple(shape), dtype)), draw(testing.arrays(tuple(other), dtype)))
    return Sample(args, {"dim": d})


@register(
    namespace="linalg", sample=_sample_vecdot,
    ref=lambda x, y, dim=-1: np.sum(np.multiply(x, y), axis=dim),
)  # fmt: skip
def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """The dot product of ``x`` and ``y`` (broadcast) along ``dim``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> autograd.linalg.vecdot(x, autograd.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    a, b = binary_operands(x, y, "linalg.vecdot")
    a, b = as_tensor(a, "x"), as_tensor(b, "y")
    try:
        nd = len(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    except ValueError:
        raise ValueError(
            f"linalg.vecdot: x of shape {tuple(a.shape)} and y of shape {tuple(b.shape)} cannot "
            "be broadcast together"
        ) from None
    d = normalize_dim(dim, nd, "linalg.vecdot") - nd
    if -d > min(a.ndim, b.ndim) or a.shape[d] != b.shape[d]:
        raise ValueError(
            f"linalg.vecdot: x of shape {tuple(a.shape)} and y of shape {tuple(b.shape)} must "
            f"have the same size along dim {dim}"
        )
    return (a * b).sum(d)


def _sample_multi_dot(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    count = draw(st.integers(2, 4))
    sides = [draw(st.integers(1, 3)) for _ in range(count + 1)]
    shapes = [(sides[i], sides[i + 1]) for i in range(count)]
    if draw(st.booleans()):
        shapes[0] = shapes[0][1:]
    if draw(st.booleans()):
        shapes[-1] = shapes[-1][:1]
    return Sample(([draw(testing.arrays(s, dtype)) for s in shapes],))


@register(namespace="linalg", sample=_sample_multi_dot, ref=np.linalg.multi_dot)
def multi_dot(tensors: Any) -> Tensor:
    """The product of a sequence of matrices; the first may be a 1-D row vector and the last a
    1-D column vector (their dimension is removed from the result), as PyTorch's.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.multi_dot([autograd.ones(3), autograd.ones(3, 2), autograd.ones(2)])
    tensor(6.)
    """
    ts = [as_tensor(t, f"tensors[{i}]") for i, t in enumerate(tensors)]
    if len(ts) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(ts)}")
    for i, t in enumerate(ts):
        allowed = (1, 2) if i in (0, len(ts) - 1) else (2,)
        if t.ndim not in allowed:
            raise ValueError(
                f"linalg.multi_dot: tensors[{i}] must be "
                + ("1-D or 2-D" if len(allowed) == 2 else "2-D")
                + f", got shape {tuple(t.shape)}"
            )
    out = ts[0]
    for t in ts[1:]:
        out = matmul(out, t)
    return out


@register()
def chain_matmul(*matrices: Any) -> Tensor:
    """The product of 2-D matrices (PyTorch's deprecated form of ``linalg.multi_dot``).

    Examples
    --------
    >>> import autograd
    >>> autograd.chain_matmul(autograd.eye(2), autograd.ones(2, 3)).shape
    (2, 3)
    """
    for i, t in enumerate(matrices):
        if as_tensor(t, f"matrices[{i}]").ndim != 2:
            raise ValueError(f"chain_matmul: matrices[{i}] must be 2-D, got {np.shape(t)}")
    if len(matrices) == 1:
        return as_tensor(matrices[0]) * 1
    return multi_dot(list(matrices))


addmm_ = _inplace_twin(addmm)
baddbmm_ = _inplace_twin(baddbmm)
addbmm_ = _inplace_twin(addbmm)
addmv_ = _inplace_twin(addmv)
addr_ = _inplace_twin(addr)
