"""Variable-length sequences: padding, packing and :class:`PackedSequence` (PyTorch's
``torch.nn.utils.rnn``).

A packed batch stores, time step after time step, the rows of the sequences still running at
that step, longest sequence first: ``data`` is ``(sum(lengths), *)`` and ``batch_sizes[t]`` the
number of sequences longer than ``t``. Every conversion is one differentiable gather, so
gradients flow from packed to padded form and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

import autograd
from autograd import Tensor

__all__ = [
    "PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
    "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence",
]  # fmt: skip


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """A batch of variable-length sequences packed time step by time step (a named tuple).

    ``data`` ``(sum(lengths), *)``; ``batch_sizes`` (int64, one entry per time step): how many
    sequences are still running at each step; ``sorted_indices``: the batch order by decreasing
    length (None when the batch was already sorted); ``unsorted_indices``: its inverse (computed
    from ``sorted_indices`` when not given). Made by :func:`pack_padded_sequence` or
    :func:`pack_sequence`; RNN, LSTM and GRU accept and return them.

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import pack_sequence
    >>> seqs = [autograd.tensor([1, 2, 3]), autograd.tensor([4, 5]), autograd.tensor([6])]
    >>> packed = pack_sequence(seqs)
    >>> packed.data, packed.batch_sizes
    (tensor([1, 4, 6, 2, 5, 3]), tensor([3, 2, 1]))
    """

    __slots__ = ()

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as PyTorch allows
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise TypeError(
                    "PackedSequence: give data and batch_sizes, or one (data, batch_sizes) pair"
                )
            data, batch_sizes = data
        if not isinstance(data, Tensor):
            raise TypeError(f"PackedSequence: data must be a Tensor, got {type(data).__name__}")
        batch_sizes = _index_tensor(batch_sizes, "PackedSequence: batch_sizes")
        sorted_indices = _optional_index_tensor(sorted_indices, "PackedSequence: sorted_indices")
        unsorted_indices = _optional_index_tensor(
            unsorted_indices, "PackedSequence: unsorted_indices"
        )
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(*args, **kwargs)``; the index tensors are kept (they always live on the CPU).

        Examples
        --------
        >>> import autograd
        >>> from nn.utils.rnn import pack_sequence
        >>> pack_sequence([autograd.ones(2), autograd.ones(1)]).to(autograd.float64).data.dtype
        dtype('float64')
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The sequence itself: everything already lives on the CPU."""
        return self

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(autograd.float64)

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(autograd.float32)

    def half(self) -> PackedSequence:
        """``data`` as float16."""
        return self.to(autograd.float16)

    def long(self) -> PackedSequence:
        """``data`` as int64."""
        return self.to(autograd.int64)

    def int(self) -> PackedSequence:
        """``data`` as int32."""
        return self.to(autograd.int32)

    @property
    def is_cuda(self) -> bool:
        """Always False (CPU only)."""
        return False

    def is_pinned(self) -> bool:
        """Always False (no pinned memory on this engine)."""
        return False


# --------------------------------------------------------------------------------- helpers
def _index_tensor(value: Any, what: str) -> Tensor:
    """``value`` (a Tensor, list or array of ints) as a 1-D int64 Tensor."""
    if isinstance(value, Tensor):
        value = value.detach().numpy()
    arr = np.asarray(value)
    if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
        raise TypeError(
            f"{what} must be a 1-D sequence of integers, got {arr.dtype} of shape {arr.shape}"
        )
    return autograd.from_numpy(arr.astype(np.int64))


def _optional_index_tensor(value: Any, what: str) -> Tensor | None:
    return None if value is None else _index_tensor(value, what)


def _lengths_array(lengths: Any, fn: str) -> np.ndarray:
    """``lengths`` (list, tuple, array or Tensor of whole numbers) as a 1-D int64 array."""
    raw = lengths.detach().numpy() if isinstance(lengths, Tensor) else lengths
    try:
        arr = np.asarray(raw)
    except (TypeError, ValueError):
        arr = np.asarray(None)
    if arr.ndim != 1 or arr.dtype.kind not in "iuf" or not np.all(arr == np.floor(arr)):
        raise TypeError(f"{fn}: lengths must be a 1-D list or Tensor of integers, got {lengths!r}")
    return arr.astype(np.int64)


def _check_tensor(value: Any, fn: str, name: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}: {name} must be a Tensor, got {type(value).__name__}")


def _gather_rows(rows: Tensor, index: np.ndarray, padding_value: float | None = None) -> Tensor:
    """``rows[index]``, differentiable; with ``padding_value``, index ``len(rows)`` picks a row
    filled with it."""
    if padding_value is not None:
        pad = autograd.full((1,) + tuple(rows.shape[1:]), padding_value, dtype=rows.dtype)
        rows = autograd.cat([rows, pad])
    return rows[autograd.from_numpy(np.ascontiguousarray(index, dtype=np.int64))]


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of ``0..n-1`` (None stays None).

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import invert_permutation
    >>> invert_permutation(autograd.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    perm = _index_tensor(permutation, "invert_permutation: permutation").numpy()
    if not np.array_equal(np.sort(perm), np.arange(perm.size)):
        raise ValueError(
            f"invert_permutation: expected a permutation of 0..{perm.size - 1}, got {perm.tolist()}"
        )
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size)
    return autograd.from_numpy(out)


# ----------------------------------------------------------------------- padding / packing
def pack_padded_sequence(
    input: Tensor,
    lengths: Tensor | Sequence[int],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences of
    the given ``lengths`` into a :class:`PackedSequence`; entries past a sequence's length are
    left out.

    With ``enforce_sorted`` the batch must be sorted by decreasing length (a RuntimeError
    otherwise); with ``enforce_sorted=False`` it is sorted here (stably) and the permutation
    kept in ``sorted_indices``. Differentiable with respect to ``input``. Unlike PyTorch, a
    length beyond ``T`` is an error.

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import pack_padded_sequence
    >>> x = autograd.tensor([[1, 4], [2, 5], [3, 0]])  # (T=3, B=2), lengths 3 and 2
    >>> pack_padded_sequence(x, [3, 2]).data
    tensor([1, 4, 2, 5, 3])
    >>> p = pack_padded_sequence(x.flip(1), [2, 3], enforce_sorted=False)
    >>> p.data, p.sorted_indices
    (tensor([1, 4, 2, 5, 3]), tensor([1, 0]))
    """
    fn = "pack_padded_sequence"
    _check_tensor(input, fn, "input")
    if input.ndim < 2:
        raise ValueError(
            f"{fn}: input must have at least 2 dims (T, B, *), got shape {tuple(input.shape)}"
        )
    lens = _lengths_array(lengths, fn)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lens.size != batch:
        raise ValueError(
            f"{fn}: expected len(lengths) to be equal to batch_size, but got {lens.size} "
            f"(batch_size={batch})"
        )
    if batch == 0:
        raise ValueError(f"{fn}: the batch is empty (input shape {tuple(input.shape)})")
    if lens.min() <= 0:
        raise RuntimeError(
            f"{fn}: Length of all samples has to be greater than 0, but found an element in "
            f"'lengths' that is <= 0: {lens.tolist()}"
        )
    if lens.max() > steps:
        raise ValueError(
            f"{fn}: a length ({lens.max()}) exceeds the padded sequence length {steps} of input "
            f"{tuple(input.shape)} (batch_first={batch_first})"
        )
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                f"{fn}: `lengths` array must be sorted in decreasing order when "
                f"`enforce_sorted` is True, got {lens.tolist()}. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                "sidestep this requirement if you do not need ONNX exportability."
            )
        order = np.arange(batch)
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = autograd.from_numpy(order)
    batch_sizes = (lens[order][None, :] > np.arange(lens.max())[:, None]).sum(axis=1)
    t = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    b = order[np.concatenate([np.arange(n) for n in batch_sizes])]
    flat_index = b * steps + t if batch_first else t * batch + b
    rows = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    data = _gather_rows(rows, flat_index)
    return PackedSequence(data, autograd.from_numpy(batch_sizes.astype(np.int64)), sorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Unpack a :class:`PackedSequence` into a padded batch, in the batch's original order.

    Returns ``(padded, lengths)``: ``padded`` is ``(T, B, *)`` (``(B, T, *)`` with
    ``batch_first``), ``T`` the longest length or ``total_length``, filled with
    ``padding_value`` past each sequence's end; ``lengths`` an int64 Tensor. Differentiable.

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> p = pack_sequence([autograd.tensor([1, 2]), autograd.tensor([3, 4, 5])],
    ...                   enforce_sorted=False)
    >>> pad_packed_sequence(p, batch_first=True, padding_value=-1)
    (tensor([[ 1,  2, -1],
            [ 3,  4,  5]]), tensor([2, 3]))
    """
    fn = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{fn}: sequence must be a PackedSequence, got {type(sequence).__name__}")
    sizes = sequence.batch_sizes.numpy()
    steps = sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                f"{fn}: Expected total_length to be at least the length of the longest "
                f"sequence in input, but got total_length={total_length} and max sequence "
                f"length being {steps}"
            )
        steps = int(total_length)
    batch = int(sizes[0]) if sizes.size else 0
    sorted_lengths = (sizes[:, None] > np.arange(batch)[None, :]).sum(axis=0)
    order = (
        sequence.sorted_indices.numpy() if sequence.sorted_indices is not None else np.arange(batch)
    )
    t = np.repeat(np.arange(sizes.size), sizes)
    b = order[np.concatenate([np.arange(n) for n in sizes])] if sizes.size else t
    flat_index = b * steps + t if batch_first else t * batch + b
    rows = sequence.data
    index = np.full(steps * batch, rows.shape[0], dtype=np.int64)  # the padding row
    index[flat_index] = np.arange(rows.shape[0])
    padded = _gather_rows(rows, index, padding_value)
    outer = (batch, steps) if batch_first else (steps, batch)
    padded = padded.reshape(outer + tuple(rows.shape[1:]))
    lengths = np.empty(batch, dtype=np.int64)
    lengths[order] = sorted_lengths
    return padded, autograd.from_numpy(lengths)


def _sequence_list(sequences: Any, fn: str) -> list[Tensor]:
    if isinstance(sequences, Tensor):
        return list(sequences.unbind(0))
    if not isinstance(sequences, Iterable):
        raise TypeError(
            f"{fn}: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences).__name__}"
        )
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError(f"{fn}: received an empty list of sequences")
    for i, s in enumerate(seqs):
        _check_tensor(s, fn, f"sequences[{i}]")
        if s.ndim == 0:
            raise ValueError(f"{fn}: sequences[{i}] is 0-d; each sequence must be (L, *)")
        if tuple(s.shape[1:]) != tuple(seqs[0].shape[1:]) or s.dtype != seqs[0].dtype:
            raise ValueError(
                f"{fn}: all sequences must share their trailing dims and dtype; sequences[0] is "
                f"{tuple(seqs[0].shape)} {seqs[0].dtype}, sequences[{i}] is {tuple(s.shape)} "
                f"{s.dtype}"
            )
    return seqs


def pad_sequence(
    sequences: Tensor | Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences ``(L_i, *)`` into one ``(T, B, *)`` tensor (``(B, T, *)`` with
    ``batch_first``), ``T = max(L_i)``, filled with ``padding_value`` on ``padding_side``
    (``"right"`` or ``"left"``). Differentiable.

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import pad_sequence
    >>> pad_sequence([autograd.tensor([1, 2, 3]), autograd.tensor([4])], batch_first=True)
    tensor([[1, 2, 3],
            [4, 0, 0]])
    >>> pad_sequence([autograd.tensor([1, 2]), autograd.tensor([4])], padding_side="left")
    tensor([[1, 0],
            [2, 4]])
    """
    fn = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"{fn}: Expected padding_side to be one of left or right, but got {padding_side!r}"
        )
    seqs = _sequence_list(sequences, fn)
    lens = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    batch, steps = len(seqs), int(lens.max())
    b = np.repeat(np.arange(batch), lens)
    starts = np.cumsum(lens) - lens
    t = np.arange(lens.sum()) - np.repeat(starts, lens)  # position within its sequence
    if padding_side == "left":
        t = t + np.repeat(steps - lens, lens)
    flat_index = b * steps + t if batch_first else t * batch + b
    rows = autograd.cat(seqs) if len(seqs) > 1 else seqs[0]
    index = np.full(steps * batch, rows.shape[0], dtype=np.int64)
    index[flat_index] = np.arange(rows.shape[0])
    padded = _gather_rows(rows, index, padding_value)
    outer = (batch, steps) if batch_first else (steps, batch)
    return padded.reshape(outer + tuple(rows.shape[1:]))


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False
) -> list[Tensor]:
    """Split a padded batch back into its sequences (the inverse of :func:`pad_sequence`).

    Unlike PyTorch, ``padded_sequences`` is not modified.

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import unpad_sequence
    >>> unpad_sequence(autograd.tensor([[1, 2, 3], [4, 0, 0]]), [3, 1], batch_first=True)
    [tensor([1, 2, 3]), tensor([4])]
    """
    fn = "unpad_sequence"
    _check_tensor(padded_sequences, fn, "padded_sequences")
    if padded_sequences.ndim < 2:
        raise ValueError(
            f"{fn}: padded_sequences must have at least 2 dims, got shape "
            f"{tuple(padded_sequences.shape)}"
        )
    lens = _lengths_array(lengths, fn)
    batch_dim = 0 if batch_first else 1
    steps = padded_sequences.shape[1 - batch_dim]
    if lens.size != padded_sequences.shape[batch_dim] or (lens.size and lens.max() > steps):
        raise ValueError(
            f"{fn}: lengths {lens.tolist()} do not fit padded_sequences of shape "
            f"{tuple(padded_sequences.shape)} (batch_first={batch_first})"
        )
    if batch_first:
        return [padded_sequences[i, : int(n)] for i, n in enumerate(lens)]
    return [padded_sequences[: int(n), i] for i, n in enumerate(lens)]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)``: :func:`pad_sequence` then
    :func:`pack_padded_sequence`.

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import pack_sequence
    >>> pack_sequence([autograd.tensor([1, 2]), autograd.tensor([3, 4, 5])],
    ...               enforce_sorted=False).data
    tensor([3, 1, 4, 2, 5])
    """
    seqs = _sequence_list(sequences, "pack_sequence")
    lengths = [s.shape[0] for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences in a :class:`PackedSequence`, in the batch's original order.

    Examples
    --------
    >>> import autograd
    >>> from nn.utils.rnn import pack_sequence, unpack_sequence
    >>> unpack_sequence(pack_sequence([autograd.tensor([1]), autograd.tensor([2, 3])],
    ...                               enforce_sorted=False))
    [tensor([1]), tensor([2, 3])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
