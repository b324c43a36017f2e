"""Process groups and collectives on MPI, with PyTorch's ``torch.distributed`` names and semantics.

Start N processes with ``mpiexec -n N python train.py``; each calls ``init_process_group()``
and reads its rank and the world size from MPI. mpi4py (the ``distributed`` extra) is imported
only then, never by ``import autograd``. ``init_process_group(world_size=1)`` runs one process
without MPI at all, so the same script works on a laptop.

Every collective checks its arguments on every rank and compares dtypes, shapes, roots and ops
across the ranks before it starts, so a mismatch raises the same clear error on all of them
instead of hanging or corrupting memory. Once a group of more than one process exists, an
uncaught exception on any rank prints that rank's traceback and aborts every rank.

Examples
--------
>>> import autograd
>>> import autograd.distributed as dist
>>> dist.init_process_group("mpi", world_size=1, rank=0)  # one process: no MPI needed
>>> dist.get_rank(), dist.get_world_size()
(0, 1)
>>> t = autograd.tensor([1.0, 2.0])
>>> dist.all_reduce(t, op=dist.ReduceOp.MAX)
>>> t
tensor([1., 2.])
>>> dist.destroy_process_group()
"""

from __future__ import annotations

import importlib.util
import numbers
import os
import sys
import traceback
from datetime import timedelta
from typing import Any

from ._collective_checks import default_group
from ._collectives import (
    _one_process_example,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    gather,
    irecv,
    isend,
    recv,
    reduce,
    scatter,
    send,
)  # fmt: skip
from ._process_group import ProcessGroup, ReduceOp, Work, _seconds, _SelfComm, group

__all__ = [
    "ReduceOp", "Work", "ProcessGroup", "group", "GroupMember", "is_available",
    "is_mpi_available", "is_initialized", "init_process_group", "new_group",
    "destroy_process_group", "get_rank", "get_world_size", "get_backend", "barrier",
    "all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor", "gather",
    "scatter", "send", "recv", "isend", "irecv",
]  # fmt: skip


GroupMember = group
_subgroups: list[ProcessGroup] = []  # made by new_group, freed with the default group
_previous_excepthook: Any = None


# ------------------------------------------------------------------------------- the group
def is_available() -> bool:
    """True: the package works (one process needs no MPI; more need mpi4py, see below).

    Examples
    --------
    >>> import autograd.distributed as dist
    >>> dist.is_available()
    True
    """
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py is installed, so more than one process can run (without importing it).

    Examples
    --------
    >>> import autograd.distributed as dist
    >>> isinstance(dist.is_mpi_available(), bool)
    True
    """
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):  # a None entry in sys.modules blocks the import
        return False


def is_initialized() -> bool:
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` has not).

    Examples
    --------
    >>> import autograd.distributed as dist
    >>> dist.is_initialized()
    False
    """
    return group.WORLD is not None


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the default process group: all the processes ``mpiexec`` started.

    Parameters
    ----------
    backend : str, optional
        ``"mpi"`` (the default and only backend).
    init_method : str, optional
        ``None`` or ``"env://"``: MPI's launcher already connects the processes.
    timeout : datetime.timedelta, optional
        How long a blocking collective may wait before raising RuntimeError (default: no limit).
    world_size, rank : int
        ``-1`` (default) takes them from MPI; a value is checked against MPI's.
        ``world_size=1`` outside ``mpiexec`` runs one process without importing mpi4py; so does
        the default outside ``mpiexec`` when mpi4py is not installed (``python train.py``).
    store, group_name, pg_options, device_id
        Accepted for compatibility: ``store`` and ``pg_options`` must be None, ``device_id``
        None or ``"cpu"``.

    With more than one process, an uncaught exception on any rank prints its traceback and
    calls ``MPI_Abort`` so that every rank stops instead of hanging in a collective.

    Examples
    --------
    >>> import autograd.distributed as dist
    >>> dist.init_process_group("mpi", world_size=1, rank=0)
    >>> dist.is_initialized()
    True
    >>> dist.destroy_process_group()
    """
    call = "init_process_group"
    if group.WORLD is not None:
        raise RuntimeError(f"{call}: trying to initialize the default process group twice")
    if backend is not None and (not isinstance(backend, str) or backend.lower() != "mpi"):
        raise ValueError(
            f"{call}: backend {backend!r} is not available; numbagrad runs on 'mpi' (mpi4py)"
        )
    if init_method not in (None, "env://"):
        raise ValueError(
            f"{call}: init_method {init_method!r} is not used with MPI (mpiexec connects the "
            "processes); pass None"
        )
    if store is not None or pg_options is not None:
        raise ValueError(f"{call}: store and pg_options are not used with MPI; pass None")
    if device_id not in (None, "cpu"):
        raise ValueError(f"{call}: device_id must be None or 'cpu', got {device_id!r}")
    for name, value in (("world_size", world_size), ("rank", rank)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < -1:
            raise ValueError(f"{call}: {name} must be an int >= 0 (or -1: from MPI), got {value!r}")
    seconds = None if timeout is None else _seconds(timeout, call)
    launched = _launched_size()
    alone = world_size == 1 or (world_size == -1 and not is_mpi_available())
    if alone and launched in (None, 1):
        if rank not in (-1, 0):
            raise ValueError(f"{call}: rank must be 0 when world_size=1, got {rank}")
        pg = ProcessGroup(_SelfComm(), None, seconds)
    else:
        MPI = _import_mpi(call)
        comm = MPI.COMM_WORLD.Dup()  # our own context: user MPI traffic never mixes with ours
        size, me = comm.Get_size(), comm.Get_rank()
        if world_size not in (-1, size) or rank not in (-1, me):
            comm.Free()
            raise ValueError(
                f"{call}: world_size={world_size}, rank={rank} but MPI started this process as "
                f"rank {me} of {size}; launch with `mpiexec -n {max(world_size, 1)} python ...` "
                "or leave world_size and rank at -1"
            )
        pg = ProcessGroup(comm, MPI, seconds)
        if size > 1:
            _install_abort_hook()
    group.WORLD = pg


@_one_process_example
def new_group(
    ranks: list[int] | None = None, timeout: timedelta | None = None, backend: str | None = None
) -> ProcessGroup:
    """A new group of all the ranks, on its own communicator; every rank must call it.

    Its collectives never interleave with those of other groups, so independent components
    (DistributedDataParallel's gradient buckets, SyncBatchNorm's statistics) can each run
    theirs in their own order. Only groups of all ranks are supported: ``ranks`` must be None
    or list every rank.

    Examples
    --------
    >>> pg = dist.new_group()
    >>> pg.size(), pg is dist.group.WORLD
    (1, False)
    """
    call = "new_group"
    world = default_group(call, None)
    if backend is not None and (not isinstance(backend, str) or backend.lower() != "mpi"):
        raise ValueError(f"{call}: backend {backend!r} is not available; pass None or 'mpi'")
    if ranks is not None and sorted(ranks) != list(range(world.size())):
        raise ValueError(
            f"{call}: only groups of all {world.size()} ranks are supported (ranks=None), "
            f"got ranks={list(ranks)}"
        )
    pg = world._dup()
    if timeout is not None:
        pg._timeout = _seconds(timeout, call)
    _subgroups.append(pg)
    return pg


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default process group and every group made by ``new_group`` (or only ``group``
    if it is one of those); the default group can be initialized again afterwards.

    Examples
    --------
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> dist.destroy_process_group()
    >>> dist.is_initialized()
    False
    """
    pg = default_group("destroy_process_group", group)
    if pg is not GroupMember.WORLD:
        _subgroups.remove(pg)
        pg._free()
        return
    GroupMember.WORLD = None
    while _subgroups:
        _subgroups.pop()._free()
    pg._free()
    _remove_abort_hook()


@_one_process_example
def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank, 0 to ``get_world_size() - 1``.

    Examples
    --------
    >>> dist.get_rank()
    0
    """
    return default_group("get_rank", group).rank()


@_one_process_example
def get_world_size(group: ProcessGroup | None = None) -> int:
    """How many processes the group has.

    Examples
    --------
    >>> dist.get_world_size()
    1
    """
    return default_group("get_world_size", group).size()


@_one_process_example
def get_backend(group: ProcessGroup | None = None) -> str:
    """``"mpi"``.

    Examples
    --------
    >>> dist.get_backend()
    'mpi'
    """
    default_group("get_backend", group)
    return "mpi"


def _launched_size() -> int | None:
    """The world size a launcher announced in the environment (MPICH/Intel MPI, Open MPI)."""
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        value = os.environ.get(var)
        if value is not None and value.isdigit():
            return int(value)
    return None


def _import_mpi(call: str) -> Any:
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(
            f"{call}: the 'mpi' backend needs mpi4py and an MPI library: "
            "pip install 'numbagrad[distributed]' (or pass world_size=1 to run one process "
            "without MPI)"
        ) from e
    return MPI


def _abort_all(exc_type: type, exc: BaseException, tb: Any) -> None:
    """sys.excepthook while a multi-process group exists: report, then stop every rank."""
    pg = group.WORLD
    try:
        where = f"rank {pg.rank()} of {pg.size()}" if pg is not None else "a rank"
        sys.stderr.write(f"\n{where}: uncaught exception, aborting all ranks (MPI_Abort)\n")
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
    finally:
        from mpi4py import MPI

        MPI.COMM_WORLD.Abort(1)


def _install_abort_hook() -> None:
    global _previous_excepthook
    if sys.excepthook is not _abort_all:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _abort_all


def _remove_abort_hook() -> None:
    global _previous_excepthook
    if sys.excepthook is _abort_all:
        sys.excepthook = _previous_excepthook or sys.__excepthook__
    _previous_excepthook = None
