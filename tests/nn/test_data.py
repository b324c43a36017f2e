"""nn.data: datasets, default_collate, DataLoader batching/shuffling, random_split."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import autograd
import nn
from nn.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)  # fmt: skip


def _xy(n=10):
    x = autograd.arange(n * 3, dtype=autograd.float32).reshape(n, 3)
    y = autograd.arange(n)
    return TensorDataset(x, y)


class Items(Dataset):
    """A map-style dataset of (array, int, float) tuples, read item by item."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return autograd.full((2,), float(i)), i, i / 2


# -------------------------------------------------------------------------------- datasets
def test_tensor_dataset():
    ds = _xy(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [6.0, 7.0, 8.0] and y.item() == 2
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(autograd.zeros(3), autograd.zeros(4))
    with pytest.raises(TypeError, match="not a Tensor"):
        TensorDataset(np.zeros(3))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_subset_and_concat():
    s = Subset(_xy(10), [9, 3])
    assert len(s) == 2 and s[0][1].item() == 9
    c = ConcatDataset([[0, 1, 2], [3, 4]])
    assert [c[i] for i in range(len(c))] == [0, 1, 2, 3, 4] and c[-1] == 4
    assert len(Items(2) + Items(3)) == 5
    with pytest.raises(IndexError):
        c[5]


# --------------------------------------------------------------------------------- collate
def test_default_collate_matches_torch(torch):
    from torch.utils.data import default_collate as tc

    P = collections.namedtuple("P", "a b")
    cases = [
        [(1, 2.0, True, "s", np.float32(1.5), np.array([1, 2]))] * 2,
        [{"a": P(1, [1.0, 2])}, {"a": P(3, [4.0, 5])}],
        [[1, 2], [3, 4]],
        [np.arange(6, dtype=np.float64).reshape(2, 3)] * 3,
    ]

    def same(ours, ref):
        if isinstance(ref, torch.Tensor):
            assert isinstance(ours, autograd.Tensor)
            assert str(ours.dtype) == str(ref.dtype).removeprefix("torch.")
            np.testing.assert_array_equal(ours.numpy(), ref.numpy())
        elif isinstance(ref, dict):
            assert list(ours) == list(ref)
            for k in ref:
                same(ours[k], ref[k])
        elif isinstance(ref, (list, tuple)) and not isinstance(ref[0], str):
            assert type(ours) is type(ref) and len(ours) == len(ref)
            for a, b in zip(ours, ref):
                same(a, b)
        else:
            assert tuple(ours) == tuple(ref)

    for batch in cases:
        same(default_collate(batch), tc(batch))
    tensors = [autograd.full((2, 2), float(i)) for i in range(3)]
    same(default_collate(tensors), tc([torch.full((2, 2), float(i)) for i in range(3)]))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([autograd.zeros(2), autograd.zeros(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="object"):
        default_collate([object(), object()])


def test_default_collate_keeps_graph():
    a = autograd.ones(2, requires_grad=True)
    out = default_collate([a, a * 2])
    out.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


# ------------------------------------------------------------------------------ DataLoader
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


def test_generic_dataset_batches():
    batches = list(DataLoader(Items(5), batch_size=2))
    x, i, f = batches[0]
    assert x.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert i.dtype == autograd.int64 and i.tolist() == [0, 1]
    assert f.dtype == autograd.float64 and f.tolist() == [0.0, 0.5]
    assert len(batches) == 3 and batches[-1][1].tolist() == [4]
    # batch_size=None: no batching
    items = list(DataLoader(Items(3), batch_size=None))
    assert len(items) == 3 and items[1][1] == 1


def test_shuffle_is_a_seeded_permutation_per_epoch():
    ds = _xy(50)
    loader = DataLoader(ds, batch_size=7, shuffle=True, seed=3)
    epoch1 = np.concatenate([y.numpy() for _, y in loader])
    epoch2 = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(epoch1.tolist()) == list(range(50))
    assert not np.array_equal(epoch1, epoch2)  # a new order each epoch
    again = DataLoader(ds, batch_size=7, shuffle=True, seed=3)
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in again]), epoch1)
    for x, y in DataLoader(ds, batch_size=7, shuffle=True, seed=3):
        np.testing.assert_array_equal(x.numpy()[:, 0], 3 * y.numpy())  # rows stay paired


def test_shuffle_uses_global_seed_or_generator():
    ds = _xy(20)

    def order(**kw):
        return np.concatenate(
            [y.numpy() for _, y in DataLoader(ds, batch_size=5, shuffle=True, **kw)]
        )

    autograd.manual_seed(5)
    a = order()
    autograd.manual_seed(5)
    np.testing.assert_array_equal(order(), a)
    np.testing.assert_array_equal(
        order(generator=autograd.Generator(9)), order(generator=autograd.Generator(9))
    )


def test_sampler_and_iterable_dataset():
    loader = DataLoader(_xy(10), batch_size=2, sampler=[9, 8, 0])
    assert len(loader) == 2
    assert [y.tolist() for _, y in loader] == [[9, 8], [0]]

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2
    with pytest.raises(TypeError, match="length"):
        len(DataLoader(Stream()))
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(), shuffle=True)


def test_loader_argument_errors():
    ds = _xy(4)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="generator or seed"):
        DataLoader(ds, generator=autograd.Generator(0), seed=1)
    with pytest.raises(TypeError, match="unexpected"):
        DataLoader(ds, bogus=1)
    DataLoader(ds, pin_memory=True, num_workers=0)  # accepted for compatibility


def test_training_loop_smoke():
    ds = _xy(8)
    w = nn.Parameter(autograd.zeros(3))
    for x, y in DataLoader(ds, batch_size=4, shuffle=True, seed=0):
        loss = ((x * w).sum(dim=1) - y.to(autograd.float32)).abs().mean()
        loss.backward()
    assert w.grad is not None and w.grad.shape == (3,)


# ---------------------------------------------------------------------------- random_split
def test_random_split_lengths_match_torch(torch):
    for n, lengths in [(10, [0.33, 0.33, 0.34]), (11, [0.5, 0.5]), (10, [3, 7]), (7, [0.1, 0.9])]:
        ours = random_split(range(n), lengths, generator=autograd.Generator(0))
        ref = torch.utils.data.random_split(range(n), lengths)
        assert [len(s) for s in ours] == [len(s) for s in ref]
        flat = sorted(i for s in ours for i in s)
        assert flat == list(range(n))


def test_random_split_is_seeded_and_validated():
    a = random_split(range(20), [5, 15], generator=autograd.Generator(4))
    b = random_split(range(20), [5, 15], generator=autograd.Generator(4))
    assert list(a[0]) == list(b[0]) and list(a[0]) != list(range(5))
    autograd.manual_seed(1)
    c = random_split(range(20), [10, 10])
    autograd.manual_seed(1)
    assert list(random_split(range(20), [10, 10])[1]) == list(c[1])
    with pytest.raises(ValueError, match="does not equal"):
        random_split(range(5), [2, 2])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(range(5), [6, -1])
    ds = _xy(6)
    tr, te = random_split(ds, [4, 2])
    assert sum(len(y) for _, y in DataLoader(tr, batch_size=3)) == 4
