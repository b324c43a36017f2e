"""Argument checks of the collectives, run on every rank, and the cross-rank comparison that
turns a mismatch (or a bad argument on one rank) into an error on every rank instead of a hang."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ._process_group import SUPPORTED_DTYPES, ProcessGroup, ReduceOp, group
from .tensor import Tensor


def default_group(call: str, given: ProcessGroup | None) -> ProcessGroup:
    pg = group.WORLD
    if pg is None:
        raise ValueError(
            f"{call}: the default process group has not been initialized; call "
            "autograd.distributed.init_process_group() first"
        )
    if given is None:
        return pg
    if not isinstance(given, ProcessGroup) or given._comm is None:
        raise ValueError(
            f"{call}: group must be None, group.WORLD or a live group from new_group(), "
            f"got {given!r}"
        )
    return given


def check_tensor(call: str, name: str, t: Any, write: bool = False) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{call}: {name} must be an autograd.Tensor, got {type(t).__name__}")
    if t.dtype not in SUPPORTED_DTYPES:
        raise TypeError(
            f"{call}: {name} has dtype {t.dtype}; supported: "
            + ", ".join(str(d) for d in SUPPORTED_DTYPES)
        )
    if write and not t._array.flags.writeable:
        raise ValueError(
            f"{call}: {name} is a read-only view (from expand or broadcasting); pass a tensor "
            "that owns its memory, e.g. .clone()"
        )


def check_list(
    call: str, name: str, tensors: Any, like: Tensor, size: int, write: bool = True
) -> None:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{call}: {name} must be a list of tensors, got {type(tensors).__name__}")
    if len(tensors) != size:
        raise ValueError(f"{call}: {name} has {len(tensors)} tensors, expected world_size={size}")
    for i, t in enumerate(tensors):
        check_tensor(call, f"{name}[{i}]", t, write=write)
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(
                f"{call}: {name}[{i}] is {t.dtype} of shape {tuple(t.shape)}, expected "
                f"{like.dtype} of shape {tuple(like.shape)} like tensor"
            )


def check_op(call: str, op: Any, tensor: Tensor) -> None:
    if not isinstance(op, ReduceOp):
        raise ValueError(f"{call}: op must be a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX), got {op!r}")
    if op is ReduceOp.AVG and tensor.dtype.kind != "f":
        raise TypeError(f"{call}: ReduceOp.AVG needs a floating-point tensor, got {tensor.dtype}")


def check_rank(call: str, name: str, r: Any, pg: ProcessGroup) -> None:
    if not isinstance(r, numbers.Integral) or isinstance(r, bool) or not 0 <= r < pg.size():
        raise ValueError(f"{call}: {name} must be a rank from 0 to {pg.size() - 1}, got {r!r}")


def check_point_to_point(
    call: str, tensor: Any, peer: Any, name: str, tag: Any, pg: ProcessGroup, write: bool
) -> None:
    check_tensor(call, "tensor", tensor, write=write)
    if not (peer is None and name == "src"):
        check_rank(call, name, peer, pg)
        if peer == pg.rank():
            verb = "send to" if name == "dst" else "receive from"
            raise ValueError(
                f"{call}: {name}={peer} is this process's own rank; {verb} another rank"
            )
    if not isinstance(tag, numbers.Integral) or isinstance(tag, bool) or tag < 0:
        raise ValueError(f"{call}: tag must be an int >= 0, got {tag!r}")


# A field compared across ranks: (what, integer codes, how to describe a row of codes).
_MAX_DIMS = 8


def tensor_field(name: str, t: Any) -> tuple:
    if isinstance(t, Tensor) and t.dtype in SUPPORTED_DTYPES:
        dims = list(t.shape[:_MAX_DIMS]) + [-1] * (_MAX_DIMS - min(t.ndim, _MAX_DIMS))
        codes = [SUPPORTED_DTYPES.index(t.dtype), t.ndim, t._array.size, *dims]
    else:
        codes = [-1] * (3 + _MAX_DIMS)

    def describe(row: np.ndarray) -> str:
        if row[0] < 0:
            return "no valid tensor"
        ndim = int(row[1])
        shape = tuple(int(d) for d in row[3 : 3 + min(ndim, _MAX_DIMS)])
        more = "" if ndim <= _MAX_DIMS else f" + {ndim - _MAX_DIMS} more dims, {row[2]} elements"
        return f"{SUPPORTED_DTYPES[row[0]]} of shape {shape}{more}"

    return name, codes, describe


_OPS = list(ReduceOp)


def op_field(op: Any) -> tuple:
    code = _OPS.index(op) if isinstance(op, ReduceOp) else -1
    return "op", [code], lambda row: str(_OPS[row[0]]) if row[0] >= 0 else "an invalid op"


def rank_field(name: str, r: Any) -> tuple:
    valid = isinstance(r, numbers.Integral) and not isinstance(r, bool) and 0 <= r < 2**62
    code = int(r) if valid else -1
    return name, [code], lambda row: str(int(row[0]))


def agree(call: str, pg: ProcessGroup, fields: list, check: Callable[[], Any]) -> None:
    """Run the local ``check`` on every rank, then make sure all ranks passed valid, matching
    arguments; otherwise every rank raises (the one at fault with its own error)."""
    try:
        check()
        error = None
    except (TypeError, ValueError) as e:
        error = e
    if pg.size() == 1:
        if error is not None:
            raise error
        return
    codes = [0 if error is None else 1]
    for _, field_codes, _ in fields:
        codes += field_codes
    table = pg._allgather_ints(np.array(codes, dtype=np.int64))
    if error is not None:
        raise error
    bad = np.flatnonzero(table[:, 0]).tolist()
    if bad:
        raise ValueError(f"{call}: rank(s) {bad} passed invalid arguments (see their error)")
    if (table == table[0]).all():
        return
    parts, start = [], 1
    for what, field_codes, describe in fields:
        block = table[:, start : start + len(field_codes)]
        start += len(field_codes)
        if (block == block[0]).all():
            continue
        ranks_by_value: dict[str, list[int]] = {}
        for r, row in enumerate(block):
            ranks_by_value.setdefault(describe(row), []).append(r)
        parts.append(
            f"{what}: "
            + "; ".join(f"rank {_ranks(rs)} passed {desc}" for desc, rs in ranks_by_value.items())
        )
    raise ValueError(f"{call}: the ranks disagree on " + " | ".join(parts))


def _ranks(rs: list[int]) -> str:
    return ",".join(str(r) for r in rs[:8]) + ("..." if len(rs) > 8 else "")
