"""Run under ``mpiexec -n 2``: every collective against NumPy, and what bad use raises.

Each rank computes what every rank passed (the inputs are seeded by rank), so the expected
result is plain NumPy. Writes ``<out>.<rank>.json``; ``test_collectives.py`` asserts on it.
"""

from __future__ import annotations

import json
import sys

import numpy as np


def main(out: str) -> None:
    import autograd
    import autograd.distributed as dist
    import nn
    from autograd.distributed import ReduceOp

    results: dict = {}
    errors: dict = {}

    def expect_error(name: str, fn) -> None:
        try:
            fn()
            errors[name] = None
        except (TypeError, ValueError, RuntimeError) as e:
            errors[name] = [type(e).__name__, str(e)]

    expect_error("before_init", lambda: dist.get_rank())
    expect_error("world_size_mismatch", lambda: dist.init_process_group("mpi", world_size=3))
    dist.init_process_group("mpi")
    expect_error("init_twice", lambda: dist.init_process_group("mpi"))
    rank, size = dist.get_rank(), dist.get_world_size()
    results["rank"], results["size"] = rank, size

    def data(r: int, dtype: str, shape=(3, 4)) -> np.ndarray:
        rng = np.random.default_rng(r)
        if dtype == "bool":
            return rng.integers(0, 2, shape).astype(bool)
        if dtype.startswith("int"):
            return rng.integers(-5, 6, shape).astype(dtype)
        return (rng.standard_normal(shape) * 2).astype(dtype)

    def everyone(dtype: str, shape=(3, 4)) -> np.ndarray:
        return np.stack([data(r, dtype, shape) for r in range(size)])

    reducers = {
        ReduceOp.SUM: lambda a: a.sum(0), ReduceOp.AVG: lambda a: a.mean(0),
        ReduceOp.PRODUCT: lambda a: a.prod(0), ReduceOp.MIN: lambda a: a.min(0),
        ReduceOp.MAX: lambda a: a.max(0),
    }  # fmt: skip
    bool_reducers = {
        ReduceOp.SUM: lambda a: a.any(0), ReduceOp.MAX: lambda a: a.any(0),
        ReduceOp.PRODUCT: lambda a: a.all(0), ReduceOp.MIN: lambda a: a.all(0),
    }  # fmt: skip

    def diff(got, want) -> float:
        got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            return float("inf")
        return float(np.abs(got - want).max()) if got.size else 0.0

    # all_reduce and reduce: every dtype x op, blocking and async, contiguous or not.
    checks = {}
    for dtype in ("float64", "float32", "float16", "int64", "int32", "int8", "uint8", "bool"):
        ops = bool_reducers if dtype == "bool" else reducers
        for op, ref in ops.items():
            if op is ReduceOp.AVG and not dtype.startswith("float"):
                continue
            want = ref(everyone(dtype)).astype(dtype)  # NumPy widens sums of small ints
            t = autograd.tensor(data(rank, dtype))
            dist.all_reduce(t, op=op)
            checks[f"all_reduce {dtype} {op.name}"] = diff(t.numpy(), want)
            t = autograd.tensor(data(rank, dtype))
            work = dist.all_reduce(t, op=op, async_op=True)
            waited = work.wait()
            checks[f"all_reduce async {dtype} {op.name}"] = diff(t.numpy(), want)
            checks[f"all_reduce async {dtype} {op.name} completed"] = float(
                not (waited and work.is_completed())
            )
            t = autograd.tensor(data(rank, dtype, (4, 3))).T  # a non-contiguous view
            dist.all_reduce(t, op=op)
            want_t = ref(everyone(dtype, (4, 3))).astype(dtype).T
            checks[f"all_reduce transposed {dtype} {op.name}"] = diff(t.numpy(), want_t)
            t = autograd.tensor(data(rank, dtype))
            dist.reduce(t, dst=1, op=op)
            checks[f"reduce {dtype} {op.name}"] = diff(
                t.numpy(), want if rank == 1 else data(rank, dtype)
            )
    # A version bump lets autograd notice a tensor changed in place.
    t = autograd.ones(2)
    before = t._version
    dist.all_reduce(t)
    checks["all_reduce bumps version"] = float(t._version != before + 1)

    # broadcast, all_gather(_into_tensor), gather, scatter (blocking and async).
    for dtype in ("float32", "int64", "bool", "float16"):
        for async_op in (False, True):
            tag = f"{dtype}{' async' if async_op else ''}"
            t = autograd.tensor(data(rank, dtype, (4, 3))).T
            w = dist.broadcast(t, src=1, async_op=async_op)
            w and w.wait()
            checks[f"broadcast {tag}"] = diff(t.numpy(), data(1, dtype, (4, 3)).T)

            outs = [autograd.zeros(3, 4, dtype=t.dtype) for _ in range(size)]
            w = dist.all_gather(outs, autograd.tensor(data(rank, dtype)), async_op=async_op)
            w and w.wait()
            checks[f"all_gather {tag}"] = diff(np.stack([o.numpy() for o in outs]), everyone(dtype))

            flat = autograd.zeros(size * 3, 4, dtype=t.dtype)
            w = dist.all_gather_into_tensor(
                flat, autograd.tensor(data(rank, dtype)), async_op=async_op
            )
            w and w.wait()
            checks[f"all_gather_into_tensor {tag}"] = diff(
                flat.numpy(), everyone(dtype).reshape(size * 3, 4)
            )

            outs = [autograd.zeros(3, 4, dtype=t.dtype) for _ in range(size)] if rank == 0 else None
            w = dist.gather(autograd.tensor(data(rank, dtype)), outs, dst=0, async_op=async_op)
            w and w.wait()
            if rank == 0:
                checks[f"gather {tag}"] = diff(np.stack([o.numpy() for o in outs]), everyone(dtype))

            pieces = [autograd.tensor(x) for x in everyone(dtype)] if rank == 1 else None
            t = autograd.zeros(3, 4, dtype=t.dtype)
            w = dist.scatter(t, pieces, src=1, async_op=async_op)
            w and w.wait()
            checks[f"scatter {tag}"] = diff(t.numpy(), data(rank, dtype))

    # Point to point: send/recv both ways, recv from any source, isend/irecv.
    other = 1 - rank
    if rank == 0:
        dist.send(autograd.arange(5.0), dst=1)
        t = autograd.zeros(5)
        checks["recv from any source"] = float(dist.recv(t) != 1) + diff(t.numpy(), -np.arange(5))
    else:
        t = autograd.zeros(5)
        checks["recv"] = float(dist.recv(t, src=0) != 0) + diff(t.numpy(), np.arange(5))
        dist.send(-autograd.arange(5.0), dst=0)
    sent = autograd.full((3,), float(rank))
    got = autograd.zeros(3)
    works = [dist.isend(sent, dst=other, tag=7), dist.irecv(got, src=other, tag=7)]
    for w in works:
        w.wait()
    checks["isend/irecv"] = diff(got.numpy(), np.full(3, other))
    dist.barrier()
    dist.barrier(async_op=True).wait()

    # A wait with a timeout gives up when the other side never sends (then it does, late).
    if rank == 0:
        late = autograd.zeros(1)
        pending = dist.irecv(late, src=1, tag=99)
        expect_error("wait_timeout", lambda: pending.wait(timeout=0.2))
        dist.barrier()
        pending.wait()
    else:
        dist.barrier()
        dist.send(autograd.ones(1), dst=0, tag=99)

    # A second group: its own communicator, same ranks.
    pg = dist.new_group()
    t = autograd.tensor([float(rank)])
    dist.all_reduce(t, group=pg)
    checks["new_group all_reduce"] = diff(t.numpy(), [sum(range(size))])
    results["checks"] = checks

    # Bad use: every rank raises (the one at fault names the problem; no rank hangs).
    expect_error("shape_mismatch", lambda: dist.all_reduce(autograd.zeros(2 + rank)))
    expect_error(
        "dtype_mismatch",
        lambda: dist.all_reduce(autograd.zeros(2, dtype=[autograd.float32, autograd.int64][rank])),
    )
    expect_error(
        "op_mismatch",
        lambda: dist.all_reduce(autograd.zeros(2), op=[ReduceOp.SUM, ReduceOp.MAX][rank]),
    )
    expect_error("src_mismatch", lambda: dist.broadcast(autograd.zeros(2), src=rank))
    expect_error("unknown_op", lambda: dist.all_reduce(autograd.zeros(2), op="sum"))
    expect_error("avg_on_ints", lambda: dist.all_reduce(autograd.zeros(2, dtype=autograd.int64),
                                                         op=ReduceOp.AVG))  # fmt: skip
    expect_error("not_a_tensor", lambda: dist.all_reduce([1.0, 2.0]))
    expect_error("bad_on_one_rank", lambda: dist.all_reduce(autograd.zeros(2) if rank else "x"))
    expect_error("src_out_of_range", lambda: dist.broadcast(autograd.zeros(2), src=size))
    expect_error("all_gather_list_length", lambda: dist.all_gather([autograd.zeros(2)],
                                                                    autograd.zeros(2)))  # fmt: skip
    expect_error("all_gather_list_shape", lambda: dist.all_gather(
        [autograd.zeros(3) for _ in range(size)], autograd.zeros(2)))  # fmt: skip
    expect_error("gather_list_off_dst", lambda: dist.gather(
        autograd.zeros(2), [autograd.zeros(2) for _ in range(size)], dst=0))  # fmt: skip
    expect_error("read_only", lambda: dist.all_reduce(autograd.zeros(1).expand(3)))
    expect_error("send_to_self", lambda: dist.send(autograd.zeros(1), dst=rank))
    expect_error("bad_group", lambda: dist.all_reduce(autograd.zeros(1), group="world"))
    if rank == 0:
        dist.send(autograd.zeros(3), dst=1, tag=5)
    else:
        expect_error("recv_size_mismatch", lambda: dist.recv(autograd.zeros(4), src=0, tag=5))
    dist.barrier()
    results["errors"] = errors

    # DistributedSampler with the process group's defaults: the ranks' shares.
    for n, shuffle, drop_last in [(10, False, False), (11, False, False), (11, False, True),
                                  (3, False, False), (11, True, False)]:  # fmt: skip
        sampler = nn.data.DistributedSampler(list(range(n)), shuffle=shuffle, drop_last=drop_last)
        sampler.set_epoch(2)
        shares = [None] * size
        mine = autograd.tensor(list(sampler), dtype=autograd.int64)
        outs = [autograd.zeros(len(sampler), dtype=autograd.int64) for _ in range(size)]
        dist.all_gather(outs, mine)
        shares = [o.tolist() for o in outs]
        results[f"sampler n={n} shuffle={shuffle} drop_last={drop_last}"] = shares

    with open(f"{out}.{rank}.json", "w") as f:
        json.dump(results, f)
    dist.destroy_process_group()
    results_after = dist.is_initialized()
    assert results_after is False


if __name__ == "__main__":
    main(sys.argv[1])
