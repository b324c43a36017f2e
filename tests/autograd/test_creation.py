"""Factories: shapes, dtypes, requires_grad, devices and the seeded generator."""

from __future__ import annotations

import numpy as np
import pytest

import autograd


@pytest.mark.parametrize("factory", [autograd.zeros, autograd.ones, autograd.empty,
                                     autograd.rand, autograd.randn])  # fmt: skip
def test_size_forms_and_default_dtype(factory):
    assert factory(2, 3).shape == (2, 3)
    assert factory((2, 3)).shape == (2, 3)
    assert factory([4]).shape == (4,)
    assert factory().shape == ()
    assert factory(2).dtype == np.float32
    assert factory(2, dtype=autograd.float64).dtype == np.float64


@pytest.mark.parametrize("factory", [autograd.zeros, autograd.ones, autograd.rand])
def test_requires_grad_and_device(factory):
    t = factory(2, requires_grad=True, device="cpu")
    assert t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError, match="cuda"):
        factory(2, device="cuda")


def test_bad_sizes():
    with pytest.raises(ValueError, match="non-negative"):
        autograd.zeros(-1)
    with pytest.raises(TypeError, match="ints"):
        autograd.zeros(2.5)


def test_values():
    assert autograd.zeros(2).tolist() == [0.0, 0.0]
    assert autograd.ones(2, dtype=autograd.int64).tolist() == [1, 1]
    assert autograd.full((2,), 7).dtype == np.int64
    assert autograd.full((2,), 7.0).dtype == np.float32
    assert autograd.full((2,), True).dtype == np.bool_
    assert autograd.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert autograd.eye(2, 3).shape == (2, 3)


def test_full_fill_value_is_a_number():
    with pytest.raises(TypeError, match="full: fill_value must be a number, got str"):
        autograd.full((2,), "x")
    with pytest.raises(TypeError, match="full_like: fill_value must be a number, got list"):
        autograd.full_like(autograd.zeros(2), [1.0])
    with pytest.raises(TypeError, match=r"full: fill_value .* got a tensor of shape \(1,\)"):
        autograd.full((2,), autograd.tensor([1.0]))
    # A 0-d tensor gives its value; the dtype is inferred from the number, as PyTorch does.
    t = autograd.full((2,), autograd.tensor(3, dtype=autograd.int32))
    assert t.dtype == np.int64 and t.tolist() == [3, 3]
    assert autograd.full((2,), np.float64(2.5)).dtype == np.float32


def test_full_overflow_and_wrap():
    with pytest.raises(RuntimeError, match="full: fill_value 300 cannot be converted to uint8"):
        autograd.full((2,), 300, dtype=autograd.uint8)
    with pytest.raises(RuntimeError, match="full: fill_value nan cannot be converted to int32"):
        autograd.full((2,), float("nan"), dtype=autograd.int32)
    with pytest.raises(RuntimeError, match="full_like: fill_value 70000.0 .* float16"):
        autograd.full_like(autograd.zeros(2, dtype=autograd.float16), 70000.0)
    assert autograd.full((2,), -1, dtype=autograd.uint8).tolist() == [255, 255]
    assert autograd.full((2,), 2.7, dtype=autograd.int64).tolist() == [2, 2]
    assert np.isinf(autograd.full((1,), float("inf"), dtype=autograd.float16).item())


def test_full_vs_torch(torch):
    for value, dtype in [(7, None), (7.5, None), (True, None), (-1, "uint8"), (2.7, "int64"),
                         (float("inf"), "float16"), (3, "float64")]:  # fmt: skip
        ours = autograd.full((2,), value, dtype=dtype)
        theirs = torch.full((2,), value, dtype=None if dtype is None else getattr(torch, dtype))
        assert ours.tolist() == theirs.tolist()
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_like_factories_follow_input():
    x = autograd.ones(2, 3, dtype=autograd.float64)
    for f in (autograd.zeros_like, autograd.ones_like, autograd.empty_like, autograd.rand_like,
              autograd.randn_like):  # fmt: skip
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == np.float64
    assert autograd.full_like(x, 2.5).tolist() == [[2.5] * 3] * 2
    assert autograd.zeros_like(x, dtype=autograd.int64).dtype == np.int64
    with pytest.raises(TypeError, match="Tensor"):
        autograd.zeros_like(np.ones(2))


def test_arange_and_linspace_dtypes():
    assert autograd.arange(3).dtype == np.int64 and autograd.arange(3).tolist() == [0, 1, 2]
    assert autograd.arange(0, 1, 0.25).dtype == np.float32
    assert autograd.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert autograd.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(ValueError, match="step"):
        autograd.arange(0, 3, 0)
    with pytest.raises(ValueError, match="inconsistent"):
        autograd.arange(3, 0, 1)


def test_randint_and_randperm():
    x = autograd.randint(0, 5, (100,))
    assert x.dtype == np.int64 and x.min().item() >= 0 and x.max().item() < 5
    assert sorted(autograd.randperm(6).tolist()) == list(range(6))
    with pytest.raises(ValueError, match="low < high"):
        autograd.randint(3, 3, (2,))


def test_manual_seed_reproduces():
    autograd.manual_seed(123)
    a = autograd.randn(4).tolist()
    autograd.manual_seed(123)
    assert autograd.randn(4).tolist() == a


def test_as_tensor_shares_with_numpy_when_it_can():
    a = np.zeros(2, dtype=np.float32)
    t = autograd.as_tensor(a)
    a[0] = 3
    assert t.tolist() == [3.0, 0.0]
    t2 = autograd.as_tensor(a, dtype=autograd.float64)
    a[1] = 4
    assert t2.tolist() == [3.0, 0.0]


def test_from_numpy_rejects_non_arrays_and_unsupported_dtypes():
    with pytest.raises(TypeError, match="ndarray"):
        autograd.from_numpy([1, 2])
    with pytest.raises(TypeError, match="complex128"):
        autograd.from_numpy(np.zeros(2, dtype=np.complex128))


def test_tensor_constructor_class():
    t = autograd.Tensor([1.0, 2.0])
    assert t.dtype == np.float32 and t.tolist() == [1.0, 2.0]
