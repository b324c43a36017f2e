"""Tensor methods and constructors that ported PyTorch programs use, compared with PyTorch:
Size, new_*, type_as, narrow, introspection, __format__, legacy constructors and type names."""

from __future__ import annotations

import doctest
import pickle

import numpy as np
import pytest

import autograd

DTYPE_NAMES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _dtype_str(t):
    return str(t.dtype).removeprefix("torch.")


def _same(ours, ref):
    assert _dtype_str(ours) == _dtype_str(ref)
    assert tuple(ours.shape) == tuple(ref.shape)


# ----------------------------------------------------------------------------------- Size
def test_size_behaves_as_torch_size(torch):
    ours, ref = autograd.zeros(2, 3, 4).size(), torch.zeros(2, 3, 4).size()
    assert isinstance(ours, autograd.Size) and isinstance(ours, tuple)
    assert ours == tuple(ref) and ours.numel() == ref.numel() == 24
    assert hash(ours) == hash((2, 3, 4))
    assert type(ours[1:]) is autograd.Size and ours[1:] == (3, 4)
    assert type(ours + (5,)) is autograd.Size and type((1,) + ours) is autograd.Size
    assert type(ours * 2) is autograd.Size and ours * 2 == tuple(ref * 2)
    assert isinstance(ours[0], int)
    assert autograd.Size([]).numel() == torch.Size([]).numel() == 1
    assert repr(ours) == "autograd.Size([2, 3, 4])" and str(ours) == repr(ours)
    assert repr(ref) == "torch.Size([2, 3, 4])"  # the same form, under each library's name
    assert autograd.zeros(2, 3).size(1) == 3 and autograd.zeros(2, 3).shape == (2, 3)
    assert pickle.loads(pickle.dumps(ours)) == ours


def test_size_accepts_index_like_items_and_rejects_others(torch):
    assert autograd.Size([np.int64(3), autograd.tensor(2)]) == (3, 2)
    assert autograd.Size([True]) == tuple(torch.Size([True]))
    with pytest.raises(TypeError, match=r"item 0 is float \(2.0\)"):
        autograd.Size([2.0])
    with pytest.raises(TypeError, match="iterable of ints, got int"):
        autograd.Size(3)


def test_numel_and_is_tensor(torch):
    x = autograd.zeros(2, 3)
    assert autograd.numel(x) == torch.numel(torch.zeros(2, 3)) == 6
    assert autograd.is_tensor(x) and not autograd.is_tensor(x.numpy())
    assert autograd.is_tensor(x) == torch.is_tensor(torch.zeros(1))
    with pytest.raises(TypeError, match="numel: input must be a Tensor, got list"):
        autograd.numel([1, 2])


# ---------------------------------------------------------------------------------- new_*
@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_new_factories_match_torch(torch, dtype):
    ours = autograd.ones(3, dtype=getattr(autograd, dtype if dtype != "bool" else "bool_"))
    ref = torch.ones(3, dtype=getattr(torch, dtype))
    pairs = [
        (ours.new_zeros(2, 3), ref.new_zeros(2, 3)),
        (ours.new_zeros((2, 3)), ref.new_zeros((2, 3))),
        (ours.new_ones([4]), ref.new_ones([4])),
        (ours.new_full((2,), 1), ref.new_full((2,), 1)),
        (ours.new_empty(2, 0), ref.new_empty(2, 0)),
        (ours.new_tensor([1, 0]), ref.new_tensor([1, 0])),
        (ours.new_zeros(2, dtype=autograd.float16), ref.new_zeros(2, dtype=torch.float16)),
        (
            ours.new_tensor([0.5], dtype=autograd.float64),
            ref.new_tensor([0.5], dtype=torch.float64),
        ),
        (ours.new_zeros(autograd.Size([1, 2])), ref.new_zeros(torch.Size([1, 2]))),
    ]
    for a, b in pairs:
        _same(a, b)
        if a.numel() and a is not pairs[4][0]:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.requires_grad is False and a.is_leaf


def test_new_factories_requires_grad_and_independence():
    x = autograd.ones(2, requires_grad=True)
    y = x.new_ones(2, requires_grad=True)
    assert y.requires_grad and y.is_leaf and y.dtype == np.float32
    src = autograd.tensor([1.0, 2.0])
    z = x.new_tensor(src)
    src.add_(1)
    assert z.tolist() == [1.0, 2.0]  # a copy


def test_new_factories_bad_input():
    x = autograd.ones(2)
    with pytest.raises(TypeError, match="new_zeros: size must be ints"):
        x.new_zeros(2.5)
    with pytest.raises(ValueError, match="new_ones: sizes must be non-negative"):
        x.new_ones(-1)
    with pytest.raises(TypeError, match="new_full: fill_value must be a number, got str"):
        x.new_full((2,), "a")
    with pytest.raises(TypeError, match="dtype"):
        x.new_empty(2, dtype="complex")
    with pytest.raises(RuntimeError, match="requires_grad.*floating"):
        autograd.ones(1, dtype=autograd.int64).new_zeros(2, requires_grad=True)


# ------------------------------------------------------------------------ type_as, narrow
def test_type_as_matches_torch(torch):
    x, ref = autograd.tensor([1.7, -2.2]), torch.tensor([1.7, -2.2])
    for dt in ("int64", "float64", "float32"):
        out = x.type_as(autograd.zeros(1, dtype=getattr(autograd, dt)))
        expected = ref.type_as(torch.zeros(1, dtype=getattr(torch, dt)))
        _same(out, expected)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
    assert x.type_as(autograd.zeros(1)) is x
    with pytest.raises(TypeError, match="type_as: other must be a Tensor, got str"):
        x.type_as("float64")


@pytest.mark.parametrize(
    "shape,dim,start,length",
    [
        ((10,), 0, 2, 3),
        ((10,), 0, -4, 4),
        ((4, 5), 1, 0, 5),
        ((4, 5), -1, 5, 0),
        ((3, 4, 2), 0, 1, 2),
    ],
)
def test_narrow_matches_torch_and_is_a_differentiable_view(torch, shape, dim, start, length):
    data = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    x = autograd.tensor(data, requires_grad=True)
    ref = torch.tensor(data, requires_grad=True)
    out, expected = x.narrow(dim, start, length), ref.narrow(dim, start, length)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), ref.grad.numpy())
    base = autograd.tensor(data)
    view = base.narrow(dim, start, length)
    assert np.shares_memory(view.numpy(), base.numpy()) or view.numel() == 0


def test_narrow_accepts_tensor_start_and_rejects_bad_input(torch):
    x = autograd.arange(10)
    assert x.narrow(0, autograd.tensor(2), 3).tolist() == [2, 3, 4]
    with pytest.raises(RuntimeError, match=r"start \(8\) \+ length \(5\) exceeds"):
        x.narrow(0, 8, 5)
    with pytest.raises(RuntimeError):
        torch.arange(10).narrow(0, 8, 5)
    with pytest.raises(ValueError, match="start 11 is out of range"):
        x.narrow(0, 11, 0)
    with pytest.raises(ValueError, match="length must be non-negative, got -1"):
        x.narrow(0, 0, -1)
    with pytest.raises(ValueError, match="narrow: dim 1 is out of range"):
        x.narrow(1, 0, 1)
    with pytest.raises(TypeError, match="start must be an int, got float"):
        x.narrow(0, 1.0, 1)
    with pytest.raises(RuntimeError, match="0-d"):
        autograd.tensor(1.0).narrow(0, 0, 1)


# ---------------------------------------------------------------------------- introspection
@pytest.mark.parametrize("dtype", DTYPE_NAMES)
def test_introspection_matches_torch(torch, dtype):
    ours = autograd.zeros(2, 3, dtype=getattr(autograd, dtype if dtype != "bool" else "bool_"))
    ref = torch.zeros(2, 3, dtype=getattr(torch, dtype))
    assert ours.element_size() == ref.element_size()
    assert ours.nelement() == ref.nelement() == 6
    assert ours.is_floating_point() == ref.is_floating_point()
    assert ours.is_contiguous() == ref.is_contiguous()
    assert ours.T.is_contiguous() == ref.T.is_contiguous()


def test_data_ptr():
    x = autograd.arange(6.0)
    assert x.data_ptr() == x.numpy().ctypes.data != 0
    assert x[2:].data_ptr() - x.data_ptr() == 2 * x.element_size()
    assert x.detach().data_ptr() == x.data_ptr()
    assert x.clone().data_ptr() != x.data_ptr()
    assert autograd.zeros(0).data_ptr() == 0


# ---------------------------------------------------------------------------------- format
@pytest.mark.parametrize("spec", ["", ".2f", ">10", ".3e", "+"])
def test_format_of_0d_tensors_matches_torch(torch, spec):
    for value, dtype in ((1.5, "float32"), (3, "int64"), (-0.125, "float64")):
        ours = autograd.tensor(value, dtype=getattr(autograd, dtype))
        ref = torch.tensor(value, dtype=getattr(torch, dtype))
        assert format(ours, spec) == format(ref, spec), (value, spec)
    loss = autograd.tensor(0.25, requires_grad=True)
    assert f"{loss:.3f}" == "0.250" and f"{loss * 2:.1f}" == "0.5"


def test_format_of_other_tensors_matches_torch(torch):
    for data in ([1.5], [[1.0, 2.0]]):
        assert f"{autograd.tensor(data)}" == f"{torch.tensor(data)}" == repr(autograd.tensor(data))
    with pytest.raises(TypeError, match=r"spec '.2f' applies to 0-d tensors only.*\(1,\)"):
        format(autograd.tensor([1.5]), ".2f")
    with pytest.raises(TypeError):
        format(torch.tensor([1.5]), ".2f")


# ---------------------------------------------------------------------- legacy constructors
@pytest.mark.parametrize(
    "args",
    [(), (2, 3), (autograd.Size([2, 3]),), (0,), (np.int64(3),), ([1, 2],), ((2, 3),),
     ([[1.5, 2], [3, 4]],), (np.arange(3),), ([True, False],), ([],)],
)  # fmt: skip
def test_tensor_legacy_constructor_matches_torch(torch, args):
    targs = tuple(torch.Size(a) if isinstance(a, autograd.Size) else a for a in args)
    ours, ref = autograd.Tensor(*args), torch.Tensor(*targs)
    _same(ours, ref)
    if args and not isinstance(args[0], (int, np.integer, autograd.Size)):
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    assert ours.requires_grad is False and ours.is_leaf


@pytest.mark.parametrize("name", ["Float", "Double", "Half", "Long", "Int", "Short", "Char",
                                  "Byte", "Bool"])  # fmt: skip
def test_typed_legacy_constructors_match_torch(torch, name):
    ours, ref = getattr(autograd, name + "Tensor"), getattr(torch, name + "Tensor")
    for args in ((2, 3), ([1.7, 0, 2],), ()):
        a, b = ours(*args), ref(*args)
        _same(a, b)
        if args and isinstance(args[0], list):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    same_dtype = autograd.zeros(2, dtype=a.dtype)
    assert isinstance(same_dtype, ours) and isinstance(same_dtype, autograd.Tensor)
    other = autograd.zeros(2, dtype=np.float64 if name != "Double" else np.float32)
    assert not isinstance(other, ours)
    assert isinstance(torch.zeros(2, dtype=b.dtype), ref)
    assert repr(ours) == f"<class 'autograd.{name}Tensor'>"
    # the generated docstring's example runs (doctest-modules skips it)
    test = doctest.DocTestParser().get_doctest(ours.__doc__, {}, ours.__name__, None, 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False) == (0, 3)


def test_legacy_constructor_from_a_tensor_shares_storage_as_torch(torch):
    x = autograd.arange(3.0, requires_grad=True)
    y = autograd.Tensor(x)
    assert (
        y.requires_grad is False and y.is_leaf and np.shares_memory(y.numpy(), x.detach().numpy())
    )
    _same(autograd.Tensor(autograd.arange(3)), torch.Tensor(torch.arange(3)))  # keeps int64
    assert autograd.FloatTensor(autograd.ones(2)).dtype == np.float32
    with pytest.raises(
        TypeError, match="FloatTensor: expected a tensor of dtype float32, got int64"
    ):
        autograd.FloatTensor(autograd.arange(2))
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.arange(2))


def test_legacy_constructor_bad_input(torch):
    cases = [
        ((2.5,), TypeError, r"Tensor: data must be a sequence or sizes must be ints, got float"),
        ((2, 3.0), TypeError, r"Tensor: sizes must be ints, got float \(3.0\)"),
        ((-1,), ValueError, r"Tensor: sizes must be non-negative, got \(-1,\)"),
        (([[1, 2], [3]],), ValueError, "Tensor: data must be a rectangular nested sequence"),
        (("ab",), TypeError, "Tensor: data must hold numbers"),
        (({"a": 1},), TypeError, "Tensor: data must hold numbers"),
    ]
    for args, error, match in cases:
        with pytest.raises(error, match=match):
            autograd.Tensor(*args)
        with pytest.raises((TypeError, ValueError, RuntimeError)):
            torch.Tensor(*args)
    with pytest.raises(TypeError, match="LongTensor: sizes must be ints"):
        autograd.LongTensor(2, "3")


def test_tensor_keyword_extensions():
    x = autograd.Tensor([1, 2], dtype=autograd.float64, requires_grad=True)
    assert x.dtype == np.float64 and x.requires_grad and x.is_leaf


# ----------------------------------------------------------------------------------- type()
def test_type_names_and_conversions_match_torch(torch):
    x, ref = autograd.tensor([1.5, -2.5]), torch.tensor([1.5, -2.5])
    assert x.type() == ref.type().replace("torch.", "autograd.")
    for name in ("Double", "Half", "Long", "Int", "Short", "Char", "Byte", "Bool", "Float"):
        for dst in (
            f"torch.{name}Tensor",
            f"autograd.{name}Tensor",
            getattr(autograd, name + "Tensor"),
        ):
            out = x.type(dst)
            expected = ref.type(f"torch.{name}Tensor")
            _same(out, expected)
            np.testing.assert_array_equal(out.numpy(), expected.numpy())
            assert out.type() == expected.type().replace("torch.", "autograd.")
    assert x.type(autograd.float64).dtype == np.float64
    assert x.type("torch.FloatTensor") is x and x.type(x.type()) is x


def test_type_rejects_bad_names(torch):
    x = autograd.ones(1)
    for bad in ("float64", "FloatTensor", "torch.Float", "numpy.FloatTensor"):
        with pytest.raises(ValueError, match=f"type: invalid type '{bad}'"):
            x.type(bad)
        with pytest.raises(ValueError):
            torch.ones(1).type(bad)
    with pytest.raises(RuntimeError, match="CPU only"):
        x.type("torch.cuda.FloatTensor")
    with pytest.raises(TypeError, match="type: unknown dtype"):
        x.type(object())
