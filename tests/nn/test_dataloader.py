"""nn.data.dataloader in one process: options, batches and lengths against PyTorch, argument
checks, shuffling and the lazy "infinite loader" idiom. Worker processes: test_dataloader_workers.
"""

from __future__ import annotations

import itertools
import tracemalloc
import warnings

import numpy as np
import pytest

import autograd
import nn
from nn.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Subset,
    TensorDataset,
    default_collate,
)  # fmt: skip


class Records:
    """A map-style dataset of neither library: NumPy arrays, ints, floats, strings, dicts."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(2, i, dtype=np.float32), i, {"half": i / 2, "name": f"s{i}"}


def _count(n):
    return iter(range(n))


class Stream(IterableDataset):
    def __iter__(self):
        return _count(7)


class SizedStream(IterableDataset):
    def __len__(self):
        return 2

    def __iter__(self):
        return _count(5)


def _plain(x):
    """A batch as plain values, the same for our tensors and PyTorch's."""
    if isinstance(x, autograd.Tensor) or type(x).__module__.startswith("torch"):
        return ("tensor", str(x.dtype).removeprefix("torch."), np.asarray(x.numpy()).tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.tolist())
    return x


def _xy(n=10):
    x = autograd.arange(n * 3, dtype=autograd.float32).reshape(n, 3)
    return TensorDataset(x, autograd.arange(n))


# ---------------------------------------------------------------------------- vs PyTorch
LOADER_OPTIONS = [
    dict(),
    dict(batch_size=3),
    dict(batch_size=3, drop_last=True),
    dict(batch_size=20),
    dict(batch_size=None),
    dict(batch_size=2, sampler=[5, 1, 3]),
    dict(batch_size=None, sampler=[4, 0]),
    dict(batch_sampler=[[0, 1], [4], [2, 3, 5]]),
    dict(batch_size=4, collate_fn=lambda batch: [len(batch), batch[0][1]]),
]


@pytest.mark.parametrize("options", LOADER_OPTIONS, ids=str)
def test_sequential_batches_match_torch(torch, options):
    ours = DataLoader(Records(), **options)
    ref = torch.utils.data.DataLoader(Records(), **options)
    assert [_plain(b) for b in ours] == [_plain(b) for b in ref]
    assert len(ours) == len(ref)


@pytest.mark.parametrize("options", LOADER_OPTIONS[:6], ids=str)
def test_tensor_dataset_batches_match_torch(torch, options):
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    ours = DataLoader(TensorDataset(autograd.from_numpy(x), autograd.arange(10)), **options)
    ref = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.arange(10)), **options
    )
    assert [_plain(b) for b in ours] == [_plain(b) for b in ref]


def test_iterable_dataset_batches_and_len_match_torch(torch):
    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return _count(7)

    class TorchSized(torch.utils.data.IterableDataset):
        def __len__(self):
            return 2

        def __iter__(self):
            return _count(5)

    for options in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)):
        ours = DataLoader(Stream(), **options)
        ref = torch.utils.data.DataLoader(TorchStream(), **options)
        assert [_plain(b) for b in ours] == [_plain(b) for b in ref]
        sized = DataLoader(SizedStream(), **options)
        assert len(sized) == len(torch.utils.data.DataLoader(TorchSized(), **options))
    with pytest.raises(TypeError, match="Stream defines no __len__"):
        len(DataLoader(Stream()))
    loader = DataLoader(SizedStream(), batch_size=1)
    assert len(loader) == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(list(loader)) == 5
    assert [str(w.message) for w in caught] == [
        f"DataLoader: the length of IterableDataset SizedStream was reported as 2 batches, but "
        f"{n} have been fetched"
        for n in (3, 4, 5)
    ]


# ------------------------------------------------------------------------ argument checks
BAD_OPTIONS = [
    (dict(batch_sampler=[[0]], batch_size=2), "mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "mutually exclusive"),
    (dict(sampler=[0], shuffle=True), "mutually exclusive with shuffle"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size=-1), "batch_size"),
    (dict(batch_size=1.5), "batch_size"),
    (dict(num_workers=-1), "num_workers"),
    (dict(timeout=-1), "timeout"),
    (dict(prefetch_factor=2), "prefetch_factor"),
    (dict(persistent_workers=True), "persistent_workers"),
    (dict(multiprocessing_context="fork"), "num_workers > 0"),
    (dict(num_workers=1, multiprocessing_context="bogus"), "start method"),
]


@pytest.mark.parametrize("options,word", BAD_OPTIONS, ids=str)
def test_bad_options_raise_like_torch(torch, options, word):
    with pytest.raises(ValueError, match=word):
        DataLoader(Records(), **options)
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(Records(), **options)


def test_iterable_dataset_options_raise_like_torch(torch):
    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return _count(3)

    for options in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        name = next(iter(options))
        with pytest.raises(ValueError, match=f"IterableDataset: expected unspecified {name}"):
            DataLoader(Stream(), **options)
        with pytest.raises(ValueError):
            torch.utils.data.DataLoader(TorchStream(), **options)
    DataLoader(Stream(), shuffle=False)  # unspecified or False is fine, as in PyTorch


def test_other_bad_arguments_are_named():
    ds = _xy(4)
    with pytest.raises(TypeError, match="num_workers"):
        DataLoader(ds, num_workers=1.5)
    with pytest.raises(ValueError, match="timeout=2 needs worker processes"):
        DataLoader(ds, timeout=2)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, num_workers=1, prefetch_factor=0)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, shuffle=True, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(ds, collate_fn="stack")
    with pytest.raises(TypeError, match="multiprocessing_context"):
        DataLoader(ds, num_workers=1, multiprocessing_context=3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        DataLoader(ds, seed=1)
    with pytest.raises(TypeError, match="list_iterator has none"):
        len(DataLoader(ds, batch_size=None, sampler=iter([0, 1])))
    with pytest.raises(TypeError, match="list_iterator has none"):
        len(DataLoader(ds, batch_size=2, sampler=iter([0, 1])))


def test_settings_are_frozen_after_init_like_torch(torch):
    ours = DataLoader(_xy(4), batch_size=2)
    ref = torch.utils.data.DataLoader(list(range(4)), batch_size=2)
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
            setattr(ours, name, None)
        with pytest.raises(ValueError):
            setattr(ref, name, None)
    ours.num_workers = 0  # others stay settable
    assert ours.batch_size == 2 and isinstance(ours.batch_sampler, BatchSampler)


def test_pin_memory_warns_that_it_does_nothing():
    loader = DataLoader(_xy(4), batch_size=2, pin_memory=True)
    with pytest.warns(UserWarning, match="pin_memory"):
        batches = list(loader)
    assert len(batches) == 2


# ---------------------------------------------------------------------------- batching
@pytest.mark.parametrize(
    "n,bs,drop_last",
    [(10, 3, False), (10, 3, True), (9, 3, True), (10, 20, False), (10, 20, True), (10, 1, False)],
)
def test_batching(n, bs, drop_last):
    loader = DataLoader(_xy(n), batch_size=bs, drop_last=drop_last)
    batches = list(loader)
    expected = n // bs if drop_last else -(-n // bs)
    assert len(loader) == len(batches) == expected
    seen = [int(v) for _, y in batches for v in y.numpy()]
    assert seen == list(range(len(seen)))
    assert all(x.shape == (len(y), 3) for x, y in batches)
    assert all(x.dtype == autograd.float32 and y.dtype == autograd.int64 for x, y in batches)


def test_fast_path_equals_item_by_item_collate():
    ds = _xy(11)
    sub = Subset(ds, [10, 2, 5, 7, 1])
    for data in (ds, sub):
        fast = list(DataLoader(data, batch_size=4))
        slow = list(DataLoader(data, batch_size=4, collate_fn=lambda b: default_collate(b)))
        assert len(fast) == len(slow)
        for f, s in zip(fast, slow):
            assert isinstance(f, list) and len(f) == 2
            for a, b in zip(f, s):
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a.numpy(), b.numpy())
    # batches are copies: writing to one leaves the dataset alone
    x, _ = next(iter(DataLoader(ds, batch_size=2)))
    x.fill_(-1.0)
    assert ds[0][0].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(IndexError, match=r"indices \[11\] are out of range .* length 11"):
        list(DataLoader(ds, batch_sampler=[[0, 11]]))


def test_getitems_fetches_a_batch_at_once():
    class Batched(Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [i * 10 for i in indices]

    assert [b.tolist() for b in DataLoader(Batched(), batch_size=2)] == [[0, 10], [20, 30], [40]]
    assert Batched.calls == [[0, 1], [2, 3], [4]]


def test_shuffle_is_a_seeded_permutation_per_epoch():
    ds = _xy(50)
    loader = DataLoader(ds, batch_size=7, shuffle=True, generator=autograd.Generator(3))
    epoch1 = np.concatenate([y.numpy() for _, y in loader])
    epoch2 = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(epoch1.tolist()) == list(range(50))
    assert not np.array_equal(epoch1, epoch2)  # a new order each epoch
    again = DataLoader(ds, batch_size=7, shuffle=True, generator=autograd.Generator(3))
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in again]), epoch1)
    for x, y in DataLoader(ds, batch_size=7, shuffle=True):
        np.testing.assert_array_equal(x.numpy()[:, 0], 3 * y.numpy())  # rows stay paired
    assert isinstance(loader.sampler, RandomSampler)


def test_shuffle_follows_the_global_seed():
    ds = _xy(20)

    def order():
        return np.concatenate([y.numpy() for _, y in DataLoader(ds, batch_size=5, shuffle=True)])

    autograd.manual_seed(5)
    a = order()
    autograd.manual_seed(5)
    np.testing.assert_array_equal(order(), a)
    autograd.manual_seed(6)
    assert not np.array_equal(order(), a)


def test_infinite_loader_idiom_is_lazy():
    ds = _xy(100)
    sampler = RandomSampler(ds, replacement=True, num_samples=int(1e10))
    loader = DataLoader(ds, batch_size=8, sampler=sampler)
    assert len(loader) == 1_250_000_000
    tracemalloc.start()
    try:
        batches = list(itertools.islice(loader, 3))
        for _ in itertools.islice(loader, 2000):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [x.shape for x, _ in batches] == [(8, 3)] * 3
    assert peak < 2_000_000  # independent of num_samples


def test_training_loop_smoke():
    ds = _xy(8)
    w = nn.Parameter(autograd.zeros(3))
    for x, y in DataLoader(ds, batch_size=4, shuffle=True):
        loss = ((x * w).sum(dim=1) - y.to(autograd.float32)).abs().mean()
        loss.backward()
    assert w.grad is not None and w.grad.shape == (3,)


def test_module_paths_programs_import():
    from nn.data.dataloader import DataLoader as D
    from nn.data.dataloader import default_collate as dc
    from nn.data.dataloader import default_convert, get_worker_info
    from nn.data.dataset import Dataset as DS
    from nn.data.sampler import BatchSampler as BS
    from nn.data.sampler import Sampler

    assert D is DataLoader and dc is default_collate and DS is Dataset and BS is BatchSampler
    assert get_worker_info() is None and callable(default_convert) and Sampler is nn.data.Sampler
    assert DataLoader[int] is not None and Dataset[int] is not None  # PyTorch-style hints
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DataLoader(_xy(2))  # no warning for a plain loader
