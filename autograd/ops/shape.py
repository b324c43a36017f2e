"""View-making shape ops: reshape/view, flatten, squeeze/unsqueeze, permute/transpose/movedim,
expand/broadcast_to, contiguous.

These return NumPy views whenever PyTorch returns a view (reshape only when a view is possible);
such a result shares the version counter of its base so that an in-place change through either
is seen by backward. The results of ``expand`` are read-only: their elements share memory.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Function, linear_jvp
from ..tensor import Tensor, tensor_method
from ._shape_util import _as_view, _draw_x, _ints
from ._util import as_tensor, normalize_dim
from .elementwise import clone
from .registry import Sample, register, sizes_method


# ------------------------------------------------------------------------------ reshape family
class Reshape(Function):
    node_name = "ViewBackward0"  # reshape, view, flatten (UnsafeViewBackward0 when it copies)

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


# PyTorch's nodes for the other members of the family (the rules are Reshape's).
class Unsqueeze(Reshape):
    node_name = "UnsqueezeBackward0"


class SqueezeAll(Reshape):
    node_name = "SqueezeBackward0"  # squeeze()


class Squeeze(Reshape):
    node_name = "SqueezeBackward1"  # squeeze(dim)


class SqueezeDims(Reshape):
    node_name = "SqueezeBackward2"  # squeeze((dim, ...))


class ReshapeCopy(Reshape):
    node_name = "UnsafeViewBackward0"  # reshape that has to copy


def _reshape(t: Tensor, shape: tuple[int, ...], node: type[Reshape] = Reshape) -> Tensor:
    if node is Reshape and not t._array.flags.c_contiguous and not _viewable(t._array, shape):
        node = ReshapeCopy
    out = node.apply(t, shape)
    if np.may_share_memory(out._array, t._array):
        _as_view(out, t)
    return out


def _viewable(a: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Whether ``a`` can be seen in ``shape`` without a copy (NumPy refuses exactly then)."""
    if _RESHAPE_TAKES_COPY:
        try:
            a.reshape(shape, copy=False)
        except ValueError:
            return False
        return True
    probe = a.view()  # before NumPy 2.1; refusing a shape costs ~20 us this way (its message)
    try:
        probe.shape = shape
    except AttributeError:
        return False
    return True


_RESHAPE_TAKES_COPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


def _infer_shape(shape: tuple[int, ...], t: Tensor, op: str) -> tuple[int, ...]:
    numel = t._array.size
    if -1 not in shape and math.prod(shape) == numel and min(shape, default=0) >= 0:
        return shape
    free = [i for i, s in enumerate(shape) if s == -1]
    if len(free) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"{op}: shape {shape} may contain at most one -1 and no other negatives")
    known = math.prod(s for s in shape if s != -1)
    if free:
        if known == 0 or numel % known:
            raise ValueError(
                f"{op}: shape {shape} is invalid for input of shape {t.shape} ({numel} elements)"
            )
        shape = shape[: free[0]] + (numel // known,) + shape[free[0] + 1 :]
    elif known != numel:
        raise ValueError(
            f"{op}: shape {shape} is invalid for input of shape {t.shape} ({numel} elements)"
        )
    return shape


def _sample_reshape(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    n = x.size
    options = [(n,), (-1,), x.shape[::-1], (1,) + x.shape, x.shape + (1, -1)]
    return Sample((x, draw(st.sampled_from(options))))


@register(method=sizes_method, numpy=np.reshape, sample=_sample_reshape, ref=np.reshape)
def reshape(input: Tensor, shape: Any) -> Tensor:
    """Same elements in a new shape; one entry may be -1 (inferred).

    A view of ``input`` when NumPy can make one, else a copy (as PyTorch).

    Examples
    --------
    >>> import autograd
    >>> autograd.arange(6).reshape(2, -1)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    t = as_tensor(input)
    return _reshape(t, _infer_shape(_ints(shape, "reshape", "shape"), t, "reshape"))


@tensor_method
def view(self: Tensor, *shape: Any) -> Tensor:
    """The same storage seen with a new shape; one entry may be -1 (inferred).

    Unlike :func:`reshape`, never copies: when the strides of ``self`` cannot express the new
    shape (``x.t().view(6)``), it raises, as PyTorch does, and ``reshape`` is the remedy.

    Examples
    --------
    >>> import autograd
    >>> autograd.arange(6).view(3, 2).shape
    (3, 2)
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    t = as_tensor(self)
    target = _infer_shape(_ints(shape, "view", "shape"), t, "view")
    probe = t._array.view()
    try:
        probe.shape = target  # NumPy refuses exactly when a copy would be needed
    except AttributeError:
        raise RuntimeError(
            f"view: shape {target} is not compatible with the size and strides of the input "
            f"(shape {t.shape}, strides {t.stride()}): at least one dimension spans two "
            "non-contiguous parts of memory. Use .reshape(...) instead."
        ) from None
    return _reshape(t, target)


def _sample_as(draw: Any, dtype: np.dtype) -> Sample:
    x = _draw_x(draw, dtype)
    return Sample((x, np.zeros(x.shape[::-1], dtype=np.int64)))


@register(method=True, sample=_sample_as, ref=lambda x, o: x.reshape(o.shape),
          torch=lambda torch, x, o: x.view_as(o), aliases=("reshape_as",))  # fmt: skip
def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other.shape``; ``reshape_as`` is another name of it.

    Examples
    --------
    >>> import autograd
    >>> autograd.arange(4).view_as(autograd.zeros(2, 2)).shape
    (2, 2)
    """
    return reshape(input, as_tensor(other, "other").shape)


def _sample_flatten(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    n = max(x.ndim, 1)
    a, b = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2)))
    return Sample((x,), {"start_dim": a, "end_dim": b - n if draw(st.booleans()) else b})


def _ref_flatten(x: np.ndarray, start_dim: int = 0, end_dim: int = -1) -> np.ndarray:
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1 :])


@register(method=True, sample=_sample_flatten, ref=_ref_flatten)
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a 0-d tensor becomes 1-d).

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3, 4).flatten(1).shape
    (2, 12)
    """
    t = as_tensor(input)
    shape = t.shape
    s = normalize_dim(start_dim, t.ndim, "flatten")
    e = normalize_dim(end_dim, t.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    if t.ndim == 0:
        return _reshape(t, (1,))
    return _reshape(t, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def _sample_unflatten(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    d = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[d]
    sizes = draw(st.sampled_from([(1, n), (n, 1), (-1,), (n, -1)]))
    return Sample((x, d, sizes))


def _ref_unflatten(x: np.ndarray, dim: int, sizes: tuple) -> np.ndarray:
    d = dim % x.ndim
    return x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1 :])


@register(method=True, sample=_sample_unflatten, ref=_ref_unflatten)
def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one entry may be -1).

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 12).unflatten(1, (3, -1)).shape
    (2, 3, 4)
    """
    t = as_tensor(input)
    d = normalize_dim(dim, t.ndim, "unflatten")
    sizes = _ints(sizes, "unflatten", "sizes")
    if t.ndim == 0:
        raise ValueError("unflatten: expected a tensor with at least 1 dimension, got a 0-d one")
    try:
        inner = _infer_shape(sizes, Tensor._make(np.empty(t.shape[d], np.bool_)), "unflatten")
    except ValueError:
        raise ValueError(
            f"unflatten: sizes {sizes} do not multiply to the size {t.shape[d]} of dim {dim} "
            f"(input shape {t.shape})"
        ) from None
    return _reshape(t, t.shape[:d] + inner + t.shape[d + 1 :])


def _sample_squeeze(draw: Any, dtype: np.dtype) -> Sample:
    from .. import testing

    x = _draw_x(draw, dtype)
    return Sample((x,), {"dim": draw(testing.dims(x.ndim, allow_none=True))})


def _ref_squeeze(x: np.ndarray, dim: Any = None) -> np.ndarray:
    if dim is None or x.ndim == 0:
        return np.squeeze(x)
    dims = (dim,) if isinstance(dim, int) else dim
    return np.squeeze(x, tuple(d for d in dims if x.shape[d] == 1))


def _torch_squeeze(torch: Any, x: Any, dim: Any = None) -> Any:
    return x.squeeze() if dim is None else torch.squeeze(x, dim)


@register(
    method=True, numpy=np.squeeze, sample=_sample_squeeze, ref=_ref_squeeze, torch=_torch_squeeze
)
def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove size-1 dims: all of them, or those in ``dim`` (an int or tuple); naming a dim whose
    size is not 1 is a no-op, as in PyTorch. Returns a view.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(1, 3, 1).squeeze().shape
    (3,)
    >>> autograd.zeros(1, 3, 1).squeeze((0, 1)).shape
    (3, 1)
    """
    t = as_tensor(input)
    shape = t.shape
    if dim is None:
        keep = [s for s in shape if s != 1]
        node = SqueezeAll
    else:
        dims = (dim,) if not isinstance(dim, (tuple, list)) else dim
        drop = {normalize_dim(d, t.ndim, "squeeze") for d in dims}
        keep = [s for i, s in enumerate(shape) if not (i in drop and s == 1)]
        node = SqueezeDims if isinstance(dim, (tuple, list)) else Squeeze
    return _reshape(t, tuple(keep), node)


def _sample_unsqueeze(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    return Sample((x, draw(st.integers(-x.ndim - 1, x.ndim))))


@register(method=True, numpy=np.expand_dims, sample=_sample_unsqueeze, ref=np.expand_dims)
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at position ``dim`` (``-input.ndim - 1 <= dim <= input.ndim``).

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3).unsqueeze(-1).shape
    (2, 3, 1)
    """
    t = as_tensor(input)
    d = normalize_dim(dim, t.ndim + 1, "unsqueeze")
    return _reshape(t, t.shape[:d] + (1,) + t.shape[d:], Unsqueeze)


# ------------------------------------------------------------------------------ permute family
class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        dims = ctx.dims
        inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return (g.transpose(inverse) if isinstance(g, np.ndarray) else permute(g, inverse)), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


# PyTorch's nodes for a swap of two dims and for t() (the rules are Permute's).
class Transpose(Permute):
    # A 2-D input's gradient is only transposed: a stacked product passes through (its dims are
    # the two a matrix has, whichever order they were given in).
    _transposes = True


class T(Permute):
    _transposes = True


def _permute(t: Tensor, dims: tuple[int, ...], node: type[Permute] = Permute) -> Tensor:
    return _as_view(node.apply(t, dims), t)


def _sample_permute(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    return Sample((x, tuple(draw(st.permutations(range(x.ndim))))))


@register(method=sizes_method, numpy=np.transpose, sample=_sample_permute, ref=np.transpose)
def permute(input: Tensor, dims: Any) -> Tensor:
    """Reorder the dims: dim ``i`` of the result is dim ``dims[i]`` of ``input``. Returns a view.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3, 4).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    t = as_tensor(input)
    dims = _ints(dims, "permute", "dims")
    if len(dims) != t.ndim:
        raise ValueError(
            f"permute: dims {dims} has {len(dims)} entries for a tensor of {t.ndim} dimensions"
        )
    norm = tuple(d + t.ndim if d < 0 else d for d in dims)
    if sorted(norm) != list(range(t.ndim)):
        norm = tuple(normalize_dim(d, t.ndim, "permute") for d in dims)  # names a bad dim
        raise ValueError(f"permute: dims {dims} repeats a dimension")
    return _permute(t, norm)


def _sample_two_dims(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    n = max(x.ndim, 1)
    return Sample((x, draw(st.integers(-n, n - 1)), draw(st.integers(-n, n - 1))))


def _swap_perm(t: Tensor, dim0: int, dim1: int, op: str) -> tuple[int, ...]:
    a = normalize_dim(dim0, t.ndim, op)
    b = normalize_dim(dim1, t.ndim, op)
    perm = list(range(t.ndim))
    if t.ndim:
        perm[a], perm[b] = perm[b], perm[a]
    return tuple(perm)


@register(method=True)
def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dimensions (0-d and 1-d come back as they are).

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3).t().shape
    (3, 2)
    """
    t_ = as_tensor(input)
    if t_.ndim > 2:
        raise ValueError(f"t(): expected a tensor with <= 2 dimensions, got {t_.ndim}")
    return t_ if t_.ndim < 2 else _permute(t_, (1, 0), T)


@tensor_method(name="T")
@property
def _all_dims_reversed(self: Tensor) -> Tensor:
    """All dimensions reversed."""
    return self if self.ndim < 2 else permute(self, tuple(range(self.ndim - 1, -1, -1)))


@tensor_method(name="mT")
@property
def _matrix_transpose(self: Tensor) -> Tensor:
    """The last two dimensions swapped (a batch of matrices transposed)."""
    if self.ndim < 2:
        raise ValueError(f"mT: expected a tensor with >= 2 dimensions, got {self.ndim}")
    return transpose(self, -2, -1)


@register(
    method=True, sample=_sample_two_dims, ref=lambda x, a, b: np.swapaxes(x, a, b) if x.ndim else x,
    aliases=("swapdims",),
)  # fmt: skip
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dims ``dim0`` and ``dim1``. Returns a view. ``swapdims`` is another name of it.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3).transpose(0, 1).shape
    (3, 2)
    >>> autograd.zeros(2, 3).swapdims(0, 1).shape
    (3, 2)
    """
    t = as_tensor(input)
    return _permute(t, _swap_perm(t, dim0, dim1, "transpose"), Transpose)


@register(method=True, numpy=np.swapaxes)
def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Alias of :func:`transpose` (NumPy's name).

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3, 4).swapaxes(0, 2).shape
    (4, 3, 2)
    """
    t = as_tensor(input)
    return _permute(t, _swap_perm(t, axis0, axis1, "swapaxes"), Transpose)


def _sample_movedim(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    k = draw(st.integers(1, x.ndim))
    src = draw(st.permutations(range(x.ndim)))[:k]
    dst = draw(st.permutations(range(x.ndim)))[:k]
    if k == 1 and draw(st.booleans()):
        return Sample((x, src[0], dst[0] - x.ndim))
    return Sample((x, tuple(src), tuple(dst)))


@register(method=True, numpy=np.moveaxis, sample=_sample_movedim, ref=np.moveaxis)
def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or sequences); others keep their
    order. Returns a view.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3, 4).movedim(0, -1).shape
    (3, 4, 2)
    """
    t = as_tensor(input)
    src = _ints(source, "movedim", "source")
    dst = _ints(destination, "movedim", "destination")
    if len(src) != len(dst):
        raise ValueError(
            f"movedim: source {src} and destination {dst} must have the same number of dims"
        )
    src = tuple(normalize_dim(d, t.ndim, "movedim") for d in src)
    dst = tuple(normalize_dim(d, t.ndim, "movedim") for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: repeated dim in source {src} or destination {dst}")
    rest = iter(d for d in range(t.ndim) if d not in src)
    where = dict(zip(dst, src))
    return _permute(t, tuple(where[i] if i in where else next(rest) for i in range(t.ndim)))


# ------------------------------------------------------------------------------- expand family
class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums the gradient back over the expanded dims

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _expand(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    return _as_view(Expand.apply(t, shape), t)


def _sample_expand(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=1)))
    sizes = tuple(draw(st.sampled_from([1, 2, -1] if s == 1 else [s, -1])) for s in x.shape)
    return Sample((x, lead + sizes))


def _ref_expand(x: np.ndarray, sizes: tuple) -> np.ndarray:
    k = len(sizes) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - k] if s == -1 else s for i, s in enumerate(sizes)))


@register(
    method=sizes_method,
    sample=_sample_expand,
    ref=_ref_expand,
    torch=lambda torch, x, s: x.expand(s),
)
def expand(input: Tensor, sizes: Any) -> Tensor:
    """A view with size-1 dims stretched to ``sizes`` (-1 keeps a size; extra leading dims are
    added). Its elements share memory, so an in-place op on it raises, as in PyTorch; a view of
    it whose own elements do not (``e[0] = v``, ``e[1].mul_(2)``) writes through to ``input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(3, 1).expand(2, -1, 4).shape
    (2, 3, 4)
    """
    t = as_tensor(input)
    sizes = _ints(sizes, "expand", "sizes")
    k = len(sizes) - t.ndim
    if k < 0:
        raise ValueError(f"expand: sizes {sizes} has fewer dims than the tensor of shape {t.shape}")
    shape = []
    for i, s in enumerate(sizes):
        if i < k:
            if s < 0:
                raise ValueError(f"expand: size -1 is not allowed for new leading dim {i}")
            shape.append(s)
            continue
        have = t.shape[i - k]
        if s == -1:
            s = have
        elif s < 0 or (have != 1 and s != have):
            raise ValueError(
                f"expand: the expanded size {s} must match the existing size {have} at "
                f"non-singleton dim {i} (target sizes {sizes}, tensor shape {t.shape})"
            )
        shape.append(s)
    return _expand(t, tuple(shape))


def _sample_expand_as(draw: Any, dtype: np.dtype) -> Sample:
    x, sizes = _sample_expand(draw, dtype).args
    return Sample((x, np.zeros(_ref_expand(x, sizes).shape, dtype=np.int64)))


@register(method=True, sample=_sample_expand_as, ref=lambda x, o: np.broadcast_to(x, o.shape),
          torch=lambda torch, x, o: x.expand_as(o), name="expand_as")  # fmt: skip
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """:func:`expand` to ``other.shape``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(1, 3).expand_as(autograd.zeros(2, 3)).shape
    (2, 3)
    """
    return expand(input, as_tensor(other, "other").shape)


@register(method=True, numpy=np.broadcast_to)
def broadcast_to(input: Tensor, shape: Any) -> Tensor:
    """Broadcast to ``shape`` as NumPy does (a view; -1 keeps a size as in :func:`expand`).

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1.0, 2.0]).broadcast_to((2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return expand(input, shape)


@register(method=True)
def contiguous(input: Tensor) -> Tensor:
    """``input`` itself if its storage is C-contiguous, else a contiguous differentiable copy.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.zeros(2, 3)
    >>> x.contiguous() is x, x.T.contiguous().is_contiguous()
    (True, True)
    """
    t = as_tensor(input)
    return t if t._array.flags.c_contiguous else clone(t)
