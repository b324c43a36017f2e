"""Masked backward rules select, they do not multiply by a 0/1 mask.

For every registered op declared ``masked=True`` Hypothesis draws a call, finds which outputs do
not depend on which input entries (an entry nudged by a small step leaves those outputs exactly
unchanged: clamp's saturated entries, the loser of maximum, the ignored targets of
cross_entropy, ...), and backpropagates an upstream gradient holding inf or NaN at some outputs.
Every input entry that none of the poisoned outputs depends on must get exactly the gradient it
gets when those outputs carry 0: the inf/NaN must not leak (``inf * 0`` is NaN). With PyTorch
installed the poisoned gradients must also equal PyTorch's, NaN for NaN.

The fixed cases at the end are written out by hand, so they run without PyTorch too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch_reference import to_torch, torch_fn

import autograd
import nn
from autograd import testing
from autograd.ops import REGISTRY

MASKED = sorted(n for n in REGISTRY if REGISTRY[n].masked)
NUDGE = 1e-4  # far below the distance the samplers keep from kinks (5e-2) unless on one

_settings = settings(
    max_examples=min(settings().max_examples, 15),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)  # fmt: skip


def _draw(data, name, smooth=False):
    info = REGISTRY[name]
    if smooth:
        with testing.avoiding_kinks():
            sample = info.sample(data.draw, np.float64)
    else:
        sample = info.sample(data.draw, np.float64)
    return testing.OpCall(info.fn, *sample.args, kwargs=sample.kwargs)


def _float_outputs(out) -> list:
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, autograd.Tensor) and o.requires_grad]


def _values(call, leaves) -> np.ndarray:
    with autograd.no_grad():
        outs = _float_outputs_nograd(call(*leaves))
    return np.concatenate([o.numpy().ravel() for o in outs]) if outs else np.zeros(0)


def _float_outputs_nograd(out) -> list:
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, autograd.Tensor) and o.dtype.kind == "f"]


def _dependence(call) -> list[np.ndarray]:
    """Per leaf: a bool array (outputs, entries), True where nudging the entry moves the output."""
    base = _values(call, call.leaves)
    result = []
    for k, leaf in enumerate(call.leaves):
        dep = np.zeros((base.size, leaf.numel()), bool)
        for i in range(leaf.numel()):
            for step in (NUDGE, -NUDGE):
                arr = leaf.detach().numpy().copy()
                arr.reshape(-1)[i] += step
                leaves = list(call.leaves)
                leaves[k] = autograd.tensor(arr, requires_grad=True)
                moved = _values(call, leaves)
                dep[:, i] |= ~((moved == base) | (np.isnan(moved) & np.isnan(base)))
        result.append(dep)
    return result


def _upstream(data, outs) -> tuple[list, list, np.ndarray]:
    """Finite upstream gradients, the same with poison (inf or NaN) at some outputs, and the
    poisoned positions (flattened over all outputs)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    sizes = [o.numel() for o in outs]
    total = sum(sizes)
    poisoned = np.array(data.draw(st.lists(st.booleans(), min_size=total, max_size=total)))
    poison = data.draw(st.sampled_from([math.inf, -math.inf, math.nan]), label="poison")
    clean, bad, start = [], [], 0
    for o, n in zip(outs, sizes):
        u = rng.standard_normal(n)
        p = poisoned[start : start + n]
        clean.append(np.where(p, 0.0, u).reshape(o.shape))
        bad.append(np.where(p, poison, u).reshape(o.shape))
        start += n
    return clean, bad, poisoned


def _grads(outs, leaves, upstream) -> list[np.ndarray]:
    gs = autograd.grad(outs, leaves, [autograd.tensor(u) for u in upstream],
                       retain_graph=True, allow_unused=True)  # fmt: skip
    return [np.zeros(x.shape) if g is None else g.numpy() for g, x in zip(gs, leaves)]


def test_masked_ops_are_declared():
    expected = {
        "clamp", "hardtanh", "relu6", "hardsigmoid", "hardswish", "threshold", "relu", "maximum",
        "minimum", "max", "min", "where", "masked_fill", "cross_entropy",
    }  # fmt: skip
    assert expected <= set(MASKED), f"not declared masked: {sorted(expected - set(MASKED))}"


@pytest.mark.parametrize("name", MASKED)
@_settings
@given(data=st.data())
def test_poisoned_upstream_does_not_leak(name, data):
    # Drawn away from kinks and special values: a factor that is 0 by value (a prelu weight of
    # 0) multiplies in PyTorch too; what is checked here is the masking by comparisons.
    call = _draw(data, name, smooth=True)
    outs = _float_outputs(call())
    if not call.leaves or not outs:
        return
    deps = _dependence(call)
    # A constant op (cross_entropy over one class is 0) has a zero gradient by arithmetic, not
    # by a mask: (p - 1) * inf is NaN in PyTorch too.
    assume(any(dep.any() for dep in deps))
    clean, bad, poisoned = _upstream(data, outs)
    reach = [dep[poisoned].any(axis=0) for dep in deps]
    g_clean = _grads(outs, call.leaves, clean)
    g_bad = _grads(outs, call.leaves, bad)
    for k, (gc, gb, r) in enumerate(zip(g_clean, g_bad, reach)):
        free = ~r.reshape(gc.shape)
        np.testing.assert_array_equal(
            gb[free], gc[free],
            err_msg=f"{name}: input {k} entries no poisoned output depends on got inf/NaN",
        )  # fmt: skip


@pytest.mark.parametrize("name", [n for n in MASKED if REGISTRY[n].torch is not None])
@_settings
@given(data=st.data())
def test_poisoned_upstream_matches_torch(name, data, torch):
    info = REGISTRY[name]
    call = _draw(data, name)
    outs = _float_outputs(call())
    if not call.leaves or not outs:
        return
    _, bad, _ = _upstream(data, outs)
    t_leaves: list = []
    t_args = to_torch(torch, call.args, t_leaves)
    t_kwargs = to_torch(torch, call.kwargs, t_leaves)
    t_out = torch_fn(torch, info)(*t_args, **t_kwargs)
    t_outs = [t for t in (t_out if isinstance(t_out, (tuple, list)) else (t_out,))
              if t.dtype.is_floating_point]  # fmt: skip
    theirs = torch.autograd.grad(t_outs, t_leaves, [torch.from_numpy(u) for u in bad],
                                 allow_unused=True)  # fmt: skip
    mine = _grads(outs, call.leaves, bad)
    for k, (g, tg) in enumerate(zip(mine, theirs)):
        tg = np.zeros(g.shape) if tg is None else tg.numpy()
        # Where the poison reaches, inf against NaN is a matter of operation order.
        finite = np.isfinite(tg)
        assert not np.isfinite(g[~finite]).any(), f"{name}: input {k} finite where torch is not"
        np.testing.assert_allclose(
            g[finite], tg[finite], rtol=1e-7, atol=1e-12,
            err_msg=f"{name}: gradient of input {k} with an inf/NaN upstream vs torch",
        )  # fmt: skip


# --------------------------------------------------------------------- hand-computed cases
INF, NAN = math.inf, math.nan


def _grad_of(fn, x, upstream, dtype=autograd.float32):
    t = autograd.tensor(x, dtype=dtype, requires_grad=True)
    fn(t).backward(autograd.tensor(upstream, dtype=dtype))
    return t.grad.numpy()


@pytest.mark.parametrize(
    "fn, x, upstream, expected",
    [
        (lambda t: t.clamp(-1, 1), [2.0, 0.0, -3.0], [INF, 1.0, NAN], [0.0, 1.0, 0.0]),
        (autograd.hardtanh, [2.0, 0.5], [INF, 2.0], [0.0, 2.0]),
        (autograd.relu6, [7.0, 3.0, -1.0], [INF, 1.0, NAN], [0.0, 1.0, 0.0]),
        (autograd.hardsigmoid, [-5.0, 5.0, 0.0], [INF, NAN, 6.0], [0.0, 0.0, 1.0]),
        (autograd.hardswish, [-5.0, 5.0], [INF, 1.0], [0.0, 1.0]),
        (lambda t: autograd.threshold(t, 0.5, -1.0), [0.0, 1.0], [INF, 1.0], [0.0, 1.0]),
        (autograd.relu, [-2.0, 0.0, 1.0], [INF, NAN, 1.0], [0.0, 0.0, 1.0]),
        (lambda t: t.masked_fill(autograd.tensor([True, False]), 0.0), [1.0, 2.0], [INF, 3.0],
         [0.0, 3.0]),
        (lambda t: autograd.maximum(t, autograd.zeros(3)), [-1.0, 1.0, 0.0], [INF, 1.0, 4.0],
         [0.0, 1.0, 2.0]),
        (lambda t: autograd.minimum(t, autograd.zeros(2)), [1.0, -1.0], [NAN, 1.0], [0.0, 1.0]),
        (lambda t: t.max(dim=1).values, [[1.0, 5.0], [7.0, 2.0]], [INF, 1.0],
         [[0.0, INF], [1.0, 0.0]]),
        (lambda t: t.min(dim=0).values, [[1.0, 5.0], [7.0, 2.0]], [1.0, NAN],
         [[1.0, 0.0], [0.0, NAN]]),
        (lambda t: autograd.where(t > 0, t, autograd.zeros(2)), [1.0, -1.0], [2.0, INF],
         [2.0, 0.0]),
    ],
)  # fmt: skip
def test_poisoned_upstream_by_hand(fn, x, upstream, expected):
    np.testing.assert_array_equal(_grad_of(fn, x, upstream), np.array(expected, np.float32))


def test_max_of_all_elements_selects_and_splits_ties():
    x = autograd.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward(autograd.tensor(INF))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, INF, INF])
    x = autograd.tensor([NAN, 1.0, NAN], requires_grad=True)  # NaN is the maximum: NaNs share
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.0, 0.5])


def test_maximum_with_nan_gives_both_sides_the_gradient():
    # Neither a < b nor a > b holds: PyTorch passes the gradient to both.
    a = autograd.tensor([NAN, 1.0], requires_grad=True)
    b = autograd.tensor([1.0, NAN], requires_grad=True)
    autograd.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_clamp_tensor_bounds_follow_pytorch_at_equal_and_crossed_bounds():
    x = autograd.tensor([0.0, 1.0, 2.0], requires_grad=True)
    lo = autograd.tensor([1.0, 1.0, 1.0], requires_grad=True)
    hi = autograd.tensor([1.0, 1.0, 1.0], requires_grad=True)
    autograd.clamp(x, lo, hi).sum().backward()
    # min == max: below it neither bound gets the gradient, above it max does.
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(lo.grad.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi.grad.numpy(), [0.0, 0.0, 1.0])
    lo2 = autograd.tensor([2.0, 2.0, 2.0], requires_grad=True)
    hi2 = autograd.tensor([1.0, 1.0, 1.0], requires_grad=True)
    autograd.clamp(x.detach(), lo2, hi2).sum().backward()  # min > max: the result is max
    np.testing.assert_array_equal(lo2.grad.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi2.grad.numpy(), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_ignored_row_of_minus_inf_logits(reduction):
    # PyTorch: loss 0.3711 (mean); the counted row's gradient is finite, the ignored row's
    # logits get softmax * 0, NaN for a row of -inf.
    x = autograd.tensor([[0.2, 1.0], [-INF, -INF]], requires_grad=True)
    target = autograd.tensor([1, -100])
    loss = autograd.cross_entropy(x, target, reduction=reduction)
    p = 1 / (1 + math.exp(0.8))  # softmax([0.2, 1.0])[0]
    expected = {"mean": -math.log(1 - p), "sum": -math.log(1 - p)}.get(reduction)
    if expected is None:
        np.testing.assert_allclose(loss.detach().numpy(), [-math.log(1 - p), 0.0], rtol=1e-6)
        loss.backward(autograd.tensor([1.0, INF]))
    else:
        np.testing.assert_allclose(loss.item(), expected, rtol=1e-6)
        loss.backward()
    np.testing.assert_allclose(x.grad.numpy()[0], [p, -p], rtol=1e-5)
    assert np.isnan(x.grad.numpy()[1]).all()


def test_cross_entropy_ignored_rows_take_no_poison():
    x = autograd.tensor([[0.2, 1.0], [3.0, -1.0]], requires_grad=True)
    loss = autograd.cross_entropy(x, autograd.tensor([1, -100]), reduction="none")
    loss.backward(autograd.tensor([1.0, INF]))
    np.testing.assert_array_equal(x.grad.numpy()[1], [0.0, 0.0])


def test_nll_loss_skips_ignored_rows_of_nan():
    x = autograd.tensor([[0.2, 1.0], [-INF, -INF]], requires_grad=True)
    loss = nn.functional.nll_loss(autograd.log_softmax(x, 1), autograd.tensor([1, -100]))
    p = 1 / (1 + math.exp(0.8))
    np.testing.assert_allclose(loss.item(), -math.log(1 - p), rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy()[0], [p, -p], rtol=1e-5)


def test_binary_cross_entropy_of_saturated_sigmoid_has_finite_gradient():
    # float32 sigmoid(20) rounds to exactly 1.0: PyTorch floors x (1 - x) at 1e-12.
    z = autograd.tensor([20.0, 0.0], requires_grad=True)
    p = z.sigmoid()
    assert p.detach().numpy()[0] == 1.0
    for t, loss_value in (([1.0, 0.0], 0.34657359), ([0.0, 0.0], 50.34657359)):
        z.grad = None
        loss = nn.functional.binary_cross_entropy(z.sigmoid(), autograd.tensor(t))
        np.testing.assert_allclose(loss.item(), loss_value, rtol=1e-6)
        loss.backward()
        np.testing.assert_allclose(z.grad.numpy(), [0.0, 0.25], atol=1e-7)


def test_binary_cross_entropy_target_gradient_and_checks():
    x = autograd.tensor([0.25, 0.5], dtype=autograd.float64, requires_grad=True)
    t = autograd.tensor([1.0, 0.0], dtype=autograd.float64, requires_grad=True)
    autograd.binary_cross_entropy(x, t, reduction="sum").backward()
    np.testing.assert_allclose(t.grad.numpy(), [math.log(3.0), 0.0], atol=1e-12)  # -logit(x)
    np.testing.assert_allclose(x.grad.numpy(), [(0.25 - 1) / (0.75 * 0.25), 2.0])
    with pytest.raises(ValueError, match="target should be between 0 and 1"):
        autograd.binary_cross_entropy(x, autograd.tensor([1.5, 0.0], dtype=autograd.float64))
    with pytest.raises(ValueError, match="weight of shape"):
        autograd.binary_cross_entropy(x, t.detach(), weight=autograd.ones(3))


def test_binary_cross_entropy_matches_torch_at_saturation(torch):
    z = np.array([20.0, -20.0, 0.0, 30.0], np.float32)
    t = np.array([0.0, 1.0, 0.5, 1.0], np.float32)
    w = np.array([1.0, 2.0, 0.5, 1.0], np.float32)
    ours = autograd.tensor(z, requires_grad=True)
    theirs = torch.tensor(z, requires_grad=True)
    lo = nn.functional.binary_cross_entropy(ours.sigmoid(), autograd.tensor(t), autograd.tensor(w))
    lt = torch.nn.functional.binary_cross_entropy(theirs.sigmoid(), torch.tensor(t),
                                                  torch.tensor(w))  # fmt: skip
    np.testing.assert_allclose(lo.item(), lt.item(), rtol=1e-6)
    lo.backward()
    lt.backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-7)
