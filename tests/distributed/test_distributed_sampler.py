"""nn.data.DistributedSampler: PyTorch's partitioning, per rank and from the process group."""

from __future__ import annotations

import pytest

import nn

CASES = [(n, k, drop) for n in (0, 1, 3, 10, 11, 17) for k in (1, 2, 3, 4) for drop in (0, 1)]


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_unshuffled_shares_equal_pytorch(torch, n, replicas, drop_last):
    from torch.utils.data import DistributedSampler as TorchSampler

    for rank in range(replicas):
        drop = bool(drop_last)
        ours = nn.data.DistributedSampler(range(n), replicas, rank, False, drop_last=drop)
        theirs = TorchSampler(range(n), replicas, rank, False, drop_last=drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_shuffled_shares_partition_one_permutation(n, replicas, drop_last):
    # PyTorch's permutation comes from its own generator; everything else is checked here.
    shares = [
        list(nn.data.DistributedSampler(range(n), replicas, r, seed=4, drop_last=bool(drop_last)))
        for r in range(replicas)
    ]
    sizes = {len(s) for s in shares}
    assert len(sizes) == 1
    interleaved = [shares[i % replicas][i // replicas] for i in range(replicas * sizes.pop())]
    if drop_last:
        assert len(set(interleaved)) == len(interleaved)  # no sample twice
        assert len(interleaved) == n - n % replicas
    else:
        assert set(interleaved) == set(range(n))  # every sample, padding from the start
        head = interleaved[:n]
        assert sorted(head) == list(range(n))
        pad = interleaved[n:]
        assert pad == (head * (len(pad) // max(n, 1) + 1))[: len(pad)]


def test_epochs_reshuffle_the_same_way_on_every_rank():
    a = nn.data.DistributedSampler(range(20), 2, 0, seed=1)
    b = nn.data.DistributedSampler(range(20), 2, 1, seed=1)
    first = list(a) + list(b)
    a.set_epoch(1), b.set_epoch(1)
    second = list(a) + list(b)
    assert sorted(first) == sorted(second) == list(range(20)) and first != second
    a.set_epoch(0)
    assert list(a) == first[:10]


def test_works_as_a_dataloader_sampler():
    import autograd

    ds = nn.data.TensorDataset(autograd.arange(10))
    sampler = nn.data.DistributedSampler(ds, num_replicas=2, rank=1, shuffle=False)
    batches = [b[0].tolist() for b in nn.data.DataLoader(ds, batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7], [9]]


def test_defaults_come_from_the_process_group(collectives_run):
    shares = collectives_run[0]["sampler n=11 shuffle=False drop_last=False"]
    assert shares == [
        list(nn.data.DistributedSampler(range(11), 2, r, shuffle=False)) for r in range(2)
    ]
    shuffled = collectives_run[1]["sampler n=11 shuffle=True drop_last=False"]
    assert shuffled == [_epoch(2, r) for r in range(2)]  # the script set epoch 2


def _epoch(epoch, rank):
    s = nn.data.DistributedSampler(range(11), 2, rank)
    s.set_epoch(epoch)
    return list(s)


def test_errors(world_of_one):
    with pytest.raises(ValueError, match=r"invalid rank 2, rank should be in the interval \[0, 1"):
        nn.data.DistributedSampler(range(3), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be at least 1, got 0"):
        nn.data.DistributedSampler(range(3), num_replicas=0, rank=0)
    with pytest.raises(TypeError, match="dataset must have a length"):
        nn.data.DistributedSampler(iter(range(3)))
    with pytest.raises(TypeError, match="epoch must be an int"):
        nn.data.DistributedSampler(range(3)).set_epoch(1.5)
    assert len(nn.data.DistributedSampler(range(3))) == 3  # world of one: everything


def test_defaults_need_an_initialized_group():
    with pytest.raises(RuntimeError, match="init_process_group\\(\\) has not been called"):
        nn.data.DistributedSampler(range(3))
