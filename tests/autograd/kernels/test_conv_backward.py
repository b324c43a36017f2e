"""Tests for conv2d_backward: all three gradients in one call, one pass over gy where it can."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conv_reference import conv_case, out_size, record_plans, ref_backward, ref_forward
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import conv

MASKS = list(itertools.product([False, True], repeat=3))

# (x shape, w shape, padding, dilation, groups) of stride-1 convolutions on each backward path.
SHAPES = {
    "direct 1 channel 3x3": ((3, 1, 7, 6), (5, 1, 3, 3), (1, 1), (1, 1), 1),
    "direct dense 2x2 dilated": ((2, 2, 6, 7), (3, 2, 2, 2), (1, 0), (2, 1), 1),
    "direct 1 channel 1x5": ((2, 1, 4, 9), (4, 1, 1, 5), (0, 2), (1, 1), 1),
    "depthwise 3x3": ((2, 4, 6, 5), (4, 1, 3, 3), (1, 1), (1, 1), 4),
    "thin groups 3x3 dilated": ((2, 4, 7, 6), (6, 2, 3, 3), (2, 1), (2, 1), 2),
    "gemm": ((2, 12, 6, 5), (4, 12, 3, 3), (1, 2), (1, 1), 1),
    "winograd": ((2, 16, 12, 12), (16, 16, 3, 3), (1, 1), (1, 1), 1),
}


def count_checks(monkeypatch):
    """The arrays checked for inf/NaN from now on."""
    checked = []
    real = conv.all_finite
    monkeypatch.setattr(conv, "all_finite", lambda a: checked.append(a) or real(a))
    return checked


def _case(name, seed=0):
    x_shape, w_shape, p, d, groups = SHAPES[name]
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    oh, ow = (out_size(n, k, 1, pi, di) for n, k, pi, di in zip(x_shape[2:], w_shape[2:], p, d))
    gy = rng.standard_normal((x_shape[0], w_shape[0], oh, ow))
    return x, w, gy, (1, 1), p, d, groups


def _check(out, x, w, gy, s, p, d, groups, mask, atol=1e-10):
    ref_gx, ref_gw = ref_backward(x, w, gy, s, p, d, groups)
    for got, want, wanted in zip(out, (ref_gx, ref_gw, gy.sum(axis=(0, 2, 3))), mask):
        if not wanted:
            assert got is None
            continue
        assert got.dtype == x.dtype and got.shape == want.shape and got.flags.c_contiguous
        np.testing.assert_allclose(got, want, atol=atol)


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_path_and_mask_matches_reference(name, mask):
    x, w, gy, s, p, d, groups = _case(name)
    out = conv.conv2d_backward(x, gy, w, s, p, d, groups, output_mask=mask)
    _check(out, x, w, gy, s, p, d, groups, mask, atol=1e-9)


@settings(deadline=None, max_examples=40)
@given(conv_case(), st.sampled_from(MASKS))
def test_matches_reference(case, mask):
    x, w, gy, s, p, d, groups = case
    _check(conv.conv2d_backward(x, gy, w, s, p, d, groups, output_mask=mask), *case, mask)


@settings(deadline=None, max_examples=15)
@given(conv_case())
def test_float32_agrees_with_float64(case):
    x, w, gy, s, p, d, groups = case
    out64 = conv.conv2d_backward(x, gy, w, s, p, d, groups)
    f32 = [a.astype(np.float32) for a in (x, gy, w)]
    out32 = conv.conv2d_backward(*f32, s, p, d, groups)
    for a32, a64 in zip(out32, out64):
        assert a32.dtype == np.float32
        np.testing.assert_allclose(a32, a64, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(a64).max()))


@pytest.mark.parametrize("name", ["direct 1 channel 3x3", "direct 1 channel 1x5", "depthwise 3x3"])
def test_direct_paths_read_gy_once(monkeypatch, name):
    # One run of the one-pass kernel gives all three gradients; no other path runs.
    plans = record_plans(monkeypatch)
    x, w, gy, s, p, d, groups = _case(name)
    _check(conv.conv2d_backward(x, gy, w, s, p, d, groups), x, w, gy, s, p, d, groups, [1] * 3)
    assert plans == [("backward", "direct_one_pass")]


def test_known_non_finite_x_skips_the_weight_part_of_the_pass(monkeypatch):
    # finite=(False, ...) says x holds inf or NaN: the pass computes gx only, and the weight
    # gradient takes the exact per-sample GEMMs directly.
    plans = record_plans(monkeypatch)
    x, w, gy, s, p, d, groups = _case("direct 1 channel 3x3")
    x[1, 0, 2, 3] = np.inf
    with np.errstate(invalid="ignore"):
        out = conv.conv2d_backward(x, gy, w, s, p, d, groups, finite=(False, None, None))
        _check(out, x, w, gy, s, p, d, groups, [1] * 3)
    assert plans == [("backward", "direct_one_pass"), ("weight_grad", "batched")]


def test_non_finite_x_found_by_the_pass_is_planned_again(monkeypatch):
    # x not known: the pass notices its inf and the weight gradient is planned with that fact.
    plans = record_plans(monkeypatch)
    x, w, gy, s, p, d, groups = _case("depthwise 3x3")
    x[0, 2, 1, 1] = np.inf
    with np.errstate(invalid="ignore"):
        _check(conv.conv2d_backward(x, gy, w, s, p, d, groups), x, w, gy, s, p, d, groups,
               [1] * 3)  # fmt: skip
    assert plans == [("backward", "direct_one_pass"), ("weight_grad", "direct")]


@pytest.mark.parametrize("where", ["x", "w", "gy"])
@pytest.mark.parametrize("name", ["direct 1 channel 3x3", "direct 1 channel 1x5", "depthwise 3x3"])
def test_direct_paths_put_inf_and_nan_where_the_maths_does(monkeypatch, name, where):
    # The one-pass kernel multiplies garbage columns by zero: inf/NaN in x must send the weight
    # gradient, and in w the input gradient, to an exact path. In gy they are summed like any
    # value (the reassociated sums still propagate them).
    plans = record_plans(monkeypatch)
    x, w, gy, s, p, d, groups = _case(name, seed=1)
    array = {"x": x, "w": w, "gy": gy}[where]
    array[(0,) * (array.ndim - 1) + (-1,)] = np.inf
    array[(-1,) * (array.ndim - 1) + (0,)] = np.nan
    with np.errstate(invalid="ignore"):
        out = conv.conv2d_backward(x, gy, w, s, p, d, groups)
        _check(out, x, w, gy, s, p, d, groups, [1] * 3)
    one_pass = [product for product, path in plans if path == "direct_one_pass"]
    assert one_pass == {"x": ["backward"], "w": ["weight_grad"], "gy": ["backward"]}[where]


def test_winograd_path_reads_gy_once_and_falls_back_on_non_finite_gy(monkeypatch):
    plans = record_plans(monkeypatch)
    x, w, gy, s, p, d, groups = _case("winograd")
    _check(conv.conv2d_backward(x, gy, w, s, p, d, groups), x, w, gy, s, p, d, groups, [1] * 3)
    assert plans == [("backward", "winograd")]
    gy[1, 2, 3, 4] = np.nan
    plans.clear()
    with np.errstate(invalid="ignore"):
        _check(conv.conv2d_backward(x, gy, w, s, p, d, groups), x, w, gy, s, p, d, groups, [1] * 3)
    # The padded weight gradient of a NaN gy: the loops that skip padded taps.
    assert plans == [("backward", "winograd"), ("input_grad", "gemm"),
                     ("weight_grad", "direct")]  # fmt: skip


@pytest.mark.parametrize(
    "mask, finite, checked",
    [
        ((True, True, True), (True, True, None), ""),  # the forward's answers are trusted
        ((True, True, True), (None, None, None), "xw"),  # once each (gy: from the fused sums)
        ((False, True, True), (None, None, None), "x"),  # gy from the bias gradient's sums
        ((True, False, False), (None, None, None), "gw"),  # no bias gradient here
        ((True, True, False), (True, True, True), ""),
    ],
)
def test_each_operand_is_checked_for_inf_and_nan_at_most_once(monkeypatch, mask, finite, checked):
    x, w, gy, s, p, d, groups = _case("winograd")
    arrays = count_checks(monkeypatch)
    out = conv.conv2d_backward(x, gy, w, s, p, d, groups, output_mask=mask, finite=finite)
    _check(out, x, w, gy, s, p, d, groups, mask, atol=1e-9)
    names = {id(x): "x", id(w): "w", id(gy): "g"}
    assert "".join(sorted(names[id(a)] for a in arrays)) == "".join(sorted(checked))


def test_smaller_gy_counts_as_zero_gradient():
    # conv_transpose2d's output_padding cuts gy short; the missing outputs have zero gradient.
    x, w, gy, s, p, d, groups = _case("direct 1 channel 3x3")
    d = (2, 2)
    oh, ow = (out_size(n, k, 1, pi, 2) for n, k, pi in zip(x.shape[2:], w.shape[2:], p))
    full = np.random.default_rng(2).standard_normal((x.shape[0], w.shape[0], oh, ow))
    full[:, :, -1:] = 0.0
    full[:, :, :, -1:] = 0.0
    small = full[:, :, :-1, :-1]
    for got, want in zip(
        conv.conv2d_backward(x, small, w, s, p, d, groups),
        conv.conv2d_backward(x, full, w, s, p, d, groups),
    ):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_empty_batch():
    x, gy = np.zeros((0, 1, 5, 5)), np.zeros((0, 3, 5, 5))
    gx, gw, gb = conv.conv2d_backward(x, gy, np.ones((3, 1, 3, 3)), padding=(1, 1))
    assert gx.shape == x.shape and (gw == 0).all() and (gb == 0).all() and gb.shape == (3,)


def test_argument_errors():
    x, w, gy = np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros((1, 2, 3, 3))
    with pytest.raises(TypeError, match="x, gy and w must share a dtype"):
        conv.conv2d_backward(x, gy.astype(np.float32), w)
    with pytest.raises(ValueError, match="gy has shape"):
        conv.conv2d_backward(x, gy[:, :1], w)
    with pytest.raises(ValueError, match="output_mask"):
        conv.conv2d_backward(x, gy, w, output_mask=(True, True))


@pytest.mark.parametrize("path", ["gemm", "gemm_wide"])
@pytest.mark.parametrize(("c", "o", "groups", "stride", "padding"), [
    (3, 4, 1, (1, 1), (1, 1)), (4, 6, 2, (1, 1), (2, 0)), (2, 3, 1, (2, 1), (0, 1)),
])  # fmt: skip
def test_column_drivers_read_no_stale_scratch(path, c, o, groups, stride, padding):
    # The GEMM drivers reuse their thread's scratch buffers from call to call: whatever an
    # earlier call left there (here: NaN everywhere) must not reach a result.
    from autograd.kernels import _conv_drivers
    from autograd.kernels._args import ConvGeometry

    if path == "gemm_wide" and stride != (1, 1):
        pytest.skip("the wide layout is stride 1 only")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, c, 7, 6))
    w = rng.standard_normal((o, c // groups, 3, 2))
    g = ConvGeometry(stride, padding, (1, 1), groups)
    y = _conv_drivers.FORWARD[path](x, w, g, np.ones(o))
    gy = rng.standard_normal(y.shape)

    def products():
        return (
            _conv_drivers.FORWARD[path](x, w, g, np.ones(o)),
            _conv_drivers.INPUT_GRAD[path](gy, w, x.shape, g),
            _conv_drivers.WEIGHT_GRAD[path](x, gy, w.shape, g, False)[0],
        )

    clean = products()
    for buf in _conv_drivers._scratch.pool.values():
        buf.fill(np.nan)
    for a, b in zip(products(), clean):
        np.testing.assert_array_equal(a, b)
    want = ref_forward(x, w, stride, padding, (1, 1), groups) + 1
    np.testing.assert_allclose(clean[0], want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation", "groups"), [
    ((3, 2, 16, 16), (4, 2, 4, 4), (2, 2), (1, 1), (1, 1), 1),  # a transposed conv's k4 s2
    ((2, 3, 17, 19), (4, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1),  # odd widths
    ((2, 4, 16, 23), (6, 2, 3, 2), (3, 3), (2, 1), (2, 1), 2),  # stride 3, dilation, groups
    ((9, 2, 20, 16), (3, 2, 3, 3), (1, 2), (0, 1), (1, 1), 1),  # row stride only
])  # fmt: skip
def test_strided_columns_on_large_planes(
    monkeypatch, transposed, x_shape, w_shape, stride, padding, dilation, groups
):
    # Planes of 256 values or more: col2im sums a column stride's taps split by phase, and the
    # weight gradient is summed as (K, og) over enough columns, then copied into (og, K).
    # Against the reference, each orientation forced, from scratch left full of NaN.
    from autograd.kernels import _conv_drivers
    from autograd.kernels._args import ConvGeometry

    monkeypatch.setattr(_conv_drivers, "TRANSPOSED_MIN_COLUMNS", 0 if transposed else 10**9)
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    g = ConvGeometry(stride, padding, dilation, groups)
    oh, ow = (
        out_size(n, k, s, p, d)
        for n, k, s, p, d in zip(x_shape[2:], w_shape[2:], stride, padding, dilation)
    )
    gy = rng.standard_normal((x_shape[0], w_shape[0], oh, ow))
    for buf in getattr(_conv_drivers._scratch, "pool", {}).values():
        buf.fill(np.nan)
    ref_gx, ref_gw = ref_backward(x, w, gy, stride, padding, dilation, groups)
    gx = _conv_drivers.INPUT_GRAD["gemm"](gy, w, x_shape, g)
    gw = _conv_drivers.WEIGHT_GRAD["gemm"](x, gy, w.shape, g, False)[0]
    np.testing.assert_allclose(gx, ref_gx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw, ref_gw, rtol=1e-12, atol=1e-12)
    if groups == 1:  # a transposed convolution's backward: one column matrix for both
        y = np.empty((x_shape[0], w_shape[0], oh, ow))
        gw2 = np.empty(w.shape)
        _conv_drivers.forward_and_weight_gemm(x, w, gy, g, y, gw2)
        np.testing.assert_allclose(y, ref_forward(x, w, stride, padding, dilation, groups),
                                   rtol=1e-12, atol=1e-12)  # fmt: skip
        np.testing.assert_allclose(gw2, ref_gw, rtol=1e-12, atol=1e-12)
