"""Tests of autograd/ops/loss.py: the fused cross-entropy against PyTorch (float64, every
combination of layout, class weights, ignore_index, reduction and label smoothing), stability at
logits of ±1e4 in float32, finite differences to second order, argument errors; mse_loss of an
empty input.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd

SHAPES = [(4,), (5, 3), (3, 4, 2), (2, 3, 2, 3)]


def _targets(shape, rng, ignore_index=None):
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else shape[:1] + shape[2:]
    t = rng.integers(0, c, size=tshape)
    if ignore_index is not None and t.size > 1:
        t.flat[0] = ignore_index  # one ignored, the rest counted
    return t


def _both(torch, x, t, **kwargs):
    """Loss and input gradient (for a random upstream) from us and from PyTorch."""
    rng = np.random.default_rng(0)
    weight = kwargs.pop("weight", None)
    xs = autograd.tensor(x, requires_grad=True)
    ours = autograd.cross_entropy(
        xs, autograd.tensor(t), None if weight is None else autograd.tensor(weight), **kwargs
    )
    xt = torch.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(
        xt, torch.tensor(t), None if weight is None else torch.tensor(weight), **kwargs
    )
    u = rng.standard_normal(ours.shape)
    (ours * autograd.tensor(u)).sum().backward()
    (theirs * torch.tensor(u)).sum().backward()
    return ours.detach().numpy(), xs.grad.numpy(), theirs.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_matches_torch(torch, shape, reduction, weighted, ignore_index, label_smoothing):
    rng = np.random.default_rng(1)
    c = shape[0] if len(shape) == 1 else shape[1]
    x = rng.standard_normal(shape) * 3
    t = _targets(shape, rng, ignore_index if ignore_index >= 0 else None)
    if t.size == 1 and t.item() == ignore_index:
        t = np.asarray((ignore_index + 1) % c)
    weight = rng.uniform(0.2, 2.0, c) if weighted else None
    mine, g, theirs, tg = _both(
        torch, x, t, weight=weight, ignore_index=ignore_index, reduction=reduction,
        label_smoothing=label_smoothing,
    )  # fmt: skip
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_all_targets_ignored(torch, reduction):
    x = np.random.default_rng(2).standard_normal((3, 4))
    t = np.full(3, -100)
    mine, g, theirs, tg = _both(torch, x, t, reduction=reduction, label_smoothing=0.1)
    np.testing.assert_allclose(mine, theirs)  # NaN for the mean, 0 for the sum
    assert np.isnan(mine) == (reduction == "mean")
    np.testing.assert_array_equal(g, np.zeros_like(x))
    np.testing.assert_allclose(g, np.nan_to_num(tg))


def test_stable_at_large_logits_float32(torch):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype=np.float32)
    t = np.array([1, 2, 0])
    for ls in (0.0, 0.2):
        xs = autograd.tensor(x, requires_grad=True)
        loss = autograd.cross_entropy(xs, autograd.tensor(t), label_smoothing=ls)
        loss.backward()
        xt = torch.tensor(x, requires_grad=True)
        tl = torch.nn.functional.cross_entropy(xt, torch.tensor(t), label_smoothing=ls)
        tl.backward()
        assert loss.dtype == np.float32 and xs.grad.dtype == np.float32
        assert np.isfinite(loss.item()) and np.isfinite(xs.grad.numpy()).all()
        np.testing.assert_allclose(loss.item(), tl.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_gradcheck_and_gradgradcheck(reduction, label_smoothing):
    rng = np.random.default_rng(3)
    x = autograd.tensor(rng.standard_normal((3, 4, 2)), requires_grad=True)
    t = autograd.tensor(np.array([[0, 1], [3, -100], [2, 2]]))
    w = autograd.tensor(rng.uniform(0.5, 2.0, 4))

    def f(x):
        return autograd.cross_entropy(x, t, w, reduction=reduction, label_smoothing=label_smoothing)

    assert autograd.gradcheck(f, [x])
    assert autograd.gradgradcheck(f, [x])


def test_graph_rule_equals_array_rule():
    rng = np.random.default_rng(4)
    x = autograd.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    t = autograd.tensor(np.array([0, 2, 1, -100, 2]))
    w = autograd.tensor(rng.uniform(0.5, 2.0, 3))
    loss = autograd.cross_entropy(x, t, w, label_smoothing=0.2)
    (fast,) = autograd.grad(loss, x, retain_graph=True)
    (graph,) = autograd.grad(loss, x, create_graph=True)
    assert graph.requires_grad
    np.testing.assert_allclose(fast.numpy(), graph.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_one_graph_node_and_input_unchanged():
    x = autograd.tensor(np.random.default_rng(5).standard_normal((4, 3)), requires_grad=True)
    before = x.detach().numpy().copy()
    loss = autograd.cross_entropy(x, autograd.tensor([0, 1, 2, 0]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn._next[0] is x
    assert np.array_equal(x.detach().numpy(), before)


# error, message, input (None: (3, 4) logits), target, keyword arguments of cross_entropy
CROSS_ENTROPY_ERRORS = [
    (ValueError, "target 4 is out of bounds for 4 classes", None, [0, 4, 1], {}),
    (ValueError, "target -1 is out of bounds", None, [0, -1, 1], {}),
    (TypeError, "integer dtype", None, [0.0, 1.0, 1.0], {}),
    (ValueError, r"expected target of shape \(3,\)", None, [0, 1], {}),
    (ValueError, "reduction must be one of", None, [0, 1, 2], {"reduction": "avg"}),
    (ValueError, "label_smoothing must be in", None, [0, 1, 2], {"label_smoothing": 1.5}),
    (ValueError, "weight should be a 1-D tensor of size 4", None, [0, 1, 2],
     {"weight": autograd.ones(3)}),
    (ValueError, "at least 1 dimension", 1.0, 0, {}),
    (TypeError, "floating-point", [[1, 2]], [0], {}),
]  # fmt: skip


@pytest.mark.parametrize("error, match, input, target, kwargs", CROSS_ENTROPY_ERRORS)
def test_errors(error, match, input, target, kwargs):
    x = autograd.randn(3, 4) if input is None else autograd.tensor(input)
    with pytest.raises(error, match=match):
        autograd.cross_entropy(x, autograd.tensor(target), **kwargs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_of_empty_input_matches_torch_to_second_order(torch, reduction):
    # The mean over no elements is NaN and its gradient the empty tensor, at every order.
    def run(lib, mse_loss):
        x = lib.zeros((0, 2), dtype=lib.float64).requires_grad_()
        t = lib.zeros((0, 2), dtype=lib.float64).requires_grad_()
        loss = mse_loss(x, t, reduction=reduction)
        gx, gt = lib.autograd.grad(loss.sum(), (x, t), create_graph=True)
        hx, ht = lib.autograd.grad((gx.sum() + gt.sum()), (x, t))
        return [v.detach().numpy() for v in (loss, gx, gt, hx, ht)]

    from nn.functional import mse_loss

    with np.errstate(invalid="ignore"):
        ours = run(autograd, mse_loss)
    theirs = run(torch, torch.nn.functional.mse_loss)
    for o, t in zip(ours, theirs, strict=True):
        assert o.shape == t.shape and o.dtype == t.dtype
        np.testing.assert_array_equal(o, t)
