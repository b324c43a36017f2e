"""Tests for autograd/ops/matrix.py and the autograd.linalg namespace beyond the registry's
checks: forward mode, PyTorch's namespaces, and named errors."""

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
JVP_OPS = ["inverse", "det", "slogdet", "logdet", "linalg.solve"]


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


@pytest.mark.parametrize("name", JVP_OPS)
@settings(
    max_examples=15, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_forward_mode_agrees_with_reverse_mode(name, data):
    check_jvp(name, data)


def test_linalg_namespace_matches_torch_names(torch):
    for name in ["det", "inv", "slogdet", "solve", "matrix_power"]:
        assert hasattr(autograd.linalg, name) and hasattr(torch.linalg, name), name
    assert autograd.linalg.inv is autograd.inverse
    assert "solve" not in dir(autograd)  # PyTorch keeps it in torch.linalg only


def test_solve_broadcasts_and_left_false_match_torch(torch):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 1, 3, 3)) + 4 * np.eye(3)
    b = rng.standard_normal((4, 3, 2))
    ours = autograd.linalg.solve(autograd.tensor(a), autograd.tensor(b))
    theirs = torch.linalg.solve(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    b2 = rng.standard_normal((2, 3))
    ours = autograd.linalg.solve(autograd.tensor(a[0, 0]), autograd.tensor(b2), left=False)
    theirs = torch.linalg.solve(torch.tensor(a[0, 0]), torch.tensor(b2), left=False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_logdet_of_negative_and_singular_matrices_match_torch(torch):
    for m in ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]]):
        ours = autograd.logdet(autograd.tensor(m)).item()
        theirs = torch.logdet(torch.tensor(m)).item()
        np.testing.assert_equal(ours, theirs)


def test_errors_are_named():
    with pytest.raises(ValueError, match="square"):
        autograd.det(autograd.ones(2, 3))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        autograd.inverse(autograd.ones(3))
    with pytest.raises(TypeError, match="floating point"):
        autograd.det(autograd.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="singular"):
        autograd.inverse(autograd.zeros(2, 2))
    with pytest.raises(ValueError, match="B needs 2 rows"):
        autograd.linalg.solve(autograd.eye(2), autograd.ones(3, 1))
    with pytest.raises(TypeError, match="n must be an integer"):
        autograd.matrix_power(autograd.eye(2), 1.5)
