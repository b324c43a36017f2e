"""Tests for autograd/kernels/_conv_plan.py: which path each convolution product takes."""

from __future__ import annotations

import dataclasses

import pytest

from autograd.kernels._args import ConvGeometry
from autograd.kernels._conv_plan import LIMITS, Plan, plan

U = (None, None, None)  # nothing known about x, w, gy
F = (True, True, True)  # all known finite


def G(stride=1, padding=0, dilation=1, groups=1):
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    return ConvGeometry(pair(stride), pair(padding), pair(dilation), groups)


# (x shape, w shape, geometry, finite) -> forward plan
FORWARD = [
    # Winograd: 3x3, stride 1, wide enough layers and images; x and w checked first.
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, Plan("winograd", ("x", "w"))),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), F, Plan("winograd")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (True, None, None), Plan("winograd", ("w",))),
    ((2, 32, 14, 14), (64, 32, 3, 3), G(padding=(2, 0)), F, Plan("winograd")),
    ((2, 16, 7, 7), (16, 16, 3, 3), G(), F, Plan("gemm_wide")),  # 5x5 output: too small, 50
    # GEMM columns: not shared out
    ((8, 16, 8, 8), (16, 16, 3, 3), G(), F, Plan("winograd")),  # 6x6 output, 72 tiles
    ((1, 16, 8, 8), (16, 16, 3, 3), G(), F, Plan("gemm_wide")),  # 9 tiles: too few
    ((1, 15, 28, 28), (64, 15, 3, 3), G(padding=1), F, Plan("gemm_wide")),  # too few channels
    ((1, 64, 28, 28), (15, 64, 3, 3), G(padding=1), F, Plan("gemm_wide")),
    ((8, 512, 7, 7), (512, 512, 3, 3), G(padding=1), F, Plan("winograd")),
    ((4, 512, 7, 7), (512, 512, 3, 3), G(padding=1), F, Plan("gemm")),  # 64 tiles (see below)
    ((1, 32, 14, 14), (64, 32, 3, 3), G(padding=3), F, Plan("gemm_wide")),  # padding > 2
    ((1, 32, 14, 14), (64, 32, 3, 3), G(dilation=2, padding=2), F, Plan("gemm_wide")),
    ((1, 32, 14, 14), (64, 32, 5, 5), G(padding=2), F, Plan("gemm_wide")),
    ((1, 64, 14, 14), (64, 32, 3, 3), G(padding=1, groups=2), F, Plan("gemm_wide")),
    # Two or more samples share out to pipelines (the plain layout) from 256 GEMM columns
    # (N * OH * OW) under a weight of at most 2**20 values.
    ((2, 32, 14, 14), (64, 32, 5, 5), G(padding=2), F, Plan("gemm")),
    ((2, 64, 4, 4), (64, 64, 3, 3), G(padding=1), F, Plan("gemm_wide")),  # 32 columns
    ((4, 1024, 8, 8), (128, 1024, 3, 3), G(padding=1), F, Plan("gemm_wide")),  # 1179648 weights
    # Stride 1 off Winograd: the wide column layout while its junk columns ((kw - 1) * dw per
    # output row) times the group's output channels stay below 320, else the plain one.
    ((1, 128, 7, 7), (128, 128, 3, 3), G(padding=1), F, Plan("gemm_wide")),  # 256
    ((1, 160, 7, 7), (160, 160, 3, 3), G(padding=1), F, Plan("gemm")),  # 320
    ((1, 64, 14, 14), (80, 64, 5, 5), G(padding=2), F, Plan("gemm")),  # 4 * 80
    ((1, 64, 14, 14), (79, 64, 5, 5), G(padding=2), F, Plan("gemm_wide")),
    ((1, 64, 14, 14), (80, 64, 3, 3), G(dilation=2, padding=2), F, Plan("gemm")),
    ((1, 256, 14, 14), (256, 128, 3, 3), G(padding=1, groups=2), F, Plan("gemm_wide")),  # 128
    ((1, 256, 7, 7), (256, 256, 3, 3), G(stride=(1, 2), padding=1), F, Plan("gemm")),
    # A known non-finite operand rules Winograd out; so does stride 2.
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (False, None, None), Plan("gemm", ("w",))),
    (
        (1, 64, 32, 32),
        (64, 64, 3, 3),
        G(padding=1),
        (False, None, None),
        Plan("gemm_wide", ("w",)),
    ),  # no pipelines: the wide layout
    # A non-finite weight with padding: the loops that skip padded taps.
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (None, False, None), Plan("direct_taps")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(), (None, False, None), Plan("gemm")),
    (
        (8, 64, 32, 32),
        (64, 1, 3, 3),
        G(stride=2, padding=1, groups=64),
        (None, False, None),
        Plan("direct_taps"),
    ),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(stride=2, padding=1), U, Plan("gemm", ("w",))),
    # Direct: thin groups (any stride), and dense stride 1 with <= 9 products per output.
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), U, Plan("direct_wide", ("w",))),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(stride=2, padding=1, groups=64), U, Plan("direct", ("w",))),
    # Thin groups: at most 16 channels a group (in or out) at stride 1, 3 otherwise.
    ((8, 64, 16, 16), (64, 16, 3, 3), G(padding=1, groups=4), U, Plan("direct_wide", ("w",))),
    ((8, 68, 16, 16), (68, 17, 3, 3), G(padding=1, groups=4), U, Plan("gemm", ("w",))),
    (
        (8, 68, 16, 16),
        (16, 17, 3, 3),
        G(padding=1, groups=4),
        U,
        Plan("direct_wide", ("w",)),
    ),  # og 4
    ((8, 48, 16, 16), (48, 3, 3, 3), G(stride=2, padding=1, groups=16), U, Plan("direct", ("w",))),
    ((8, 64, 16, 16), (64, 4, 3, 3), G(stride=2, padding=1, groups=16), U, Plan("gemm", ("w",))),
    ((64, 1, 28, 28), (32, 1, 3, 3), G(padding=1), U, Plan("direct_wide", ("w",))),
    ((64, 1, 28, 28), (32, 1, 3, 3), G(stride=2, padding=1), U, Plan("gemm", ("w",))),
    ((64, 2, 28, 28), (32, 2, 2, 2), G(), U, Plan("direct_wide")),  # 8 products
    ((64, 3, 28, 28), (32, 3, 2, 2), G(), U, Plan("gemm")),  # 12 products
    ((64, 9, 28, 28), (32, 9, 1, 1), G(), U, Plan("direct_wide")),  # 9 products, even 1x1
    ((64, 1, 28, 28), (32, 1, 5, 5), G(padding=2), U, Plan("gemm", ("w",))),  # 25 products
    ((64, 8, 28, 28), (8, 8, 3, 3), G(padding=1), U, Plan("direct_wide", ("w",))),  # 3x3: up to 72
    ((64, 9, 28, 28), (16, 9, 3, 3), G(padding=1), U, Plan("gemm", ("w",))),
    # At most 8 output channels (one group, stride 1): the direct forward, any products.
    ((64, 3, 32, 32), (6, 3, 5, 5), G(), U, Plan("direct_wide")),
    ((64, 3, 32, 32), (6, 3, 5, 5), G(padding=2), U, Plan("direct_wide", ("w",))),
    ((4, 64, 28, 28), (8, 64, 3, 3), G(padding=1), U, Plan("direct_wide", ("w",))),
    ((64, 3, 32, 32), (9, 3, 5, 5), G(), U, Plan("gemm")),
    ((64, 3, 32, 32), (6, 3, 5, 5), G(stride=2), U, Plan("gemm")),
    ((64, 8, 28, 28), (32, 8, 3, 3), G(padding=1, dilation=2), U, Plan("direct_wide", ("w",))),
    # Pointwise: 1x1, stride 1, no padding, one group.
    ((32, 64, 32, 32), (128, 64, 1, 1), G(), U, Plan("pointwise")),
    ((32, 64, 32, 32), (128, 64, 1, 1), G(padding=1), U, Plan("gemm", ("w",))),
    ((32, 64, 32, 32), (128, 64, 1, 1), G(stride=2), U, Plan("gemm")),
    ((32, 64, 32, 32), (128, 32, 1, 1), G(groups=2), U, Plan("gemm")),
    # Dense: a small map (its matrix of at most 2**18 entries, at most 3x the true products)
    # in a batch of at least 8; x is checked (the matrix's zeros multiply it).
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), U, Plan("dense", ("x",))),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), F, Plan("dense")),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), (False, None, None), Plan("gemm", ("w",))),
    ((64, 256, 1, 1), (512, 256, 3, 3), G(padding=1), F, Plan("dense")),  # a 1x1 map: waste 1
    ((7, 16, 4, 4), (32, 16, 3, 3), G(padding=1), F, Plan("gemm_wide")),  # batch below 8
    ((64, 12, 8, 8), (32, 12, 3, 3), G(padding=1), F, Plan("gemm")),  # 8x8: waste 8.5
    ((64, 128, 4, 4), (128, 128, 3, 3), G(padding=1), F, Plan("gemm")),  # 2**22 entries
    ((64, 16, 4, 4), (32, 8, 3, 3), G(padding=1, groups=2), F, Plan("direct_wide")),  # groups
    ((64, 16, 4, 4), (32, 16, 3, 3), G(stride=2, padding=1), F, Plan("dense")),  # waste 2.56
    # Nothing to compute.
    ((0, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, Plan("empty")),
    ((2, 0, 32, 32), (4, 0, 3, 3), G(), U, Plan("empty")),
]


@pytest.mark.parametrize("x_shape, w_shape, geometry, finite, expected", FORWARD)
def test_forward(x_shape, w_shape, geometry, finite, expected):
    assert plan("forward", x_shape, w_shape, geometry, finite) == expected


INPUT_GRAD = [
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, None, Plan("winograd", ("gy", "w"))),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), F, None, Plan("winograd")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (None, True, False), None,
     Plan("gemm")),  # a batch of pipelines: the plain layout
    ((4, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (None, True, False), None,
     Plan("gemm")),  # 4096 columns: pipelines too
    ((1, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (None, True, False), None,
     Plan("gemm_wide")),
    ((1, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (None, None, False), None,
     Plan("gemm_wide", ("w",))),  # the wide layout multiplies junk columns by w
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (None, False, None), None, Plan("gemm")),
    # The one-pass direct kernel needs a finite weight; thin groups fall back to scattering.
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), U, None,
     Plan("direct_one_pass", ("w",))),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), (None, False, None), None,
     Plan("direct")),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(stride=2, padding=1, groups=64), U, None, Plan("direct")),
    ((64, 1, 28, 28), (32, 1, 3, 3), G(padding=1), (None, True, None), None,
     Plan("direct_one_pass")),
    ((64, 1, 28, 28), (32, 1, 3, 3), G(padding=1), (None, False, None), None, Plan("gemm")),
    # Pointwise needs the full output gradient (conv_transpose2d's output_padding cuts it).
    ((32, 64, 32, 32), (128, 64, 1, 1), G(), U, None, Plan("pointwise")),
    ((32, 64, 32, 32), (128, 64, 1, 1), G(), U, (32, 128, 31, 32), Plan("gemm")),
    ((32, 64, 32, 32), (128, 64, 3, 3), G(stride=2, padding=1), U, None, Plan("gemm")),
    ((0, 64, 32, 32), (128, 64, 3, 3), G(), U, None, Plan("empty")),
    # Dense: gy is checked (the matrix's zeros multiply it); the full gradient only.
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), U, None, Plan("dense", ("gy",))),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), (None, None, False), None,
     Plan("gemm")),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(stride=2, padding=1), F, (64, 32, 1, 2), Plan("gemm")),
    # Few output channels keep the columns (the direct input gradient scatters).
    ((64, 3, 32, 32), (6, 3, 5, 5), G(), U, None, Plan("gemm")),
    # Wide groups of output channels: the plain layout, which needs no finite weight.
    ((1, 256, 7, 7), (256, 256, 3, 3), G(padding=1), U, None, Plan("gemm")),
    ((1, 128, 7, 7), (128, 128, 3, 3), G(padding=1), U, None, Plan("gemm_wide", ("w",))),
]  # fmt: skip


@pytest.mark.parametrize("x_shape, w_shape, geometry, finite, gy_shape, expected", INPUT_GRAD)
def test_input_grad(x_shape, w_shape, geometry, finite, gy_shape, expected):
    got = plan("input_grad", x_shape, w_shape, geometry, finite, gy_shape=gy_shape)
    assert got == expected


WEIGHT_GRAD = [
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, None, Plan("winograd", ("x", "gy"))),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (False, None, None), None,
     Plan("gemm", ("gy",))),  # x known non-finite: the plain layout
    ((1, 64, 32, 32), (64, 64, 5, 5), G(padding=2), (None, None, True), None,
     Plan("gemm_wide")),  # x unknown: the wide layout notices inf/NaN chunk by chunk
    ((4, 64, 32, 32), (64, 64, 5, 5), G(padding=2), (None, None, True), None,
     Plan("gemm")),  # 4096 columns: pipelines
    ((4, 64, 7, 7), (64, 64, 3, 3), G(padding=1), F, None, Plan("gemm_wide")),  # 196 columns
    ((4, 64, 8, 8), (64, 64, 3, 3), G(padding=1), F, None, Plan("gemm")),  # 256 columns
    # A non-finite gy with padding: the loops that skip padded taps; without padding, GEMM.
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (None, None, False), None, Plan("direct")),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), (True, None, False), None,
     Plan("direct")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(), (None, None, False), None, Plan("gemm")),
    # The one-pass kernel notices a non-finite x itself; with x known non-finite, exact paths.
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), U, None,
     Plan("direct_one_pass", ("gy",))),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), (False, None, None), None,
     Plan("direct")),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(stride=2, padding=1, groups=64), U, None,
     Plan("direct")),
    ((64, 1, 28, 28), (32, 1, 3, 3), G(padding=1), U, None, Plan("direct_one_pass", ("gy",))),
    ((64, 1, 28, 28), (32, 1, 3, 3), G(padding=1), (False, None, None), None,
     Plan("batched", ("gy",))),
    # Few products per output, not direct: one GEMM per sample.
    ((64, 1, 28, 28), (32, 1, 3, 3), G(stride=2, padding=1), U, None, Plan("batched", ("gy",))),
    ((64, 3, 28, 28), (32, 3, 1, 1), G(stride=2), U, None, Plan("batched")),
    ((64, 2, 28, 28), (32, 2, 3, 3), G(stride=2), U, None, Plan("gemm")),  # 18 products
    ((32, 64, 32, 32), (128, 64, 1, 1), G(), U, None, Plan("pointwise")),
    ((32, 64, 32, 32), (128, 64, 1, 1), G(), U, (32, 128, 32, 31), Plan("gemm")),
    ((32, 64, 16, 16), (64, 32, 3, 3), G(padding=1, groups=2), U, None, Plan("gemm", ("gy",))),
    ((32, 64, 16, 16), (64, 16, 3, 3), G(padding=1, groups=4), U, None,
     Plan("direct_one_pass", ("gy",))),
    # Dense: exact for any values (its zeros meet only entries the fold drops), so nothing is
    # checked; a gy known non-finite with padding still takes the loops that skip padding.
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), U, None, Plan("dense")),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), (False, None, None), None, Plan("dense")),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), (None, None, False), None, Plan("direct")),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(), (None, None, False), None, Plan("dense")),
    ((64, 16, 4, 4), (32, 16, 3, 3), G(padding=1), U, (64, 32, 4, 3), Plan("gemm", ("gy",))),
    ((1, 256, 7, 7), (256, 256, 3, 3), G(padding=1), U, None, Plan("gemm", ("gy",))),
    # Few output channels: the one-pass kernel (it notices a non-finite x itself).
    ((64, 3, 32, 32), (6, 3, 5, 5), G(), U, None, Plan("direct_one_pass")),
    ((64, 3, 32, 32), (6, 3, 5, 5), G(padding=2), U, None, Plan("direct_one_pass", ("gy",))),
    ((64, 3, 32, 32), (6, 3, 5, 5), G(), (False, None, None), None, Plan("gemm")),
    ((1, 128, 7, 7), (128, 128, 3, 3), G(padding=1), U, None, Plan("gemm_wide", ("gy",))),
]  # fmt: skip


@pytest.mark.parametrize("x_shape, w_shape, geometry, finite, gy_shape, expected", WEIGHT_GRAD)
def test_weight_grad(x_shape, w_shape, geometry, finite, gy_shape, expected):
    got = plan("weight_grad", x_shape, w_shape, geometry, finite, gy_shape=gy_shape)
    assert got == expected


ALL = (True, True, True)
BACKWARD = [
    # Winograd reads gy once for all three (gy's finiteness comes from its sums).
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, ALL, Plan("winograd", ("x", "w"))),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (True, True, None), ALL, Plan("winograd")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (True, True, False), ALL, Plan("separate")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), (False, True, None), ALL, Plan("separate")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, (False, True, True), Plan("separate")),
    ((8, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, (True, False, True), Plan("separate")),
    # Stride-1 direct: one pass when the weight gradient is wanted.
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), U, ALL,
     Plan("direct_one_pass", ("w",))),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), (False, True, None), ALL,
     Plan("direct_one_pass")),  # the input gradient only, from the pass
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), (None, False, None), ALL,
     Plan("separate")),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), U, (False, True, True),
     Plan("direct_one_pass")),  # no input gradient: w need not be finite
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), (False, None, None),
     (False, True, True), Plan("separate")),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(padding=1, groups=64), U, (True, False, True),
     Plan("separate")),
    ((8, 64, 32, 32), (64, 1, 3, 3), G(stride=2, padding=1, groups=64), U, ALL,
     Plan("separate")),
    ((0, 64, 32, 32), (64, 64, 3, 3), G(padding=1), U, ALL, Plan("separate")),
    # Few output channels: the weight gradient's one pass, the input's columns, apart; with
    # no input gradient, the one pass alone (its sums are the bias gradient).
    ((64, 3, 32, 32), (6, 3, 5, 5), G(), U, ALL, Plan("separate")),
    ((64, 3, 32, 32), (6, 3, 5, 5), G(padding=2), U, (False, True, True),
     Plan("direct_one_pass")),
    ((64, 3, 32, 32), (6, 3, 5, 5), G(), (False, None, None), (False, True, True),
     Plan("separate")),
    ((64, 16, 32, 32), (6, 16, 1, 1), G(), U, (False, True, True), Plan("separate")),  # 1x1
]  # fmt: skip


@pytest.mark.parametrize("x_shape, w_shape, geometry, finite, mask, expected", BACKWARD)
def test_backward(x_shape, w_shape, geometry, finite, mask, expected):
    assert plan("backward", x_shape, w_shape, geometry, finite, output_mask=mask) == expected


FORWARD_AND_WEIGHT = [
    ((32, 64, 32, 32), (32, 64, 4, 4), G(stride=2, padding=1), None, "phases"),
    ((32, 64, 30, 32), (32, 64, 4, 4), G(stride=2, padding=1), None, "shared_gemm"),
    ((32, 64, 32, 32), (32, 64, 4, 4), G(stride=2, padding=1), (32, 32, 15, 16), "separate"),
    ((32, 64, 32, 32), (32, 64, 3, 3), G(padding=1), None, "separate"),  # stride 1
    ((32, 64, 32, 32), (64, 1, 3, 3), G(stride=2, padding=1, groups=64), None, "separate"),
    ((0, 64, 32, 32), (32, 64, 4, 4), G(stride=2, padding=1), None, "separate"),
]


@pytest.mark.parametrize("x_shape, w_shape, geometry, gy_shape, expected", FORWARD_AND_WEIGHT)
def test_forward_and_weight_grad(x_shape, w_shape, geometry, gy_shape, expected):
    got = plan("forward_and_weight_grad", x_shape, w_shape, geometry, F, gy_shape=gy_shape)
    assert got == Plan(expected)


def test_forward_and_weight_grad_with_padding_needs_finite_w_and_gy():
    # The shared column matrix multiplies padding by w (forward) and by gy (weight gradient).
    shapes = (32, 64, 30, 30), (32, 64, 4, 4)
    got = plan("forward_and_weight_grad", *shapes, G(stride=2, padding=1))
    assert got == Plan("shared_gemm", ("w", "gy"))
    for finite in [(None, False, True), (None, True, False)]:
        assert plan("forward_and_weight_grad", *shapes, G(stride=2, padding=1), finite).path == (
            "separate"
        )
    assert plan("forward_and_weight_grad", *shapes, G(stride=2)) == Plan("shared_gemm")


S2 = G(stride=2, padding=1)
PHASES = [
    # 4x4, stride 2, padding 1, one group; planes of multiples of 4 pixels, 16 channels each
    # way, 256 output tiles (2x2) in the batch, at most 128 channels.
    ((8, 16, 32, 32), (16, 16, 4, 4), S2, "phases"),  # 8 samples of 64 tiles
    ((2, 16, 64, 64), (16, 16, 4, 4), S2, "phases"),  # 2 samples of 256 tiles
    ((4, 16, 64, 32), (16, 16, 4, 4), S2, "phases"),  # not square
    ((1, 16, 64, 128), (16, 16, 4, 4), S2, "phases"),  # one sample (see test_conv_phases)
    ((8, 15, 32, 32), (16, 15, 4, 4), S2, None),  # too few input channels
    ((8, 16, 32, 32), (15, 16, 4, 4), S2, None),  # ... output channels
    ((8, 128, 32, 32), (128, 128, 4, 4), S2, "phases"),
    ((8, 129, 32, 32), (128, 129, 4, 4), S2, None),  # too many input channels
    ((8, 128, 32, 32), (129, 128, 4, 4), S2, None),  # ... output channels
    ((4, 16, 32, 32), (16, 16, 4, 4), S2, "phases"),  # 256 tiles
    ((3, 16, 32, 32), (16, 16, 4, 4), S2, None),  # 192 tiles
    ((8, 16, 30, 32), (16, 16, 4, 4), S2, None),  # 30 rows
    ((8, 16, 32, 34), (16, 16, 4, 4), S2, None),
    ((8, 16, 32, 32), (16, 16, 4, 4), G(stride=2), None),  # no padding
    ((8, 16, 32, 32), (16, 16, 4, 4), G(stride=2, padding=2), None),
    ((8, 16, 32, 32), (16, 16, 4, 4), G(stride=(2, 1), padding=1), None),
    ((8, 16, 32, 32), (16, 16, 3, 3), S2, None),
    ((8, 16, 32, 32), (16, 16, 4, 4), G(stride=2, padding=1, dilation=2), None),
    ((8, 32, 32, 32), (16, 16, 4, 4), G(stride=2, padding=1, groups=2), None),
]


@pytest.mark.parametrize("x_shape, w_shape, geometry, expected", PHASES)
def test_phases_take_4x4_stride_2_layers_with_enough_work(x_shape, w_shape, geometry, expected):
    products = ["forward", "input_grad", "weight_grad", "forward_and_weight_grad"]
    for product in products:
        got = plan(product, x_shape, w_shape, geometry, F).path
        assert (got == "phases") == (expected == "phases"), product
    # conv2d's backward: each gradient on its own path
    assert plan("backward", x_shape, w_shape, geometry, F).path == "separate"


def test_phases_need_finite_operands():
    # Winograd's transforms mix a tile's values: each product checks what it multiplies.
    shapes = (8, 16, 32, 32), (16, 16, 4, 4)
    assert plan("forward", *shapes, S2) == Plan("phases", ("x", "w"))
    assert plan("input_grad", *shapes, S2) == Plan("phases", ("gy", "w"))
    assert plan("weight_grad", *shapes, S2) == Plan("phases", ("x", "gy"))
    assert plan("forward_and_weight_grad", *shapes, S2) == Plan("phases", ("x", "w", "gy"))
    assert plan("forward", *shapes, S2, (False, True, None)).path == "gemm"
    assert plan("forward", *shapes, S2, (True, False, None)).path == "direct_taps"
    assert plan("input_grad", *shapes, S2, (None, True, False)).path == "gemm"
    assert plan("weight_grad", *shapes, S2, (True, None, False)).path == "direct"
    got = plan("forward_and_weight_grad", *shapes, S2, (False, True, True))
    assert got == Plan("shared_gemm")
    # a short gy (a transposed convolution's output padding) keeps the columns
    assert plan("input_grad", *shapes, S2, F, gy_shape=(8, 16, 15, 16)).path == "gemm"


def test_limits_move_the_crossovers():
    # The thresholds are the plan's only constants: changing one moves its decision.
    shape, w_shape, g = (2, 16, 14, 14), (16, 16, 3, 3), G()
    assert plan("forward", shape, w_shape, g, F).path == "winograd"
    strict = dataclasses.replace(LIMITS, winograd_min_channels=17)
    assert plan("forward", shape, w_shape, g, F, limits=strict).path == "gemm"
    strict = dataclasses.replace(LIMITS, winograd_min_output_pixels=145)
    assert plan("forward", shape, w_shape, g, F, limits=strict).path == "gemm"
    strict = dataclasses.replace(LIMITS, winograd_min_tiles=73)  # 2 samples of 36 tiles
    assert plan("forward", shape, w_shape, g, F, limits=strict).path == "gemm"
    grouped = (8, 64, 16, 16), (64, 32, 3, 3), G(padding=1, groups=2)
    assert plan("forward", *grouped).path == "gemm"
    wider = dataclasses.replace(LIMITS, direct_max_group_channels=32)
    assert plan("forward", *grouped, limits=wider).path == "direct_wide"
    strided = (8, 64, 16, 16), (64, 4, 3, 3), G(stride=2, padding=1, groups=16)
    assert plan("forward", *strided).path == "gemm"
    wider = dataclasses.replace(LIMITS, direct_max_group_channels_strided=4)
    assert plan("forward", *strided, limits=wider).path == "direct"
    dense = (8, 3, 16, 16), (16, 3, 2, 2), G()
    assert plan("forward", *dense).path == "gemm"
    more = dataclasses.replace(LIMITS, direct_max_products=12)
    assert plan("forward", *dense, limits=more).path == "direct_wide"
    dense = (8, 12, 16, 16), (16, 12, 3, 3), G()
    assert plan("forward", *dense).path == "gemm"
    more = dataclasses.replace(LIMITS, direct_max_products_3x3=108)
    assert plan("forward", *dense, limits=more).path == "direct_wide"
    strided = (8, 2, 16, 16), (8, 2, 3, 3), G(stride=2)  # 18 products
    assert plan("weight_grad", *strided).path == "gemm"
    more = dataclasses.replace(LIMITS, batched_max_products=18)
    assert plan("weight_grad", *strided, limits=more).path == "batched"
    phases = (8, 16, 32, 32), (16, 16, 4, 4), S2
    assert plan("forward", *phases, F).path == "phases"
    limits = [{"phases_min_channels": 17}, {"phases_max_channels": 15}, {"phases_min_tiles": 513}]
    # (8 samples of 64 tiles)
    for limit in limits:
        strict = dataclasses.replace(LIMITS, **limit)
        assert plan("forward", *phases, F, limits=strict).path == "gemm"
    small = (64, 16, 4, 4), (32, 16, 3, 3), G(padding=1)  # 2**17 entries, waste 2.56
    assert plan("forward", *small, F).path == "dense"
    for limit in [{"dense_min_batch": 65}, {"dense_max_waste": 2.5}, {"dense_max_matrix": 1 << 16}]:
        strict = dataclasses.replace(LIMITS, **limit)
        assert plan("forward", *small, F, limits=strict).path == "gemm"
    columns = (1, 128, 7, 7), (128, 128, 3, 3), G(padding=1)  # junk 2 * 128 = 256
    assert plan("forward", *columns, F).path == "gemm_wide"
    for limit in [{"wide_max_junk_outputs": 256}, {"pipeline_min_batch": 1}]:
        strict = dataclasses.replace(LIMITS, **limit)
        assert plan("forward", *columns, F, limits=strict).path == "gemm"
    shared = (4, 64, 8, 8), (64, 64, 3, 3), G(padding=1)  # 256 columns, 36864 weights
    assert plan("forward", *shared, F).path == "gemm"
    for limit in [{"pipeline_min_columns": 257}, {"pipeline_max_weight": 36863}]:
        strict = dataclasses.replace(LIMITS, **limit)
        assert plan("forward", *shared, F, limits=strict).path == "gemm_wide"
        assert plan("weight_grad", *shared, F, limits=strict).path == "gemm_wide"
    narrow = (64, 3, 32, 32), (6, 3, 5, 5), G()
    assert plan("forward", *narrow).path == "direct_wide"
    assert plan("weight_grad", *narrow).path == "direct_one_pass"
    strict = dataclasses.replace(LIMITS, direct_max_out_channels=5)
    assert plan("forward", *narrow, limits=strict).path == "gemm"
    assert plan("weight_grad", *narrow, limits=strict).path == "gemm"


def test_few_output_channels_stand_in_while_the_direct_kernels_are_cold():
    narrow = (64, 3, 32, 32), (6, 3, 5, 5), G()
    cold = frozenset({"direct"})
    p = plan("forward", *narrow, cold=cold)
    assert (p.path, p.stand_in, p.instead) == ("gemm", True, "direct_wide")
    p = plan("weight_grad", *narrow, cold=cold)
    assert (p.path, p.stand_in, p.instead) == ("gemm", True, "direct_one_pass")
    # The input gradient takes the columns either way: nothing stands in for anything.
    p = plan("input_grad", *narrow, cold=cold)
    assert (p.path, p.stand_in, p.instead) == ("gemm", False, None)
    p = plan("backward", *narrow, cold=cold)
    assert (p.path, p.stand_in, p.instead) == ("separate", False, None)
    p = plan("backward", *narrow, output_mask=(False, True, True), cold=cold)
    assert (p.path, p.stand_in, p.instead) == ("separate", True, "direct_one_pass")


@pytest.mark.parametrize("product", ["forward", "input_grad", "weight_grad", "backward"])
def test_every_plan_names_a_path_the_drivers_run(product):
    # Every answer over a grid of shapes is a path of the drivers' tables (or a fused one).
    from autograd.kernels import _conv_drivers as drivers

    table = {
        "forward": drivers.FORWARD,
        "input_grad": drivers.INPUT_GRAD,
        "weight_grad": drivers.WEIGHT_GRAD,
        "backward": {"winograd": 0, "direct_one_pass": 0, "separate": 0},
    }[product]
    seen = set()
    for c, o, k, s, groups in [(1, 32, 3, 1, 1), (64, 64, 3, 1, 1), (64, 64, 3, 2, 1),
                               (64, 64, 1, 1, 1), (64, 64, 3, 1, 64), (64, 64, 3, 2, 64),
                               (64, 64, 3, 1, 4), (0, 4, 3, 1, 1), (2, 8, 2, 2, 1)]:  # fmt: skip
        for finite in [U, F, (False, False, False)]:
            g = G(stride=s, padding=k // 2, groups=groups)
            got = plan(product, (4, c, 16, 16), (o, c // groups, k, k), g, finite)
            assert got.path in table
            seen.add(got.path)
    assert len(seen) >= 3


def test_unknown_product():
    with pytest.raises(ValueError, match="unknown product"):
        plan("sideways", (1, 1, 3, 3), (1, 1, 1, 1), G())  # type: ignore[arg-type]
