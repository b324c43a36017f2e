"""Hypothesis samples, NumPy references and PyTorch calls of the indexing ops for the op registry
(see ``registry.py``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._shape_util import _draw_x
from .registry import Sample


def _torch_getitem(torch: Any, x: Any, index: Any) -> Any:
    """``x[index]`` in PyTorch, which has no negative slice steps: flip those dims first."""
    parts = [torch.from_numpy(p) if isinstance(p, np.ndarray) else p
             for p in (index if isinstance(index, tuple) else (index,))]  # fmt: skip

    def width(p: Any) -> int:  # how many input dims an index part consumes
        if p is None or p is Ellipsis:
            return 0
        return p.ndim if getattr(p, "dtype", None) == torch.bool else 1

    dim, flips = 0, []
    for i, p in enumerate(parts):
        if p is Ellipsis:
            dim += x.ndim - sum(width(q) for q in parts)
        elif isinstance(p, slice) and (p.step or 1) < 0:
            n = x.shape[dim]
            start, stop, step = p.indices(n)
            parts[i] = slice(n - 1 - start, n - 1 - stop, -step)
            flips.append(dim)
        dim += width(p)
    return (x.flip(flips) if flips else x)[tuple(parts)]


def _sample_getitem(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, min_dims=1)
    n0 = x.shape[0]
    ints = st.integers(-n0, n0 - 1)
    kind = draw(st.sampled_from(["basic", "mask", "ints", "pair", "mixed", "split"]))
    if kind == "basic":
        parts: list = []
        for n in x.shape:
            step = draw(st.sampled_from([1, 2, -1, -2]))
            part = draw(st.sampled_from([
                slice(None, None, step), slice(1, None, step), draw(st.integers(-n, n - 1)),
            ]))  # fmt: skip
            parts.append(part)
            if draw(st.booleans()):
                parts.append(None)
        if draw(st.booleans()):
            parts[draw(st.integers(0, len(parts) - 1))] = Ellipsis
        return Sample((x, tuple(parts)))
    if kind == "mask":
        shape = x.shape[: draw(st.integers(1, x.ndim))]
        mask = np.array(draw(st.lists(st.booleans(), min_size=math.prod(shape),
                                      max_size=math.prod(shape)))).reshape(shape)  # fmt: skip
        return Sample((x, mask))
    if kind == "ints":  # repeats and negative indices included
        return Sample((x, np.array(draw(st.lists(ints, max_size=5)), dtype=np.int64)))
    if kind == "pair" and x.ndim >= 2:  # ``logp[arange(n), target]``
        n1 = x.shape[1]
        cols = draw(st.lists(st.integers(-n1, n1 - 1), min_size=n0, max_size=n0))
        return Sample((x, (np.arange(n0), np.array(cols, dtype=np.int64))))
    if kind == "split" and x.ndim >= 2:  # ints and None among integer tensors (PyTorch's rule)
        m = draw(st.integers(1, 3))
        parts = []
        for n in x.shape:
            part = draw(st.sampled_from(["int", "slice", "ints"]))
            if part == "int":
                parts.append(draw(st.integers(-n, n - 1)))
            elif part == "slice":
                parts.append(slice(None))
            else:
                idx = draw(st.lists(st.integers(-n, n - 1), min_size=m, max_size=m))
                parts.append(np.array(idx, dtype=np.int64))
            if draw(st.integers(0, 3)) == 0:
                parts.append(None)
        if not any(isinstance(p, np.ndarray) for p in parts):  # the last dim's part (not a None)
            last = max(i for i, p in enumerate(parts) if p is not None)
            parts[last] = np.array([draw(st.integers(0, x.shape[-1] - 1))] * m, dtype=np.int64)
        if draw(st.booleans()):  # an Ellipsis standing for no dims
            parts.insert(draw(st.integers(0, len(parts))), Ellipsis)
        return Sample((x, tuple(parts)))
    rows = np.array(draw(st.lists(ints, min_size=1, max_size=4)), dtype=np.int64)
    options = [(Ellipsis, rows[:, None] % x.shape[-1]), (None, rows)]
    if x.ndim >= 2:
        options.append((None, rows, slice(None, None, -1)))
    return Sample((x, draw(st.sampled_from(options))))


def _ref_getitem(x: np.ndarray, index: Any) -> np.ndarray:
    """NumPy's ``x[index]`` with the indexed dims moved to where PyTorch puts them.

    NumPy counts ints as advanced indices and any Ellipsis as a separator; PyTorch counts
    neither an int nor an Ellipsis that stands for no dims. When only NumPy finds the advanced
    indices split, it put their dims in front and PyTorch keeps them in place.
    """
    parts = index if isinstance(index, tuple) else (index,)
    out = x[parts]

    def is_mask(p: Any) -> bool:
        return isinstance(p, (bool, np.bool_)) or np.asarray(p).dtype == bool

    adv = [isinstance(p, (np.ndarray, list, bool, np.bool_)) for p in parts]
    if not any(adv):
        return out
    consumed = sum(np.ndim(p) if is_mask(p) else 1 for p, a in zip(parts, adv)
                   if p is not None and p is not Ellipsis)  # fmt: skip
    empty_ellipsis = x.ndim == consumed

    def adjacent(counts: list, passes: list) -> bool:
        at = [i for i, c in enumerate(counts) if c]
        return all(c or s for c, s in zip(counts[at[0] : at[-1] + 1], passes[at[0] : at[-1] + 1]))

    ints = [isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in parts]
    numpy_adjacent = adjacent([a or i for a, i in zip(adv, ints)], [False] * len(parts))
    torch_passes = [i or (p is Ellipsis and empty_ellipsis) for p, i in zip(parts, ints)]
    if numpy_adjacent or not adjacent(adv, torch_passes):
        return out
    shapes = [(int(np.sum(p)),) if is_mask(p) else np.shape(p) for p, a in zip(parts, adv) if a]
    width = len(np.broadcast_shapes(*shapes))
    before = 0
    for p in parts[: adv.index(True)]:
        if p is Ellipsis:
            before += x.ndim - consumed
        elif p is None or isinstance(p, slice):
            before += 1
    return np.moveaxis(out, range(width), range(before, before + width))


def _sample_masked(draw: Any, dtype: np.dtype, fill: bool = True) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    xs, ms = draw(testing.broadcastable_shapes(2, max_side=3))
    x = draw(testing.arrays(xs, dtype))
    if fill:  # PyTorch's masked_fill broadcasts the mask onto the input's shape only
        ms = ms[len(ms) - len(xs) :] if len(ms) > len(xs) else ms
        ms = tuple(1 if a != b else a for a, b in zip(ms, xs[len(xs) - len(ms) :]))
    mask = np.array(draw(st.lists(st.booleans(), min_size=math.prod(ms), max_size=math.prod(ms))),
                    dtype=bool).reshape(ms)  # fmt: skip
    if fill:
        return Sample((x, mask, draw(st.sampled_from([0.0, -1.5]))))
    return Sample((x, mask))
