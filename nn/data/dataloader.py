"""DataLoader and default_collate, with PyTorch's batching and shuffling semantics."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Generator, Tensor

from .dataset import IterableDataset, Subset, TensorDataset

__all__ = ["DataLoader", "default_collate"]


def _stack(tensors: list[Tensor]) -> Tensor:
    if any(t.requires_grad for t in tensors):
        return autograd.stack(tensors)
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(
            f"default_collate: stack expects each tensor to be equal size, got shapes "
            f"{sorted(shapes)}"
        )
    return autograd.from_numpy(np.stack([t.numpy() for t in tensors]))


def default_collate(batch: list[Any]) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors and NumPy arrays are stacked along a new first dim; Python ints become an int64
    tensor, floats a float64 tensor, bools a bool tensor; strings are left as they are; mappings and
    sequences are collated field by field (tuples come back as lists, like PyTorch).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.data.default_collate([(autograd.zeros(2), 1), (autograd.ones(2), 0)])
    [tensor([[0., 0.],
            [1., 1.]]), tensor([1, 0])]
    >>> nn.data.default_collate([0.5, 1.5]).dtype
    dtype('float64')
    """
    if not batch:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "USOV":
            raise TypeError(
                f"default_collate: batch must contain tensors, numbers, arrays, dicts or lists; "
                f"found an array of dtype {elem.dtype}"
            )
        return autograd.from_numpy(np.stack(batch))
    if isinstance(elem, np.generic):
        return autograd.from_numpy(np.array(batch))
    if isinstance(elem, bool):
        return autograd.tensor(batch)
    if isinstance(elem, int):
        return autograd.tensor(batch, dtype=autograd.int64)
    if isinstance(elem, float):
        return autograd.tensor(batch, dtype=autograd.float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError(
                "default_collate: each element in list of batch should be of equal size"
            )
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}"
    )


def _tensor_source(dataset: Any) -> tuple[TensorDataset, np.ndarray | None] | None:
    """(TensorDataset, index map) when batches can be cut by fancy indexing the whole tensors."""
    if isinstance(dataset, TensorDataset):
        if any(t.requires_grad for t in dataset.tensors):
            return None
        return dataset, None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is None:
            return None
        base, mapping = inner
        idx = np.asarray(dataset.indices, dtype=np.int64)
        return base, idx if mapping is None else mapping[idx]
    return None


class DataLoader:
    """Iterate over a dataset in (optionally shuffled) mini-batches.

    Parameters
    ----------
    dataset : Dataset
        Map-style (``__getitem__``/``__len__``) or an ``IterableDataset``.
    batch_size : int or None
        Samples per batch; ``None`` yields samples one by one, uncollated.
    shuffle : bool
        Draw a new permutation each epoch (from ``generator``, else a generator seeded with
        ``seed``, else ``autograd.default_generator``).
    drop_last : bool
        Drop the last, incomplete batch.
    collate_fn : callable
        Merges a list of samples into a batch (default :func:`default_collate`).
    sampler : iterable of int, optional
        Indices to visit, in order (instead of ``shuffle``).
    generator : autograd.Generator, optional
    seed : int, optional
        Seed for a loader-private generator, so shuffling is reproducible and independent of
        other draws.

    For a :class:`TensorDataset` (or a Subset of one) with the default collate, a batch is cut
    from the whole tensors by one fancy index instead of stacking samples one by one.

    Examples
    --------
    >>> import autograd, nn
    >>> ds = nn.data.TensorDataset(autograd.arange(10), autograd.arange(10) * 2)
    >>> loader = nn.data.DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> len(loader), [x.shape[0] for x, _ in loader]
    (3, [4, 4, 2])
    >>> x, y = next(iter(loader))
    >>> bool((y == 2 * x).all())
    True
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool = False,
        sampler: Iterable[int] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        drop_last: bool = False,
        generator: Generator | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        ignored = {
            "pin_memory", "timeout", "worker_init_fn", "prefetch_factor", "persistent_workers",
            "multiprocessing_context", "pin_memory_device",
        }  # fmt: skip
        bad = set(kwargs) - ignored
        if bad:
            raise TypeError(f"DataLoader: unexpected keyword arguments {sorted(bad)}")
        if batch_size is not None and (
            not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool)
            or batch_size <= 0
        ):  # fmt: skip
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer or None, got {batch_size!r}"
            )
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")  # fmt: skip
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if isinstance(dataset, IterableDataset) and (shuffle or sampler is not None):
            raise ValueError("DataLoader: an IterableDataset cannot be shuffled or sampled")
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers must be a non-negative int, got {num_workers}"
            )
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass generator or seed, not both")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.num_workers = num_workers  # accepted for compatibility; loading is in-process
        self.collate_fn = collate_fn
        self.drop_last = bool(drop_last)
        if seed is not None:
            generator = Generator(seed)
        self.generator = generator

    def _indices(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter((int(i) for i in self.sampler), dtype=np.int64)
        n = len(self.dataset)
        if self.shuffle:
            gen = autograd.default_generator if self.generator is None else self.generator
            return np.asarray(gen.permutation(n), dtype=np.int64)
        return np.arange(n, dtype=np.int64)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            raise TypeError("DataLoader: the length of an IterableDataset loader is unknown")
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            return self._iter_stream()
        idx = self._indices()
        if self.batch_size is None:
            return (self.dataset[int(i)] for i in idx)
        bs = self.batch_size
        stop = len(idx) - len(idx) % bs if self.drop_last else len(idx)
        batches = (idx[s : s + bs] for s in range(0, stop, bs))
        source = (
            _tensor_source(self.dataset) if self.collate_fn in (None, default_collate) else None
        )
        if source is not None:
            return self._iter_tensors(source, batches)
        collate = self.collate_fn or default_collate
        return (collate([self.dataset[int(i)] for i in b]) for b in batches)

    @staticmethod
    def _iter_tensors(source: tuple, batches: Iterator[np.ndarray]) -> Iterator[list[Tensor]]:
        base, mapping = source
        arrays = [t.numpy() for t in base.tensors]
        for b in batches:
            rows = b if mapping is None else mapping[b]
            yield [autograd.from_numpy(a[rows]) for a in arrays]

    def _iter_stream(self) -> Iterator[Any]:
        if self.batch_size is None:
            yield from self.dataset
            return
        collate = self.collate_fn or default_collate
        buf: list = []
        for item in self.dataset:
            buf.append(item)
            if len(buf) == self.batch_size:
                yield collate(buf)
                buf = []
        if buf and not self.drop_last:
            yield collate(buf)
