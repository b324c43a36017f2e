"""``embedding_bag``: sums, means or maxima of bags of embeddings, without the intermediate
``(bag, position, dim)`` tensor of a lookup followed by a reduction.

The looked-up rows are reduced per bag with ``scatter_add`` (sum and mean) or by a max over a
padded ``(bag, longest bag)`` selection (max); the bag tables are NumPy arrays computed from the
integer inputs, and the gradient is the engine's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from .linear import embedding

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _integer(fn: str, name: str, x: Any) -> np.ndarray:
    if not isinstance(x, Tensor):
        x = autograd.tensor(x)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{fn}: {name} must be an integer tensor, got dtype {x.dtype}")
    return x.numpy().astype(np.int64)


def _bags(
    fn: str, input: np.ndarray, offsets: Any, include_last_offset: bool
) -> tuple[np.ndarray, int]:
    """Bag number of each element of the flattened input (``-1``: in no bag), and the count."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{fn}: if input is 2D, then offsets has to be None, as input is treated as a "
                "mini-batch of fixed length sequences"
            )
        return np.repeat(np.arange(input.shape[0]), input.shape[1]), input.shape[0]
    if input.ndim != 1:
        raise ValueError(f"{fn}: input has to be 1D or 2D, got shape {input.shape}")
    if offsets is None:
        raise ValueError(f"{fn}: offsets has to be a 1D Tensor when input is 1D, got None")
    starts = _integer(fn, "offsets", offsets)
    if starts.ndim != 1:
        raise ValueError(f"{fn}: offsets has to be a 1D Tensor, got shape {starts.shape}")
    if include_last_offset:
        if starts.size < 1:
            raise ValueError(f"{fn}: with include_last_offset, offsets needs at least 1 entry")
        end, starts = starts[-1], starts[:-1]
    else:
        end = input.size
    if starts.size and starts[0] != 0:
        raise ValueError(
            f"{fn}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
            f"start from position 0. However, got {starts[0]}"
        )
    if np.any(np.diff(starts) < 0) or (
        starts.size and (starts[-1] > input.size or end > input.size)
    ):
        raise ValueError(
            f"{fn}: offsets must be non-decreasing and at most the input size {input.size}, got "
            f"{offsets.tolist() if hasattr(offsets, 'tolist') else offsets}"
        )
    position = np.arange(input.size)
    bag = np.searchsorted(starts, position, side="right") - 1
    bag[position >= end] = -1
    return bag, starts.size


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Reduce bags of embeddings: ``(B, dim)`` sums, means or maxima of rows of ``weight``.

    Parameters
    ----------
    input : Tensor of ints
        ``(B, N)``: ``B`` bags of ``N`` indices each; or 1-D, split into bags by ``offsets``.
    weight : Tensor
        ``(num_embeddings, dim)`` table.
    offsets : Tensor of ints, optional
        With 1-D input: where each bag starts (``offsets[0] == 0``); with
        ``include_last_offset`` the last entry is the end of the last bag.
    mode : str
        ``"sum"``, ``"mean"`` or ``"max"``. Empty bags give zeros.
    per_sample_weights : Tensor, optional
        Weight of each index (the input's shape), ``mode="sum"`` only; differentiable.
    padding_idx : int, optional
        Indices equal to it are left out of their bag (and of a mean's count).
    max_norm, norm_type, scale_grad_by_freq
        As in :func:`nn.functional.embedding`: ``scale_grad_by_freq`` divides each row's
        gradient by how often its index occurs in ``input`` (PyTorch 2.13's CPU kernel divides
        some rows by another index's count, pytorch#190063; this is the documented rule).

    Examples
    --------
    >>> import autograd, nn
    >>> w = autograd.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> idx, offsets = autograd.tensor([0, 1, 2, 2]), autograd.tensor([0, 3])
    >>> nn.functional.embedding_bag(idx, w, offsets, mode="sum")
    tensor([[ 9., 12.],
            [ 5.,  6.]])
    """
    fn = "embedding_bag"
    if mode not in _MODES:
        raise ValueError(f"{fn}: mode has to be one of {list(_MODES)}, got {mode!r}")
    if sparse:
        raise ValueError(f"{fn}: sparse gradients are not supported")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"{fn}: weight must be a 2-D Tensor (num_embeddings, dim), got {weight!r}")
    idx = _integer(fn, "input", input)
    bag, count = _bags(fn, idx, offsets, include_last_offset)
    flat = idx.reshape(-1)
    num = weight.shape[0]
    keep = bag >= 0
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{fn}: padding_idx must be within [-{num}, {num}), got {padding_idx}")
        keep &= flat != padding_idx % num
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(
                f"{fn}: per_sample_weights is only supported for mode='sum' (got mode={mode!r})"
            )
        if not isinstance(per_sample_weights, Tensor) or per_sample_weights.shape != idx.shape:
            got = getattr(per_sample_weights, "shape", type(per_sample_weights).__name__)
            raise ValueError(
                f"{fn}: per_sample_weights must be a Tensor of the input's shape {idx.shape}, "
                f"got {got}"
            )
    dim = weight.shape[1]
    rows = embedding(autograd.from_numpy(flat), weight, None, max_norm, norm_type,
                     scale_grad_by_freq)  # fmt: skip
    sizes = np.bincount(bag[keep], minlength=count)[:count]
    if mode == "max":
        longest = int(sizes.max()) if sizes.size else 0
        if longest == 0:
            return autograd.zeros(count, dim, dtype=weight.dtype)
        table = np.full((count, longest), flat.size, dtype=np.int64)  # flat.size: the -inf row
        members = np.flatnonzero(keep)
        slot = np.arange(members.size) - np.searchsorted(bag[members], bag[members])
        table[bag[members], slot] = members
        padded = autograd.cat([rows, autograd.full((1, dim), float("-inf"), dtype=weight.dtype)])
        best = padded[autograd.from_numpy(table)].max(dim=1).values
        filled = autograd.from_numpy((sizes > 0)[:, None])
        return autograd.where(filled, best, autograd.zeros_like(best))
    factor = autograd.from_numpy(keep.astype(weight.dtype))
    if per_sample_weights is not None:
        factor = per_sample_weights.reshape(-1) * factor
    weighted = rows * factor.unsqueeze(1)
    target = np.where(keep, bag, 0)
    index = autograd.from_numpy(
        np.ascontiguousarray(np.broadcast_to(target[:, None], (flat.size, dim)))
    )
    out = autograd.zeros(count, dim, dtype=weight.dtype).scatter_add(0, index, weighted)
    if mode == "mean":
        out = out / autograd.from_numpy(np.maximum(sizes, 1).astype(weight.dtype)[:, None])
    return out
