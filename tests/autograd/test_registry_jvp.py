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

import functools
import importlib
import pkgutil
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
import autograd.forward_ad as fwAD
import autograd.ops
import nn
from autograd import testing
from autograd.function import Function
from autograd.ops import REGISTRY
from autograd.utils.checkpoint import checkpoint

GRAD_NAMES = sorted(n for n, info in REGISTRY.items() if info.gradcheck)
GRADGRAD_NAMES = sorted(n for n, info in REGISTRY.items() if info.gradgradcheck and info.gradcheck)

_BUDGET = settings(
    max_examples=min(settings().max_examples, 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)  # fmt: skip


def _each_op(names: list[str]):
    """Run the decorated test on each named registry op, on a few drawn examples."""

    def decorate(test):
        return pytest.mark.parametrize("name", names)(_BUDGET(given(data=st.data())(test)))

    return decorate


LIBRARY_PACKAGES = ("autograd", "nn", "optim")


def _library_functions(prefix: str = "") -> list[type]:
    """Every Function subclass the library packages define (the ops' table rows included) whose
    module is under ``prefix``: each module is imported, and a class counts when its module
    holds it by name (a class defined in a docstring example or a test does not)."""
    for name in LIBRARY_PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    found, seen, todo = [], set(), list(Function.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        module = sys.modules.get(cls.__module__)
        if cls in seen or module is None or not cls.__module__.startswith(prefix):
            continue
        seen.add(cls)
        in_library = cls.__module__.split(".")[0] in LIBRARY_PACKAGES
        if in_library and getattr(module, cls.__qualname__, None) is cls:
            found.append(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def _concrete(classes: list[type]) -> list[type]:
    """The Functions one can apply: those with a forward and a backward of their own."""
    return [
        c
        for c in classes
        if c.forward is not Function.forward and c.backward is not Function.backward
    ]


def test_every_library_function_declares_a_jvp_rule():
    functions = _concrete(_library_functions())
    outside = [c for c in functions if not c.__module__.startswith("autograd.ops.")]
    assert len(functions) > 80 and len(outside) >= 5  # the walk does find them
    missing = [f"{c.__module__}.{c.__qualname__}" for c in functions if not hasattr(c, "jvp")]
    assert not missing, f"library Functions without a forward-mode rule (jvp): {missing}"


def test_the_walk_would_report_a_function_without_a_rule(monkeypatch):
    import nn.layers.linear

    class NoRule(Function):
        forward = staticmethod(lambda ctx, x: x)
        backward = staticmethod(lambda ctx, g: g)

    assert NoRule not in _library_functions()  # defined here, not in the library
    NoRule.__module__, NoRule.__qualname__ = "nn.layers.linear", "NoRule"
    monkeypatch.setattr(nn.layers.linear, "NoRule", NoRule, raising=False)
    assert NoRule in _concrete(_library_functions()) and not hasattr(NoRule, "jvp")


def _draw(data, name):
    info = REGISTRY[name]
    with testing.avoiding_kinks():
        sample = info.sample(data.draw, np.float64)
    call = testing.OpCall(info.fn, *sample.args, kwargs=sample.kwargs)
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    return call, np.random.default_rng(seed)


def _each_differentiable_draw(names: list[str]):
    """Run the decorated ``test(name, call, rng, leaves, outs)`` on each named registry op's
    drawn calls: ``outs`` are the call's float outputs that require grad. A draw without leaves
    or without such outputs has nothing to check and passes."""

    def decorate(test):
        def run(name, data):
            call, rng = _draw(data, name)
            leaves = call.leaves
            outs = [o for o in _float_outputs(call(*leaves)) if o.requires_grad]
            if leaves and outs:
                test(name, call, rng, leaves, outs)

        run.__name__ = run.__qualname__ = test.__name__
        return _each_op(names)(run)

    return decorate


def _float_outputs(out) -> list:
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, autograd.Tensor) and o.dtype.kind == "f"]


def _dot(a, b) -> float:
    """The sum of the elementwise product of two arrays or Tensors; None counts as zero."""
    if a is None or b is None:
        return 0.0
    a, b = (x.numpy() if isinstance(x, autograd.Tensor) else np.asarray(x) for x in (a, b))
    return float(np.sum(a * b))


def _tangents(duals) -> list:
    return [None if d is None else fwAD.unpack_dual(d).tangent for d in duals]


def _assert_close(lhs: float, rhs: float, scale: float, what: str) -> None:
    tol = 1e-7 * max(1.0, scale)
    assert abs(lhs - rhs) <= tol, f"{what}: forward mode gives {lhs!r}, reverse mode {rhs!r}"


@_each_op(GRAD_NAMES)
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
    lhs = sum(_dot(u, t) for u, t in zip(us, tangents))

    outs = _float_outputs(call(*leaves))
    pairs = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    rhs, scale = 0.0, abs(lhs)
    if pairs:
        cotangents = [autograd.tensor(u) for _, u in pairs]
        grads = autograd.grad([o for o, _ in pairs], leaves, cotangents, allow_unused=True)
        terms = [_dot(g, v) for g, v in zip(grads, vs)]
        rhs, scale = sum(terms), max(scale, *(abs(t) for t in terms))
    _assert_close(lhs, rhs, scale, f"{name} <u, J v> vs <J^T u, v>")


@_each_differentiable_draw(GRADGRAD_NAMES)
def test_forward_over_reverse_agrees_with_reverse_over_reverse(name, call, rng, leaves, outs):
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
        rhs = sum(_dot(h, v) for h, v in zip(second, vs))

    # Forward over reverse: the tangent of g in direction v, against w.
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x.detach().requires_grad_(), autograd.tensor(v))
                 for x, v in zip(leaves, vs)]  # fmt: skip
        outs = [o for o in _float_outputs(call(*duals)) if o.requires_grad]
        tangents = _tangents(autograd.grad(outs, duals, us, create_graph=True, allow_unused=True))
    lhs = sum(_dot(w, t) for w, t in zip(ws, tangents))
    _assert_close(lhs, rhs, max(abs(lhs), abs(rhs)), f"{name} <w, H v> vs <H w, v>")


@_each_differentiable_draw(GRADGRAD_NAMES)
def test_tangent_of_the_cotangent_runs_the_backward_ops_rules(name, call, rng, leaves, outs):
    # g(u) = J^T u is linear in u: its tangent in the direction of u's tangent t is J^T t. This
    # runs the jvp rules of the ops that backward passes record on u (IndexScatter,
    # MaxPoolScatter, AvgPoolBackward, ...).
    us = [rng.standard_normal(o.shape) for o in outs]
    ts = [autograd.tensor(rng.standard_normal(o.shape)) for o in outs]
    expected = autograd.grad(outs, leaves, ts, retain_graph=True, allow_unused=True)
    with fwAD.dual_level():
        duals = [fwAD.make_dual(autograd.tensor(u), t) for u, t in zip(us, ts)]
        tangents = _tangents(autograd.grad(outs, leaves, duals, create_graph=True,
                                           allow_unused=True))  # fmt: skip
    for e, t in zip(expected, tangents):
        # No tangent means a zero one (a constant gradient, as for piecewise-constant ops).
        e = np.zeros(0) if e is None else e.numpy()
        t = np.zeros_like(e) if t is None else t.numpy()
        if not e.size:
            assert not np.any(t)
        else:
            np.testing.assert_allclose(t, e, rtol=1e-9, atol=1e-12, err_msg=name)


def _jvp_against_vjp(fn, xs, rng, recorded=True, what="<u, J v> vs <J^T u, v>") -> None:
    """<u, J v> in forward mode equals <J^T u, v> in reverse mode for ``fn`` at the leaves ``xs``,
    with (``recorded``) or without a graph being recorded while forward mode runs."""
    vs = [rng.standard_normal(x.shape) for x in xs]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x.detach().requires_grad_(recorded), autograd.tensor(v))
                 for x, v in zip(xs, vs)]  # fmt: skip
        tangent = fwAD.unpack_dual(fn(*duals)).tangent
    out = fn(*xs)
    u = rng.standard_normal(out.shape)
    grads = autograd.grad(out, xs, autograd.tensor(u))
    rhs = sum(_dot(g, v) for g, v in zip(grads, vs))
    assert tangent is not None
    _assert_close(_dot(u, tangent), rhs, abs(rhs), what)


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
    _jvp_against_vjp(fn, xs, rng, recorded, "outside the registry")


def test_floor_divide_has_no_derivative_in_either_mode():
    with fwAD.dual_level():
        d = fwAD.make_dual(autograd.tensor([3.0]), autograd.ones(1))
        with pytest.raises(RuntimeError, match="floor_divide: the derivative"):
            autograd.floor_divide(d, 2.0)


def _hooked_linear(x):
    autograd.manual_seed(0)
    layer = nn.Linear(3, 2).double()
    layer.register_full_backward_pre_hook(lambda m, g: None)
    layer.register_full_backward_hook(lambda m, gi, go: None)
    return layer(x.reshape(-1, 3)).tanh()


def _checkpointed(x, use_reentrant):
    autograd.manual_seed(0)  # the same dropout mask for both passes of the check
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.5), nn.Linear(4, 2)).double()
    return checkpoint(net, x.reshape(-1, 3).sin(), use_reentrant=use_reentrant) * x.sum()


def _resample_adjoint(x):
    # The cotangent y * y depends on x, so the gradient's tangent runs the adjoint's rule.
    y = nn.functional.interpolate(
        x.reshape(1, 2, 3), scale_factor=2, mode="linear", align_corners=False
    )
    (g,) = autograd.grad(y, x, y * y, create_graph=True)
    return g


def _sync_batchnorm(x):
    import autograd.distributed as dist
    from nn.layers.sync_batchnorm import _global_moments, _SyncBatchNormFunction

    x = x.reshape(3, 2)
    weight, bias = x[0] * 2, x[1].exp()
    mean, var, count = _global_moments(x.detach().numpy(), dist.group.WORLD)
    invstd = 1.0 / np.sqrt(var + 1e-5)
    return _SyncBatchNormFunction.apply(x, weight, bias, mean, invstd, count, dist.group.WORLD)


def _compiled_replay(x):
    # Two calls record, the third replays: the replay's forward-mode rule against its backward.
    f = autograd.compile(lambda y: (y.sin() * y.exp()).cumsum(0) * y.sum() + y.detach())
    for _ in range(2):
        f(x)
    return f(x)


OUTSIDE_THE_OPS = {
    "compiled_replay": _compiled_replay,
    "hooks": _hooked_linear,
    "checkpoint_reentrant": functools.partial(_checkpointed, use_reentrant=True),
    "checkpoint": functools.partial(_checkpointed, use_reentrant=False),
    "resample_adjoint": _resample_adjoint,
    "sync_batchnorm": _sync_batchnorm,
}


@pytest.fixture
def one_process_world():
    pytest.importorskip("mpi4py")
    import autograd.distributed as dist

    dist.init_process_group("mpi", world_size=1, rank=0)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_every_library_function_outside_the_ops_has_a_checked_rule(monkeypatch, one_process_world):
    # Each case's forward mode agrees with its reverse mode in float64; together the cases run
    # the jvp rule of every Function the library defines outside autograd.ops.
    ran: set[type] = set()
    for cls in _library_functions():
        if not cls.__module__.startswith("autograd.ops.") and "jvp" in cls.__dict__:
            rule = cls.__dict__["jvp"].__func__

            def recorded(ctx, *args, _rule=rule, **kwargs):
                ran.add(ctx._fn)  # the class applied, which may inherit the rule
                return _rule(ctx, *args, **kwargs)

            monkeypatch.setattr(cls, "jvp", staticmethod(recorded))
    rng = np.random.default_rng(0)
    for name, fn in OUTSIDE_THE_OPS.items():
        try:
            x = autograd.tensor(rng.uniform(0.5, 1.5, 6), requires_grad=True)
            _jvp_against_vjp(fn, [x], rng)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
    outside = {
        c for c in _concrete(_library_functions()) if not c.__module__.startswith("autograd.ops.")
    }
    unchecked = sorted(f"{c.__module__}.{c.__qualname__}" for c in outside - ran)
    assert not unchecked, f"no case here runs the jvp rule of {unchecked}"
