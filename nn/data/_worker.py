"""DataLoader worker processes: what runs in them, the pool that runs them, and the fetchers
that in-process loading shares.

A fetcher turns one item of the loader's index sampler (a list of indices when batching, else
one index) into a collated batch; the in-process loader and each worker process use the same
fetchers. A worker reads ``(task_id, index)`` pairs from its index queue and sends
``(task_id, batch)`` back through its own result pipe; an exception travels back as a
:class:`_WorkerError` carrying the worker's traceback text.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

import numpy as np

import autograd

from .dataset import IterableDataset, Subset, TensorDataset

__all__ = ["WorkerInfo", "get_worker_info"]

# How often (seconds) a waiting worker checks that the main process still exists.
_CHECK_INTERVAL = 1.0
# Seconds a stopping loader waits for its workers to exit before terminating them.
_SHUTDOWN_WAIT = 5.0


@dataclass(frozen=True)
class WorkerInfo:
    """What a DataLoader worker process knows about itself (see :func:`get_worker_info`).

    Attributes
    ----------
    id : int
        This worker's id, ``0 .. num_workers - 1``.
    num_workers : int
    seed : int
        The seed of this worker's generators: ``base_seed + id``, the base seed drawn from the
        loader's generator (else the global one) whenever an iterator starts its workers.
    dataset : object
        This process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, this worker's :class:`WorkerInfo`; else ``None``.

    Use it in an ``IterableDataset.__iter__`` or a ``worker_init_fn`` to give each worker its
    own share of the data.

    Examples
    --------
    >>> import nn
    >>> nn.data.get_worker_info() is None  # the main process
    True
    """
    return _worker_info


# ------------------------------------------------------------------------------- fetchers
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


class _MapFetcher:
    """Fetch a map-style dataset's items by index and collate them.

    With ``tensor_batches`` (the loader's collate is ``default_collate``) a TensorDataset, or a
    Subset of one, is batched by one fancy index per tensor instead of item by item.
    """

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable,
                 drop_last: bool, tensor_batches: bool) -> None:  # fmt: skip
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        source = _tensor_source(dataset) if auto_collation and tensor_batches else None
        self._arrays = None if source is None else [t.numpy() for t in source[0].tensors]
        self._rows = None if source is None else source[1]

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self._arrays is not None and len(index) > 0:
            return self._cut(index)
        getitems = getattr(self.dataset, "__getitems__", None)
        items = getitems(index) if getitems else [self.dataset[i] for i in index]
        return self.collate_fn(items)

    def _cut(self, index: list[int]) -> list[autograd.Tensor]:
        rows = np.asarray(index, dtype=np.int64)
        try:
            if self._rows is not None:
                rows = self._rows[rows]
            return [autograd.from_numpy(a[rows]) for a in self._arrays]
        except IndexError:
            n = len(self.dataset)
            bad = [i for i in index if not -n <= i < n]
            raise IndexError(
                f"DataLoader: indices {bad} are out of range for a dataset of length {n}"
            ) from None


class _StreamFetcher:
    """Pull items from an IterableDataset's iterator; StopIteration once it is exhausted."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable,
                 drop_last: bool, tensor_batches: bool) -> None:  # fmt: skip
        self.items = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.items))
        batch = []
        for _ in index:
            try:
                batch.append(next(self.items))
            except StopIteration:
                self.ended = True
                break
        if not batch or (self.drop_last and len(batch) < len(index)):
            raise StopIteration
        return self.collate_fn(batch)


def make_fetcher(dataset: Any, *args: Any) -> _MapFetcher | _StreamFetcher:
    """The fetcher for ``dataset``'s kind; ``args``: auto_collation, collate_fn, drop_last,
    tensor_batches."""
    kind = _StreamFetcher if isinstance(dataset, IterableDataset) else _MapFetcher
    return kind(dataset, *args)


# -------------------------------------------------------------------------------- messages
class _KeyErrorMessage(str):
    """A KeyError's text printed as is (KeyError would otherwise show the repr)."""

    def __repr__(self) -> str:
        return str(self)


class _WorkerError:
    """The exception being handled in a worker, to be raised again in the main process."""

    def __init__(self, worker_id: int) -> None:
        exc_type = sys.exc_info()[0] or RuntimeError
        self.name = exc_type.__name__
        try:
            pickle.dumps(exc_type)
        except Exception:  # a class the main process could not import
            exc_type = RuntimeError
        self.exc_type = exc_type
        self.text = traceback.format_exc()
        self.worker_id = worker_id

    def exception(self) -> BaseException:
        """The exception to raise in the main process, the worker's traceback in its text."""
        msg = (
            f"Caught {self.name} in DataLoader worker process {self.worker_id}.\n"
            f"Original {self.text}"
        )
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            return self.exc_type(msg)
        except Exception:  # an exception type that cannot be built from one message
            return RuntimeError(msg)


@dataclass(frozen=True)
class _StreamEnd:
    """A worker's IterableDataset copy is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _Resume:
    """Start a new epoch (persistent workers): rebuild the fetcher, then acknowledge."""


def _seed_everything(seed: int, worker_id: int) -> None:
    random.seed(seed)
    autograd.manual_seed(seed)
    # NumPy's legacy global generator takes 32-bit words: derive them from the seed.
    np.random.seed(np.random.SeedSequence([worker_id, seed % 2**32, seed >> 32]).generate_state(4))


def _send(conn: Any, task_id: Any, data: Any, worker_id: int) -> None:
    try:
        payload = pickle.dumps((task_id, data), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        payload = pickle.dumps((task_id, _WorkerError(worker_id)))
    conn.send_bytes(payload)


def _worker_loop(
    dataset: Any, index_queue: Any, result_conn: Any, done_event: Any, fetch_args: tuple,
    seed: int, init_fn: Callable[[int], None] | None, worker_id: int, num_workers: int,
) -> None:  # fmt: skip
    """The body of a worker process: seed, run ``init_fn``, then answer tasks until told to stop.

    ``None`` on the index queue, or the main process disappearing, ends the loop. After
    ``done_event`` is set remaining tasks are skipped.
    """
    global _worker_info
    parent = os.getppid()
    try:
        autograd.set_num_threads(1)  # the workers already use every core between them
        _seed_everything(seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)  # fmt: skip
        init_error = fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(dataset, *fetch_args)
        except Exception:
            init_error = _WorkerError(worker_id)
        ended = False
        while True:
            try:
                task = index_queue.get(timeout=_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:
                    return
                continue
            if task is None:
                return
            if isinstance(task, _Resume):
                ended, fetcher = False, None
                try:
                    fetcher = make_fetcher(dataset, *fetch_args)
                except Exception:
                    init_error = _WorkerError(worker_id)
                _send(result_conn, task, None, worker_id)
                continue
            if done_event.is_set() or ended:
                continue
            task_id, index = task
            if fetcher is None:  # worker_init_fn or the dataset's __iter__ failed
                data = init_error
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    data, ended = _StreamEnd(worker_id), True
                except Exception:
                    data = _WorkerError(worker_id)
            _send(result_conn, task_id, data, worker_id)
            del data
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # the main process is stopping, or already gone


# ---------------------------------------------------------------------------- the pool
class _WorkerPool:
    """A loader's worker processes, each with an index queue in and a result pipe out.

    The main process waits on all result pipes and on the processes themselves at once, so a
    worker that dies is noticed at once. The pool holds no reference to the iterator using it,
    so a finalizer of that iterator can shut it down.
    """

    def __init__(self, loader: Any, fetch_args: tuple, base_seed: int) -> None:
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        n = loader.num_workers
        self.closed = False
        self.done = ctx.Event()
        self.queues: list = []
        self.readers: list = []
        self.workers: list = []
        self.expected = [True] * n  # workers that must stay alive
        try:
            for i in range(n):
                q = ctx.Queue()
                q.cancel_join_thread()  # never block exit on tasks a dead worker left unread
                reader, writer = ctx.Pipe(duplex=False)
                args = (loader.dataset, q, writer, self.done, fetch_args, base_seed + i,
                        loader.worker_init_fn, i, n)  # fmt: skip
                w = ctx.Process(target=_worker_loop, args=args, daemon=True)
                self.queues.append(q)
                self.readers.append(reader)
                try:
                    w.start()
                except (pickle.PicklingError, TypeError, AttributeError) as exc:
                    raise TypeError(
                        f"DataLoader: cannot start a worker with the "
                        f"{ctx.get_start_method()!r} start method: the dataset, collate_fn "
                        f"and worker_init_fn must be picklable ({exc})"
                    ) from exc
                finally:
                    writer.close()
                self.workers.append(w)
        except BaseException:
            self.shutdown()
            raise

    def send(self, worker: int, message: Any) -> None:
        self.queues[worker].put(message)

    def retire(self, worker: int) -> None:
        """Let one worker exit (its IterableDataset copy is exhausted)."""
        self.expected[worker] = False
        self.queues[worker].put(None)

    def receive(self, timeout: float) -> tuple[int, Any] | None:
        """(worker id, message) from the first worker with a result; None after ``timeout``."""
        live = [i for i, alive in enumerate(self.expected) if alive]
        if self.closed or not live:
            raise RuntimeError("DataLoader: no worker left to load from (they have stopped)")
        readers = {self.readers[i]: i for i in live}
        sentinels = {self.workers[i].sentinel: i for i in live}
        ready = wait([*readers, *sentinels], timeout if timeout > 0 else None)
        if not ready:
            return None
        gone = {sentinels[obj] for obj in ready if obj in sentinels}
        for conn in ready:
            if conn in readers:
                try:
                    return readers[conn], pickle.loads(conn.recv_bytes())
                except EOFError:  # the worker closed its end: it is exiting
                    gone.add(readers[conn])
        dead = [self.workers[i] for i in sorted(gone)]
        for w in dead:
            w.join(timeout=_SHUTDOWN_WAIT)  # for the exit code
        detail = ", ".join(f"{w.pid} (exit code {w.exitcode})" for w in dead)
        self.shutdown()  # the epoch cannot complete without the lost worker's batches
        raise RuntimeError(f"DataLoader worker (pid(s) {detail}) exited unexpectedly")

    def shutdown(self) -> None:
        """Stop every worker: ask, wait up to a few seconds (reading what they still send so
        none stays blocked on a full pipe), then terminate. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        self.done.set()
        for q in self.queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        running = {w.sentinel: w for w in self.workers if w.is_alive()}
        readers = list(self.readers)
        deadline = time.monotonic() + _SHUTDOWN_WAIT
        while running and time.monotonic() < deadline:
            for obj in wait([*running, *readers], max(0.0, deadline - time.monotonic())):
                if obj in running:
                    running.pop(obj)
                    continue
                try:
                    obj.recv_bytes()
                except (EOFError, OSError):
                    readers.remove(obj)
        for w in self.workers:
            if w.is_alive():
                w.terminate()
            w.join()
        for q in self.queues:
            q.close()
        for r in self.readers:
            r.close()
