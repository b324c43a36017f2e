"""Forward mode checked against reverse mode for any registered op (shared by the linalg and
the ops tests): ``w . (J u) == (J^T w) . u`` on a registry sample.

A test module holds the check as ``test_forward_mode_agrees_with_reverse_mode =
forward_mode_test(names)``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd
import autograd.forward_ad as fwAD
from autograd import testing
from autograd.ops import REGISTRY

SHAPE_HELPERS = (
    "Reshape:",
    "Expand:",
    "Squeeze:",
    "Unsqueeze:",
    "Transpose:",
    "Swapaxes:",
    "Permute:",
)


def check_jvp(name: str, data) -> None:
    """The forward-mode tangent ``J u`` agrees with reverse mode: ``w . (J u) == (J^T w) . u``."""
    info = REGISTRY[name]
    with testing.avoiding_kinks():
        sample = info.sample(data.draw, np.dtype(np.float64))
    rng = np.random.default_rng(0)
    args = [autograd.tensor(a) if isinstance(a, np.ndarray) else a for a in sample.args]
    floats = [i for i, a in enumerate(sample.args)
              if isinstance(a, np.ndarray) and a.dtype.kind == "f"]  # fmt: skip
    us = {i: rng.standard_normal(sample.args[i].shape) for i in floats}
    with fwAD.dual_level():
        duals = list(args)
        for i in floats:
            duals[i] = fwAD.make_dual(args[i], autograd.tensor(us[i]))
        try:
            out = info.fn(*duals, **sample.kwargs)
        except RuntimeError as e:
            # Only a shape helper's missing rule may stop the draw, never the op's own.
            assume(not str(e).startswith(SHAPE_HELPERS))
            raise
        outs = out if isinstance(out, tuple) else (out,)
        tangents = [fwAD.unpack_dual(o).tangent for o in outs]
    leaves = [a.requires_grad_() if i in floats else a for i, a in enumerate(args)]
    out = info.fn(*leaves, **sample.kwargs)
    outs = [o for o in (out if isinstance(out, tuple) else (out,))]
    ws = [rng.standard_normal(o.shape) for o in outs]
    pairs = [(o, w, t) for o, w, t in zip(outs, ws, tangents) if o.requires_grad]
    grads = autograd.grad([o for o, _, _ in pairs], [leaves[i] for i in floats],
                          [autograd.tensor(w) for _, w, _ in pairs], allow_unused=True)  # fmt: skip
    lhs = sum(float((w * (0 if t is None else t.numpy())).sum()) for _, w, t in pairs)
    rhs = sum(float((g.numpy() * us[i]).sum()) for g, i in zip(grads, floats) if g is not None)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-7, atol=1e-9, err_msg=f"{name}: jvp vs vjp")


# Fifteen draws an op; a registry sample can be slow to draw or filtered away.
JVP_SETTINGS = settings(
    max_examples=15, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


def forward_mode_test(names: list[str]):
    """A test running ``check_jvp`` on each named op."""

    @pytest.mark.parametrize("name", names)
    @JVP_SETTINGS
    @given(data=st.data())
    def test_forward_mode_agrees_with_reverse_mode(name, data):
        check_jvp(name, data)

    return test_forward_mode_agrees_with_reverse_mode
