"""Slow, obvious NumPy references for the convolution kernels, and a Hypothesis case strategy.

Loops over output channels, input channels and kernel taps, each tap a strided slice of the
zero-padded input; padded taps contribute nothing (not ``0 * inf``). Shared by the convolution
kernel test files.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def _tap(xpad, i, j, s, d, oh, ow):
    return xpad[..., i * d[0] : i * d[0] + s[0] * (oh - 1) + 1 : s[0], j * d[1] :][
        ..., : s[1] * (ow - 1) + 1 : s[1]
    ]


def _inside(x, p):
    # True at the entries of the padded planes that are x's own.
    return np.pad(np.ones(x.shape[2:], dtype=bool), ((p[0], p[0]), (p[1], p[1])))


def ref_forward(x, w, s, p, d, groups):
    N, C, H, W = x.shape
    O, cg, kh, kw = w.shape
    og = O // groups
    oh = (H + 2 * p[0] - d[0] * (kh - 1) - 1) // s[0] + 1
    ow = (W + 2 * p[1] - d[1] * (kw - 1) - 1) // s[1] + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    inside = _inside(x, p)
    y = np.zeros((N, O, oh, ow), dtype=np.float64)
    for o in range(O):
        for c in range(cg):
            cin = (o // og) * cg + c
            for i in range(kh):
                for j in range(kw):
                    tap = w[o, c, i, j] * _tap(xpad[:, cin], i, j, s, d, oh, ow)
                    y[:, o] += np.where(_tap(inside, i, j, s, d, oh, ow), tap, 0)
    return y


def ref_backward(x, w, gy, s, p, d, groups):
    N, C, H, W = x.shape
    O, cg, kh, kw = w.shape
    og = O // groups
    oh, ow = gy.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    inside = _inside(x, p)
    gxpad = np.zeros_like(xpad, dtype=np.float64)
    gw = np.zeros(w.shape, dtype=np.float64)
    for o in range(O):
        for c in range(cg):
            cin = (o // og) * cg + c
            for i in range(kh):
                for j in range(kw):
                    tap = gy[:, o] * _tap(xpad[:, cin], i, j, s, d, oh, ow)
                    gw[o, c, i, j] = np.sum(np.where(_tap(inside, i, j, s, d, oh, ow), tap, 0))
                    _tap(gxpad[:, cin], i, j, s, d, oh, ow)[...] += w[o, c, i, j] * gy[:, o]
    gx = gxpad[:, :, p[0] : p[0] + H, p[1] : p[1] + W]
    return gx, gw


def out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


@st.composite
def conv_case(draw, max_group_channels=3):
    groups = draw(st.integers(1, 3))
    cg = draw(st.integers(1, max_group_channels))
    og = draw(st.integers(1, max_group_channels))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # Input at least as large as the dilated kernel minus padding, so the output is non-empty.
    H = draw(st.integers(max(1, d[0] * (kh - 1) + 1 - 2 * p[0]), 9))
    W = draw(st.integers(max(1, d[1] * (kw - 1) + 1 - 2 * p[1]), 9))
    N = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, groups * cg, H, W))
    w = rng.standard_normal((groups * og, cg, kh, kw))
    gy = rng.standard_normal(
        (N, groups * og, out_size(H, kh, s[0], p[0], d[0]), out_size(W, kw, s[1], p[1], d[1]))
    )
    return x, w, gy, s, p, d, groups


def record_plans(monkeypatch):
    """The plans the convolution kernels run from now on, as (product, path) pairs in order.

    A plan that still lists operands to check is not run (it is made again with the answers),
    so it is left out.
    """
    from autograd.kernels import _conv_plan

    real = _conv_plan.plan
    seen = []

    def recording(product, *args, **kwargs):
        got = real(product, *args, **kwargs)
        if not got.check:
            seen.append((product, got.path))
        return got

    monkeypatch.setattr(_conv_plan, "plan", recording)
    return seen
