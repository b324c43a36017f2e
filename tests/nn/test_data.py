"""nn.data.dataset and the collate functions: datasets, default_collate/convert, random_split.

Samplers: test_sampler.py; DataLoader: test_dataloader.py, test_dataloader_workers.py.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

import autograd
from nn.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    default_convert,
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
def _plain(x):
    """Nested values with both libraries' tensors as (dtype, list)."""
    if isinstance(x, autograd.Tensor) or type(x).__module__.startswith("torch"):
        return (str(x.dtype).removeprefix("torch."), np.asarray(x.numpy()).tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, collections.deque)):
        return (type(x).__name__, [_plain(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.tolist())
    return x


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


def test_collate_keeps_container_types_like_torch(torch):
    from torch.utils.data import default_collate as tc

    cases = [
        [collections.OrderedDict(a=1, b=2.0)] * 2,
        [collections.defaultdict(int, a=1), collections.defaultdict(int, a=2)],
        [collections.deque([1, 2]), collections.deque([3, 4])],
        [range(2), range(2)],
        [1, 2.5],
        [np.float32(1.5), np.float32(2)],
        [np.array(1.5), np.array(2.0)],
        [b"a", b"b"],
    ]
    for batch in cases:
        ours, ref = default_collate(batch), tc(batch)
        assert type(ours).__name__ == type(ref).__name__
        assert repr(_plain(ours)) == repr(_plain(ref))


def test_default_convert_matches_torch(torch):
    from torch.utils.data import default_convert as tv

    P = collections.namedtuple("P", "a b")
    cases = [
        (1, np.array([1, 2])),
        {"a": np.float64(1.0), "b": "s"},
        [np.array([0, 1]), 3],
        P(np.array(0), 1),
        np.int64(3),
        "abc",
        range(3),
        np.array(["a"]),
    ]
    for data in cases:
        ours, ref = default_convert(data), tv(data)
        assert type(ours).__name__ == type(ref).__name__
        assert repr(_plain(ours)) == repr(_plain(ref))


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
