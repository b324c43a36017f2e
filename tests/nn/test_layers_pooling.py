"""Pooling layers and Upsample vs PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from layers_reference import check_against_torch

import nn


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = [
    ("MaxPool2d", (2,), {}), ("MaxPool2d", (3,), {"stride": 2, "padding": 1}),
    ("MaxPool2d", ((2, 3),), {"dilation": 2, "ceil_mode": True}),
    ("AvgPool2d", (2,), {}), ("AvgPool2d", (3,), {"stride": 2, "padding": 1}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False,
                         "ceil_mode": True}),
    ("AvgPool2d", (2,), {"divisor_override": 3}),
    ("AdaptiveAvgPool2d", (1,), {}), ("AdaptiveAvgPool2d", ((3, 2),), {}),
    ("AdaptiveMaxPool2d", (1,), {}), ("AdaptiveMaxPool2d", ((3, 4),), {}),
    ("Upsample", (), {"scale_factor": 2}), ("Upsample", (), {"size": (9, 11)}),
]  # fmt: skip


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_pool2d_matches_torch(torch, name, args, kwargs):
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(2, 3, 7, 8)])


CASES_1D = [
    ("MaxPool1d", (2,), {}), ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 1}),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1}),
    ("AvgPool1d", (2,), {"ceil_mode": True, "count_include_pad": False}),
]  # fmt: skip


@pytest.mark.parametrize(
    "name,args,kwargs", CASES_1D, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES_1D)]
)
def test_pool1d_matches_torch(torch, name, args, kwargs):
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(2, 3, 9)])


def test_return_indices(torch):
    ours, theirs = nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True)
    check_against_torch(torch, ours, theirs, [_rand(1, 2, 4, 6)])


def test_upsample_requires_exactly_one_of_size_and_scale():
    with pytest.raises(ValueError, match="exactly one"):
        nn.Upsample()
