"""Process-wide state in PyTorch's names: finfo/iinfo, the default dtype, print options, the
global generator's state, and the special namespace."""

from __future__ import annotations

import numpy as np
import pytest

import autograd


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_fields_match_torch(torch, name):
    ours, theirs = autograd.finfo(getattr(autograd, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.dtype == theirs.dtype
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_fields_match_torch(torch, name):
    ours, theirs = autograd.iinfo(getattr(autograd, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (
        theirs.bits, theirs.min, theirs.max, theirs.dtype)  # fmt: skip
    assert repr(ours) == repr(theirs)


def test_default_dtype_reaches_creation_and_python_floats():
    assert autograd.get_default_dtype() == autograd.float32
    try:
        autograd.set_default_dtype(autograd.float64)
        assert autograd.finfo().bits == 64
        made = [
            autograd.zeros(2),
            autograd.rand(2),
            autograd.tensor([0.5]),
            autograd.arange(0.0, 1.0, 0.5),
            autograd.Tensor(2),
            autograd.ones(2) / 3,
        ]
        for t in made:
            assert t.dtype == autograd.float64
        assert autograd.arange(3).dtype == autograd.int64
    finally:
        autograd.set_default_dtype(autograd.float32)
    assert autograd.zeros(1).dtype == autograd.float32


def test_print_options_match_torch(torch):
    x = [1.23456, 2e-5, 3.0]
    try:
        for kwargs in ({"precision": 2}, {"precision": 3, "sci_mode": False},
                       {"sci_mode": True}):  # fmt: skip
            autograd.set_printoptions(**kwargs)
            torch.set_printoptions(**kwargs)
            assert repr(autograd.tensor(x)) == repr(torch.tensor(x)), kwargs
        autograd.set_printoptions(threshold=5, edgeitems=1)
        assert "..." in repr(autograd.arange(10.0))
    finally:
        autograd.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert repr(autograd.tensor([1.23456])) == "tensor([1.2346])"


def test_rng_state_round_trips():
    _ = autograd.manual_seed(5)
    state = autograd.get_rng_state()
    assert state.dtype == autograd.uint8
    a = autograd.randn(4)
    _ = autograd.manual_seed(9)
    autograd.set_rng_state(state)
    np.testing.assert_array_equal(autograd.randn(4).numpy(), a.numpy())
    assert autograd.initial_seed() == 5


def test_special_names_exist_in_torch(torch):
    for name in autograd.special.__all__:
        assert hasattr(torch.special, name), name
    x = np.array([0.1, 0.7])
    np.testing.assert_allclose(autograd.special.expit(autograd.tensor(x)).numpy(),
                               torch.special.expit(torch.tensor(x)).numpy())  # fmt: skip


def test_errors_are_named():
    with pytest.raises(TypeError, match="set_default_dtype: only floating"):
        autograd.set_default_dtype(autograd.int64)
    with pytest.raises(TypeError, match="finfo: expected a floating dtype"):
        autograd.finfo(autograd.int32)
    with pytest.raises(TypeError, match="iinfo: expected an integer dtype"):
        autograd.iinfo(autograd.float32)
    with pytest.raises(ValueError, match="profile must be"):
        autograd.set_printoptions(profile="long")
    with pytest.raises(TypeError, match="new_state must be a uint8 tensor"):
        autograd.set_rng_state(autograd.zeros(3))
