"""Tests of autograd/ops/normalization.py: fused batch/layer/group norm against PyTorch (float64,
forward and every gradient), running-statistics updates, finite differences to second order,
the create_graph rule against the array rule, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd

RTOL, ATOL = 1e-10, 1e-12


def _pair(torch, a: np.ndarray, requires_grad: bool = True):
    return (
        autograd.tensor(a.copy(), requires_grad=requires_grad),
        torch.tensor(a.copy(), requires_grad=requires_grad),
    )


def _check_grads(torch, ours, theirs, mine_leaves, their_leaves, seed=0):
    """Forward equal, and the gradients of <out, u> for a random ``u`` equal, leaf by leaf."""
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=RTOL, atol=ATOL)
    u = np.random.default_rng(seed).standard_normal(ours.shape)
    (ours * autograd.tensor(u)).sum().backward()
    (theirs * torch.tensor(u)).sum().backward()
    for i, (m, t) in enumerate(zip(mine_leaves, their_leaves)):
        np.testing.assert_allclose(
            m.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=f"grad of leaf {i}"
        )


def _affine_leaves(torch, rng, shape, affine, x, tx):
    """``(w, b, tw, tb)`` (all None unless ``affine``: weight in [0.5, 2), normal bias, ours
    and PyTorch's) and the leaves to compare, ``x`` first."""
    if not affine:
        return (None, None, None, None), [x], [tx]
    w, tw = _pair(torch, rng.uniform(0.5, 2, shape))
    b, tb = _pair(torch, rng.standard_normal(shape))
    return (w, b, tw, tb), [x, w, b], [tx, tw, tb]


# --------------------------------------------------------------------------- batch norm
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 2, 4, 5), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_torch(torch, shape, affine):
    rng = np.random.default_rng(1)
    c = shape[1]
    x, tx = _pair(torch, rng.standard_normal(shape) * 3 + 1)
    (w, b, tw, tb), leaves, tleaves = _affine_leaves(torch, rng, c, affine, x, tx)
    rm, trm = _pair(torch, rng.standard_normal(c), requires_grad=False)
    rv, trv = _pair(torch, rng.uniform(0.5, 2, c), requires_grad=False)
    out = autograd.batch_norm(x, rm, rv, w, b, True, 0.3, 1e-4)
    tout = torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, True, 0.3, 1e-4)
    # Running statistics: momentum 0.3, unbiased variance, as PyTorch.
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=RTOL, atol=ATOL)
    _check_grads(torch, out, tout, leaves, tleaves)


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4, 5)])
def test_batch_norm_eval_matches_torch(torch, shape):
    rng = np.random.default_rng(2)
    c = shape[1]
    x, tx = _pair(torch, rng.standard_normal(shape))
    w, tw = _pair(torch, rng.uniform(0.5, 2, c))
    b, tb = _pair(torch, rng.standard_normal(c))
    rm, trm = _pair(torch, rng.standard_normal(c), requires_grad=False)
    rv, trv = _pair(torch, rng.uniform(0.5, 2, c), requires_grad=False)
    before = rm.numpy().copy(), rv.numpy().copy()
    out = autograd.batch_norm(x, rm, rv, w, b, False, 0.1, 1e-5)
    tout = torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, False, 0.1, 1e-5)
    _check_grads(torch, out, tout, [x, w, b], [tx, tw, tb])
    assert np.array_equal(rm.numpy(), before[0]) and np.array_equal(rv.numpy(), before[1])


def test_batch_norm_running_stats_bump_version_and_work_under_no_grad():
    x = autograd.tensor(np.arange(12.0).reshape(4, 3))
    rm, rv = autograd.zeros(3, dtype=autograd.float64), autograd.ones(3, dtype=autograd.float64)
    v0 = rm._version
    with autograd.no_grad():
        out = autograd.batch_norm(x, rm, rv, training=True, momentum=1.0)
    assert rm._version == v0 + 1 and out.grad_fn is None
    np.testing.assert_allclose(rm.numpy(), x.numpy().mean(0))
    np.testing.assert_allclose(rv.numpy(), x.numpy().var(0, ddof=1))


def test_batch_norm_saved_input_changed_in_place_is_detected():
    x = autograd.tensor(np.random.default_rng(0).standard_normal((4, 2)), requires_grad=True)
    h = x * 1.0
    out = autograd.batch_norm(h, None, None, training=True)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        out.sum().backward()


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gradcheck_and_gradgradcheck(training, affine):
    rng = np.random.default_rng(3)
    x = autograd.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    leaves = [x]
    w = b = None
    if affine:
        w = autograd.tensor(rng.uniform(0.5, 2, 2), requires_grad=True)
        b = autograd.tensor(rng.standard_normal(2), requires_grad=True)
        leaves += [w, b]
    rm = autograd.tensor(rng.standard_normal(2), requires_grad=not training)
    rv = autograd.tensor(rng.uniform(0.5, 2, 2), requires_grad=not training)
    if training:
        rm = rv = None
    else:
        leaves += [rm, rv]

    def f(*args):
        it = iter(args[1:])
        ww = next(it) if affine else None
        bb = next(it) if affine else None
        m = rm if training else next(it)
        v = rv if training else next(it)
        return autograd.batch_norm(args[0], m, v, ww, bb, training, 0.1, 1e-3)

    assert autograd.gradcheck(f, leaves)
    assert autograd.gradgradcheck(f, leaves)


def test_batch_norm_graph_rule_equals_array_rule():
    rng = np.random.default_rng(4)
    x = autograd.tensor(rng.standard_normal((4, 3, 5)), requires_grad=True)
    w = autograd.tensor(rng.uniform(0.5, 2, 3), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(3), requires_grad=True)
    u = autograd.tensor(rng.standard_normal((4, 3, 5)))
    out = autograd.batch_norm(x, None, None, w, b, True)
    fast = autograd.grad(out, [x, w, b], u, retain_graph=True)
    graph = autograd.grad(out, [x, w, b], u, create_graph=True)
    for a, g in zip(fast, graph):
        np.testing.assert_allclose(a.numpy(), g.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_float32_stays_float32_and_non_contiguous_input():
    x = np.random.default_rng(5).standard_normal((6, 4, 3)).astype(np.float32)
    xt = autograd.tensor(x[:, ::2], requires_grad=True)  # strided view
    out = autograd.batch_norm(xt, None, None, training=True)
    assert out.dtype == np.float32
    out.sum().backward()
    assert xt.grad.dtype == np.float32 and np.abs(xt.grad.numpy()).max() < 1e-4


def test_batch_norm_errors():
    x = autograd.randn(4, 3)
    with pytest.raises(ValueError, match="batch_norm: weight must have shape"):
        autograd.batch_norm(x, None, None, autograd.ones(2), training=True)
    with pytest.raises(TypeError, match="batch_norm: bias has dtype float64"):
        autograd.batch_norm(x, None, None, None, autograd.zeros(3, dtype=autograd.float64), True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        autograd.batch_norm(autograd.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        autograd.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"batch_norm: expected an input of shape \(N, C"):
        autograd.batch_norm(autograd.randn(3), None, None, training=True)
    with pytest.raises(TypeError, match="floating point"):
        autograd.batch_norm(autograd.tensor([[1, 2], [3, 4]]), None, None, training=True)
    rm = autograd.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="running_mean requires grad"):
        autograd.batch_norm(x, rm, autograd.ones(3), training=True)
    assert np.array_equal(rm.detach().numpy(), np.zeros(3))  # nothing changed


# --------------------------------------------------------------------------- layer norm
@pytest.mark.parametrize(
    "shape, ns", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,)), ((2, 1, 3), (3,))]
)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(torch, shape, ns, affine):
    rng = np.random.default_rng(6)
    x, tx = _pair(torch, rng.standard_normal(shape) * 2 - 1)
    (w, b, tw, tb), leaves, tleaves = _affine_leaves(torch, rng, ns, affine, x, tx)
    out = autograd.layer_norm(x, ns, w, b, 1e-4)
    tout = torch.nn.functional.layer_norm(tx, ns, tw, tb, 1e-4)
    _check_grads(torch, out, tout, leaves, tleaves)


def test_layer_norm_gradgradcheck_and_bias_only():
    rng = np.random.default_rng(7)
    x = autograd.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = autograd.tensor(rng.uniform(0.5, 2, 4), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(4), requires_grad=True)
    assert autograd.gradgradcheck(lambda x, w, b: autograd.layer_norm(x, 4, w, b), [x, w, b])
    assert autograd.gradgradcheck(lambda x, b: autograd.layer_norm(x, 4, None, b), [x, b])


def test_layer_norm_errors():
    x = autograd.randn(2, 3)
    with pytest.raises(ValueError, match="does not end with normalized_shape"):
        autograd.layer_norm(x, (2,))
    with pytest.raises(ValueError, match="does not end with normalized_shape"):
        autograd.layer_norm(x, ())
    with pytest.raises(ValueError, match="layer_norm: weight must have shape"):
        autograd.layer_norm(x, 3, autograd.ones(2))
    with pytest.raises(TypeError, match="layer_norm: input must be a Tensor"):
        autograd.layer_norm(np.ones((2, 3)), 3)


def test_layer_norm_empty_input_gives_empty_output():
    x = autograd.zeros(0, 3, requires_grad=True)
    out = autograd.layer_norm(x, 3, autograd.ones(3, requires_grad=True))
    assert out.shape == (0, 3)
    out.sum().backward()
    assert x.grad.shape == (0, 3)


# --------------------------------------------------------------------------- group norm
@pytest.mark.parametrize("shape, groups", [((2, 4), 2), ((3, 6, 5), 3), ((2, 4, 3, 2), 1),
                                           ((2, 4, 3, 2), 4)])  # fmt: skip
def test_group_norm_matches_torch(torch, shape, groups):
    rng = np.random.default_rng(8)
    c = shape[1]
    x, tx = _pair(torch, rng.standard_normal(shape))
    w, tw = _pair(torch, rng.uniform(0.5, 2, c))
    b, tb = _pair(torch, rng.standard_normal(c))
    out = autograd.group_norm(x, groups, w, b, 1e-4)
    tout = torch.nn.functional.group_norm(tx, groups, tw, tb, 1e-4)
    _check_grads(torch, out, tout, [x, w, b], [tx, tw, tb])


def test_group_norm_gradgradcheck_and_graph_rule():
    rng = np.random.default_rng(9)
    x = autograd.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    w = autograd.tensor(rng.uniform(0.5, 2, 4), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(4), requires_grad=True)
    assert autograd.gradgradcheck(lambda x, w, b: autograd.group_norm(x, 2, w, b), [x, w, b])
    out = autograd.group_norm(x, 2, w, b)
    u = autograd.tensor(rng.standard_normal(out.shape))
    fast = autograd.grad(out, [x, w, b], u, retain_graph=True)
    graph = autograd.grad(out, [x, w, b], u, create_graph=True)
    for a, g in zip(fast, graph):
        np.testing.assert_allclose(a.numpy(), g.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_group_norm_errors():
    x = autograd.randn(2, 6)
    with pytest.raises(ValueError, match=r"num_groups \(4\) must be positive and divide"):
        autograd.group_norm(x, 4)
    with pytest.raises(TypeError, match="num_groups must be an int"):
        autograd.group_norm(x, 2.0)
    with pytest.raises(ValueError, match="group_norm: weight must have shape"):
        autograd.group_norm(x, 2, autograd.ones(3))
