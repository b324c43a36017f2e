"""nn.data.sampler: each sampler's lengths, coverage, statistics and seeding, against PyTorch.

Exact random sequences cannot match PyTorch's generator, so random samplers are compared by
structure: which indices appear, how often, and how epochs relate.
"""

from __future__ import annotations

import collections
import itertools
import tracemalloc

import numpy as np
import pytest

import autograd
from nn.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)  # fmt: skip


def _frequencies(draws, n):
    return np.bincount(np.asarray(list(draws)), minlength=n) / len(draws)


# ------------------------------------------------------------------------------ sequential
def test_sequential_sampler_matches_torch(torch):
    from torch.utils.data import SequentialSampler as TorchSequential

    for source in ([], "abc", range(7), autograd.zeros(5, 2)):
        ours, ref = SequentialSampler(source), TorchSequential(source)
        assert list(ours) == list(ref) and len(ours) == len(ref)


def test_sampler_base_is_generic_and_needs_iter():
    class Reverse(Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

    assert list(Reverse(3)) == [2, 1, 0]
    with pytest.raises(TypeError):
        len(Reverse(3))  # no __len__ unless the subclass defines one
    with pytest.raises(NotImplementedError, match="Bare"):
        type("Bare", (Sampler,), {})().__iter__()


# ---------------------------------------------------------------------------------- random
def test_random_sampler_permutes_each_epoch_like_torch(torch):
    from torch.utils.data import RandomSampler as TorchRandom

    for sampler in (RandomSampler(range(20)), TorchRandom(range(20))):
        first, second = list(sampler), list(sampler)
        assert len(sampler) == 20
        assert sorted(first) == sorted(second) == list(range(20))
        assert first != second  # a fresh permutation per epoch


@pytest.mark.parametrize("num_samples", [3, 10, 23])
def test_random_sampler_num_samples_structure_matches_torch(torch, num_samples):
    # Without replacement: whole permutations, then a cut one; every index appears
    # num_samples // n or that plus one times, and each block of n is a permutation.
    from torch.utils.data import RandomSampler as TorchRandom

    n = 10
    for sampler in (RandomSampler(range(n), num_samples=num_samples),
                    TorchRandom(range(n), num_samples=num_samples)):  # fmt: skip
        draws = list(sampler)
        assert len(draws) == len(sampler) == num_samples
        counts = collections.Counter(draws)
        assert set(counts.values()) <= {num_samples // n, num_samples // n + 1}
        for start in range(0, num_samples - n + 1, n):
            assert sorted(draws[start : start + n]) == list(range(n))
        tail = draws[num_samples - num_samples % n :]
        assert len(set(tail)) == len(tail)


def test_random_sampler_with_replacement_statistics_match_torch(torch):
    from torch.utils.data import RandomSampler as TorchRandom

    n, m = 5, 20_000
    ours = _frequencies(RandomSampler(range(n), replacement=True, num_samples=m), n)
    ref = _frequencies(TorchRandom(range(n), replacement=True, num_samples=m), n)
    np.testing.assert_allclose(ours, 1 / n, atol=0.015)
    np.testing.assert_allclose(ref, 1 / n, atol=0.015)
    draws = list(RandomSampler(range(n), replacement=True, num_samples=50))
    assert len(set(draws)) < len(draws)  # repeats happen with replacement


def test_random_sampler_seeding():
    def run(**kw):
        return list(RandomSampler(range(50), **kw))

    assert run(generator=autograd.Generator(3)) == run(generator=autograd.Generator(3))
    assert run(generator=autograd.Generator(3)) != run(generator=autograd.Generator(4))
    autograd.manual_seed(11)
    a = run()
    autograd.manual_seed(11)
    assert run() == a
    # The epoch's order is fixed when iteration starts: random ops run meanwhile do not change it.
    autograd.manual_seed(11)
    it = iter(RandomSampler(range(50)))
    head = [next(it) for _ in range(10)]
    autograd.rand(100)
    assert head + list(it) == a


def test_random_sampler_infinite_idiom_is_lazy():
    sampler = RandomSampler(range(100), replacement=True, num_samples=int(1e10))
    assert len(sampler) == 10**10
    first = list(itertools.islice(sampler, 5))
    assert len(first) == 5 and all(0 <= i < 100 for i in first)
    tracemalloc.start()
    try:
        for _ in itertools.islice(sampler, 200_000):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # a chunk at a time, not 200 000 indices (let alone 10**10)
    cycling = RandomSampler(range(10), num_samples=int(1e10))  # without replacement too
    assert sorted(itertools.islice(cycling, 10)) == list(range(10))


def test_random_sampler_errors_match_torch(torch):
    from torch.utils.data import RandomSampler as TorchRandom

    cases = [
        (dict(replacement=1), TypeError, "replacement"),
        (dict(num_samples=0), ValueError, "num_samples"),
        (dict(num_samples=-3), ValueError, "num_samples"),
        (dict(num_samples=2.0), ValueError, "num_samples"),
    ]
    for kwargs, exc, word in cases:
        with pytest.raises(exc, match=word):
            RandomSampler(range(4), **kwargs)
        with pytest.raises(exc):
            TorchRandom(range(4), **kwargs)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])
    with pytest.raises(TypeError, match="generator"):
        RandomSampler(range(4), generator=np.random.default_rng(0))


# ---------------------------------------------------------------------------------- subset
def test_subset_random_sampler_matches_torch_structure(torch):
    from torch.utils.data import SubsetRandomSampler as TorchSubset

    indices = [4, 9, 1, 16, 25]
    for sampler in (SubsetRandomSampler(indices), TorchSubset(indices)):
        draws = [list(sampler) for _ in range(6)]
        assert len(sampler) == 5
        assert all(sorted(d) == sorted(indices) for d in draws)
        assert len({tuple(d) for d in draws}) > 1
    assert list(SubsetRandomSampler([])) == list(TorchSubset([])) == []
    a = list(SubsetRandomSampler(indices, generator=autograd.Generator(5)))
    assert a == list(SubsetRandomSampler(indices, generator=autograd.Generator(5)))


# -------------------------------------------------------------------------------- weighted
def test_weighted_sampler_with_replacement_statistics_match_torch(torch):
    from torch.utils.data import WeightedRandomSampler as TorchWeighted

    weights = [0.0, 1.0, 0.0, 3.0, 4.0]
    expected = np.array(weights) / sum(weights)
    m = 20_000
    for sampler in (WeightedRandomSampler(weights, m), TorchWeighted(weights, m)):
        draws = list(sampler)
        assert len(draws) == len(sampler) == m
        freq = _frequencies(draws, len(weights))
        assert freq[0] == freq[2] == 0  # zero weight: never drawn
        np.testing.assert_allclose(freq, expected, atol=0.02)


def test_weighted_sampler_without_replacement_matches_torch(torch):
    from torch.utils.data import WeightedRandomSampler as TorchWeighted

    weights = [1.0, 2.0, 7.0, 0.5]
    for make in (WeightedRandomSampler, TorchWeighted):
        # Whole epochs are permutations; the first pick follows the weights.
        for _ in range(5):
            assert sorted(make(weights, 4, replacement=False)) == [0, 1, 2, 3]
        firsts = [next(iter(make(weights, 1, replacement=False))) for _ in range(3000)]
        freq = _frequencies(firsts, 4)
        np.testing.assert_allclose(freq, np.array(weights) / sum(weights), atol=0.04)
        # positive weights come out before zero ones
        assert sorted(make([0.0, 1.0, 0.0, 2.0], 2, replacement=False)) == [1, 3]


def test_weighted_sampler_seeding_and_laziness():
    w = autograd.tensor([1.0, 2.0, 3.0])
    a = list(WeightedRandomSampler(w, 100, generator=autograd.Generator(1)))
    assert a == list(WeightedRandomSampler(w, 100, generator=autograd.Generator(1)))
    autograd.manual_seed(2)
    b = list(WeightedRandomSampler(w, 100))
    autograd.manual_seed(2)
    assert b == list(WeightedRandomSampler(w, 100))
    infinite = WeightedRandomSampler([1.0, 1.0], int(1e10))
    assert len(infinite) == 10**10
    assert set(itertools.islice(infinite, 100)) == {0, 1}
    assert WeightedRandomSampler([1, 2], 3).weights.dtype == autograd.float64


def test_weighted_sampler_errors_match_torch(torch):
    from torch.utils.data import WeightedRandomSampler as TorchWeighted

    # checked when the sampler is built
    for args, kwargs, exc, word in [
        (([1.0, 2.0], 0), {}, ValueError, "num_samples"),
        (([1.0, 2.0], 2.0), {}, ValueError, "num_samples"),
        (([1.0, 2.0], True), {}, ValueError, "num_samples"),
        (([1.0, 2.0], 2), dict(replacement=1), ValueError, "replacement"),
        (([[1.0, 2.0]], 2), {}, ValueError, "1d"),
    ]:
        with pytest.raises(exc, match=word):
            WeightedRandomSampler(*args, **kwargs)
        with pytest.raises(exc):
            TorchWeighted(*args, **kwargs)
    with pytest.raises(TypeError, match="weights"):
        WeightedRandomSampler(["a", "b"], 2)
    # checked when iteration starts, as PyTorch's multinomial does
    for weights, n, replacement, word in [
        ([1.0, -1.0, 2.0], 2, True, "non-negative"),
        ([1.0, float("inf")], 2, True, "finite"),
        ([1.0, float("nan")], 2, True, "finite"),
        ([0.0, 0.0], 2, True, "positive sum"),
        ([], 2, True, "positive sum"),
        ([1.0, 1.0, 1.0], 4, False, "without replacement"),
    ]:
        ours = WeightedRandomSampler(weights, n, replacement=replacement)
        with pytest.raises(RuntimeError, match=word):
            list(ours)
        with pytest.raises(RuntimeError):
            list(TorchWeighted(weights, n, replacement=replacement))


# ----------------------------------------------------------------------------------- batch
@pytest.mark.parametrize(
    "n,bs,drop_last",
    [(10, 3, False), (10, 3, True), (9, 3, True), (4, 10, False), (4, 10, True), (0, 2, False)],
)
def test_batch_sampler_matches_torch(torch, n, bs, drop_last):
    from torch.utils.data import BatchSampler as TorchBatch

    ours = BatchSampler(SequentialSampler(range(n)), bs, drop_last)
    ref = TorchBatch(range(n), bs, drop_last)
    assert list(ours) == list(ref)
    assert len(ours) == len(ref)


def test_batch_sampler_is_lazy_and_checks_arguments(torch):
    from torch.utils.data import BatchSampler as TorchBatch

    batches = BatchSampler(RandomSampler(range(7), replacement=True, num_samples=int(1e10)), 4,
                           drop_last=True)  # fmt: skip
    head = list(itertools.islice(batches, 3))
    assert [len(b) for b in head] == [4, 4, 4] and len(batches) == 2_500_000_000
    assert list(BatchSampler(iter([5, 6, 7]), 2, False)) == [[5, 6], [7]]
    with pytest.raises(TypeError, match="length"):
        len(BatchSampler(iter([5, 6, 7]), 2, False))
    for bs, drop_last, word in [(0, False, "batch_size"), (2.5, False, "batch_size"),
                                (True, False, "batch_size"), (2, 0, "drop_last")]:  # fmt: skip
        with pytest.raises(ValueError, match=word):
            BatchSampler(range(4), bs, drop_last)
        with pytest.raises(ValueError):
            TorchBatch(range(4), bs, drop_last)


def test_argument_checks_name_the_sampler_argument_and_value():
    cases = [
        (lambda: RandomSampler(range(4), replacement=1), TypeError,
         "RandomSampler: replacement should be a boolean value, but got replacement=1"),
        (lambda: RandomSampler(range(4), num_samples=True), ValueError,
         "RandomSampler: num_samples should be a positive integer value, but got "
         "num_samples=True"),
        (lambda: WeightedRandomSampler([1.0], 2.0), ValueError,
         "WeightedRandomSampler: num_samples should be a positive integer value, but got "
         "num_samples=2.0"),
        (lambda: WeightedRandomSampler([1.0], 1, replacement="yes"), ValueError,
         "WeightedRandomSampler: replacement should be a boolean value, but got "
         "replacement='yes'"),
        (lambda: BatchSampler(range(4), 0, False), ValueError,
         "BatchSampler: batch_size should be a positive integer value, but got batch_size=0"),
        (lambda: BatchSampler(range(4), 2, None), ValueError,
         "BatchSampler: drop_last should be a boolean value, but got drop_last=None"),
    ]  # fmt: skip
    for build, exc, message in cases:
        with pytest.raises(exc) as info:
            build()
        assert str(info.value) == message
