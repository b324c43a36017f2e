"""Tests for autograd/ops/resize.py: ``interpolate`` in mode "nearest".

Forward against a slow loop written here, forward and gradients against PyTorch for drawn
sizes and scale factors, gradcheck/gradgradcheck, float32 against float64, bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd as ag

# The torch fixture only imports torch; nothing in it needs resetting between examples.
_TORCH = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

FACTORS = st.sampled_from([0.25, 0.5, 0.7, 1.0, 4 / 3, 1.5, 2.0, 2.5, 3.0, 1 / 3])


def ref_nearest(x, out, scales):
    """Output index i of an axis reads min(floor(i * scale), n - 1), in float32 as PyTorch."""
    spatial = x.shape[2:]
    y = np.empty(x.shape[:2] + tuple(out), x.dtype)
    for idx in np.ndindex(*out):
        src = []
        for i, n, o, sc in zip(idx, spatial, out, scales):
            if o == n:
                src.append(i)
            elif o == 2 * n:
                src.append(i // 2)
            else:
                scale = np.float32(1.0 / sc) if sc else np.float32(n) / np.float32(o)
                src.append(min(int(math.floor(np.float32(i) * scale)), n - 1))
        y[(slice(None), slice(None), *idx)] = x[(slice(None), slice(None), *src)]
    return y


@st.composite
def calls(draw):
    """(x shape, kwargs) for a 3-D or 4-D input, by size or by scale factor."""
    nd = draw(st.sampled_from([1, 2]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)))
    shape += tuple(draw(st.integers(1, 7)) for _ in range(nd))
    if draw(st.booleans()):
        size = tuple(draw(st.integers(1, 12)) for _ in range(nd))
        return shape, {"size": size if nd == 2 or draw(st.booleans()) else size[0]}
    factors = tuple(draw(FACTORS) for _ in range(nd))
    factors = tuple(f if math.floor(n * f) >= 1 else 2.0 for n, f in zip(shape[2:], factors))
    kwargs = {"scale_factor": factors if len(set(factors)) > 1 else factors[0]}
    if draw(st.booleans()):
        kwargs["recompute_scale_factor"] = True
    return shape, kwargs


def _expected(x, kwargs):
    nd = x.ndim - 2
    if "size" in kwargs:
        size = kwargs["size"]
        out = size if isinstance(size, tuple) else (size,) * nd
        return ref_nearest(x, out, (None,) * nd)
    sf = kwargs["scale_factor"]
    sf = sf if isinstance(sf, tuple) else (sf,) * nd
    out = tuple(math.floor(n * f) for n, f in zip(x.shape[2:], sf))
    return ref_nearest(x, out, (None,) * nd if kwargs.get("recompute_scale_factor") else sf)


@given(call=calls(), seed=st.integers(0, 2**16))
def test_matches_loop_reference(call, seed):
    shape, kwargs = call
    x = np.random.default_rng(seed).standard_normal(shape)
    np.testing.assert_array_equal(
        ag.interpolate(ag.tensor(x), **kwargs).numpy(), _expected(x, kwargs)
    )


@_TORCH
@given(call=calls(), seed=st.integers(0, 2**16))
def test_matches_torch(torch, call, seed):
    shape, kwargs = call
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    xt, tx = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ag.interpolate(xt, **kwargs), torch.nn.functional.interpolate(tx, **kwargs)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    g = rng.standard_normal(y.shape)
    y.backward(ag.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), atol=1e-12)


def test_upsampling_by_two_repeats_pixels():
    x = ag.arange(4.0).reshape(1, 1, 2, 2)
    y = ag.interpolate(x, scale_factor=2)
    np.testing.assert_array_equal(
        y.numpy()[0, 0], np.repeat(np.repeat(x.numpy()[0, 0], 2, 0), 2, 1)
    )


@settings(max_examples=min(settings().max_examples, 10))
@given(call=calls(), seed=st.integers(0, 2**16))
def test_gradcheck_and_gradgradcheck(call, seed):
    shape, kwargs = call
    x = ag.tensor(
        np.random.default_rng(seed).standard_normal((1, 1, *shape[2:])), requires_grad=True
    )

    def f(t):
        return ag.interpolate(t, **kwargs)

    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


@given(call=calls(), seed=st.integers(0, 2**16))
def test_float32_matches_float64(call, seed):
    shape, kwargs = call
    x = np.random.default_rng(seed).standard_normal(shape)
    grads = []
    for dtype in (np.float32, np.float64):
        t = ag.tensor(x.astype(dtype), requires_grad=True)
        y = ag.interpolate(t, **kwargs)
        assert y.dtype == dtype
        y.backward(ag.ones(*y.shape, dtype=dtype))
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "exactly one of size and scale_factor"),
        ({"size": 2, "scale_factor": 2.0}, "exactly one"),
        ({"size": 2, "mode": "bilinear"}, "supported modes"),
        ({"size": (2, 2, 2)}, "must have 2 entries"),
        ({"size": 0}, "sizes should be greater than 0"),
        ({"scale_factor": -1.0}, "sizes should be greater than 0"),
        ({"scale_factor": 0.1}, "output size \\(0, 0\\)"),
        ({"size": 2, "align_corners": True}, "align_corners"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ag.interpolate(ag.ones(1, 1, 4, 4), **kwargs)


def test_wrong_ndim():
    with pytest.raises(ValueError, match="interpolate: expected 3-D"):
        ag.interpolate(ag.ones(4, 4), size=2)
