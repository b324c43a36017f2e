"""DistributedSampler: each rank iterates over its own share of a dataset (PyTorch's split)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import autograd
import autograd.distributed as dist

from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Yield the indices of one rank's share of ``dataset``, for a DataLoader's ``sampler=``.

    Every epoch the indices ``0 .. len(dataset) - 1`` are (optionally) permuted with a generator
    seeded by ``seed + epoch`` -- the same on every rank, so call :meth:`set_epoch` before each
    epoch -- then padded by repeating indices from the start until they divide evenly (or cut
    with ``drop_last``), and rank r takes every ``num_replicas``-th index starting at r. So the
    ranks' shares are disjoint (up to the padding), equal in size and together cover the data.

    Parameters
    ----------
    dataset : sized
        Anything with ``len()``.
    num_replicas, rank : int, optional
        Default to the world size and this process's rank (``autograd.distributed``).
    shuffle : bool
        Permute the indices each epoch (default True).
    seed : int
        Base seed of the permutation; must be the same on every rank.
    drop_last : bool
        Drop the tail that does not divide evenly instead of padding.

    Notes
    -----
    The partitioning is PyTorch's exactly. The shuffled order differs from PyTorch's, whose
    permutation comes from its own random generator; ours comes from ``autograd.Generator``
    seeded with ``seed + epoch``.

    Examples
    --------
    >>> import nn
    >>> s = nn.data.DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False)
    >>> list(s), len(s)
    ([1, 3, 0], 3)
    >>> s = nn.data.DistributedSampler(range(10), num_replicas=2, rank=0)
    >>> s.set_epoch(3)
    >>> sorted(s) == sorted(set(s)), len(s)
    (True, 5)
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        call = "DistributedSampler"
        if num_replicas is None or rank is None:
            if not dist.is_initialized():
                raise RuntimeError(
                    f"{call}: num_replicas and rank default to the process group's, but "
                    "autograd.distributed.init_process_group() has not been called; "
                    "initialize it or pass num_replicas and rank"
                )
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        for name, value in (("num_replicas", num_replicas), ("rank", rank), ("seed", seed)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise TypeError(f"{call}: {name} must be an int, got {value!r}")
        if num_replicas < 1:
            raise ValueError(f"{call}: num_replicas must be at least 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(
                f"{call}: invalid rank {rank}, rank should be in the interval "
                f"[0, {num_replicas - 1}]"
            )
        try:
            n = len(dataset)
        except TypeError:
            raise TypeError(
                f"{call}: dataset must have a length (len()), got {type(dataset).__name__}"
            ) from None
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        if self.drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            gen = autograd.Generator().manual_seed(self.seed + self.epoch)
            indices = gen.permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            elif indices:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of this epoch (call it before iterating, on every rank)."""
        if not isinstance(epoch, numbers.Integral) or isinstance(epoch, bool):
            raise TypeError(f"DistributedSampler.set_epoch: epoch must be an int, got {epoch!r}")
        self.epoch = int(epoch)
