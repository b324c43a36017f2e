"""Hypothesis samples of the convolution ops for the op registry (see ``registry.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Sample


def _draw_conv(draw: Any, dtype: np.dtype, nd: int, transposed: bool) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    ints = st.integers
    groups = draw(st.sampled_from([1, 1, 2]))
    cg, og = draw(ints(1, 2)), draw(ints(1, 2 if groups == 1 else 1))
    n = draw(ints(1, 2))
    ks = tuple(draw(ints(1, 3)) for _ in range(nd))
    s = tuple(draw(ints(1, 2)) for _ in range(nd))
    d = tuple(draw(ints(1, 2)) for _ in range(nd))
    p = tuple(draw(ints(0, 1)) for _ in range(nd))
    kwargs: dict = {"stride": s, "padding": p, "dilation": d, "groups": groups}
    if transposed:
        spatial = tuple(draw(ints(1, 3)) for _ in range(nd))
        # Output padding must be below the stride or the dilation; the output must be non-empty.
        op_ = tuple(draw(ints(0, max(si, di) - 1)) for si, di in zip(s, d))
        size = [(n_ - 1) * si - 2 * pi + di * (k - 1) + o + 1
                for n_, si, pi, di, k, o in zip(spatial, s, p, d, ks, op_)]  # fmt: skip
        if min(size) < 1:
            kwargs["padding"] = 0
        kwargs["output_padding"] = op_
        x_shape = (n, cg * groups, *spatial)
        w_shape = (cg * groups, og, *ks)
        c_out = og * groups
    else:
        if draw(st.booleans()):
            kwargs["padding"] = draw(st.sampled_from(["same", "valid"]))
            if kwargs["padding"] == "same":
                kwargs["stride"] = 1
                s = (1,) * nd
        pad = kwargs["padding"]
        pv = (0,) * nd if isinstance(pad, str) else p
        lo = tuple(max(1, di * (k - 1) + 1 - 2 * pi) for di, k, pi in zip(d, ks, pv))
        spatial = tuple(draw(ints(lo_, max(lo_, 4 if nd == 2 else 5))) for lo_ in lo)
        x_shape = (n, cg * groups, *spatial)
        w_shape = (og * groups, cg, *ks)
        c_out = og * groups
    args = [draw(testing.arrays(x_shape, dtype)), draw(testing.arrays(w_shape, dtype))]
    if draw(st.booleans()):
        args.append(draw(testing.arrays((c_out,), dtype)))
    return Sample(tuple(args), kwargs)


def sample_conv1d(draw: Any, dtype: np.dtype) -> Sample:
    return _draw_conv(draw, dtype, 1, False)


def sample_conv2d(draw: Any, dtype: np.dtype) -> Sample:
    return _draw_conv(draw, dtype, 2, False)


def sample_conv_transpose1d(draw: Any, dtype: np.dtype) -> Sample:
    return _draw_conv(draw, dtype, 1, True)


def sample_conv_transpose2d(draw: Any, dtype: np.dtype) -> Sample:
    return _draw_conv(draw, dtype, 2, True)
