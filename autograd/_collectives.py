"""The collectives of ``autograd.distributed``: check on every rank, agree across ranks, start
the ProcessGroup's nonblocking operation, and wait for it unless ``async_op=True``.

Each docstring's example runs in a one-process group: :func:`_one_process_example` adds the lines
that import ``autograd`` and ``autograd.distributed as dist``, initialize the group and destroy it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from ._collective_checks import (
    agree,
    check_list,
    check_op,
    check_point_to_point,
    check_rank,
    check_tensor,
    default_group,
    op_field,
    rank_field,
    tensor_field,
)
from ._process_group import ProcessGroup, ReduceOp, Work
from .tensor import Tensor

__all__ = [
    "barrier", "all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor",
    "gather", "scatter", "send", "recv", "isend", "irecv",
]  # fmt: skip


_SETUP = """    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
"""
_TEARDOWN = """    >>> dist.destroy_process_group()
"""


def _one_process_example(fn: Callable) -> Callable:
    """Wrap the example of ``fn``'s docstring in a one-process group's setup and teardown."""
    head, sep, example = fn.__doc__.partition("    --------\n")
    fn.__doc__ = head + sep + _SETUP + example.rstrip(" ") + _TEARDOWN + "    "
    return fn


@_one_process_example
def barrier(
    group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None
) -> Work | None:
    """Block until every rank has called ``barrier``.

    Examples
    --------
    >>> dist.barrier()
    """
    return _finish(default_group("barrier", group).barrier(), async_op)


@_one_process_example
def all_reduce(
    tensor: Tensor,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Reduce ``tensor`` across all ranks in place: every rank ends with the result.

    Parameters
    ----------
    tensor : Tensor
        Same dtype and shape on every rank; overwritten with the result.
    op : ReduceOp
        ``SUM`` (default), ``AVG``, ``PRODUCT``, ``MIN`` or ``MAX``.
    async_op : bool
        Return a :class:`Work` at once (``wait()`` for the result) instead of None when done.

    Examples
    --------
    >>> t = autograd.tensor([1.0, 3.0])
    >>> dist.all_reduce(t, op=dist.ReduceOp.AVG)
    >>> t
    tensor([1., 3.])
    """

    def check(call: str, pg: ProcessGroup) -> None:
        check_tensor(call, "tensor", tensor, write=True)
        check_op(call, op, tensor)

    pg = _agreed("all_reduce", group, [tensor_field("tensor", tensor), op_field(op)], check)
    return _finish(pg.allreduce(tensor, op), async_op)


@_one_process_example
def reduce(
    tensor: Tensor,
    dst: int,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Reduce ``tensor`` across all ranks into rank ``dst``'s tensor (the others keep theirs).

    Examples
    --------
    >>> t = autograd.tensor([2, 5])
    >>> dist.reduce(t, dst=0, op=dist.ReduceOp.PRODUCT)
    >>> t
    tensor([2, 5])
    """

    def check(call: str, pg: ProcessGroup) -> None:
        check_tensor(call, "tensor", tensor, write=True)
        check_op(call, op, tensor)
        check_rank(call, "dst", dst, pg)

    fields = [tensor_field("tensor", tensor), op_field(op), rank_field("dst", dst)]
    pg = _agreed("reduce", group, fields, check)
    return _finish(pg.reduce(tensor, dst, op), async_op)


@_one_process_example
def broadcast(
    tensor: Tensor, src: int, group: ProcessGroup | None = None, async_op: bool = False
) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into the ``tensor`` of every other rank.

    Examples
    --------
    >>> t = autograd.tensor([4.0])
    >>> dist.broadcast(t, src=0)
    >>> t
    tensor([4.])
    """

    def check(call: str, pg: ProcessGroup) -> None:
        check_tensor(call, "tensor", tensor, write=True)
        check_rank(call, "src", src, pg)

    pg = _agreed(
        "broadcast", group, [tensor_field("tensor", tensor), rank_field("src", src)], check
    )
    return _finish(pg.broadcast(tensor, src), async_op)


@_one_process_example
def all_gather(
    tensor_list: list[Tensor],
    tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank.

    Examples
    --------
    >>> out = [autograd.zeros(2)]
    >>> dist.all_gather(out, autograd.tensor([1.0, 2.0]))
    >>> out
    [tensor([1., 2.])]
    """

    def check(call: str, pg: ProcessGroup) -> None:
        check_tensor(call, "tensor", tensor)
        check_list(call, "tensor_list", tensor_list, tensor, pg.size())

    pg = _agreed("all_gather", group, [tensor_field("tensor", tensor)], check)
    return _finish(_gather_to_list(pg, tensor, tensor_list, pg.allgather_into_tensor), async_op)


@_one_process_example
def all_gather_into_tensor(
    output_tensor: Tensor,
    input_tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Concatenate every rank's ``input_tensor`` (in rank order) into ``output_tensor``.

    ``output_tensor`` has ``world_size`` times as many elements: shape ``(world_size * n, ...)``
    or ``(world_size, n, ...)``.

    Examples
    --------
    >>> out = autograd.zeros(2)
    >>> dist.all_gather_into_tensor(out, autograd.tensor([1.0, 2.0]))
    >>> out
    tensor([1., 2.])
    """

    def check(call: str, pg: ProcessGroup) -> None:
        check_tensor(call, "input_tensor", input_tensor)
        check_tensor(call, "output_tensor", output_tensor, write=True)
        if output_tensor.dtype != input_tensor.dtype:
            raise TypeError(
                f"{call}: output_tensor is {output_tensor.dtype}, input_tensor is "
                f"{input_tensor.dtype}; they must match"
            )
        if output_tensor._array.size != pg.size() * input_tensor._array.size:
            raise ValueError(
                f"{call}: output_tensor has {output_tensor._array.size} elements, expected "
                f"world_size * input_tensor.numel() = {pg.size() * input_tensor._array.size}"
            )

    pg = _agreed(
        "all_gather_into_tensor", group, [tensor_field("input_tensor", input_tensor)], check
    )
    return _finish(pg.allgather_into_tensor(output_tensor, input_tensor), async_op)


@_one_process_example
def gather(
    tensor: Tensor,
    gather_list: list[Tensor] | None = None,
    dst: int = 0,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Collect every rank's ``tensor`` into ``gather_list`` on rank ``dst`` (None elsewhere).

    Examples
    --------
    >>> out = [autograd.zeros(1)]
    >>> dist.gather(autograd.tensor([7.0]), out, dst=0)
    >>> out
    [tensor([7.])]
    """
    pg = _rooted("gather", group, tensor, ("dst", dst), ("gather_list", gather_list), False)
    if pg.rank() != dst:
        return _finish(pg.gather_into_tensor(None, tensor, dst), async_op)
    start = partial(pg.gather_into_tensor, dst=dst)
    return _finish(_gather_to_list(pg, tensor, gather_list, start), async_op)


@_one_process_example
def scatter(
    tensor: Tensor,
    scatter_list: list[Tensor] | None = None,
    src: int = 0,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Send ``scatter_list[r]`` from rank ``src`` into rank r's ``tensor``.

    Examples
    --------
    >>> t = autograd.zeros(2)
    >>> dist.scatter(t, [autograd.tensor([1.0, 2.0])], src=0)
    >>> t
    tensor([1., 2.])
    """
    pg = _rooted("scatter", group, tensor, ("src", src), ("scatter_list", scatter_list), True)
    stacked = None
    if pg.rank() == src:
        stacked = Tensor._make(np.stack([t._array for t in scatter_list]))
    return _finish(pg.scatter_from_tensor(tensor, stacked, src), async_op)


def isend(tensor: Tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> Work:
    """Start sending ``tensor`` to rank ``dst``; returns a :class:`Work`.

    Don't change ``tensor`` before ``wait()`` returns.
    """
    pg = default_group("isend", group)
    check_point_to_point("isend", tensor, dst, "dst", tag, pg, write=False)
    return pg.send(tensor, dst, tag)


@_one_process_example
def send(tensor: Tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> None:
    """Send ``tensor`` to rank ``dst`` (matched by a ``recv`` there with the same ``tag``).

    Examples
    --------
    >>> dist.send(autograd.ones(1), dst=0)
    Traceback (most recent call last):
    ValueError: send: dst=0 is this process's own rank; send to another rank
    """
    pg = default_group("send", group)
    check_point_to_point("send", tensor, dst, "dst", tag, pg, write=False)
    pg.send(tensor, dst, tag).wait()


def irecv(
    tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0
) -> Work:
    """Start receiving into ``tensor`` from rank ``src`` (None: any rank); returns a Work.

    Unlike ``recv``, the message's size is not checked against ``tensor`` in advance.
    """
    pg = default_group("irecv", group)
    check_point_to_point("irecv", tensor, src, "src", tag, pg, write=True)
    return pg.recv(tensor, src, tag)


def recv(
    tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0
) -> int:
    """Receive into ``tensor`` from rank ``src`` (None: any rank); returns the sender's rank.

    A message whose size differs from ``tensor``'s is received and discarded, then reported.
    """
    call = "recv"
    pg = default_group(call, group)
    check_point_to_point(call, tensor, src, "src", tag, pg, write=True)
    nbytes, source = pg._probe_bytes(src, tag)
    if nbytes != tensor._array.nbytes:
        pg.recv(Tensor._make(np.empty(nbytes, np.uint8)), source, tag).wait()
        raise ValueError(
            f"{call}: the message from rank {source} has {nbytes} bytes, but tensor "
            f"({tensor.dtype}, shape {tuple(tensor.shape)}) holds {tensor._array.nbytes}"
        )
    pg.recv(tensor, source, tag).wait()
    return source


# -------------------------------------------------------------------------------- helpers


def _agreed(
    call: str, group: ProcessGroup | None, fields: list, check: Callable[[str, ProcessGroup], None]
) -> ProcessGroup:
    """The group ``call`` runs on, once ``check(call, pg)`` passed on every rank and the ranks
    agree on ``fields``."""
    pg = default_group(call, group)
    agree(call, pg, fields, partial(check, call, pg))
    return pg


def _rooted(
    call: str,
    group: ProcessGroup | None,
    tensor: Tensor,
    root: tuple[str, int],
    tensors: tuple[str, Any],
    write: bool,
) -> ProcessGroup:
    """:func:`_agreed` for a collective with a root rank (``root``: its argument's name and
    value), where only the root passes a list of tensors (``tensors``: name and value) and
    every rank its ``tensor`` (written when ``write``)."""
    (root_arg, rank), (list_arg, given) = root, tensors

    def check(call: str, pg: ProcessGroup) -> None:
        check_tensor(call, "tensor", tensor, write=write)
        check_rank(call, root_arg, rank, pg)
        if pg.rank() == rank:
            check_list(call, list_arg, given, tensor, pg.size(), write=not write)
        elif given:
            raise ValueError(
                f"{call}: {list_arg} must be None on ranks other than {root_arg}={rank}"
            )

    return _agreed(call, group, [tensor_field("tensor", tensor), rank_field(root_arg, rank)], check)


def _finish(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def _gather_to_list(
    pg: ProcessGroup,
    tensor: Tensor,
    out: Sequence[Tensor],
    start: Callable[[Tensor, Tensor], Work],
) -> Work:
    """Run ``start(stacked, tensor)``, a gather of every rank's ``tensor`` into one stacked
    ``(world_size, ...)`` buffer, and copy rank r's part into ``out[r]`` once it is done."""
    stacked = Tensor._make(np.empty((pg.size(), *tensor.shape), dtype=tensor.dtype))
    work = start(stacked, tensor)
    first = work._finish

    def finish() -> None:
        if first is not None:
            first()
        for t, part in zip(out, stacked._array):
            t._array[...] = part
            t._vc[0] += 1

    work._finish = finish
    return work
