"""autograd.distributed: collectives on 2 ranks against NumPy, bad use, and one process."""

from __future__ import annotations

import numpy as np
import pytest

import autograd

# How far a collective's result may be from NumPy's: reductions in float32/float16 round.
TOLERANCE = {"float64": 1e-12, "float32": 1e-5, "float16": 1e-2}


def _tolerance(name: str) -> float:
    return next((tol for dt, tol in TOLERANCE.items() if f" {dt}" in name), 0.0)


def test_every_collective_matches_numpy_on_both_ranks(collectives_run):
    for result in collectives_run:
        checks = result["checks"]
        assert len(checks) > 150  # every dtype x op x variant ran
        bad = {k: v for k, v in checks.items() if v > _tolerance(k)}
        assert not bad, f"rank {result['rank']}: {bad}"


def test_every_reduce_op_and_async_variant_was_checked(collectives_run):
    names = set(collectives_run[0]["checks"])
    for op in ("SUM", "AVG", "PRODUCT", "MIN", "MAX"):
        assert f"all_reduce float32 {op}" in names
        assert f"all_reduce async float64 {op}" in names
        assert f"reduce int64 {op}" in names or op == "AVG"
    for name in ("broadcast", "all_gather", "all_gather_into_tensor", "scatter"):
        assert f"{name} float32 async" in names
    assert "gather float32 async" in names  # rank 0 is the destination
    assert {"isend/irecv", "recv from any source", "new_group all_reduce"} <= names


def test_ranks_and_world_size(collectives_run):
    assert [(r["rank"], r["size"]) for r in collectives_run] == [(0, 2), (1, 2)]


@pytest.mark.parametrize("case, kind, message", [
    ("before_init", "ValueError", "get_rank: the default process group has not been initial"),
    ("world_size_mismatch", "ValueError", "world_size=3, rank=-1 but MPI started this proc"),
    ("init_twice", "RuntimeError", "initialize the default process group twice"),
    ("shape_mismatch", "ValueError", "all_reduce: the ranks disagree on tensor: rank 0 passed "
                                     "float32 of shape (2,); rank 1 passed float32 of shape (3,)"),
    ("dtype_mismatch", "ValueError", "rank 0 passed float32 of shape (2,); rank 1 passed int64"),
    ("op_mismatch", "ValueError",
     "disagree on op: rank 0 passed ReduceOp.SUM; rank 1 passed ReduceOp.MAX"),
    ("src_mismatch", "ValueError", "broadcast: the ranks disagree on src"),
    ("unknown_op", "ValueError", "all_reduce: op must be a ReduceOp"),
    ("avg_on_ints", "TypeError", "ReduceOp.AVG needs a floating-point tensor, got int64"),
    ("not_a_tensor", "TypeError", "all_reduce: tensor must be an autograd.Tensor, got list"),
    ("src_out_of_range", "ValueError", "broadcast: src must be a rank from 0 to 1, got 2"),
    ("all_gather_list_length", "ValueError", "tensor_list has 1 tensors, expected world_size=2"),
    ("all_gather_list_shape", "ValueError", "tensor_list[0] is float32 of shape (3,), expected"),
    ("read_only", "ValueError", "all_reduce: tensor is a read-only view"),
    ("send_to_self", "ValueError", "is this process's own rank"),
    ("bad_group", "ValueError", "all_reduce: group must be None, group.WORLD"),
])  # fmt: skip
def test_bad_use_raises_the_same_clear_error_on_every_rank(collectives_run, case, kind, message):
    for result in collectives_run:
        got = result["errors"][case]
        assert got is not None, f"rank {result['rank']}: {case} raised nothing"
        assert got[0] == kind and message in got[1], (result["rank"], got)


def test_bad_argument_on_one_rank_makes_the_others_raise_instead_of_hang(collectives_run):
    rank0, rank1 = (r["errors"] for r in collectives_run)
    assert rank0["bad_on_one_rank"] == ["TypeError", "all_reduce: tensor must be an "
                                        "autograd.Tensor, got str"]  # fmt: skip
    assert rank1["bad_on_one_rank"][1] == (
        "all_reduce: rank(s) [0] passed invalid arguments (see their error)"
    )
    assert rank1["gather_list_off_dst"][1] == (
        "gather: gather_list must be None on ranks other than dst=0"
    )
    assert "rank(s) [1] passed invalid arguments" in rank0["gather_list_off_dst"][1]


def test_recv_of_a_message_of_another_size_names_both_sizes(collectives_run):
    kind, message = collectives_run[1]["errors"]["recv_size_mismatch"]
    assert kind == "ValueError"
    assert message == (
        "recv: the message from rank 0 has 12 bytes, but tensor (float32, shape (4,)) holds 16"
    )


def test_wait_with_timeout_gives_up_when_no_rank_answers(collectives_run):
    kind, message = collectives_run[0]["errors"]["wait_timeout"]
    assert kind == "RuntimeError" and "did not finish within 0.2 s" in message


# ------------------------------------------------------------------------ one process, no MPI
def test_one_process_collectives_are_identities_or_copies(world_of_one):
    dist = world_of_one
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
    t = autograd.tensor([1.0, -2.0])
    for op in dist.ReduceOp:
        dist.all_reduce(t, op=op)
        assert t.tolist() == [1.0, -2.0]
    out = [autograd.zeros(2)]
    dist.all_gather(out, t)
    assert out[0].tolist() == [1.0, -2.0]
    got = autograd.zeros(2)
    work = dist.scatter(got, [t], src=0, async_op=True)
    assert work.wait() and work.is_completed() and got.tolist() == [1.0, -2.0]
    flat = autograd.zeros(2)
    dist.all_gather_into_tensor(flat, t)
    assert flat.tolist() == [1.0, -2.0]


def test_one_process_argument_errors(world_of_one):
    dist = world_of_one
    with pytest.raises(TypeError, match="AVG needs a floating-point tensor, got int64"):
        dist.all_reduce(autograd.tensor([1, 2]), op=dist.ReduceOp.AVG)
    with pytest.raises(ValueError, match="op must be a ReduceOp"):
        dist.all_reduce(autograd.zeros(1), op=np.sum)
    with pytest.raises(TypeError, match="all_gather: tensor_list must be a list of tensors"):
        dist.all_gather(autograd.zeros(1), autograd.zeros(1))
    with pytest.raises(ValueError, match="output_tensor has 3 elements, expected"):
        dist.all_gather_into_tensor(autograd.zeros(3), autograd.zeros(2))
    with pytest.raises(TypeError, match=r"tensor has dtype complex128; supported: float16"):
        dist.broadcast(autograd.Tensor._make(np.zeros(2, complex)), src=0)
    with pytest.raises(ValueError, match="send: dst must be a rank from 0 to 0, got 1"):
        dist.send(autograd.zeros(1), dst=1)
    with pytest.raises(ValueError, match="new_group: only groups of all 1 ranks"):
        dist.new_group([0, 1])
    with pytest.raises(TypeError, match="timeout must be a datetime.timedelta or seconds"):
        dist.barrier(async_op=True).wait(timeout="soon")


def test_init_arguments_are_checked():
    import autograd.distributed as dist

    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group("nccl", world_size=1)
    with pytest.raises(ValueError, match="init_method 'tcp://h:1' is not used with MPI"):
        dist.init_process_group("mpi", init_method="tcp://h:1", world_size=1)
    with pytest.raises(ValueError, match="rank must be 0 when world_size=1, got 3"):
        dist.init_process_group(world_size=1, rank=3)
    with pytest.raises(ValueError, match="world_size must be an int >= 0"):
        dist.init_process_group(world_size="2")
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="all_reduce: the default process group has not been"):
        dist.all_reduce(autograd.zeros(1))


def test_destroy_then_init_again_and_groups_are_freed(world_of_one):
    dist = world_of_one
    pg = dist.new_group()
    dist.all_reduce(autograd.zeros(1), group=pg)
    dist.destroy_process_group()
    assert not dist.is_initialized() and dist.group.WORLD is None
    dist.init_process_group(world_size=1)
    with pytest.raises(ValueError, match="a live group from new_group"):
        dist.all_reduce(autograd.zeros(1), group=pg)  # freed with the old default group
