"""DataLoader: batches from a dataset through samplers, in this process or in worker processes."""

from __future__ import annotations

import itertools
import math
import multiprocessing
import multiprocessing.context
import numbers
import os
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from autograd import Generator

from ._collate import default_collate, default_convert
from ._worker import _Resume, _StreamEnd, _WorkerError, _WorkerPool, get_worker_info, make_fetcher
from .dataset import IterableDataset
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    _draw_seed,
    _is_positive_int,
)

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)

# Set once a DataLoader exists; changing them afterwards would desynchronize its samplers.
_FROZEN = frozenset(
    {"batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"}
)


class _InfiniteConstantSampler(Sampler[None]):
    """``None`` forever: an IterableDataset's items need no index, only a count per batch."""

    def __iter__(self) -> Iterator[None]:
        return itertools.repeat(None)


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class DataLoader(Generic[T_co]):
    """Iterate over a dataset in mini-batches, as PyTorch's ``torch.utils.data.DataLoader``.

    Parameters
    ----------
    dataset : Dataset
        Map-style (``__getitem__``/``__len__``) or an :class:`IterableDataset`.
    batch_size : int or None
        Samples per batch; ``None`` turns batching off (each sample goes through
        :func:`default_convert`).
    shuffle : bool, optional
        A fresh random order each epoch (a :class:`RandomSampler` drawing from ``generator``).
    sampler : Sampler or iterable of int, optional
        The indices to visit, instead of ``shuffle``.
    batch_sampler : Sampler or iterable of lists of int, optional
        Whole batches of indices; excludes ``batch_size``, ``shuffle``, ``sampler``,
        ``drop_last``.
    num_workers : int
        Worker processes that load batches (0: load in this process).
    collate_fn : callable, optional
        Merges a list of samples into a batch (default :func:`default_collate`).
    pin_memory : bool
        Accepted for compatibility; there is no accelerator to pin memory for (warns).
    drop_last : bool
        Drop the last, incomplete batch.
    timeout : float
        With workers, seconds to wait for a batch before raising ``RuntimeError`` (0: forever).
    worker_init_fn : callable, optional
        Called as ``worker_init_fn(worker_id)`` in each worker, after seeding, before loading.
    multiprocessing_context : str or multiprocessing context, optional
        How workers start: ``"fork"``, ``"spawn"`` or ``"forkserver"`` (default: Python's
        default start method). With ``spawn``/``forkserver`` the dataset, ``collate_fn`` and
        ``worker_init_fn`` must be picklable.
    generator : autograd.Generator, optional
        Draws the shuffling order and the workers' base seed (default: the global generator).
    prefetch_factor : int, optional
        Batches requested ahead per worker (default 2 with workers; only with workers).
    persistent_workers : bool
        Keep the workers alive between epochs.
    pin_memory_device : str
        Accepted for compatibility and ignored.
    in_order : bool
        With workers, return batches in sampler order (``False``: as soon as each is ready).

    Notes
    -----
    Each worker process seeds Python's ``random``, the global ``autograd`` generator and NumPy's
    legacy global generator from ``base_seed + worker_id``, the base seed being drawn from
    ``generator`` each time an iterator is created; :func:`get_worker_info` describes the worker.
    Workers run their kernels on one thread each. Forking is safe: GNU OpenMP (the kernels'
    threading layer where Numba has it) cannot start a parallel region in a forked process, so
    a forked worker runs the serial version of every parallel kernel.

    For a :class:`TensorDataset` (or a Subset of one) with the default collate, a batch is cut
    from the whole tensors by one fancy index instead of stacking samples one by one.

    Examples
    --------
    >>> import autograd, nn
    >>> ds = nn.data.TensorDataset(autograd.arange(10), autograd.arange(10) * 2)
    >>> loader = nn.data.DataLoader(ds, batch_size=4, shuffle=True,
    ...                             generator=autograd.Generator(0))
    >>> len(loader), [x.shape[0] for x, _ in loader]
    (3, [4, 4, 2])
    >>> x, y = next(iter(loader))
    >>> bool((y == 2 * x).all())
    True
    >>> [y.tolist() for _, y in nn.data.DataLoader(ds, batch_size=4, num_workers=2)]
    [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler[list] | Iterable[list] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        for name, fn in (("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"DataLoader: {name} should be callable, got {type(fn).__name__}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(
                f"DataLoader: generator should be an autograd.Generator or None, got "
                f"{type(generator).__name__}"
            )
        if isinstance(dataset, IterableDataset):
            if shuffle not in (False, None):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but "
                    f"got shuffle={shuffle!r}"
                )
            for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value is not None:
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value!r}"
                    )
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        if batch_size is not None and not _is_positive_int(batch_size):
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer value or None, but got "
                f"batch_size={batch_size!r}"
            )
        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = bool(in_order)
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._reported_len: int | None = None  # len() of an IterableDataset loader, once asked
        self._iterator: _MultiProcessIter | None = None
        self._initialized = True
        if num_workers > _usable_cpus():
            warnings.warn(
                f"DataLoader: {num_workers} worker processes requested, but this process may "
                f"use {_usable_cpus()} CPUs; too many workers slow loading down",
                stacklevel=2,
            )

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FROZEN and self.__dict__.get("_initialized"):
            raise ValueError(
                f"DataLoader: {name} attribute should not be set after DataLoader is initialized"
            )
        object.__setattr__(self, name, value)

    @property
    def multiprocessing_context(self) -> multiprocessing.context.BaseContext | None:
        """How worker processes start (``None``: Python's default start method)."""
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context: Any) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    f"DataLoader: multiprocessing_context can only be used with multi-process "
                    f"loading (num_workers > 0), but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        f"DataLoader: multiprocessing_context should specify a valid start "
                        f"method in {methods!r}, but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            elif not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    f"DataLoader: multiprocessing_context should be a start method name or a "
                    f"multiprocessing context, but got {type(context).__name__}"
                )
        self._multiprocessing_context = context

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator[Any]:
        if self.pin_memory:
            warnings.warn(
                "DataLoader: pin_memory=True has no effect: there is no accelerator, batches "
                "stay in ordinary memory",
                stacklevel=2,
            )
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if (
            self._iterator is None or self._iterator._pool.closed
        ):  # none yet, or stopped by an error
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def __len__(self) -> int:
        if not isinstance(self.dataset, IterableDataset):
            sampler = self._index_sampler
            if not hasattr(type(sampler), "__len__"):
                raise TypeError(
                    f"DataLoader: len() needs the length of its sampler, and "
                    f"{type(sampler).__name__} has none"
                )
            return len(sampler)
        try:
            n = len(self.dataset)
        except TypeError:
            raise TypeError(
                f"DataLoader: len() needs the dataset's length, and the IterableDataset "
                f"{type(self.dataset).__name__} defines no __len__"
            ) from None
        if self.batch_size is not None:
            n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        self._reported_len = n
        return n


def _check_workers(num_workers: Any, timeout: Any, prefetch_factor: Any, persistent: Any) -> None:
    if not isinstance(num_workers, numbers.Integral) or isinstance(num_workers, bool):
        raise TypeError(
            f"DataLoader: num_workers should be an int, got {type(num_workers).__name__}"
        )
    if num_workers < 0:
        raise ValueError(
            "DataLoader: num_workers option should be non-negative; use num_workers=0 to "
            "disable multiprocessing."
        )
    if not isinstance(timeout, numbers.Real) or isinstance(timeout, bool):
        raise TypeError(f"DataLoader: timeout should be a number, got {type(timeout).__name__}")
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
    if timeout > 0 and num_workers == 0:
        raise ValueError(
            f"DataLoader: timeout={timeout} needs worker processes (num_workers > 0); "
            f"in-process loading cannot time out"
        )
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "DataLoader: prefetch_factor option could only be specified in multiprocessing; "
            "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and not _is_positive_int(prefetch_factor):
        raise ValueError(
            f"DataLoader: prefetch_factor should be a positive int, got {prefetch_factor!r}"
        )
    if persistent and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")


# ------------------------------------------------------------------------------- iterators
class _LoaderIter:
    """One pass over a DataLoader; what in-process and worker loading share."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._is_stream = isinstance(loader.dataset, IterableDataset)
        self._index_sampler = loader._index_sampler
        self._fetch_args = (
            loader._auto_collation, loader.collate_fn, loader.drop_last,
            loader.collate_fn is default_collate,
        )  # fmt: skip
        self._base_seed = _draw_seed(loader.generator)
        self._sampler_iter = iter(self._index_sampler)
        self._yielded = 0
        self._reported_len = loader._reported_len
        self._num_workers = loader.num_workers

    def __iter__(self) -> _LoaderIter:
        return self

    def __len__(self) -> int:
        return len(self._index_sampler)

    def _next_data(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define _next_data")

    def __next__(self) -> Any:
        data = self._next_data()
        if isinstance(data, _WorkerError):
            exc = data.exception()
            # Raised from a frame that no longer holds the iterator, so a caught exception (or
            # sys.last_traceback) does not keep the iterator and its workers alive.
            del self, data
            raise exc
        self._yielded += 1
        if self._is_stream and self._reported_len is not None:
            if self._yielded > self._reported_len:
                hint = "" if self._num_workers == 0 else (
                    " (with workers, each worker's copy of the dataset must yield its own share)"
                )  # fmt: skip
                warnings.warn(
                    f"DataLoader: the length of IterableDataset {type(self._dataset).__name__} "
                    f"was reported as {self._reported_len} batches, but {self._yielded} have "
                    f"been fetched{hint}",
                    stacklevel=2,
                )
        return data


class _SingleProcessIter(_LoaderIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = make_fetcher(self._dataset, *self._fetch_args)

    def _next_data(self) -> Any:
        return self._fetcher.fetch(next(self._sampler_iter))


class _MultiProcessIter(_LoaderIter):
    """Hand index batches to workers round-robin, ``prefetch_factor`` per worker ahead, and
    return their results in sampler order (or as they come, ``in_order=False``)."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._pool = _WorkerPool(loader, self._fetch_args, self._base_seed)
        self._shutdown = weakref.finalize(self, self._pool.shutdown)
        self._reset(loader, first=True)

    def _reset(self, loader: DataLoader, first: bool = False) -> None:
        if not first:
            self._sampler_iter = iter(self._index_sampler)
        self._yielded = 0
        self._reported_len = loader._reported_len
        self._sent = self._rcvd = 0  # next task id to send / to return
        self._tasks: dict[int, int] = {}  # task id -> worker, until returned or dropped
        self._ready: dict[int, Any] = {}  # task id -> result that arrived ahead of its turn
        self._active = [True] * self._num_workers  # still serving (IterableDataset not done)
        self._exhausted = False
        self._cycle = itertools.cycle(range(self._num_workers))
        if not first:
            # Results still in flight from an abandoned epoch arrive before each acknowledgement.
            for w in range(self._num_workers):
                self._pool.send(w, _Resume())
            acks = 0
            while acks < self._num_workers:
                _, (tag, _) = self._receive()
                acks += isinstance(tag, _Resume)
        for _ in range(self._prefetch * self._num_workers):
            self._put_task()

    def _receive(self) -> tuple[int, Any]:
        got = self._pool.receive(self._timeout)
        if got is None:
            self._shutdown()
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        return got

    def _put_task(self) -> None:
        if self._exhausted:
            return
        for _ in range(self._num_workers):
            worker = next(self._cycle)
            if self._active[worker]:
                break
        else:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            self._exhausted = True
            return
        self._pool.send(worker, (self._sent, index))
        self._tasks[self._sent] = worker
        self._sent += 1

    def _next_data(self) -> Any:
        while True:
            # Step over tasks already returned, or sent to a worker whose stream has ended.
            while self._rcvd < self._sent:
                worker = self._tasks.get(self._rcvd)
                if worker is not None and (self._rcvd in self._ready or self._active[worker]):
                    break
                self._tasks.pop(self._rcvd, None)
                self._rcvd += 1
            if self._rcvd == self._sent:
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            if self._rcvd in self._ready:
                task = self._rcvd
            elif not self._in_order and self._ready:
                task = next(iter(self._ready))
            else:
                worker, (task_id, data) = self._receive()
                if isinstance(data, _StreamEnd):
                    self._active[worker] = False
                    self._tasks.pop(task_id, None)
                    if not self._persistent:
                        self._pool.retire(worker)
                    self._put_task()
                else:
                    self._ready[task_id] = data
                continue
            del self._tasks[task]
            self._put_task()
            return self._ready.pop(task)  # a _WorkerError is raised by __next__
