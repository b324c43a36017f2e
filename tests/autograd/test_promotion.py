"""Type promotion (autograd/dtypes.py, ops/_util.py): PyTorch's result dtypes for tensors, 0-d
tensors and Python numbers, and the ops routed through it (arithmetic, comparison, where, clamp,
floor division, remainder, pow), with PyTorch's integer wrap-around and division-by-zero errors.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import autograd as ag

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
NUMBERS = [True, 3, 2.5]


def _specs():
    """Operand kinds: a tensor with dims, a 0-d tensor, of every dtype, and Python numbers."""
    return [(d, f) for d in DTYPES for f in ("dims", "0-d")] + [(v, "number") for v in NUMBERS]


def _ours(spec):
    what, form = spec
    if form == "number":
        return what
    dt = ag.dtypes.to_dtype(what)
    return ag.tensor(np.ones((2,) if form == "dims" else (), dt))


def _theirs(torch, spec):
    what, form = spec
    if form == "number":
        return what
    return torch.ones((2,) if form == "dims" else (), dtype=getattr(torch, what))


def _name(dtype):
    return str(dtype).removeprefix("torch.")


SPECS = _specs()
PAIRS = list(itertools.product(SPECS, SPECS))


# ----------------------------------------------------------------------------- the rule itself
@pytest.mark.parametrize(
    "a, b, expected",
    [
        (("float32", "dims"), ("float64", "0-d"), "float32"),
        (("int32", "dims"), ("int64", "0-d"), "int32"),
        (("uint8", "dims"), ("int32", "0-d"), "uint8"),
        (("float16", "dims"), ("float32", "0-d"), "float16"),
        (("int32", "dims"), ("float64", "0-d"), "float64"),  # a higher category counts
        (("int32", "dims"), (2.5, "number"), "float32"),  # numbers: the default float
        (("bool", "dims"), (3, "number"), "int64"),
        (("uint8", "dims"), (3, "number"), "uint8"),
        (("float16", "dims"), (2.5, "number"), "float16"),
        (("int64", "dims"), ("float16", "dims"), "float16"),  # NumPy: float64
        (("uint8", "dims"), ("int8", "dims"), "int16"),
        (("int32", "0-d"), ("float16", "0-d"), "float16"),
        (("int32", "0-d"), (2.5, "number"), "float32"),
        ((3, "number"), (2.5, "number"), "float32"),
        (("bool", "0-d"), (True, "number"), "bool"),
    ],
)
def test_result_type_hand_checked(a, b, expected):
    assert ag.result_type(_ours(a), _ours(b)) == ag.dtypes.to_dtype(expected)
    assert ag.result_type(_ours(b), _ours(a)) == ag.dtypes.to_dtype(expected)


def test_result_type_grid_vs_torch(torch):
    wrong = []
    for a, b in PAIRS:
        ours = ag.result_type(_ours(a), _ours(b))
        theirs = torch.result_type(_theirs(torch, a), _theirs(torch, b))
        if str(ours) != _name(theirs):
            wrong.append((a, b, str(ours), _name(theirs)))
    assert not wrong, wrong


def test_promote_types_and_can_cast_vs_torch(torch):
    for a, b in itertools.product(DTYPES, DTYPES):
        ta, tb = getattr(torch, a), getattr(torch, b)
        assert str(ag.promote_types(a, b)) == _name(torch.promote_types(ta, tb)), (a, b)
        assert ag.can_cast(a, b) == torch.can_cast(ta, tb), (a, b)


def test_promote_types_and_can_cast_hand_checked():
    assert ag.promote_types(ag.int64, ag.float16) == ag.float16
    assert ag.promote_types(ag.bool, ag.uint8) == ag.uint8
    assert ag.promote_types("int8", "uint8") == ag.int16
    assert not ag.can_cast(ag.float32, ag.int64)
    assert not ag.can_cast(ag.int8, ag.bool)
    assert ag.can_cast(ag.int64, ag.uint8) and ag.can_cast(ag.float64, ag.float16)


def test_result_type_errors():
    with pytest.raises(TypeError, match="result_type: other must be a Tensor or a number, got str"):
        ag.result_type(ag.ones(2), "x")
    with pytest.raises(TypeError, match="type1: unknown dtype"):
        ag.promote_types("complex", ag.float32)


# ------------------------------------------------------------------ ops follow the rule
def _binary_ops(lib):
    """Ops whose result dtype is the promoted dtype, on operand kinds they accept."""
    return {
        "add": lambda a, b: a + b,
        "mul": lambda a, b: a * b,
        "maximum": lambda a, b: lib.maximum(lib.as_tensor(a), lib.as_tensor(b)),
        "floor_divide": lambda a, b: a // b,
        "remainder": lambda a, b: a % b,
    }


def _accepted(name, a, b):
    kinds = {s[0] if s[1] != "number" else type(s[0]).__name__ for s in (a, b)}
    if a[1] == "number" and b[1] == "number":
        return False
    if name in ("floor_divide", "remainder") and kinds & {"bool"}:
        return False  # PyTorch refuses (or leaves unimplemented) these on bool
    if name == "maximum" and "number" in (a[1], b[1]):
        return False
    return True


@pytest.mark.parametrize("name", sorted(_binary_ops(None)))
def test_op_result_dtype_and_values_vs_torch(torch, name):
    ours_fn, theirs_fn = _binary_ops(ag)[name], _binary_ops(torch)[name]
    wrong = []
    for a, b in PAIRS:
        if not _accepted(name, a, b):
            continue
        ours = ours_fn(_ours(a), _ours(b))
        theirs = theirs_fn(_theirs(torch, a), _theirs(torch, b))
        if str(ours.dtype) != _name(theirs.dtype) or not np.array_equal(
            ours.numpy(), theirs.numpy()
        ):
            wrong.append((a, b, ours.dtype, _name(theirs.dtype)))
    assert not wrong, wrong


def test_zero_dim_and_numbers_do_not_widen():
    f32 = ag.ones(3)
    assert (f32 + ag.tensor(1.0, dtype=ag.float64)).dtype == ag.float32
    assert (f32 // 2.0).dtype == ag.float32 and (f32 % 2.0).dtype == ag.float32
    i32 = ag.tensor([7, -7, 5], dtype=ag.int32)
    assert (i32 // 2).dtype == ag.int32 and (i32 % 2).dtype == ag.int32
    assert (i32 // 2).tolist() == [3, -4, 2] and (i32 % 2).tolist() == [1, 1, 1]
    assert (i32 + ag.tensor(1)).dtype == ag.int32
    assert (ag.ones(2, dtype=ag.uint8) + ag.tensor(1, dtype=ag.int32)).dtype == ag.uint8
    assert (ag.ones(2, dtype=ag.float16) + ag.tensor(1.0)).dtype == ag.float16
    assert (i32 * 2.5).dtype == ag.float32 and (i32 * 2.5).tolist() == [17.5, -17.5, 12.5]


def test_integer_numbers_wrap_like_pytorch():
    u8 = ag.tensor([1, 2], dtype=ag.uint8)
    assert (u8 + (-3)).tolist() == [254, 255]
    assert (u8 + 300).tolist() == [45, 46]  # 300 wraps to 44
    assert (u8 - 3).tolist() == [254, 255]
    assert (ag.tensor([1], dtype=ag.int8) * 1000).tolist() == [-24]
    assert (ag.tensor([1, 2], dtype=ag.int32) + 2**40).tolist() == [1, 2]
    assert (u8 < -1).tolist() == [True, True]  # -1 is 255 as uint8
    with pytest.raises(RuntimeError, match="other: the integer 2361183241434822606848 does not"):
        u8 + 2**71


def test_integer_wrap_vs_torch(torch):
    for dt, value in [("uint8", -3), ("uint8", 300), ("int8", 1000), ("int32", 2**40),
                      ("int16", -(2**20) - 5)]:  # fmt: skip
        a = np.array([1, 2, 3]).astype(dt)
        for f in (lambda x, v: x + v, lambda x, v: x * v, lambda x, v: v - x, lambda x, v: x == v):
            ours = f(ag.tensor(a), value)
            theirs = f(torch.from_numpy(a), value)
            assert ours.tolist() == theirs.tolist() and str(ours.dtype) == _name(theirs.dtype)


# ------------------------------------------------------------------- division and powers
@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: a // b,
        lambda a, b: a % b,
        lambda a, b: ag.div(a, b, rounding_mode="trunc"),
        lambda a, b: ag.div(a, b, rounding_mode="floor"),
    ],
    ids=["floor_divide", "remainder", "trunc", "floor"],
)
def test_integer_division_by_zero_raises(fn):
    a = ag.tensor([3, 4])
    for b in (0, ag.tensor([0, 1]), ag.tensor(0)):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float division by zero is quiet, as in PyTorch
        out = fn(ag.tensor([3.0, -4.0, 0.0]), 0.0).numpy()
    assert out.dtype == np.float32 and not np.isfinite(out).any()


def test_float_division_by_zero_vs_torch(torch):
    a = np.array([3.0, -4.0, 0.0], np.float32)
    for name in ("floor_divide", "remainder"):
        ours = getattr(ag, name)(ag.tensor(a), 0.0).numpy()
        theirs = getattr(torch, name)(torch.from_numpy(a), 0.0).numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_trunc_division_vs_torch(torch):
    a = np.array([7, -7, 9, -9, 0], np.int64)
    b = np.array([2, 2, -4, -4, 3], np.int64)
    ours = ag.div(ag.tensor(a), ag.tensor(b), rounding_mode="trunc")
    theirs = torch.div(torch.from_numpy(a), torch.from_numpy(b), rounding_mode="trunc")
    assert ours.tolist() == theirs.tolist() == [3, -3, -2, 2, 0] and ours.dtype == ag.int64
    f = ag.div(ag.tensor([7.0, -7.0]), 2.0, rounding_mode="trunc")
    assert f.tolist() == [3.0, -3.0] and f.dtype == ag.float32


def test_integer_powers():
    assert (2 ** ag.tensor([-1, 2, 0])).tolist() == [0, 4, 1]
    base = ag.tensor([1, -1, -1, 2, 0, 3])
    assert (base ** ag.tensor([-1, -1, -2, -1, -1, 2])).tolist() == [1, -1, 1, 0, 0, 9]
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        ag.tensor([2, 3]) ** -1
    assert (2.5 ** ag.tensor([1, 2], dtype=ag.int8)).dtype == ag.float32


def test_integer_powers_vs_torch(torch):
    base = np.array([1, -1, -1, 2, 0, 3, -2])
    exp = np.array([-1, -1, -2, -1, -3, 2, -2])
    assert (ag.tensor(base) ** ag.tensor(exp)).tolist() == (
        torch.from_numpy(base) ** torch.from_numpy(exp)
    ).tolist()
    assert (2 ** ag.tensor(exp)).tolist() == (2 ** torch.from_numpy(exp)).tolist()


# -------------------------------------------------------------------------------- clamp
@pytest.mark.parametrize(
    "x, lo, hi, expected",
    [
        (("float32", "dims"), ("float64", "0-d"), None, "float32"),
        (("float32", "dims"), ("float64", "dims"), None, "float64"),
        (("int32", "dims"), (0.5, "number"), None, "float32"),
        (("int32", "dims"), ("int64", "0-d"), None, "int32"),
        (("int32", "dims"), ("int64", "dims"), None, "int64"),
        (("float16", "dims"), (0.5, "number"), (3, "number"), "float16"),
        (("float32", "dims"), ("float64", "0-d"), ("float16", "dims"), "float32"),
    ],
)
def test_clamp_promotes(x, lo, hi, expected):
    out = ag.clamp(_ours(x), None if lo is None else _ours(lo), None if hi is None else _ours(hi))
    assert out.dtype == ag.dtypes.to_dtype(expected)


def test_clamp_vs_torch(torch):
    xs = np.array([-2, 0, 1, 3], np.int32)
    for lo, hi in [(0.5, None), (None, 1.5), (-1, 2)]:
        ours = ag.clamp(ag.tensor(xs), lo, hi)
        theirs = torch.clamp(torch.from_numpy(xs), lo, hi)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == _name(theirs.dtype)
    lo = np.array([0.25, 0.25, 0.25, 0.25])
    ours = ag.clamp(ag.tensor(xs.astype(np.float32)), min=ag.tensor(lo))
    theirs = torch.clamp(torch.from_numpy(xs.astype(np.float32)), min=torch.from_numpy(lo))
    assert ours.tolist() == theirs.tolist() and str(ours.dtype) == _name(theirs.dtype)


def test_clamp_gradient_through_promotion():
    x = ag.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    lo = ag.tensor(0.0, dtype=ag.float64, requires_grad=True)
    y = ag.clamp(x, min=lo, max=1.0)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0] and lo.grad.item() == 1.0
    assert lo.grad.dtype == ag.float64


# -------------------------------------------------------------------------------- einsum
def test_einsum_promotes_mixed_dtypes():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], dtype=ag.float64, requires_grad=True)
    out = ag.einsum("i,i->i", a, b)
    assert out.dtype == ag.float64 and out.tolist() == [3.0, 8.0]
    out.sum().backward()
    assert a.grad.dtype == ag.float32 and a.grad.tolist() == [3.0, 4.0]
    assert ag.einsum("ij,j->i", ag.ones(2, 3), ag.ones(3, dtype=ag.int64)).dtype == ag.float32


def test_einsum_mixed_dtypes_vs_torch(torch):
    # PyTorch promotes where no subscript is summed (and refuses mixed dtypes in contractions).
    for eq, (da, db) in [("i,i->i", ("float32", "float64")), ("i,j->ij", ("float32", "float16")),
                         ("ij,ij->ij", ("float16", "float64"))]:  # fmt: skip
        a = np.arange(1.0, 3.0).astype(da)
        b = np.arange(2.0, 4.0).astype(db)
        if eq.startswith("ij"):
            a, b = a.reshape(1, 2), b.reshape(1, 2)
        ours = ag.einsum(eq, ag.tensor(a), ag.tensor(b))
        theirs = torch.einsum(eq, torch.from_numpy(a), torch.from_numpy(b))
        assert str(ours.dtype) == _name(theirs.dtype) and ours.tolist() == theirs.tolist()


# ----------------------------------------------------------------- float16 with a number
def test_float16_number_division_hand_computed():
    h = np.linspace(0.1, 3.0, 500).astype(np.float16)
    # PyTorch's ``number / tensor`` is ``reciprocal(tensor) * number``; a float16 tensor times
    # a number is computed at float precision and rounded once.
    expected = ((1 / h).astype(np.float32) * np.float32(1.3)).astype(np.float16)
    np.testing.assert_array_equal((1.3 / ag.tensor(h)).numpy(), expected)
    expected = (h.astype(np.float32) * np.float32(0.7)).astype(np.float16)
    np.testing.assert_array_equal((ag.tensor(h) * 0.7).numpy(), expected)
    np.testing.assert_array_equal((0.7 * ag.tensor(h)).numpy(), expected)
    expected = (h.astype(np.float32) / np.float32(0.7)).astype(np.float16)
    np.testing.assert_array_equal((ag.tensor(h) / 0.7).numpy(), expected)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_number_with_float_tensor_bitwise_vs_torch(torch, dtype):
    h = np.linspace(0.1, 3.0, 2000).astype(dtype)
    for s in (1.3, 0.7, 3):
        for f in (lambda t, s: s / t, lambda t, s: t / s, lambda t, s: t * s,
                  lambda t, s: s * t, lambda t, s: t + s, lambda t, s: s - t):  # fmt: skip
            ours, theirs = f(ag.tensor(h), s).numpy(), f(torch.from_numpy(h), s).numpy()
            assert ours.dtype == theirs.dtype
            np.testing.assert_array_equal(ours, theirs)


def test_number_division_gradient_vs_torch(torch):
    h = np.array([0.5, 1.5, 3.0])
    x, tx = ag.tensor(h, requires_grad=True), torch.tensor(h, requires_grad=True)
    (2.0 / x).sum().backward()
    (2.0 / tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)
    assert (2 / ag.tensor([1, 4])).tolist() == [2.0, 0.5]


# ---------------------------------------------------------------------------------- sign
def test_sign_of_nan_is_zero():
    assert ag.sign(ag.tensor([float("nan"), -2.0, 0.0, 3.0])).tolist() == [0.0, -1.0, 0.0, 1.0]
    assert ag.sign(ag.tensor(float("nan"))).item() == 0.0


def test_sign_vs_torch(torch):
    a = np.array([np.nan, -np.inf, -2.0, -0.0, 0.0, 1e-30, np.inf], np.float32)
    np.testing.assert_array_equal(ag.sign(ag.tensor(a)).numpy(), torch.sign(torch.from_numpy(a)))
