"""Tests for autograd/kernels/_args.py: the argument checks conv and pool ops share."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograd.kernels import _args
from autograd.kernels._args import ConvGeometry, PoolWindow

# --------------------------------------------------------------------------------------------
# ints: an int, or a tuple/list of 1 or nd ints


@pytest.mark.parametrize(
    "value, nd, expected",
    [
        (2, 2, (2, 2)),
        (np.int64(3), 2, (3, 3)),
        ((2,), 2, (2, 2)),
        ([2, 3], 2, (2, 3)),
        ((4,), 1, (4,)),
        (4, 1, (4,)),
    ],
)
def test_ints_accepts_an_int_or_one_or_nd_entries(value, nd, expected):
    assert _args.ints("op", "stride", value, nd, 1) == expected


@pytest.mark.parametrize("value", [(1, 2, 3), (), (2, 2.0), 1.5, True, (True, 1), "2", None])
def test_ints_rejects_other_types_naming_op_and_argument(value):
    with pytest.raises(TypeError, match=r"^conv2d: stride must be an int or a tuple of 2 ints"):
        _args.ints("conv2d", "stride", value, 2, 1)


def test_ints_one_dimensional_message():
    with pytest.raises(TypeError, match=r"max_pool1d: kernel_size must be an int or a tuple of 1"):
        _args.ints("max_pool1d", "kernel_size", (2, 2), 1, 1)


@pytest.mark.parametrize(
    "minimum, value, word", [(1, 0, "positive"), (1, (2, -1), "positive"), (0, -1, "non-negative")]
)
def test_ints_minimum(minimum, value, word):
    with pytest.raises(ValueError, match=re.escape(f"op: x must be {word}, got {value!r}")):
        _args.ints("op", "x", value, 2, minimum)


# --------------------------------------------------------------------------------------------
# Convolutions


def test_conv_args_normalizes_to_pairs():
    got = _args.conv_args("conv2d", 2, (2, 4, 9, 9), (6, 2, 3, 3), (2,), [1, 0], 1, 2)
    assert got == (ConvGeometry((2, 2), (1, 0), (1, 1), 2), (0, 0))
    got = _args.conv_args("conv1d", 1, (4, 9), (6, 4, 3), 2, (1,), (2,), 1)
    assert got == (ConvGeometry((1, 2), (0, 1), (1, 2), 1), (0, 0))


@pytest.mark.parametrize(
    "kernel, dilation, padding, crop",
    [((3, 3), 1, (1, 1), (0, 0)), ((2, 4), 1, (1, 2), (1, 1)), ((2, 2), (2, 1), (1, 1), (0, 1))],
)
def test_conv_args_same_padding(kernel, dilation, padding, crop):
    got = _args.conv_args("conv2d", 2, (1, 1, 8, 8), (1, 1, *kernel), 1, "same", dilation, 1)
    assert got[0].padding == padding and got[1] == crop


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, error, match",
    [
        ((1, 3, 5, 5), (4, 2, 3, 3), {}, ValueError, r"input has 3 channels, but weight expects 2"),
        ((1, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}, ValueError, "divisible by groups=2"),
        ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 0}, ValueError, "groups must be a positive int"),
        ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 2.0}, TypeError, "groups must be"),
        ((1, 1, 2, 2), (1, 1, 3, 3), {}, ValueError, "larger than the padded input"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 0}, ValueError, "stride must be positive"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"dilation": (1, 0)}, ValueError, "dilation must be"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": (1, 2, 3)}, TypeError, "padding must be an int"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": -1}, ValueError, "non-negative"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": "full"}, ValueError, "'same', 'valid'"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": "same", "stride": 2}, ValueError, "stride 1"),
        ((5, 5), (1, 1, 3, 3), {}, ValueError, r"expected input to be 3-D \(C, H, W\) or 4-D"),
        ((1, 1, 5, 5), (1, 3, 3), {}, ValueError, "weight must be 4-D"),
        # Zero-size kernels, weights and planes, as PyTorch refuses them.
        ((1, 1, 5, 5), (4, 1, 0, 0), {}, ValueError, "kernel size must be positive"),
        ((1, 1, 5, 5), (4, 1, 3, 0), {}, ValueError, "kernel size must be positive"),
        ((1, 1, 5, 5), (0, 1, 3, 3), {}, ValueError, "at least one output channel"),
        ((1, 1, 0, 5), (1, 1, 3, 3), {"padding": 2}, ValueError, "spatial size must be non-zero"),
    ],
)
def test_conv_args_errors(x_shape, w_shape, kwargs, error, match):
    args = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, **kwargs}
    with pytest.raises(error, match=match) as info:
        _args.conv_args("conv2d", 2, x_shape, w_shape, *args.values())
    assert str(info.value).startswith("conv2d: ")


def test_conv_args_empty_batch_or_channels_are_fine():
    assert _args.conv_args("conv2d", 2, (0, 1, 5, 5), (2, 1, 3, 3), 1, 0, 1, 1)
    assert _args.conv_args("conv2d", 2, (1, 0, 5, 5), (2, 0, 3, 3), 1, 0, 1, 1)
    with pytest.raises(ValueError, match="larger than the padded input"):  # as PyTorch
        _args.conv_args("conv2d", 2, (1, 0, 0, 5), (2, 0, 1, 1), 1, 0, 1, 1)


def test_conv_transpose_args():
    op = "conv_transpose1d"
    got = _args.conv_transpose_args(op, 1, (2, 4, 5), (4, 3, 3), (2,), 1, (1,), 2, 1)
    assert got == (ConvGeometry((1, 2), (0, 1), (1, 1), 2), (1, 10))
    with pytest.raises(ValueError, match="output_padding"):
        _args.conv_transpose_args(op, 1, (2, 4, 5), (4, 3, 3), 2, 0, 2, 1, 1)
    with pytest.raises(ValueError, match="kernel size must be positive"):
        _args.conv_transpose_args(op, 1, (2, 4, 5), (4, 3, 0), 1, 0, 0, 1, 1)
    with pytest.raises(ValueError, match="at least one input and one output channel"):
        _args.conv_transpose_args(op, 1, (2, 4, 5), (4, 0, 3), 1, 0, 0, 1, 1)
    with pytest.raises(ValueError, match="padding must be an int"):
        _args.conv_transpose_args(op, 1, (2, 4, 5), (4, 3, 3), 1, "same", 0, 1, 1)
    with pytest.raises(ValueError, match="not positive"):
        _args.conv_transpose_args(op, 1, (2, 4, 1), (4, 3, 1), 1, 1, 0, 1, 1)


# --------------------------------------------------------------------------------------------
# Pooling


def test_pool_args_normalizes_to_pairs():
    got = _args.pool_args("max_pool2d", 2, (1, 1, 8, 8), (3,), None, [1], (2, 1), True)
    assert got == PoolWindow((3, 3), (3, 3), (1, 1), (2, 1), True)
    assert _args.pool_args("avg_pool2d", 2, (1, 8, 8), 2, (), 0, 1, False).stride == (2, 2)
    got = _args.pool_args("max_pool1d", 1, (2, 3, 9), 3, 2, 1, 1, False)
    assert got == PoolWindow((1, 3), (1, 2), (0, 1), (1, 1), False)


@pytest.mark.parametrize(
    "x_shape, args, error, match",
    [
        ((1, 1, 4, 4), (2, None, 2, 1), ValueError, "at most half of kernel_size"),
        ((1, 1, 4, 4), (0, None, 0, 1), ValueError, "kernel_size must be positive"),
        ((1, 1, 4, 4), (2, 0, 0, 1), ValueError, "stride must be positive"),
        ((1, 1, 4, 4), (9, None, 0, 1), ValueError, "too small for kernel_size"),
        ((1, 1, 4, 4), ((2, 2, 2), None, 0, 1), TypeError, "kernel_size must be an int or"),
        ((1, 1, 4, 4), (2.5, None, 0, 1), TypeError, "kernel_size must be an int or"),
        ((1, 0, 4, 4), (2, None, 0, 1), ValueError, "channel and spatial sizes must be non-zero"),
        ((4, 4), (2, None, 0, 1), ValueError, "expected input to be 3-D"),
    ],
)
def test_pool_args_errors(x_shape, args, error, match):
    with pytest.raises(error, match=match) as info:
        _args.pool_args("max_pool2d", 2, x_shape, *args, False)
    assert str(info.value).startswith("max_pool2d: ")


# --------------------------------------------------------------------------------------------
# Remembered checks: a layer's repeated calls reuse their result, and nothing else changes


def test_checks_remember_plain_arguments_and_answer_as_before(monkeypatch):
    calls = []
    original = _args.ints

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(_args, "ints", counting)
    shape = (3, 1, 5, 7)
    first = _args.pool_args("max_pool2d", 2, shape, 3, None, 1, (2, 1), False)
    checked = len(calls)
    assert checked > 0
    again = _args.pool_args("max_pool2d", 2, shape, 3, None, 1, (2, 1), False)
    assert again == first and len(calls) == checked  # remembered: not checked again
    # Arguments that are not plain are checked every time, with the same answer.
    listed = _args.pool_args("max_pool2d", 2, shape, [3], None, [1], [2, 1], False)
    assert listed == first and len(calls) > checked
    numpy_int = _args.conv_args("conv2d", 2, (1, 2, 6, 6), (4, 2, 3, 3), np.int64(2), 1, 1, 1)
    assert numpy_int == _args.conv_args("conv2d", 2, (1, 2, 6, 6), (4, 2, 3, 3), 2, 1, 1, 1)


@pytest.mark.parametrize("bad", [True, (1, True), 1.0])
def test_remembered_checks_still_reject_what_equals_a_good_argument(bad):
    # True == 1 and 1.0 == 1, but PyTorch rejects them as a stride: a remembered result for 1
    # must not answer for them.
    good = _args.conv_args("conv2d", 2, (1, 2, 6, 6), (4, 2, 3, 3), 1, 1, 1, 1)
    assert good[0].stride == (1, 1)
    for _ in range(2):
        with pytest.raises(TypeError, match="conv2d: stride must be an int or a tuple of 2"):
            _args.conv_args("conv2d", 2, (1, 2, 6, 6), (4, 2, 3, 3), bad, 1, 1, 1)


def test_a_check_that_raises_raises_again():
    for _ in range(3):
        with pytest.raises(ValueError, match="too small for kernel_size"):
            _args.pool_args("max_pool2d", 2, (1, 1, 4, 4), 9, None, 0, 1, False)
        with pytest.raises(ValueError, match="input has 3 channels, but weight expects 2"):
            _args.conv_args("conv2d", 2, (1, 3, 6, 6), (4, 2, 3, 3), 1, 1, 1, 1)


def test_remembered_checks_forget_the_oldest_beyond_their_size():
    for n in range(_args.MEMO_SIZE + 10):
        got = _args.pool_args("avg_pool2d", 2, (1, 1, 4, 4 + n), 2, None, 0, 1, False)
        assert got.kernel == (2, 2)
    assert len(_args.pool_args.seen) == _args.MEMO_SIZE


def test_divisor_and_adaptive_output_size():
    assert _args.divisor_arg("op", None) is None and _args.divisor_arg("op", np.int32(-2)) == -2
    with pytest.raises(ValueError, match="op: divisor_override must be non-zero"):
        _args.divisor_arg("op", 0)
    with pytest.raises(TypeError, match="op: divisor_override must be an int, got 1.5"):
        _args.divisor_arg("op", 1.5)
    assert _args.adaptive_output_size("op", (2, 5, 7), 3) == (3, 3)
    assert _args.adaptive_output_size("op", (1, 2, 5, 7), (None, 2)) == (5, 2)
    for bad, error in [((2,), TypeError), ((1, 2, 3), TypeError), (0, ValueError),
                       ((2, 1.5), TypeError)]:  # fmt: skip
        with pytest.raises(error, match="op: output_size"):
            _args.adaptive_output_size("op", (1, 2, 5, 7), bad)


# --------------------------------------------------------------------------------------------
# Against PyTorch: which arguments are accepted, and what comes out


CONV_ARGS = [
    {"stride": (2,)},
    {"stride": [2, 1]},
    {"padding": (1,)},
    {"dilation": (2,)},
    {"stride": (1, 1, 1)},
    {"stride": ()},
    {"padding": "same", "stride": (1,)},
    {"padding": "valid", "dilation": (2, 1)},
    {"stride": 0},
    {"padding": -1},
]
POOL_ARGS = [
    {"kernel_size": (2,)},
    {"kernel_size": 2, "stride": (1,)},
    {"kernel_size": 3, "padding": (1,)},
    {"kernel_size": 2, "dilation": (2,)},
    {"kernel_size": (2, 2, 2)},
    {"kernel_size": 2, "stride": ()},
    {"kernel_size": 2, "stride": []},
    {"kernel_size": 3, "padding": 2},
]


def _outcome(call):
    try:
        return tuple(call().shape)
    except (TypeError, ValueError, RuntimeError):
        return "error"


@pytest.mark.parametrize("kwargs", CONV_ARGS)
@pytest.mark.parametrize("op", ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"])
def test_conv_arguments_accepted_as_pytorch_does(op, kwargs):
    torch = pytest.importorskip("torch")
    import warnings

    import autograd as ag

    nd = 1 if op.endswith("1d") else 2
    if "transpose" in op and isinstance(kwargs.get("padding"), str):
        pytest.skip("transposed convolutions take no string padding")
    x, w = np.ones((1, 2) + (6,) * nd), np.ones((2, 2) + (3,) * nd)
    ours = _outcome(lambda: getattr(ag, op)(ag.tensor(x), ag.tensor(w), **kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn = getattr(torch.nn.functional, op)
        theirs = _outcome(lambda: fn(torch.tensor(x), torch.tensor(w), **kwargs))
    assert ours == theirs


@pytest.mark.parametrize("kwargs", POOL_ARGS)
@pytest.mark.parametrize("op", ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"])
def test_pool_arguments_accepted_as_pytorch_does(op, kwargs):
    torch = pytest.importorskip("torch")
    import autograd as ag

    if op.startswith("avg") and "dilation" in kwargs:
        pytest.skip("average pools take no dilation")
    nd = 1 if op.endswith("1d") else 2
    x = np.ones((1, 2) + (6,) * nd)
    ours = _outcome(lambda: getattr(ag, op)(ag.tensor(x), **kwargs))
    theirs = _outcome(lambda: getattr(torch.nn.functional, op)(torch.tensor(x), **kwargs))
    assert ours == theirs
