"""Forward mode for every registered op: no per-op code here.

* Every differentiable primitive (each ``Function`` of ``autograd.ops``) declares a jvp rule.
* Each registered op's jvp rules agree with its vjp rules in float64 on drawn inputs:
  ``<u, J v>`` computed in forward mode equals ``<J^T u, v>`` computed in reverse mode, for random
  ``u`` and ``v``.
* Second order: the tangent of a reverse-mode gradient (forward-over-reverse, what ``hvp`` uses)
  equals reverse-over-reverse, ``<w, H v> == <H w, v>``; this runs the jvp rules of the
  Functions that backward passes record (``ProdBackward``, ``Conv2dInputGrad``, ...).

Inputs are drawn away from kinks and ties (``testing.avoiding_kinks``), where both sides are
defined by the same derivative. A few examples per op keep the file quick.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
import autograd.forward_ad as fwAD
import autograd.ops
from autograd import testing
from autograd.function import Function
from autograd.ops import REGISTRY

GRAD_NAMES = sorted(n for n, info in REGISTRY.items() if info.gradcheck)
GRADGRAD_NAMES = sorted(n for n, info in REGISTRY.items() if info.gradgradcheck and info.gradcheck)

_BUDGET = settings(
    max_examples=min(settings().max_examples, 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)  # fmt: skip


def _primitives() -> list[type]:
    """Every Function subclass defined in the library's ops (the table rows included)."""
    for info in pkgutil.iter_modules(autograd.ops.__path__):
        importlib.import_module(f"autograd.ops.{info.name}")
    found, todo = [], list(Function.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("autograd.ops."):
            found.append(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def test_every_primitive_declares_a_jvp_rule():
    primitives = _primitives()
    assert len(primitives) > 80  # the walk does find the ops
    missing = [f"{c.__module__}.{c.__qualname__}" for c in primitives if not hasattr(c, "jvp")]
    assert not missing, f"primitives without a forward-mode rule (jvp): {missing}"


def test_the_walk_would_report_a_primitive_without_a_rule():
    class NoRule(Function):
        forward = staticmethod(lambda ctx, x: x)
        backward = staticmethod(lambda ctx, g: g)

    NoRule.__module__ = "autograd.ops.example"
    try:
        assert NoRule in _primitives() and not hasattr(NoRule, "jvp")
    finally:
        NoRule.__module__ = __name__


def _draw(data, name):
    info = REGISTRY[name]
    with testing.avoiding_kinks():
        sample = info.sample(data.draw, np.float64)
    call = testing.OpCall(info.fn, *sample.args, kwargs=sample.kwargs)
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    return call, np.random.default_rng(seed)


def _float_outputs(out) -> list:
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, autograd.Tensor) and o.dtype.kind == "f"]


def _dot(a, b) -> float:
    return 0.0 if a is None or b is None else float(np.sum(np.asarray(a) * np.asarray(b)))


def _assert_close(lhs: float, rhs: float, scale: float, what: str) -> None:
    tol = 1e-7 * max(1.0, scale)
    assert abs(lhs - rhs) <= tol, f"{what}: forward mode gives {lhs!r}, reverse mode {rhs!r}"


@pytest.mark.parametrize("name", GRAD_NAMES)
@_BUDGET
@given(data=st.data())
def test_jvp_agrees_with_vjp(name, data):
    call, rng = _draw(data, name)
    leaves = call.leaves
    if not leaves:
        return
    vs = [rng.standard_normal(x.shape) for x in leaves]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x.detach(), autograd.tensor(v)) for x, v in zip(leaves, vs)]
        outs = _float_outputs(call(*duals))
        tangents = [fwAD.unpack_dual(o).tangent for o in outs]
    us = [rng.standard_normal(o.shape) for o in outs]
    lhs = sum(_dot(u, None if t is None else t.numpy()) for u, t in zip(us, tangents))

    outs = _float_outputs(call(*leaves))
    pairs = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    rhs, scale = 0.0, abs(lhs)
    if pairs:
        cotangents = [autograd.tensor(u) for _, u in pairs]
        grads = autograd.grad([o for o, _ in pairs], leaves, cotangents, allow_unused=True)
        terms = [_dot(None if g is None else g.numpy(), v) for g, v in zip(grads, vs)]
        rhs, scale = sum(terms), max(scale, *(abs(t) for t in terms))
    _assert_close(lhs, rhs, scale, f"{name} <u, J v> vs <J^T u, v>")


@pytest.mark.parametrize("name", GRADGRAD_NAMES)
@_BUDGET
@given(data=st.data())
def test_forward_over_reverse_agrees_with_reverse_over_reverse(name, data):
    call, rng = _draw(data, name)
    leaves = call.leaves
    outs = [o for o in _float_outputs(call(*leaves)) if o.requires_grad]
    if not leaves or not outs:
        return
    us = [autograd.tensor(rng.standard_normal(o.shape)) for o in outs]
    vs = [rng.standard_normal(x.shape) for x in leaves]
    ws = [rng.standard_normal(x.shape) for x in leaves]

    # Reverse over reverse: <d/dx <g(x), w>, v> with g = J^T u.
    grads = autograd.grad(outs, leaves, us, create_graph=True, allow_unused=True)
    used = [(g, w) for g, w in zip(grads, ws) if g is not None and g.requires_grad]
    rhs = 0.0
    if used:
        s = sum((g * autograd.tensor(w)).sum() for g, w in used)
        second = autograd.grad(s, leaves, allow_unused=True)
        rhs = sum(_dot(None if h is None else h.numpy(), v) for h, v in zip(second, vs))

    # Forward over reverse: the tangent of g in direction v, against w.
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x.detach().requires_grad_(), autograd.tensor(v))
                 for x, v in zip(leaves, vs)]  # fmt: skip
        outs = [o for o in _float_outputs(call(*duals)) if o.requires_grad]
        grads = autograd.grad(outs, duals, us, create_graph=True, allow_unused=True)
        tangents = [None if g is None else fwAD.unpack_dual(g).tangent for g in grads]
    lhs = sum(_dot(w, None if t is None else t.numpy()) for w, t in zip(ws, tangents))
    _assert_close(lhs, rhs, max(abs(lhs), abs(rhs)), f"{name} <w, H v> vs <H w, v>")


@pytest.mark.parametrize("name", GRADGRAD_NAMES)
@_BUDGET
@given(data=st.data())
def test_tangent_of_the_cotangent_runs_the_backward_ops_rules(name, data):
    # g(u) = J^T u is linear in u: its tangent in the direction of u's tangent t is J^T t. This
    # runs the jvp rules of the ops that backward passes record on u (IndexScatter,
    # MaxPoolScatter, AvgPoolBackward, ...).
    call, rng = _draw(data, name)
    leaves = call.leaves
    outs = [o for o in _float_outputs(call(*leaves)) if o.requires_grad]
    if not leaves or not outs:
        return
    us = [rng.standard_normal(o.shape) for o in outs]
    ts = [autograd.tensor(rng.standard_normal(o.shape)) for o in outs]
    expected = autograd.grad(outs, leaves, ts, retain_graph=True, allow_unused=True)
    with fwAD.dual_level():
        duals = [fwAD.make_dual(autograd.tensor(u), t) for u, t in zip(us, ts)]
        grads = autograd.grad(outs, leaves, duals, create_graph=True, allow_unused=True)
        tangents = [None if g is None else fwAD.unpack_dual(g).tangent for g in grads]
    for e, t in zip(expected, tangents):
        # No tangent means a zero one (a constant gradient, as for piecewise-constant ops).
        e = np.zeros(0) if e is None else e.numpy()
        t = np.zeros_like(e) if t is None else t.numpy()
        if not e.size:
            assert not np.any(t)
        else:
            np.testing.assert_allclose(t, e, rtol=1e-9, atol=1e-12, err_msg=name)


def _index_put(x, v):
    y = x * 1
    y[1:] = v[1:] * 2
    return y


def _in_place_on_a_view(x, v):
    y = x * 1
    y[:2].mul_(v[:2])
    return y


def _copy(x, v):
    y = x * 1
    y.copy_(v.exp())
    return y * x


@pytest.mark.parametrize("fn", [
    _index_put, _in_place_on_a_view, _copy,
    lambda x, v: x.to(autograd.float32).to(autograd.float64) * v,
    lambda x, v: autograd.div(x, v, rounding_mode="floor") + x * v,
    lambda x, v: autograd.div(x, v, rounding_mode="trunc") + x * v,
], ids=["setitem", "inplace_view", "copy_", "to", "div_floor", "div_trunc"])  # fmt: skip
@pytest.mark.parametrize("recorded", [False, True])
def test_primitives_outside_the_registry(fn, recorded):
    # Ops the registry does not draw (writes, casts, rounding division): <u, J v> both ways,
    # with and without a graph being recorded while forward mode runs.
    rng = np.random.default_rng(0)
    xs = [autograd.tensor(rng.uniform(0.5, 2.0, 3), requires_grad=True) for _ in range(2)]
    vs = [rng.standard_normal(3) for _ in xs]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x.detach().requires_grad_(recorded), autograd.tensor(v))
                 for x, v in zip(xs, vs)]  # fmt: skip
        tangent = fwAD.unpack_dual(fn(*duals)).tangent
    out = fn(*xs)
    u = rng.standard_normal(out.shape)
    grads = autograd.grad(out, xs, autograd.tensor(u), allow_unused=True)
    rhs = sum(_dot(None if g is None else g.numpy(), v) for g, v in zip(grads, vs))
    assert tangent is not None
    _assert_close(_dot(u, tangent.numpy()), rhs, abs(rhs), "outside the registry")


def test_floor_divide_has_no_derivative_in_either_mode():
    with fwAD.dual_level():
        d = fwAD.make_dual(autograd.tensor([3.0]), autograd.ones(1))
        with pytest.raises(RuntimeError, match="floor_divide: the derivative"):
            autograd.floor_divide(d, 2.0)
