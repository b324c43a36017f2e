"""The collectives of ``autograd.distributed``: check on every rank, agree across ranks, start
the ProcessGroup's nonblocking operation, and wait for it unless ``async_op=True``."""

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


def barrier(
    group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None
) -> Work | None:
    """Block until every rank has called ``barrier``.

    Examples
    --------
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> dist.barrier()
    >>> dist.destroy_process_group()
    """
    return _finish(default_group("barrier", group).barrier(), async_op)


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
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> t = autograd.tensor([1.0, 3.0])
    >>> dist.all_reduce(t, op=dist.ReduceOp.AVG)
    >>> t
    tensor([1., 3.])
    >>> dist.destroy_process_group()
    """
    call = "all_reduce"
    pg = default_group(call, group)

    def check() -> None:
        check_tensor(call, "tensor", tensor, write=True)
        check_op(call, op, tensor)

    agree(call, pg, [tensor_field("tensor", tensor), op_field(op)], check)
    return _finish(pg.allreduce(tensor, op), async_op)


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
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> t = autograd.tensor([2, 5])
    >>> dist.reduce(t, dst=0, op=dist.ReduceOp.PRODUCT)
    >>> t
    tensor([2, 5])
    >>> dist.destroy_process_group()
    """
    call = "reduce"
    pg = default_group(call, group)

    def check() -> None:
        check_tensor(call, "tensor", tensor, write=True)
        check_op(call, op, tensor)
        check_rank(call, "dst", dst, pg)

    agree(call, pg, [tensor_field("tensor", tensor), op_field(op), rank_field("dst", dst)], check)
    return _finish(pg.reduce(tensor, dst, op), async_op)


def broadcast(
    tensor: Tensor, src: int, group: ProcessGroup | None = None, async_op: bool = False
) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into the ``tensor`` of every other rank.

    Examples
    --------
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> t = autograd.tensor([4.0])
    >>> dist.broadcast(t, src=0)
    >>> t
    tensor([4.])
    >>> dist.destroy_process_group()
    """
    call = "broadcast"
    pg = default_group(call, group)

    def check() -> None:
        check_tensor(call, "tensor", tensor, write=True)
        check_rank(call, "src", src, pg)

    agree(call, pg, [tensor_field("tensor", tensor), rank_field("src", src)], check)
    return _finish(pg.broadcast(tensor, src), async_op)


def all_gather(
    tensor_list: list[Tensor],
    tensor: Tensor,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank.

    Examples
    --------
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> out = [autograd.zeros(2)]
    >>> dist.all_gather(out, autograd.tensor([1.0, 2.0]))
    >>> out
    [tensor([1., 2.])]
    >>> dist.destroy_process_group()
    """
    call = "all_gather"
    pg = default_group(call, group)

    def check() -> None:
        check_tensor(call, "tensor", tensor)
        check_list(call, "tensor_list", tensor_list, tensor, pg.size())

    agree(call, pg, [tensor_field("tensor", tensor)], check)
    return _finish(_gather_to_list(pg, tensor, tensor_list, pg.allgather_into_tensor), async_op)


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
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> out = autograd.zeros(2)
    >>> dist.all_gather_into_tensor(out, autograd.tensor([1.0, 2.0]))
    >>> out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    call = "all_gather_into_tensor"
    pg = default_group(call, group)

    def check() -> None:
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

    agree(call, pg, [tensor_field("input_tensor", input_tensor)], check)
    return _finish(pg.allgather_into_tensor(output_tensor, input_tensor), async_op)


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
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> out = [autograd.zeros(1)]
    >>> dist.gather(autograd.tensor([7.0]), out, dst=0)
    >>> out
    [tensor([7.])]
    >>> dist.destroy_process_group()
    """
    call = "gather"
    pg = default_group(call, group)

    def check() -> None:
        check_tensor(call, "tensor", tensor)
        check_rank(call, "dst", dst, pg)
        if pg.rank() == dst:
            check_list(call, "gather_list", gather_list, tensor, pg.size())
        elif gather_list:
            raise ValueError(f"{call}: gather_list must be None on ranks other than dst={dst}")

    agree(call, pg, [tensor_field("tensor", tensor), rank_field("dst", dst)], check)
    if pg.rank() != dst:
        return _finish(pg.gather_into_tensor(None, tensor, dst), async_op)
    start = partial(pg.gather_into_tensor, dst=dst)
    return _finish(_gather_to_list(pg, tensor, gather_list, start), async_op)


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
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> t = autograd.zeros(2)
    >>> dist.scatter(t, [autograd.tensor([1.0, 2.0])], src=0)
    >>> t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    call = "scatter"
    pg = default_group(call, group)

    def check() -> None:
        check_tensor(call, "tensor", tensor, write=True)
        check_rank(call, "src", src, pg)
        if pg.rank() == src:
            check_list(call, "scatter_list", scatter_list, tensor, pg.size(), write=False)
        elif scatter_list:
            raise ValueError(
                f"{call}: scatter_list must not be given on ranks other than src={src}"
            )

    agree(call, pg, [tensor_field("tensor", tensor), rank_field("src", src)], check)
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


def send(tensor: Tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> None:
    """Send ``tensor`` to rank ``dst`` (matched by a ``recv`` there with the same ``tag``).

    Examples
    --------
    >>> import autograd
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> dist.send(autograd.ones(1), dst=0)
    Traceback (most recent call last):
    ValueError: send: dst=0 is this process's own rank; send to another rank
    >>> dist.destroy_process_group()
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
