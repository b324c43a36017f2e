"""Convolution layers vs PyTorch (built on the engine's conv ops), default init, padding modes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CONV2D = [
    {},
    {"stride": 2, "padding": 1},
    {"padding": (1, 2), "dilation": (2, 1)},
    {"groups": 2, "bias": False},
    {"padding": "same", "dilation": 2},
    {"padding": "valid"},
    {"padding": 2, "padding_mode": "reflect"},
    {"padding": (1, 2), "padding_mode": "replicate"},
    {"padding": 1, "padding_mode": "circular"},
]


def _ids(cfg):
    return "-".join(f"{k}={v}" for k, v in cfg.items()) or "default"


@pytest.mark.parametrize("cfg", CONV2D, ids=_ids)
def test_conv2d_matches_torch(torch, cfg):
    theirs = torch.nn.Conv2d(4, 6, 3, **cfg)
    ours = nn.Conv2d(4, 6, 3, **cfg)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(2, 4, 7, 8)])


@pytest.mark.parametrize("cfg", CONV2D[:7], ids=_ids)
def test_conv1d_matches_torch(torch, cfg):
    cfg = {k: (v[0] if isinstance(v, tuple) else v) for k, v in cfg.items()}
    theirs = torch.nn.Conv1d(4, 6, 3, **cfg)
    ours = nn.Conv1d(4, 6, 3, **cfg)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(2, 4, 9)])


def test_conv_unbatched_input(torch):
    check_against_torch(torch, nn.Conv2d(2, 3, 3), torch.nn.Conv2d(2, 3, 3), [_rand(2, 5, 5)])


@pytest.mark.parametrize("cfg", [{}, {"stride": 2, "padding": 1, "output_padding": 1},
                                 {"groups": 2, "bias": False, "dilation": 2}],
                         ids=_ids)  # fmt: skip
@pytest.mark.parametrize("dim", [1, 2])
def test_conv_transpose_matches_torch(torch, cfg, dim):
    name = f"ConvTranspose{dim}d"
    theirs = getattr(torch.nn, name)(4, 6, 3, **cfg)
    ours = getattr(nn, name)(4, 6, 3, **cfg)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    shape = (2, 4, 5) if dim == 1 else (2, 4, 5, 4)
    check_against_torch(torch, ours, theirs, [_rand(*shape)])


def test_conv_transpose_output_size(torch):
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    ours = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    check_against_torch(torch, ours, theirs, [_rand(1, 3, 4, 4)],
                        call=lambda m, x: m(x, output_size=[8, 8]))  # fmt: skip
    with pytest.raises(ValueError, match="output size"):
        ours(autograd.tensor(_rand(1, 3, 4, 4)), output_size=[10, 10])


@pytest.mark.parametrize("cls,args,fan_in", [
    ("Conv2d", (8, 16, 3), 8 * 9), ("Conv2d", (8, 16, (3, 5), 1, 0, 1, 4), 2 * 15),
    ("Conv1d", (6, 32, 5), 30), ("ConvTranspose2d", (8, 16, 3), 16 * 9),
])  # fmt: skip
def test_conv_default_init_statistics(torch, cls, args, fan_in):
    ours = getattr(nn, cls)(*args)
    theirs = getattr(torch.nn, cls)(*args)
    bound = 1 / math.sqrt(fan_in)
    for name in ("weight", "bias"):
        o = getattr(ours, name).detach().numpy()
        t = getattr(theirs, name).detach().numpy()
        assert o.shape == t.shape and o.dtype == np.float32
        assert np.abs(o).max() <= bound and np.abs(t).max() <= bound
        if o.size > 500:
            assert abs(o.std() - bound / math.sqrt(3)) < 0.08 * bound
            assert abs(o.std() - t.std()) < 0.1 * bound


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(4, 6, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(4, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv2d(4, 6, (3, 3, 3))
