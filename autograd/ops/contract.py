"""Tensor contractions: einsum and tensordot.

Both differentiate by contracting the output gradient with the other operands (an identity tensor
restores repeated subscripts such as ``'ii->i'``; a vector of ones restores summed-away labels).
"""

from __future__ import annotations

import functools
import string
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._jvp import multilinear_jvp
from ._util import as_tensor, normalize_dim, promote_operands
from .registry import Sample, register


def _operand(x: Any, other: Any, argname: str) -> Tensor:
    """Tensors pass through; Python data takes the dtype of a floating ``other`` tensor."""
    if isinstance(x, Tensor):
        return x
    if not isinstance(x, np.ndarray) and isinstance(other, Tensor) and other.dtype.kind == "f":
        return Tensor._make(np.asarray(x, dtype=other.dtype))
    return as_tensor(x, argname)


def _same_dtype(op: str, a: np.ndarray, b: np.ndarray) -> None:
    if a.dtype != b.dtype:
        raise TypeError(
            f"{op}: input and other must have the same dtype, got {a.dtype} and {b.dtype} "
            "(convert one with .to(dtype))"
        )
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{op}: expected floating point or integer tensors, got {a.dtype}")


def _contract(equation: str, *operands: Any) -> Any:
    """``einsum`` on arrays (NumPy, BLAS for large products) or Tensors (differentiable)."""
    if any(isinstance(o, Tensor) for o in operands):
        return einsum(equation, *operands)
    big = sum(o.size for o in operands) > 2048
    return np.einsum(equation, *operands, optimize="greedy" if big else False)


# --------------------------------------------------------------------------------- einsum
class _EinsumSpec:
    """An equation with ellipses spelled out as letters, and the size of every label."""

    __slots__ = ("inputs", "output", "equation", "sizes", "spare")

    def __init__(self, inputs: list[str], output: str, sizes: dict, spare: str) -> None:
        self.inputs = inputs
        self.output = output
        self.equation = ",".join(inputs) + "->" + output
        self.sizes = sizes
        self.spare = spare  # letters unused by the equation, for the backward's identities


@functools.lru_cache(maxsize=512)
def _parse_einsum(equation: str, shapes: tuple) -> _EinsumSpec:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise ValueError(f"einsum: equation {equation!r} has more than one '->'")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: equation {equation!r} has {len(terms)} operand subscript(s) but "
            f"{len(shapes)} operand(s) were given"
        )
    for term in terms + [rhs]:
        bad = [c for c in term.replace("...", "") if c not in string.ascii_letters]
        if bad or term.count("...") > 1:
            what = f"invalid character {bad[0]!r}" if bad else "more than one '...'"
            raise ValueError(
                f"einsum: {what} in term {term!r} of equation {equation!r} (subscripts are "
                "letters a-z, A-Z, with at most one '...' per term)"
            )
    used = set(eq) & set(string.ascii_letters)
    spare = "".join(c for c in string.ascii_letters if c not in used)
    n_ell = 0
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        n_lab = len(term.replace("...", ""))
        if n_lab > len(shape) or ("..." not in term and n_lab != len(shape)):
            raise ValueError(
                f"einsum: term {term!r} has {n_lab} subscript(s) but operand {i} has shape "
                f"{shape}" + ("" if "..." in term else " (and no '...')")
            )
        if "..." in term:
            n_ell = max(n_ell, len(shape) - n_lab)
    if n_ell > len(spare):
        raise ValueError(f"einsum: equation {equation!r} leaves too few letters for '...'")
    ell, spare = spare[:n_ell], spare[n_ell:]
    inputs = []
    for term, shape in zip(terms, shapes):
        k = len(shape) - len(term.replace("...", ""))
        inputs.append(term.replace("...", ell[n_ell - k :] if k else ""))
    for i, (labels, shape) in enumerate(zip(inputs, shapes)):
        for c in set(labels):
            sub = [s for lab, s in zip(labels, shape) if lab == c]
            if len(set(sub)) > 1:
                raise ValueError(
                    f"einsum: subscript {c!r} is repeated in operand {i} (shape {shape}) with "
                    f"different sizes {sub}"
                )
    sizes: dict[str, int] = {}
    for i, (labels, shape) in enumerate(zip(inputs, shapes)):
        for c, s in zip(labels, shape):
            known = sizes.get(c)
            if known is None or known == 1:
                sizes[c] = s
            elif s != 1 and s != known:
                name = "..." if c in ell else repr(c)
                raise ValueError(
                    f"einsum: subscript {name} has size {s} in operand {i} (shape {shape}) but "
                    f"size {known} in an earlier operand of equation {equation!r}"
                )
    if arrow:
        if "..." in rhs and not n_ell and all("..." not in t for t in terms):
            raise ValueError(f"einsum: output of {equation!r} has '...' but no input has")
        output = rhs.replace("...", ell)
        for c in output:
            if c not in sizes:
                raise ValueError(
                    f"einsum: output subscript {c!r} of {equation!r} appears in no input"
                )
            if output.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} of {equation!r} is repeated")
    else:  # implicit mode: '...' first, then the labels seen once, in alphabetical order
        counts = "".join(inputs)
        output = ell + "".join(sorted(c for c in set(counts) - set(ell) if counts.count(c) == 1))
    return _EinsumSpec(inputs, output, sizes, spare)


def _einsum_grad(spec: _EinsumSpec, i: int, g: Any, operands: tuple, shape: tuple) -> Any:
    """d(out)/d(operand i): contract ``g`` with the other operands back to operand i's labels.

    A label repeated in operand i (a diagonal) gets a fresh letter tied to the first by an
    identity matrix; a label found nowhere else (summed away in forward) gets a vector of ones.
    ``operands[i]`` itself is not read (it may be None); ``shape`` is its shape.
    """
    terms = [spec.output]
    args = [g]
    for j, (labels, op) in enumerate(zip(spec.inputs, operands)):
        if j != i:
            terms.append(labels)
            args.append(op)
    target = ""
    spare = iter(spec.spare)
    for c in spec.inputs[i]:
        if c in target:
            fresh = next(spare, None)
            if fresh is None:
                raise RuntimeError("einsum: too many repeated subscripts to differentiate")
            terms.append(c + fresh)
            args.append(np.eye(spec.sizes[c], dtype=g.dtype))
            target += fresh
        else:
            target += c
    # Each label must reach operand i's size in some term, else it is broadcast by ones.
    reach: dict[str, int] = {}
    for term, arg in zip(terms, args):
        for c, s in zip(term, arg.shape):
            reach[c] = max(reach.get(c, 0), s)
    for c, s in zip(spec.inputs[i], shape):
        if reach.get(c, -1) < s:  # a label of size 0 found nowhere else needs its ones too
            terms.append(c)
            args.append(np.ones(s, dtype=g.dtype))
            reach[c] = s
    return _contract(",".join(terms) + "->" + target, *args)


class Einsum(Function):
    @staticmethod
    def forward(ctx, spec, *operands):
        ctx.spec = spec
        ctx.shapes = tuple(o.shape for o in operands)
        ctx.save_for_backward(*_needed_operands(ctx.needs_input_grad[1:], operands))
        big = len(operands) > 2 or sum(o.size for o in operands) > 2048
        return np.einsum(spec.equation, *operands, optimize="greedy" if big else False)

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        needs = ctx.needs_input_grad[1:]
        grads = [
            _einsum_grad(ctx.spec, i, g, operands, ctx.shapes[i]) if n else None
            for i, n in enumerate(needs)
        ]
        return (None, *grads)

    @staticmethod
    def jvp(ctx, spec, *tangents):
        # Linear in each operand: one term per operand with a tangent.
        return multilinear_jvp(ctx, (spec, *tangents), tuple(range(1, len(tangents) + 1)))


def _needed_operands(needs: tuple, operands: tuple) -> tuple:
    """Each operand the gradient of another one reads; None for the rest (an operand's own
    gradient never reads it, so changing it in place afterwards is fine, as in PyTorch)."""
    wanted = [i for i, n in enumerate(needs) if n]
    return tuple(o if any(i != j for i in wanted) else None for j, o in enumerate(operands))


_EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii->", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 2), (3, 2, 2)]),
    ("...i,...i->...", [(1, 3), (2, 3)]),
    ("...i,...i", [(2, 3), (3,)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij,ij->j", [(1, 3), (2, 3)]),
    ("ba,cb", [(2, 3), (4, 2)]),
    ("ij,jk,kl->il", [(2, 2), (2, 3), (3, 2)]),
    ("ijk->kji", [(2, 3, 2)]),
    ("...->...", [()]),
]


def _sample_einsum(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    equation, shapes = draw(st.sampled_from(_EINSUM_CASES))
    return Sample((equation, *(draw(testing.arrays(s, dtype)) for s in shapes)))


def _einsum_ref(equation: str, *arrays: np.ndarray) -> np.ndarray:
    return np.einsum(_parse_einsum(equation, tuple(a.shape for a in arrays)).equation, *arrays)


@register(numpy=np.einsum, sample=_sample_einsum, ref=_einsum_ref)
def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``.

    ``operands`` may also be one list of tensors. Subscripts are letters; ``'...'`` stands for
    broadcast dimensions (summed when the output omits it); a label repeated within one operand
    takes its diagonal; without ``'->'`` the output is ``'...'`` followed by the labels seen
    exactly once, in alphabetical order. Dimensions of size 1 broadcast. Operands of different
    dtypes are promoted as by ``result_type`` (PyTorch does so where it multiplies elementwise,
    but refuses mixed dtypes where it contracts with a matrix product).

    Examples
    --------
    >>> import autograd
    >>> a = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> autograd.einsum("ii->i", a)
    tensor([1., 4.])
    >>> autograd.einsum("ij,j->i", a, autograd.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: at least one operand is required")
    names = tuple(f"operands[{i}]" for i in range(len(operands)))
    tensors = promote_operands(tuple(as_tensor(o, n) for o, n in zip(operands, names)), names)
    first = tensors[0]._array
    if first.dtype.kind not in "fiu":
        _same_dtype("einsum", first, first)
    spec = _parse_einsum(equation, tuple(t.shape for t in tensors))
    return Einsum.apply(spec, *tensors)


# ------------------------------------------------------------------------------ tensordot
class Tensordot(Function):
    @staticmethod
    def forward(ctx, spec, a, b, axes):
        ctx.spec = spec
        ctx.shapes = (a.shape, b.shape)
        ctx.save_for_backward(*_needed_operands(ctx.needs_input_grad[1:3], (a, b)))
        return np.tensordot(a, b, axes=axes)

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[1:3]
        ga = _einsum_grad(ctx.spec, 0, g, operands, ctx.shapes[0]) if need_a else None
        gb = _einsum_grad(ctx.spec, 1, g, operands, ctx.shapes[1]) if need_b else None
        return None, ga, gb, None

    @staticmethod
    def jvp(ctx, spec, ta, tb, axes):
        return multilinear_jvp(ctx, (spec, ta, tb, axes), (1, 2))


def _tensordot_axes(dims: Any, a_shape: tuple, b_shape: tuple) -> tuple[list, list]:
    na, nb = len(a_shape), len(b_shape)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if not 0 <= dims <= min(na, nb):
            raise ValueError(
                f"tensordot: dims={dims} must be in [0, {min(na, nb)}] for shapes {a_shape} "
                f"and {b_shape}"
            )
        return list(range(na - dims, na)), list(range(dims))
    if not (isinstance(dims, (list, tuple)) and len(dims) == 2):
        raise TypeError(f"tensordot: dims must be an int or a pair of dim lists, got {dims!r}")
    da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
    if len(da) != len(db):
        raise ValueError(f"tensordot: dims {dims!r} pair lists of different lengths")
    da = [normalize_dim(d, na, "tensordot") for d in da]
    db = [normalize_dim(d, nb, "tensordot") for d in db]
    if len(set(da)) != len(da) or len(set(db)) != len(db):
        raise ValueError(f"tensordot: dims {dims!r} repeat a dimension")
    return da, db


def _sample_tensordot(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    small = lambda s: int(np.prod(s)) <= 12  # noqa: E731 - keeps numerical Jacobians cheap
    sa = draw(testing.shapes(max_dims=3, max_side=3).filter(small))
    n = draw(st.integers(0, min(len(sa), 2)))
    contracted = sa[len(sa) - n :]
    free = draw(testing.shapes(max_dims=3 - n, max_side=3).filter(small)) if n < 2 else ()
    if draw(st.booleans()) or n == 0:
        sb = contracted + free
        dims: Any = n
    else:  # contract in a different order, with explicit lists
        order = draw(st.permutations(range(n)))
        sb = tuple(contracted[o] for o in order) + free
        dims = ([len(sa) - n + o for o in order], list(range(n)))
    a = draw(testing.arrays(sa, dtype))
    return Sample((a, draw(testing.arrays(sb, dtype))), {"dims": dims})


def _tensordot_ref(a: np.ndarray, b: np.ndarray, dims: Any = 2) -> np.ndarray:
    return np.tensordot(a, b, axes=dims)


@register(numpy=np.tensordot, sample=_sample_tensordot, ref=_tensordot_ref)
def tensordot(a: Any, b: Any, dims: Any = 2, *, axes: Any = None) -> Tensor:
    """Contract ``a`` and ``b`` over the given dimensions, as ``torch.tensordot``.

    ``dims`` is an int ``n`` (the last ``n`` dims of ``a`` with the first ``n`` of ``b``) or a
    pair of lists of dims; NumPy's name ``axes`` is accepted too. The result holds the free dims
    of ``a`` followed by those of ``b``.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensordot(autograd.ones(2, 3, 4), autograd.ones(4, 3), dims=([1, 2], [1, 0]))
    tensor([12., 12.])
    """
    if axes is not None:
        dims = axes
    a = _operand(a, b, "a")
    b = _operand(b, a, "b")
    _same_dtype("tensordot", a._array, b._array)
    da, db = _tensordot_axes(dims, a.shape, b.shape)
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"tensordot: contracted dimensions do not match: a dim {i} has size "
                f"{a.shape[i]} (shape {a.shape}) but b dim {j} has size {b.shape[j]} "
                f"(shape {b.shape})"
            )
    letters = string.ascii_letters
    if a.ndim + b.ndim > len(letters):
        raise ValueError("tensordot: too many dimensions")
    la = letters[: a.ndim]
    lb = list(letters[a.ndim : a.ndim + b.ndim])
    for i, j in zip(da, db):
        lb[j] = la[i]
    lb = "".join(lb)
    out = "".join(c for k, c in enumerate(la) if k not in da)
    out += "".join(c for k, c in enumerate(lb) if k not in db)
    sizes = dict(zip(la, a.shape)) | dict(zip(lb, b.shape))
    used = set(la) | set(lb)
    spec = _EinsumSpec([la, lb], out, sizes, "".join(c for c in letters if c not in used))
    return Tensordot.apply(spec, a, b, (da, db))
