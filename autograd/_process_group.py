"""ProcessGroup, Work and ReduceOp: the nonblocking collectives under ``autograd.distributed``.

A ProcessGroup runs each collective as one nonblocking MPI call on contiguous NumPy buffers and
returns a ``Work`` that finishes it (copies back into non-contiguous tensors, divides for
``AVG``, bumps the version counter). Its methods check nothing across ranks: the public functions
of ``autograd.distributed`` do that, and DistributedDataParallel, which checks its layout once,
calls these directly on its hot path. A one-process group needs no MPI at all: ``_SelfComm``
stands in for the communicator and every collective is a copy.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["ReduceOp", "Work", "ProcessGroup", "group"]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce`` combine the ranks' values, elementwise.

    ``AVG`` is the sum divided by the world size (floating-point tensors only). On ``bool``
    tensors ``SUM`` and ``MAX`` are a logical or, ``PRODUCT`` and ``MIN`` a logical and.

    Examples
    --------
    >>> from autograd.distributed import ReduceOp
    >>> ReduceOp.SUM, ReduceOp.AVG
    (<ReduceOp.SUM: 'sum'>, <ReduceOp.AVG: 'avg'>)
    """

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


# Dtypes a collective accepts; the position is the code compared across ranks.
SUPPORTED_DTYPES = tuple(
    np.dtype(d) for d in ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                          "uint8", "bool")
)  # fmt: skip
_BOOL_OPS = {
    ReduceOp.SUM: ReduceOp.MAX, ReduceOp.MAX: ReduceOp.MAX,
    ReduceOp.PRODUCT: ReduceOp.MIN, ReduceOp.MIN: ReduceOp.MIN,
}  # fmt: skip


class Work:
    """A collective in flight: ``wait()`` blocks until it is done, ``is_completed()`` polls.

    Returned by the collectives of ``autograd.distributed`` when ``async_op=True``. The tensors
    passed in hold the result only after ``wait()`` (or once ``is_completed()`` is True).

    Examples
    --------
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group("mpi", world_size=1, rank=0)
    >>> work = dist.all_reduce(autograd.ones(3), async_op=True)
    >>> work.wait(), work.is_completed()
    (True, True)
    >>> dist.destroy_process_group()
    """

    def __init__(
        self,
        group: ProcessGroup,
        requests: list,
        finish: Callable[[], None] | None = None,
        keep: tuple = (),
    ) -> None:
        self._group = group
        self._requests = requests
        self._finish = finish
        self._keep = keep  # buffers MPI reads or writes until the requests complete
        self._done = False

    def _complete(self) -> None:
        self._done = True
        self._requests = []
        self._keep = ()
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def is_completed(self) -> bool:
        """Whether the collective has finished (this also lets MPI make progress on it)."""
        if not self._done and self._group._testall(self._requests):
            self._complete()
        return self._done

    def wait(self, timeout: timedelta | float | None = None) -> bool:
        """Block until the collective is done and its result is in place; returns True.

        ``timeout`` (a ``timedelta`` or seconds) raises RuntimeError if it is not done by then;
        by default the process group's timeout applies (none unless ``init_process_group`` was
        given one).
        """
        if self._done:
            return True
        seconds = _seconds(timeout, "Work.wait") if timeout is not None else self._group._timeout
        if seconds is None:
            self._group._waitall(self._requests)
        else:
            deadline = time.monotonic() + seconds
            while not self._group._testall(self._requests):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Work.wait: the collective did not finish within {seconds:g} s (another "
                        "rank may not have called it, or called it with other arguments)"
                    )
        self._complete()
        return True

    def is_success(self) -> bool:
        """Whether the collective finished (MPI reports failures by aborting, not here)."""
        return self.is_completed()


def _seconds(timeout: Any, call: str) -> float:
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout >= 0:
        return float(timeout)
    raise TypeError(
        f"{call}: timeout must be a datetime.timedelta or seconds >= 0, got {timeout!r}"
    )


class ProcessGroup:
    """A set of processes that run collectives together: every rank of one MPI communicator.

    ``autograd.distributed.init_process_group`` makes the default one (``group.WORLD``). Its
    methods start a collective on a Tensor in place and return a :class:`Work`; unlike the
    module-level functions they do not check that the ranks passed matching tensors.

    Examples
    --------
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group("mpi", world_size=1, rank=0)
    >>> pg = dist.group.WORLD
    >>> pg.rank(), pg.size()
    (0, 1)
    >>> t = autograd.tensor([1.0, 2.0])
    >>> pg.allreduce(t, dist.ReduceOp.AVG).wait()
    True
    >>> t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """

    def __init__(self, comm: Any, mpi: Any, timeout: float | None = None) -> None:
        self._comm = comm
        self._mpi = mpi  # the mpi4py.MPI module, or None for a one-process group without MPI
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self._timeout = timeout
        if mpi is None:
            self._in_place = _IN_PLACE
            self._ops = {op: op for op in ReduceOp}
        else:
            self._in_place = mpi.IN_PLACE
            self._ops = {
                ReduceOp.SUM: mpi.SUM, ReduceOp.AVG: mpi.SUM, ReduceOp.PRODUCT: mpi.PROD,
                ReduceOp.MIN: mpi.MIN, ReduceOp.MAX: mpi.MAX,
            }  # fmt: skip

    def rank(self) -> int:
        """This process's rank in the group, 0 to ``size() - 1``."""
        return self._rank

    def size(self) -> int:
        """How many processes the group has."""
        return self._size

    def __repr__(self) -> str:
        backend = "mpi" if self._mpi is not None else "self"
        return f"ProcessGroup(backend={backend!r}, rank={self._rank}, size={self._size})"

    # --------------------------------------------------------------------------- collectives
    def allreduce(self, tensor: Tensor, op: ReduceOp = ReduceOp.SUM) -> Work:
        """Start reducing ``tensor`` across the ranks in place; every rank gets the result."""
        work, finish = _reduction_buffer(tensor, op, self._size)
        req = self._comm.Iallreduce(self._in_place, work, self._ops[_mpi_op(tensor, op)])
        return Work(self, [req], finish, (work,))

    def reduce(self, tensor: Tensor, dst: int, op: ReduceOp = ReduceOp.SUM) -> Work:
        """Start reducing ``tensor`` onto rank ``dst``; the other ranks' tensors are unchanged."""
        work, finish = _reduction_buffer(tensor, op, self._size)
        mpi_op = self._ops[_mpi_op(tensor, op)]
        if self._rank == dst:
            req = self._comm.Ireduce(self._in_place, work, mpi_op, root=dst)
        else:
            req = self._comm.Ireduce(work, None, mpi_op, root=dst)
            finish = None
        return Work(self, [req], finish, (work,))

    def broadcast(self, tensor: Tensor, src: int = 0) -> Work:
        """Start copying rank ``src``'s ``tensor`` into every other rank's."""
        buf, finish = _byte_buffer(tensor, write=self._rank != src)
        req = self._comm.Ibcast(buf, root=src)
        return Work(self, [req], finish, (buf,))

    def allgather_into_tensor(self, output: Tensor, input: Tensor) -> Work:
        """Start gathering every rank's ``input`` into ``output`` (rank order, concatenated)."""
        send, _ = _byte_buffer(input, write=False)
        recv, finish = _byte_buffer(output, write=True)
        req = self._comm.Iallgather(send, recv)
        return Work(self, [req], finish, (send, recv))

    def gather_into_tensor(self, output: Tensor | None, input: Tensor, dst: int) -> Work:
        """Start gathering every rank's ``input`` into ``output`` on rank ``dst`` only."""
        send, _ = _byte_buffer(input, write=False)
        recv, finish = (None, None) if output is None else _byte_buffer(output, write=True)
        req = self._comm.Igather(send, recv, root=dst)
        return Work(self, [req], finish, (send, recv))

    def scatter_from_tensor(self, output: Tensor, input: Tensor | None, src: int) -> Work:
        """Start cutting ``input`` on rank ``src`` into one piece per rank, into ``output``."""
        send = None if input is None else _byte_buffer(input, write=False)[0]
        recv, finish = _byte_buffer(output, write=True)
        req = self._comm.Iscatter(send, recv, root=src)
        return Work(self, [req], finish, (send, recv))

    def send(self, tensor: Tensor, dst: int, tag: int = 0) -> Work:
        """Start sending ``tensor`` to rank ``dst``."""
        buf, _ = _byte_buffer(tensor, write=False)
        return Work(self, [self._comm.Isend(buf, dest=dst, tag=tag)], None, (buf,))

    def recv(self, tensor: Tensor, src: int | None = None, tag: int = 0) -> Work:
        """Start receiving into ``tensor`` from rank ``src`` (None: from any rank)."""
        buf, finish = _byte_buffer(tensor, write=True)
        source = self._mpi.ANY_SOURCE if src is None else src
        return Work(self, [self._comm.Irecv(buf, source=source, tag=tag)], finish, (buf,))

    def barrier(self) -> Work:
        """Start a barrier: it completes once every rank has entered it."""
        return Work(self, [self._comm.Ibarrier()])

    # ------------------------------------------------------------------------------ internals
    def _allgather_ints(self, values: np.ndarray) -> np.ndarray:
        """Every rank's ``values`` (int64), one row per rank; blocking."""
        values = np.ascontiguousarray(values, dtype=np.int64)
        out = np.empty((self._size, values.size), dtype=np.int64)
        self._waitall([self._comm.Iallgather(values, out)])
        return out

    def _probe_bytes(self, src: int | None, tag: int) -> tuple[int, int]:
        """Block until a message from ``src`` arrives; its size in bytes and its sender."""
        status = self._mpi.Status()
        source = self._mpi.ANY_SOURCE if src is None else src
        self._comm.Probe(source=source, tag=tag, status=status)
        return status.Get_count(self._mpi.BYTE), status.Get_source()

    def _waitall(self, requests: list) -> None:
        if self._mpi is not None:
            self._mpi.Request.Waitall(requests)

    def _testall(self, requests: list) -> bool:
        return True if self._mpi is None else self._mpi.Request.Testall(requests)

    def _dup(self) -> ProcessGroup:
        """The same processes on a new communicator: its collectives never match this one's."""
        comm = _SelfComm() if self._mpi is None else self._comm.Dup()
        return ProcessGroup(comm, self._mpi, self._timeout)

    def _free(self) -> None:
        if self._mpi is not None and self._comm is not None:
            self._comm.Free()
        self._comm = None


def _mpi_op(tensor: Tensor, op: ReduceOp) -> ReduceOp:
    return _BOOL_OPS[op] if tensor.dtype == np.bool_ else op


def _reduction_buffer(tensor: Tensor, op: ReduceOp, size: int) -> tuple[np.ndarray, Callable]:
    """A contiguous array MPI can reduce in place, and how to put the result into ``tensor``."""
    arr = tensor._array
    if op is ReduceOp.AVG and arr.dtype.kind != "f":
        raise TypeError(f"ReduceOp.AVG needs a floating-point tensor, got {arr.dtype}")
    if arr.dtype == np.float16:  # reduced in float32: portable across MPI libraries, and exact
        work = arr.astype(np.float32)
    else:
        work = np.ascontiguousarray(arr)
    copied = work is not arr
    if arr.dtype == np.bool_:
        work = work.view(np.uint8)

    def finish() -> None:
        if op is ReduceOp.AVG and size > 1:
            np.divide(work, size, out=work)
        if copied:
            arr[...] = work.view(np.bool_) if arr.dtype == np.bool_ else work
        tensor._vc[0] += 1

    return work, finish


def _byte_buffer(tensor: Tensor, write: bool) -> tuple[np.ndarray, Callable | None]:
    """The tensor's bytes as a contiguous uint8 array; if written, how to finish into ``tensor``."""
    arr = tensor._array
    work = np.ascontiguousarray(arr)
    if not write:
        return work.reshape(-1).view(np.uint8), None

    def finish() -> None:
        if work is not arr:
            arr[...] = work
        tensor._vc[0] += 1

    return work.reshape(-1).view(np.uint8), finish


class group:  # noqa: N801 - PyTorch's name
    """Where the default process group lives: ``group.WORLD`` (None before initialization)."""

    WORLD: ProcessGroup | None = None


class _InPlace:
    def __repr__(self) -> str:
        return "IN_PLACE"


_IN_PLACE = _InPlace()


class _SelfComm:
    """The communicator of a one-process group run without MPI: each collective is a copy."""

    def Get_rank(self) -> int:
        return 0

    def Get_size(self) -> int:
        return 1

    def Iallreduce(self, sendbuf: Any, recvbuf: np.ndarray, op: Any) -> None:
        return None  # in place on one rank: the result is the input

    def Ireduce(self, sendbuf: Any, recvbuf: Any, op: Any, root: int) -> None:
        return None

    def Ibcast(self, buf: np.ndarray, root: int) -> None:
        return None

    def Iallgather(self, sendbuf: np.ndarray, recvbuf: np.ndarray) -> None:
        recvbuf[...] = sendbuf.reshape(recvbuf.shape)

    def Igather(self, sendbuf: np.ndarray, recvbuf: np.ndarray, root: int) -> None:
        recvbuf[...] = sendbuf.reshape(recvbuf.shape)

    def Iscatter(self, sendbuf: np.ndarray, recvbuf: np.ndarray, root: int) -> None:
        recvbuf[...] = sendbuf.reshape(recvbuf.shape)

    def Ibarrier(self) -> None:
        return None
