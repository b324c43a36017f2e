"""DataLoader with worker processes: order, seeding, worker_init_fn, errors, clean shutdown,
timeouts, persistent workers, IterableDataset sharding (against PyTorch), start methods and
Numba kernels inside workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
import time

import numpy as np
import pytest

import autograd
import nn.functional as F
from nn.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


def _no_workers_left():
    gc.collect()
    return multiprocessing.active_children() == []


class Jittery(Dataset):
    """Items that take uneven time, so workers finish out of order."""

    def __len__(self):
        return 24

    def __getitem__(self, i):
        time.sleep(0.004 * (i % 3 == 0))
        return np.full(2, i, dtype=np.float32), i


_INIT_MARK = None


def _mark_worker(worker_id):
    global _INIT_MARK
    _INIT_MARK = f"init {worker_id}"


class Probe(Dataset):
    """What a worker knows: its info, its seeded generators, its process, worker_init_fn's mark."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        time.sleep(0.002)  # let both workers take part
        return {
            "id": info.id, "num_workers": info.num_workers, "seed": info.seed,
            "same_dataset": type(info.dataset) is Probe, "pid": os.getpid(), "mark": _INIT_MARK,
            "autograd": autograd.rand(1).item(), "numpy": np.random.rand(),
            "random": random.random(),
        }  # fmt: skip


class Failing(Dataset):
    def __init__(self, exc):
        self.exc = exc

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 5:
            raise self.exc
        return i


class TwoArgError(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)


class Exiting(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 4:
            os._exit(3)
        return i


class Sleepy(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.5)
        return i


def _shard(n):
    info = get_worker_info()
    lo, step = (0, 1) if info is None else (info.id, info.num_workers)
    return iter(range(lo, n, step))


class Sharded(IterableDataset):
    def __iter__(self):
        return _shard(10)


class Everywhere(IterableDataset):
    def __iter__(self):
        return iter(range(5))


# ---------------------------------------------------------------------------------- order
def test_workers_return_batches_in_sampler_order():
    expected = [y.tolist() for _, y in DataLoader(Jittery(), batch_size=3)]
    got = [y.tolist() for _, y in DataLoader(Jittery(), batch_size=3, num_workers=2)]
    assert got == expected
    unordered = DataLoader(Jittery(), batch_size=3, num_workers=2, in_order=False)
    assert sorted(y.tolist() for _, y in unordered) == expected
    assert [x for _, x in DataLoader(Jittery(), batch_size=None, num_workers=2)] == list(range(24))
    assert _no_workers_left()


def test_workers_match_in_process_loading_for_tensor_datasets():
    ds = TensorDataset(autograd.arange(60.0).reshape(20, 3), autograd.arange(20))

    def epochs(**kw):
        loader = DataLoader(ds, batch_size=6, shuffle=True, generator=autograd.Generator(7), **kw)
        return [[b.numpy().tolist() for b in batch] for _ in range(2) for batch in loader]

    assert epochs(num_workers=2, prefetch_factor=1) == epochs()
    assert _no_workers_left()


# -------------------------------------------------------------------------------- seeding
def test_workers_are_seeded_base_plus_id_and_see_their_info():
    def run(**kw):
        loader = DataLoader(Probe(), batch_size=None, num_workers=2, worker_init_fn=_mark_worker,
                            **kw)  # fmt: skip
        return list(loader)

    items = run(generator=autograd.Generator(3))
    assert get_worker_info() is None  # the main process
    by_worker = {it["id"]: it for it in items}
    assert sorted(by_worker) == [0, 1]
    base = by_worker[0]["seed"]
    assert by_worker[1]["seed"] == base + 1
    for wid, it in by_worker.items():
        assert it["num_workers"] == 2 and it["same_dataset"] and it["mark"] == f"init {wid}"
        assert it["pid"] != os.getpid()
    for key in ("autograd", "numpy", "random"):
        assert by_worker[0][key] != by_worker[1][key]  # each worker its own stream

    def without_pid(results):
        return [{k: v for k, v in it.items() if k != "pid"} for it in results]

    assert without_pid(run(generator=autograd.Generator(3))) == without_pid(items)
    autograd.manual_seed(9)
    seeds = [it["seed"] for it in run()]
    autograd.manual_seed(9)
    assert [it["seed"] for it in run()] == seeds != [it["seed"] for it in items]
    assert _no_workers_left()


# --------------------------------------------------------------------------------- errors
def test_worker_exception_is_raised_again_with_its_traceback():
    with pytest.raises(ValueError) as caught:
        for _ in DataLoader(Failing(ValueError("item 5 is broken")), batch_size=2, num_workers=2):
            pass
    text = str(caught.value)
    assert text.startswith("Caught ValueError in DataLoader worker process ")
    assert "Traceback (most recent call last)" in text and "in __getitem__" in text
    assert "ValueError: item 5 is broken" in text
    assert _no_workers_left()
    with pytest.raises(KeyError) as caught:
        list(DataLoader(Failing(KeyError("k")), batch_size=2, num_workers=1))
    assert str(caught.value).startswith("Caught KeyError")  # the text, not its repr
    with pytest.raises(RuntimeError, match="Caught TwoArgError"):
        list(DataLoader(Failing(TwoArgError(1, "x")), batch_size=2, num_workers=1))
    assert _no_workers_left()


def test_loading_can_go_on_after_a_worker_exception_like_torch():
    it = iter(DataLoader(Failing(ValueError("bad")), batch_size=2, num_workers=2))
    got = []
    while True:
        try:
            got.append(next(it).tolist())
        except ValueError:
            got.append("error")
        except StopIteration:
            break
    assert got == [[0, 1], [2, 3], "error", [6, 7], [8, 9], [10, 11]]
    del it
    assert _no_workers_left()


class Unpicklable(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return lambda: i  # a batch of these cannot travel back to the main process


def _as_list(batch):
    return batch


def test_a_batch_that_cannot_be_sent_back_is_an_error():
    loader = DataLoader(Unpicklable(), batch_size=2, num_workers=1, collate_fn=_as_list)
    with pytest.raises(Exception, match=r"(?s)in DataLoader worker process 0.*pickle"):
        list(loader)
    assert _no_workers_left()


def test_worker_init_fn_error_reaches_the_main_process():
    def broken_init(worker_id):
        raise OSError(f"no device for worker {worker_id}")

    loader = DataLoader(Jittery(), batch_size=4, num_workers=1, worker_init_fn=broken_init)
    with pytest.raises(OSError, match="no device for worker 0"):
        next(iter(loader))
    assert _no_workers_left()


def test_a_dying_worker_is_reported_and_the_rest_stopped():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+ \(exit code 3\)\)"):
        list(DataLoader(Exiting(), batch_size=2, num_workers=2))
    assert _no_workers_left()


def test_timeout():
    loader = DataLoader(Sleepy(), batch_size=1, num_workers=1, timeout=0.05)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.05 seconds"):
        list(loader)
    assert _no_workers_left()
    # persistent workers stopped by a timeout are replaced at the next epoch
    loader = DataLoader(Sleepy(), batch_size=2, num_workers=1, timeout=0.05,
                        persistent_workers=True)  # fmt: skip
    with pytest.raises(RuntimeError, match="timed out"):
        list(loader)
    assert _no_workers_left()
    with pytest.raises(RuntimeError, match="timed out"):
        list(loader)
    del loader
    assert _no_workers_left()


# ------------------------------------------------------------------------------- shutdown
def test_break_and_garbage_collection_stop_the_workers():
    loader = DataLoader(Jittery(), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    assert _no_workers_left()
    it = iter(loader)
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert _no_workers_left()


def test_persistent_workers_serve_every_epoch():
    loader = DataLoader(Probe(), batch_size=None, num_workers=2, persistent_workers=True)
    first = list(loader)
    pids = {it["pid"] for it in first}
    assert len(pids) == 2
    half = iter(loader)
    next(half)  # an abandoned epoch: its pending batches must not leak into the next one
    second = list(loader)
    assert {it["pid"] for it in second} == pids and len(second) == 8
    assert multiprocessing.active_children() != []
    del loader, half
    assert _no_workers_left()


# -------------------------------------------------------------------------------- streams
def test_iterable_dataset_with_workers_matches_torch(torch):
    class TorchSharded(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            return iter(range(info.id, 10, info.num_workers))

    class TorchEverywhere(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(5))

    cases = [
        (Sharded, TorchSharded, dict(batch_size=3)),
        (Sharded, TorchSharded, dict(batch_size=3, drop_last=True)),
        (Sharded, TorchSharded, dict(batch_size=None)),
        (Everywhere, TorchEverywhere, dict(batch_size=2)),  # each worker yields it all
    ]
    for ours, theirs, options in cases:
        got = DataLoader(ours(), num_workers=2, **options)
        ref = torch.utils.data.DataLoader(theirs(), num_workers=2, **options)
        assert [np.asarray(b).tolist() for b in got] == [np.asarray(b).tolist() for b in ref]
    persistent = DataLoader(Sharded(), batch_size=4, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in persistent] == [b.tolist() for b in persistent]
    del persistent
    assert _no_workers_left()


# ------------------------------------------------------------------- start methods, Numba
class Convolved(Dataset):
    """Each item is a convolution, run with the library's kernels inside the worker."""

    def __init__(self):
        g = autograd.Generator(0)
        self.x = autograd.randn(4, 16, 32, 32, generator=g)
        self.w = autograd.randn(16, 16, 3, 3, generator=g)

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return F.conv2d(self.x * (i + 1), self.w, padding=1)  # whole batches: threads join in


def _two_threads(worker_id):
    autograd.set_num_threads(2)


def test_workers_run_kernels_after_the_parent_did():
    # The parent's kernels have started Numba's and the Winograd convolution's thread pools;
    # forked workers must still run every kernel (a worker given threads back included).
    ds = Convolved()
    expected = [ds[i].numpy() for i in range(len(ds))]
    for init in (None, _two_threads):
        loader = DataLoader(ds, batch_size=2, num_workers=2, timeout=60, worker_init_fn=init)
        got = np.concatenate([b.numpy() for b in loader])
        np.testing.assert_allclose(got, np.stack(expected), rtol=1e-5, atol=1e-4)
    assert _no_workers_left()


def test_spawn_start_method():
    ds = TensorDataset(autograd.arange(12.0).reshape(6, 2))
    loader = DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn",
                        timeout=120)  # fmt: skip
    assert [b[0].tolist() for b in loader] == [[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]],
                                               [[8.0, 9.0], [10.0, 11.0]]]  # fmt: skip

    class Local(Dataset):  # cannot be pickled for a spawned worker
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError, match="'spawn' start method: .* must be picklable"):
        list(DataLoader(Local(), num_workers=1, multiprocessing_context="spawn"))
    assert _no_workers_left()
