"""Samplers: which dataset indices a DataLoader visits, and in what order.

Every sampler iterates lazily: random indices are drawn a chunk at a time, so a sampler asked
for ``10**10`` samples (the "infinite loader" idiom) uses constant memory. Random samplers draw
from the ``generator`` they were given, else from the library's seeded global generator
(:func:`autograd.manual_seed`), as PyTorch's do.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

import autograd
from autograd import Generator

__all__ = [
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
]  # fmt: skip

T_co = TypeVar("T_co", covariant=True)

# Random indices drawn per call to the generator when sampling with replacement.
_CHUNK = 1024


def _check_generator(generator: object, caller: str) -> Generator | None:
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            f"{caller}: generator should be an autograd.Generator or None, "
            f"got {type(generator).__name__}"
        )
    return generator


def _draws(generator: Generator | None) -> Generator:
    """What random draws come from: ``generator``, else the global generator."""
    return autograd.default_generator if generator is None else generator


def _draw_seed(generator: Generator | None) -> int:
    """A seed in [0, 2**63) drawn from ``generator``, else from the global generator."""
    return int(_draws(generator).integers(0, 2**63, None))


def _private_generator(generator: Generator | None) -> Generator:
    """``generator``, or a fresh one seeded by one draw from the global generator.

    Drawing a seed once per epoch makes the whole epoch's order depend only on the global state
    when iteration starts, not on random ops run while the epoch is consumed.
    """
    if generator is not None:
        return generator
    return Generator(_draw_seed(None))


def _is_positive_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def _check_positive_int(value: object, caller: str, name: str) -> None:
    """Raise ValueError unless argument ``name`` of ``caller`` is a positive int (not a bool)."""
    if not _is_positive_int(value):
        raise ValueError(
            f"{caller}: {name} should be a positive integer value, but got {name}={value!r}"
        )


def _check_bool(value: object, caller: str, name: str, error: type[Exception] = ValueError) -> None:
    """Raise ``error`` unless argument ``name`` of ``caller`` is a bool."""
    if not isinstance(value, bool):
        raise error(f"{caller}: {name} should be a boolean value, but got {name}={value!r}")


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define ``__iter__`` (and usually ``__len__``).

    ``__len__`` is not defined here on purpose, so that ``len()`` of a sampler without one
    raises ``TypeError`` as for any object without a length.

    Examples
    --------
    >>> import nn
    >>> class Evens(nn.data.Sampler[int]):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(0, self.n, 2))
    ...     def __len__(self):
    ...         return (self.n + 1) // 2
    >>> list(Evens(5)), len(Evens(5))
    ([0, 2, 4], 3)
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``, in order, every epoch.

    Examples
    --------
    >>> import nn
    >>> list(nn.data.SequentialSampler("abc"))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices into ``data_source``: a fresh permutation per epoch, or draws with
    replacement.

    Parameters
    ----------
    data_source : sized
        What is sampled; only its length is used (read at each epoch, so it may change).
    replacement : bool
        Draw each index independently (uniformly) instead of permuting.
    num_samples : int, optional
        How many indices per epoch (default ``len(data_source)``). Without replacement, more
        than ``len(data_source)`` chains whole permutations and a cut one.
    generator : autograd.Generator, optional
        Source of randomness; by default each epoch seeds a private generator from one draw of
        the global one.

    Examples
    --------
    >>> import autograd, nn
    >>> s = nn.data.RandomSampler(range(5), generator=autograd.Generator(0))
    >>> sorted(s), len(s)
    ([0, 1, 2, 3, 4], 5)
    >>> infinite = nn.data.RandomSampler(range(5), replacement=True, num_samples=10**10)
    >>> first = [i for _, i in zip(range(3), infinite)]
    >>> len(first), all(0 <= i < 5 for i in first)
    (3, True)
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        # TypeError here but ValueError in the other samplers, as in PyTorch
        _check_bool(replacement, "RandomSampler", "replacement", TypeError)
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _check_generator(generator, "RandomSampler")
        _check_positive_int(self.num_samples, "RandomSampler", "num_samples")

    @property
    def num_samples(self) -> int:
        """Indices per epoch: ``num_samples`` if given, else the current ``len(data_source)``."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        total = int(self.num_samples)
        if n == 0:
            raise ValueError("RandomSampler: cannot sample from an empty data_source")
        gen = _private_generator(self.generator)
        if self.replacement:
            for start in range(0, total, _CHUNK):
                yield from gen.integers(0, n, min(_CHUNK, total - start)).tolist()
            return
        for _ in range(total // n):
            yield from gen.permutation(n).tolist()
        if total % n:
            yield from gen.permutation(n)[: total % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a random order (a new permutation each epoch).

    Examples
    --------
    >>> import autograd, nn
    >>> s = nn.data.SubsetRandomSampler([10, 20, 30], generator=autograd.Generator(0))
    >>> sorted(s), len(s)
    ([10, 20, 30], 3)
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = _check_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        for i in _draws(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    Parameters
    ----------
    weights : sequence of float
        Non-negative, finite, not all zero; need not sum to one. Checked when iteration starts
        (``RuntimeError``, as PyTorch's ``multinomial``).
    num_samples : int
        Indices per epoch.
    replacement : bool
        With replacement each draw is independent; without, an index is never repeated within
        an epoch (then ``num_samples <= len(weights)``; once every positive weight is drawn,
        zero-weight indices follow in index order).
    generator : autograd.Generator, optional
        Source of randomness; by default each epoch seeds a private generator from one draw of
        the global one.

    Examples
    --------
    >>> import autograd, nn
    >>> s = nn.data.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 6, generator=autograd.Generator(0))
    >>> draws = list(s)
    >>> len(draws), set(draws) <= {1, 3}
    (6, True)
    >>> sorted(nn.data.WeightedRandomSampler([1.0, 2.0, 3.0], 3, replacement=False))
    [0, 1, 2]
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:
        _check_positive_int(num_samples, "WeightedRandomSampler", "num_samples")
        _check_bool(replacement, "WeightedRandomSampler", "replacement")
        try:
            array = np.array(weights, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"WeightedRandomSampler: weights should be a sequence of numbers, got "
                f"{type(weights).__name__} ({exc})"
            ) from None
        if array.ndim != 1:
            raise ValueError(
                f"WeightedRandomSampler: weights should be a 1d sequence but given weights have "
                f"shape {array.shape}"
            )
        self.weights = autograd.from_numpy(array)
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = _check_generator(generator, "WeightedRandomSampler")

    def _checked_weights(self) -> np.ndarray:
        w = np.asarray(self.weights.numpy(), dtype=np.float64)
        if not np.isfinite(w).all():
            raise RuntimeError("WeightedRandomSampler: weights must be finite, found inf or NaN")
        if (w < 0).any():
            i = int(np.flatnonzero(w < 0)[0])
            raise RuntimeError(
                f"WeightedRandomSampler: weights must be non-negative, found {w[i]} at index {i}"
            )
        if not w.sum() > 0:
            raise RuntimeError(
                f"WeightedRandomSampler: weights must have a positive sum, got {w.sum()} "
                f"over {w.size} weights"
            )
        if not self.replacement and self.num_samples > w.size:
            raise RuntimeError(
                f"WeightedRandomSampler: cannot draw num_samples={self.num_samples} without "
                f"replacement from {w.size} weights"
            )
        return w

    def __iter__(self) -> Iterator[int]:
        w = self._checked_weights()
        gen = _private_generator(self.generator)
        if not self.replacement:
            # Sequential draws without replacement, all at once: the k smallest keys E_i / w_i
            # (E_i exponential) come out in the order such draws would pick them.
            with np.errstate(divide="ignore"):
                keys = -np.log1p(-gen.random(w.size)) / w
            yield from np.argsort(keys, kind="stable")[: self.num_samples].tolist()
            return
        cdf = np.cumsum(w)
        last = int(np.flatnonzero(w)[-1])  # rounding must never pick a zero-weight tail
        for start in range(0, self.num_samples, _CHUNK):
            u = gen.random(min(_CHUNK, self.num_samples - start)) * cdf[-1]
            idx = np.minimum(np.searchsorted(cdf, u, side="right"), last)
            yield from idx.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Parameters
    ----------
    sampler : Sampler or iterable of int
    batch_size : int
    drop_last : bool
        Drop the last batch when it is shorter than ``batch_size``.

    Examples
    --------
    >>> import nn
    >>> list(nn.data.BatchSampler(range(7), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> len(nn.data.BatchSampler(range(7), batch_size=3, drop_last=True))
    2
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool):
        _check_positive_int(batch_size, "BatchSampler", "batch_size")
        _check_bool(drop_last, "BatchSampler", "drop_last")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        while True:
            batch = list(itertools.islice(indices, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self) -> int:
        try:
            n = len(self.sampler)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"BatchSampler: len() needs the length of its sampler, and "
                f"{type(self.sampler).__name__} has none"
            ) from None
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
