"""Every registered op, checked the same way: no per-op code here.

For each entry of ``autograd.ops.REGISTRY`` Hypothesis draws a call with the op's sampler, then:

* forward against the op's NumPy ``ref`` (float64), and float32 inputs give float32 outputs;
* ``gradcheck`` and ``gradgradcheck`` in float64, on inputs drawn away from kinks and ties
  (``testing.avoiding_kinks``), where finite differences are valid;
* forward and input gradients against PyTorch, on inputs that do hit kinks and ties, so the
  conventions there (relu'(0) = 0, ties split evenly, ...) are PyTorch's.

Float arrays in a sample become tensors that require grad, sometimes laid out as non-contiguous
views. Example budgets are capped per op (the registry holds ~150 ops); the profile in
``tests/conftest.py`` sets the rest.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_reference import to_torch as _to_torch
from torch_reference import torch_fn as _torch_fn

import autograd
from autograd import testing
from autograd.ops import REGISTRY

NAMES = sorted(REGISTRY)
TORCH_NAMES = [n for n in NAMES if REGISTRY[n].torch is not None]
GRAD_NAMES = [n for n in NAMES if REGISTRY[n].gradcheck]
GRADGRAD_NAMES = [n for n in NAMES if REGISTRY[n].gradgradcheck]

_PROFILE_EXAMPLES = settings().max_examples

# Forward tolerances in float64 (the gradient checks use each op's own atol/rtol).
FWD_RTOL, FWD_ATOL = 1e-6, 1e-8


def _budget(cap: int) -> settings:
    return settings(
        max_examples=min(_PROFILE_EXAMPLES, cap),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )  # fmt: skip


def _draw_call(data, info, dtype, smooth: bool = False) -> testing.OpCall:
    if smooth:
        with testing.avoiding_kinks():
            sample = info.sample(data.draw, dtype)
    else:
        sample = info.sample(data.draw, dtype)
    contiguous = data.draw(st.booleans(), label="contiguous")
    return testing.OpCall(info.fn, *sample.args, kwargs=sample.kwargs, contiguous=contiguous)


def _outputs(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _float_outputs(out) -> list:
    return [
        o for o in _outputs(out)
        if isinstance(o, autograd.Tensor) and o.dtype.kind == "f" and o.requires_grad
    ]  # fmt: skip


# --------------------------------------------------------------------------------- forward
@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRY[n].ref is not None])
@_budget(20)
@given(data=st.data())
def test_forward_matches_reference(name, data):
    info = REGISTRY[name]
    call = _draw_call(data, info, np.float64)
    expected = info.ref(*testing._copies(call.args), **testing._copies(call.kwargs))
    before = [t.detach().numpy().copy() for t in call.leaves]
    out = call()
    testing.check_forward(out, expected, atol=FWD_ATOL, rtol=FWD_RTOL, what=name)
    for i, (t, b) in enumerate(zip(call.leaves, before)):
        assert np.array_equal(t.detach().numpy(), b), f"{name}: changed its input {i}"


@pytest.mark.parametrize("name", NAMES)
@_budget(10)
@given(data=st.data())
def test_float32_in_float32_out(name, data):
    info = REGISTRY[name]
    call = _draw_call(data, info, np.float32)
    out = call()
    if not call.leaves:
        return
    assert all(t.dtype == np.float32 for t in call.leaves), "sampler ignored the dtype"
    for j, o in enumerate(_outputs(out)):
        if isinstance(o, autograd.Tensor) and o.dtype.kind == "f":
            assert o.dtype == np.float32, f"{name}: output {j} is {o.dtype} for float32 inputs"


# ------------------------------------------------------------------------ gradient checks
def _check_derivatives(check, name, data):
    """``check`` (gradcheck or gradgradcheck) of the op on a smooth float64 sample."""
    info = REGISTRY[name]
    call = _draw_call(data, info, np.float64, smooth=True)
    if call.leaves:
        check(call, call.leaves, atol=info.atol, rtol=info.rtol)


@pytest.mark.parametrize("name", GRAD_NAMES)
@_budget(25)
@given(data=st.data())
def test_gradcheck(name, data):
    _check_derivatives(autograd.gradcheck, name, data)


@pytest.mark.parametrize("name", GRADGRAD_NAMES)
@_budget(10)
@given(data=st.data())
def test_gradgradcheck(name, data):
    _check_derivatives(autograd.gradgradcheck, name, data)


# ------------------------------------------------------------------------------ PyTorch
def _np(x):
    if isinstance(x, autograd.Tensor):
        return x.detach().numpy()
    if hasattr(x, "detach"):
        return x.detach().numpy()
    return np.asarray(x)


@pytest.mark.parametrize("name", TORCH_NAMES)
@_budget(20)
@given(data=st.data())
def test_matches_torch(name, data, torch):
    info = REGISTRY[name]
    call = _draw_call(data, info, np.float64)
    out = _outputs(call())
    t_leaves: list = []
    t_args = _to_torch(torch, call.args, t_leaves)
    t_kwargs = _to_torch(torch, call.kwargs, t_leaves)
    t_out = _outputs(_torch_fn(torch, info)(*t_args, **t_kwargs))
    assert len(out) == len(t_out), f"{name}: {len(out)} outputs, torch gives {len(t_out)}"
    ties = getattr(info, "nondeterministic_ties", False)
    for j, (o, t) in enumerate(zip(out, t_out)):
        mine, theirs = _np(o), _np(t)
        assert mine.shape == theirs.shape, f"{name}: output {j} shape {mine.shape} vs torch's"
        if ties and mine.dtype.kind != "f":
            continue  # which of several equal elements an index points to is unspecified
        np.testing.assert_allclose(
            mine, theirs, rtol=FWD_RTOL, atol=FWD_ATOL, err_msg=f"{name}: output {j} vs torch"
        )
    if not call.leaves or ties:
        return
    pairs = [
        (o, t) for o, t in zip(out, t_out)
        if isinstance(o, autograd.Tensor) and o.dtype.kind == "f" and o.requires_grad
    ]  # fmt: skip
    if not pairs:
        return
    upstream = [np.random.default_rng(j).standard_normal(o.shape) for j, (o, _) in enumerate(pairs)]
    mine = autograd.grad(
        [o for o, _ in pairs], call.leaves, [autograd.tensor(u) for u in upstream],
        allow_unused=True,
    )  # fmt: skip
    t_pairs = [(t, u) for (_, t), u in zip(pairs, upstream) if t.requires_grad]
    theirs = [None] * len(t_leaves)
    if t_pairs:
        try:
            theirs = torch.autograd.grad(
                [t for t, _ in t_pairs], t_leaves, [torch.from_numpy(u) for _, u in t_pairs],
                allow_unused=True,
            )  # fmt: skip
        except RuntimeError:
            return  # torch cannot differentiate this call (e.g. scatter with a larger src)
    for i, (g, tg, x) in enumerate(zip(mine, theirs, call.leaves)):
        g = np.zeros(x.shape) if g is None else _np(g)
        tg = np.zeros(x.shape) if tg is None else _np(tg)
        np.testing.assert_allclose(
            g, tg, rtol=FWD_RTOL, atol=FWD_ATOL, err_msg=f"{name}: gradient of input {i} vs torch"
        )


# ------------------------------------------------------------------ the harness itself
def test_registry_is_not_empty():
    assert len(NAMES) >= 30
