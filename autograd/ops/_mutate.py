"""The in-place mechanism every in-place op shares: write into the array, or rebase onto a node.

Outside graph recording (``no_grad``, or no operand requires grad) an in-place op is one NumPy
call writing into the tensor's array: this is the optimizers' hot path. When the graph is being
recorded, the op is computed out of place from a snapshot of the old value and the tensor is
rebased onto the new node, as PyTorch does.

A view (a tensor whose ``_base`` is set, see ``_shape_util._as_view``) shares memory with its
base, so an in-place op on it changes the base too. When recorded, it becomes the base's own
history: "the new base is the old base with the view's region replaced by f(old view)"
(:class:`CopySlices`, PyTorch's name); the base is rebased onto that node, and the view and the
base's other live views onto views of the new base. The region is located by the memory
addresses of the view's elements within the base's array (:func:`_view_index`), which works
for every view op alike.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import grad_mode
from ..function import Context, Function, linear_jvp
from ..tensor import _TYPE_NAMES, Tensor

__all__ = ["run_inplace"]


def _tangent(t: Tensor) -> Tensor | None:
    tangents = grad_mode._state.tangents
    return None if tangents is None else tangents.get(t)


def _set_tangent(t: Tensor, tangent: Tensor | None) -> None:
    """Give ``t`` this tangent (in ``t``'s dtype), or drop a stale one (None)."""
    tangents = grad_mode._state.tangents
    if tangents is None or (tangent is None and tangents.get(t) is None):
        return
    if tangent is not None and tangent._array.dtype != t._array.dtype:
        tangent = Tensor._make(tangent._array.astype(t._array.dtype))
    tangents[t] = tangent


def _tangent_update(self: Tensor, graph: Callable, others: tuple) -> tuple | None:
    """Forward mode for an in-place op that records no graph: ``(new tangent,)`` of ``self``,
    from the op run out of place on a copy carrying ``self``'s tangent; None when neither
    ``self`` nor an operand has a tangent."""
    tangents = grad_mode._state.tangents
    if tangents is None:
        return None
    own = tangents.get(self)
    if own is None and all(not isinstance(o, Tensor) or tangents.get(o) is None for o in others):
        return None
    old = Tensor._make(self._array.copy())
    _set_tangent(old, own)
    with grad_mode.no_grad():
        new = graph(old)
    return (tangents.get(new),)


def _write_base_tangent(view: Tensor, base: Tensor, tangent: Tensor | None) -> None:
    """After an in-place op on ``view``: ``base``'s tangent with the view's elements replaced
    by ``tangent`` (zeros for None). Other views of ``base`` keep the tangents they had."""
    own = _tangent(base)
    if own is None and tangent is None:
        return
    new = np.zeros(base._array.shape, base._array.dtype) if own is None else own._array.copy()
    idx = _view_index(base._array, view._array)
    new.reshape(-1)[idx.reshape(-1)] = 0 if tangent is None else np.reshape(tangent._array, -1)
    _set_tangent(base, Tensor._make(new))


def _records(self: Tensor, others: tuple) -> bool:
    if not grad_mode._state.grad_enabled:
        return False
    return self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)


def run_inplace(
    self: Tensor,
    op: str,
    fast: Callable[[np.ndarray], Any],
    graph: Callable[[Tensor], Tensor],
    others: tuple = (),
    names: tuple[str, ...] | None = None,
    *,
    overlap_ok: bool = False,
) -> Tensor:
    """Apply an in-place op: ``fast(array)`` writes into ``self``'s array when nothing is being
    recorded; otherwise ``graph(old)`` computes the new value out of place and ``self`` is rebased
    onto it (with its base, when ``self`` is a view). Either way the version counter is bumped,
    so backward still detects a saved tensor that was changed.

    ``others`` are the op's other arguments (any that requires grad makes the op recorded).
    With ``names`` (one per entry of ``others``) the array-valued ones must broadcast to
    ``self``'s shape, and an error names the offending argument.

    A tensor whose elements share memory (an ``expand()`` result) is refused, as PyTorch does,
    unless ``overlap_ok`` (an op that writes one value everywhere, such as ``fill_``) and no
    graph is being recorded.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> x = autograd.tensor([1.0, 4.0])
    >>> autograd.run_inplace(x, "sqrt_", lambda a: np.sqrt(a, out=a), autograd.sqrt)
    tensor([1., 2.])
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(self).__name__}")
    writable = self._array.flags.writeable
    records = _records(self, others)
    if not writable:
        _check_read_only(self, op, overlap_ok and not records)
    if not records:
        update = _tangent_update(self, graph, others)
        target = self._array if writable else self._array.copy()
        try:
            fast(target)
        except (TypeError, ValueError) as e:
            if names is not None and isinstance(e, ValueError):
                _check_shapes(self, op, others, names)  # names the argument (NumPy refused it)
            raise _fast_error(self, op, graph, e) from None
        if not writable:  # a view of an expanded tensor that does not overlap: via its base
            _store(self, target)
        if update is not None:
            _set_tangent(self, update[0])
            if self._base is not None:
                _write_base_tangent(self, self._base, update[0])
        self._vc[0] += 1
        return self
    if names is not None:
        _check_shapes(self, op, others, names)
    if self._array.dtype.kind != "f":
        raise RuntimeError(_cast_message(self, op, graph))
    base = self._base
    if base is not None:
        return _inplace_on_view(self, base, op, graph)
    if self.grad_fn is None and self._requires_grad:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
            "wrap the update in autograd.no_grad() or use the out-of-place op"
        )
    old = Tensor._make(self._array.copy(), self._requires_grad, self.grad_fn, self._output_nr)
    _set_tangent(old, _tangent(self))
    new = _new_value(self, op, graph(old))
    _store(self, new._array)
    _set_tangent(self, _tangent(new))
    self.grad_fn = new.grad_fn
    self._output_nr = new._output_nr
    self._requires_grad = new._requires_grad
    self._vc[0] += 1
    _refresh_views(self, None)
    return self


# ---------------------------------------------------------------------------------- checks
def _check_read_only(self: Tensor, op: str, overlap_ok: bool = False) -> None:
    """Refuse to write into overlapping memory (a broadcast), as PyTorch does; a read-only
    array that does not overlap (or may, with ``overlap_ok``) is written through its base."""
    a = self._array
    if not overlap_ok and any(s == 0 and n > 1 for n, s in zip(a.shape, a.strides)):
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location (an expand()ed or broadcast tensor); clone() "
            "the tensor before writing in place"
        )
    if self._base is None or not self._base._array.flags.writeable:
        raise RuntimeError(
            f"{op}: this tensor is backed by a read-only array; clone() it before writing in place"
        )


def _check_shapes(self: Tensor, op: str, others: tuple, names: tuple[str, ...]) -> None:
    shape = self._array.shape
    for name, o in zip(names, others):
        if not isinstance(o, (Tensor, np.ndarray)) or o.shape == shape:
            continue
        try:
            full = np.broadcast_shapes(shape, o.shape)
        except ValueError:
            raise ValueError(
                f"{op}: {name} of shape {tuple(o.shape)} does not broadcast to the shape "
                f"{shape} of the tensor written in place"
            ) from None
        if full != shape:
            raise ValueError(
                f"{op}: the tensor written in place has shape {shape}, but {name} of shape "
                f"{tuple(o.shape)} broadcasts it to {full}; the result must keep its shape"
            )


def _fast_error(self: Tensor, op: str, graph: Callable, e: Exception) -> Exception:
    """Our message for NumPy's casting and broadcasting refusals; any other error as it is."""
    if isinstance(e, TypeError) and "cast" in str(e):  # NumPy's UFuncTypeError
        return RuntimeError(_cast_message(self, op, graph))
    if isinstance(e, ValueError) and "broadcast" in str(e):
        return ValueError(
            f"{op}: an operand does not broadcast to the shape {self.shape} of the tensor "
            "written in place"
        )
    return e


def _cast_message(self: Tensor, op: str, graph: Callable) -> str:
    """PyTorch's message for a result whose dtype the tensor cannot hold."""
    try:
        with grad_mode.no_grad():
            result = graph(Tensor._make(self._array.copy())).dtype
    except Exception:  # noqa: BLE001 - the message only needs the dtype; fall back to the kind
        result = np.dtype(np.float32)
    return (
        f"{op}: result type {_type_name(result)} can't be cast to the desired output type "
        f"{_type_name(self._array.dtype)} (the tensor's dtype, kept by an in-place op)"
    )


def _type_name(dtype: np.dtype) -> str:
    return _TYPE_NAMES.get(np.dtype(dtype), str(dtype))


def _new_value(self: Tensor, op: str, new: Tensor) -> Tensor:
    if new.shape != self.shape:
        raise ValueError(f"{op}: result shape {new.shape} does not match tensor shape {self.shape}")
    if new._array.dtype != self._array.dtype:  # e.g. float32 += float64: keep float32
        new = new.to(self._array.dtype)
    return new


# ------------------------------------------------------------------------------- views
def _store(self: Tensor, values: np.ndarray) -> None:
    """Write ``values`` into ``self``'s memory (through the base when the array is read-only)."""
    if self._array.flags.writeable:
        self._array[...] = values
        return
    base = self._base._array
    idx = _view_index(base, self._array)
    if base.ndim == 0:  # every element of the view is the base's one element
        if idx.size:
            base[...] = np.reshape(values, -1)[-1]
        return
    base[np.unravel_index(idx, base.shape)] = values


def _view_index(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """For each element of ``view`` (an array in ``base``'s memory), its index in ``base``
    flattened in C order, as an int64 array of ``view``'s shape."""
    item = base.itemsize
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    offsets = _offsets(view, start // item)
    if base.flags.c_contiguous:
        return offsets
    flat = _offsets(base, 0).reshape(-1)
    order = np.argsort(flat, kind="stable")
    pos = np.searchsorted(flat[order], offsets)
    return order[np.minimum(pos, max(flat.size - 1, 0))].reshape(view.shape)


def _offsets(a: np.ndarray, start: int) -> np.ndarray:
    """The memory offset (in elements) of every element of ``a``."""
    out = np.full(a.shape, start, np.int64)
    for axis, (n, s) in enumerate(zip(a.shape, a.strides)):
        out += (np.arange(n, dtype=np.int64) * (s // a.itemsize)).reshape(
            (n,) + (1,) * (a.ndim - axis - 1)
        )
    return out


def _inplace_on_view(self: Tensor, base: Tensor, op: str, graph: Callable) -> Tensor:
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(
            f"{op}: a view of a leaf tensor that requires grad is being used in an in-place "
            "operation; wrap the update in autograd.no_grad() or change a clone"
        )
    if base._requires_grad and not self._requires_grad:
        raise RuntimeError(
            f"{op}: this view was created in no_grad mode (or detached) and is being changed "
            "in place with grad mode enabled, which PyTorch forbids as ambiguous; create the "
            "view with grad mode enabled, or change it under no_grad"
        )
    idx = _view_index(base._array, self._array)
    old_base = Tensor._make(base._array.copy(), base._requires_grad, base.grad_fn, base._output_nr)
    _set_tangent(old_base, _tangent(base))
    old_view = ViewOf.apply(old_base, idx)
    if _tangent(self) is not None:
        _set_tangent(old_view, _tangent(self))
    new_view = _new_value(self, op, graph(old_view))
    new_base = CopySlices.apply(old_base, new_view, idx)
    _store(self, new_view._array)
    _set_tangent(self, _tangent(new_view))
    _set_tangent(base, _tangent(new_base))
    base.grad_fn = new_base.grad_fn
    base._output_nr = new_base._output_nr
    base._requires_grad = new_base._requires_grad
    self._vc[0] += 1
    node = _refresh_views(base, self)
    _rebase_view(self, node, idx)
    return self


def _refresh_views(base: Tensor, skip: Tensor | None) -> Tensor | None:
    """Give every live view of ``base`` the history "that region of the new base", as PyTorch
    regenerates a view's grad_fn after its base changed in place. Returns the new base as a
    graph node (None when it does not require grad)."""
    if not base._requires_grad:
        return None
    node = Tensor._make(base._array, True, base.grad_fn, base._output_nr)
    vc = base._vc
    for ref in vc[1:]:
        view = ref()
        if view is None or view is skip or view._base is not base:
            continue
        if not np.may_share_memory(view._array, base._array):
            continue  # its storage was replaced (``.data = ...``): no longer a view
        if view.grad_fn is None and view._requires_grad:
            continue  # a leaf the user made require grad: it keeps its own identity
        _rebase_view(view, node, _view_index(base._array, view._array))
    return node


def _rebase_view(view: Tensor, node: Tensor | None, idx: np.ndarray) -> None:
    if node is None:
        return
    rebased = ViewOf.apply(node, idx)
    view.grad_fn = rebased.grad_fn
    view._output_nr = rebased._output_nr
    view._requires_grad = True


def register_view(view: Tensor, base: Tensor) -> None:
    """Remember ``view`` (sharing ``base``'s version counter) so an in-place op can rebase it.

    The weak references ride on the shared version counter list after its count; dead ones are
    dropped whenever the list reaches a power of two, so the cost stays constant per view.
    """
    vc = base._vc
    vc.append(weakref.ref(view))
    n = len(vc)
    if n >= 16 and n & (n - 1) == 0:
        vc[1:] = [r for r in vc[1:] if r() is not None]


def register_views(views: tuple[Tensor, ...], base: Tensor) -> None:
    """:func:`register_view` of each of ``views``, with one look at the list's length."""
    vc = base._vc
    before = len(vc).bit_length()
    vc.extend([weakref.ref(v) for v in views])
    if len(vc) >= 16 and len(vc).bit_length() > before:  # reached or passed a power of two
        vc[1:] = [r for r in vc[1:] if r() is not None]


class ViewOf(Function):
    """The elements of ``base`` at flat (C-order) indices ``idx``, shaped like ``idx``: the
    history of a view, whatever view op made it."""

    @staticmethod
    def forward(ctx, base, idx):
        ctx.shape, ctx.idx = base.shape, idx
        return np.reshape(base, -1)[idx]

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, np.ndarray):
            return _scatter_flat(g, ctx.shape, ctx.idx), None
        return ScatterFlat.apply(g, ctx.shape, ctx.idx), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


class ScatterFlat(Function):
    """Zeros of ``shape`` with ``g`` at flat indices ``idx``: :class:`ViewOf`'s adjoint."""

    @staticmethod
    def forward(ctx, g, shape, idx):
        ctx.idx = idx
        return _scatter_flat(g, shape, idx)

    @staticmethod
    def backward(ctx, gg):
        if isinstance(gg, np.ndarray):
            return np.reshape(gg, -1)[ctx.idx], None, None
        return ViewOf.apply(gg, ctx.idx), None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _scatter_flat(g: np.ndarray, shape: tuple, idx: np.ndarray) -> np.ndarray:
    out = np.zeros(shape, g.dtype)
    flat = out.reshape(-1)
    if _overlaps(idx):  # an expand()ed view: elements sharing memory add up their gradients
        np.add.at(flat, idx.reshape(-1), np.reshape(g, -1))
    else:
        flat[idx.reshape(-1)] = np.reshape(g, -1)
    return out


def _overlaps(idx: np.ndarray) -> bool:
    """Whether two elements of a view (flat base indices ``idx``) share one memory location."""
    if idx.size < 2:
        return False
    seen = np.zeros(int(idx.max()) + 1, bool)
    seen[idx.reshape(-1)] = True
    return int(np.count_nonzero(seen)) < idx.size


class CopySlices(Function):
    """``old`` with the elements at flat indices ``idx`` replaced by ``new``: an in-place op on
    a view, seen from its base. The replaced elements no longer depend on ``old`` (their
    gradient is selected away, so an inf there does not leak); ``new`` gets theirs."""

    @staticmethod
    def forward(ctx, old, new, idx):
        ctx.idx = idx
        out = np.array(old, copy=True)
        out.reshape(-1)[idx.reshape(-1)] = np.reshape(new, -1)
        if ctx.needs_input_grad[0]:
            ctx.region = np.zeros(old.shape, bool)
            ctx.region.reshape(-1)[idx.reshape(-1)] = True
        return out

    @staticmethod
    def backward(ctx, g):
        n_old, n_new = ctx.needs_input_grad[:2]
        g_old = np.where(ctx.region, 0, g) if n_old else None
        g_new = None
        if n_new and isinstance(g, np.ndarray):
            g_new = np.reshape(g, -1)[ctx.idx]
        elif n_new:
            g_new = ViewOf.apply(g, ctx.idx)
        return g_old, g_new, None

    @staticmethod
    def jvp(ctx, t_old, t_new, idx):
        # Linear in (old, new); a new value without a tangent (a number) contributes zeros.
        if not ctx.has_tangent[1]:
            t_new = np.zeros(np.shape(t_new))
        return CopySlices.forward(Context(CopySlices, ctx.needs_input_grad), t_old, t_new, idx)
