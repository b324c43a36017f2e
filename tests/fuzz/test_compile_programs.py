"""Random programs of chained ops (see ``fuzz_programs``) through ``autograd.compile``: the
values and gradients of every replayed call equal those of the same program run eagerly.

Each program becomes a function of its input leaves (the statements after them are its body);
its later calls replay when its recordings agree, and run eagerly where a replay could not repeat
them (an input made inside the body, a value read into Python): either way they must match.
"""

from __future__ import annotations

import numpy as np
from fuzz_programs import Program, draw_program, namespace, render
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import autograd

PROGRAMS = max(settings().max_examples * 4, 40)


@st.composite
def programs(draw):
    return draw_program(draw)  # one ending in a statement numbagrad refuses is skipped below


def _as_function(program: Program):
    """The program's leaves, and a function of them running the rest, returning its float
    results."""
    leaf_lines = [ln for ln in program.lines if ln.split(" = ", 1)[0] in program.grad_inputs]
    body = [ln for ln in program.lines if ln not in leaf_lines]
    env = namespace("autograd")
    for line in leaf_lines:
        exec(line, env)  # noqa: S102
    leaves = [env[name] for name in program.grad_inputs]

    def fn(*xs):
        local = namespace("autograd")
        local.update(zip(program.grad_inputs, xs))
        for line in body:
            exec(line, local)  # noqa: S102
        names = [ln.split(" = ", 1)[0] for ln in body]
        outs = [local[n] for n in names if isinstance(local[n], autograd.Tensor)]
        return tuple(o for o in outs if o.dtype.kind == "f" and o.requires_grad)

    return leaves, fn


def _run(fn, leaves, weights):
    """Values of ``fn`` and the gradients of a fixed projection of them, as arrays."""
    for leaf in leaves:
        leaf.grad = None
    outs = fn(*leaves)
    total = sum((o * autograd.tensor(w, dtype=o.dtype)).sum() for o, w in zip(outs, weights))
    total.backward()
    grads = [None if leaf.grad is None else leaf.grad.numpy().copy() for leaf in leaves]
    return [o.detach().numpy().copy() for o in outs], grads


@settings(max_examples=PROGRAMS, deadline=None, suppress_health_check=list(HealthCheck))
@given(program=programs())
def test_compiled_programs_match_eager(program):
    note(render(program))
    leaves, fn = _as_function(program)
    if not leaves:
        return
    try:
        outs = fn(*leaves)
    except Exception:  # noqa: BLE001 - refused eagerly: nothing to compare
        return
    if not outs:
        return
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(o.shape) for o in outs]
    eager = _run(fn, leaves, weights)
    compiled = autograd.compile(fn)
    for _ in range(4):  # two recordings, then replays
        got = _run(compiled, leaves, weights)
        for ours, theirs in zip(got[0] + got[1], eager[0] + eager[1]):
            if theirs is None:
                assert ours is None
                continue
            tol = 1e-5 if theirs.dtype == np.float32 else 1e-12
            np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol, equal_nan=True)
