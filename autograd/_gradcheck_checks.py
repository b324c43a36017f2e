"""The checks :func:`autograd.gradcheck` runs on the derivatives of ``_gradcheck_derivs``.

Each check returns an error message, or None when it passes; a crash of backward or of forward
mode raises GradcheckError. Messages name the input, the output and the values compared.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._gradcheck_derivs import (
    backward_jacobians,
    check_grads,
    flat64,
    forward_jacobians,
    forward_tangents,
    index,
    is_float,
    numerical_jacobians,
    numerical_jvps,
    vjp,
)
from .random import Generator
from .tensor import Tensor


def jacobian_mismatch(
    a: np.ndarray,
    num: np.ndarray,
    i: int,
    j: int,
    out: Tensor,
    in_shape: tuple,
    atol: float,
    rtol: float,
    kind: str = "analytical",
) -> str | None:
    """Where ``|a - num| <= atol + rtol * |num|`` fails, a message naming the worst element.

    ``kind`` names how ``a`` was computed: ``"analytical"`` (backward) or ``"forward-mode"``.
    """
    diff = np.abs(a - num)
    ok = diff <= atol + rtol * np.abs(num)  # False wherever a NaN is involved
    if ok.all():
        return None
    excess = np.where(ok, -np.inf, np.nan_to_num(diff - rtol * np.abs(num), nan=np.inf))
    k_in, k_out = np.unravel_index(int(np.argmax(excess)), excess.shape)
    where = f"d(output {j}{index(k_out, out.shape)}) / d(input {i}{index(k_in, in_shape)})"
    note = ""
    if not out.requires_grad and np.any(num):
        note = " (output does not require grad but changes with the input)"
    head = "Jacobian" if kind == "analytical" else f"{kind} Jacobian"
    msg = (
        f"gradcheck: {head} mismatch for output {j} with respect to input {i}{note}.\n"
        f"worst element {where}: {kind} {a[k_in, k_out]:.10g}, numerical "
        f"{num[k_in, k_out]:.10g} (atol={atol}, rtol={rtol})"
    )
    if a.size <= 64:
        msg += f"\n{kind}:\n{a}\nnumerical:\n{num}"
    return msg


def first_mismatch(
    jac: list, numerical: list, diff_idx: list[int], outputs: tuple, inputs: tuple,
    atol: float, rtol: float, kind: str = "analytical",
) -> str | None:  # fmt: skip
    """The message for the first (input, output) pair whose Jacobians disagree."""
    for n, i in enumerate(diff_idx):
        for j, out in enumerate(outputs):
            a, num = jac[n][j], numerical[n][j]
            if a is None or num is None:
                continue
            msg = jacobian_mismatch(a, num, i, j, out, inputs[i].shape, atol, rtol, kind)
            if msg:
                return msg
    return None


def nondeterminism(
    first: tuple, second: tuple, inputs: list, diff_idx: list[int], j: int, nondet_tol: float
) -> str | None:
    """Two backward calls with the same upstream gradient must agree within ``nondet_tol``."""
    for g1, g2, x, i in zip(first, second, inputs, diff_idx):
        a1, a2 = flat64(g1, x.shape), flat64(g2, x.shape)
        if a1.size and not np.max(np.abs(a1 - a2)) <= nondet_tol:
            return (
                f"gradcheck: backward is not reproducible: two identical backward calls from "
                f"output {j} gave gradients for input {i} differing by "
                f"{np.max(np.abs(a1 - a2)):.3e} > nondet_tol={nondet_tol}"
            )
    return None


def vjp_consistency(
    out: Tensor, j: int, inputs: list, diff_idx: list[int], jac: list, nondet_tol: float
) -> str | None:
    """Backward with a random upstream gradient, twice: it must be reproducible (within
    ``nondet_tol``) and equal to that vector times the Jacobian built row by row."""
    v = Generator(1234 + j).standard_normal(out.shape).astype(out.dtype)
    first = vjp(out, inputs, Tensor._make(v.copy()), f"output {j}")
    second = vjp(out, inputs, Tensor._make(v.copy()), f"output {j}")
    err = nondeterminism(first, second, inputs, diff_idx, j, nondet_tol)
    if err:
        return err
    for n, (g, i) in enumerate(zip(first, diff_idx)):
        got = flat64(g, inputs[n].shape)
        expected = jac[n][j] @ v.reshape(-1).astype(np.float64)
        # Summation order differs from the Jacobian product's: allow rounding of the dtype.
        tol = float(np.sqrt(np.finfo(inputs[n].dtype).eps))
        scale = 1.0 + (float(np.abs(expected).max()) if expected.size else 0.0)
        if got.size and not np.allclose(got, expected, rtol=tol, atol=tol * scale):
            return (
                f"gradcheck: backward is not linear in the upstream gradient: for output {j} "
                f"and input {i}, a random upstream gradient gave {got} but the "
                f"Jacobian built from one-hot gradients gives {expected}"
            )
    return None


# ------------------------------------------------------------------------ undefined grads
def _is_zero(a: np.ndarray, masked: bool) -> bool:
    return bool(np.allclose(a, 0.0)) if masked else bool(np.all(a == 0))


def undefined_backward(
    outputs: tuple, inputs: tuple, diff_idx: list[int], masked: bool
) -> str | None:
    """Backward with a zero gradient for every output must run and give zero input gradients.

    An undefined output gradient (an output left out of ``autograd.grad``) reaches a backward as
    zeros, filled in by the engine; so this covers it, and the Jacobian rows (one output at a
    time, the others left undefined) cover each output left out in turn."""
    chosen = [j for j, o in enumerate(outputs) if is_float(o) and o.requires_grad]
    if not chosen:
        return None
    diff_inputs = [inputs[i] for i in diff_idx]
    outs = [outputs[j] for j in chosen]
    zeros = [Tensor._make(np.zeros(o.shape, o.dtype)) for o in outs]
    grads = vjp(outs, diff_inputs, zeros, "outputs with zero gradients (check_undefined_grad)")
    for g, x, i in zip(grads, diff_inputs, diff_idx):
        a = flat64(g, x.shape)
        if not _is_zero(a, masked):
            k = int(np.argmax(np.nan_to_num(np.abs(a), nan=np.inf)))
            return (
                f"gradcheck: backward gave input {i} the gradient {a[k]:.10g} at input {i}"
                f"{index(k, x.shape)} when every output's gradient is zero; zero (or undefined) "
                "output gradients must give zero input gradients "
                "(check_undefined_grad=False skips this check)"
            )
    return None


def undefined_forward(
    func: Callable, inputs: tuple, diff_idx: list[int], outputs: tuple, us: list[np.ndarray]
) -> str | None:
    """In forward mode, an input with a zero tangent must give the same output tangents as the
    input passed without one (other inputs get random tangents ``us``)."""
    seen: set[int] = set()
    for i in diff_idx:
        key = id(inputs[i])
        if key in seen:
            continue
        seen.add(key)
        tangents = {p: u for p, u in zip(diff_idx, us) if id(inputs[p]) != key}
        with_zero = forward_tangents(func, inputs, diff_idx, tangents)
        without = forward_tangents(func, inputs, diff_idx, tangents, plain=frozenset({key}))
        for j, (a, b) in enumerate(zip(with_zero, without)):
            if a is None or b is None or np.allclose(a, b):
                continue
            k = int(np.argmax(np.nan_to_num(np.abs(a - b), nan=np.inf)))
            where = index(k, outputs[j].shape)
            return (
                f"gradcheck: forward mode gives output {j}{where} the tangent {a[k]:.10g} when "
                f"input {i} has a zero tangent, but {b[k]:.10g} when it has none; a "
                "jvp rule must treat a zero tangent like a missing one "
                "(check_undefined_grad=False skips this check)"
            )
    return None


# ------------------------------------------------------------------------------- fast mode
def unit_vectors(sizes: list[int], rng: Generator) -> list[np.ndarray]:
    """Random vectors with entries in [0, 1) and norm 1 (as PyTorch's fast mode draws them)."""
    vectors = []
    for size in sizes:
        v = rng.random(size)
        norm = np.linalg.norm(v)
        vectors.append(v / norm if norm > 0 else v)
    return vectors


def fast_check(
    func: Callable,
    inputs: tuple,
    diff_idx: list[int],
    outputs: tuple,
    *,
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    check_dtypes: bool,
    backward: bool,
    forward: bool,
) -> str | None:
    """Compare projections instead of whole Jacobians: ``v^T J u`` for backward, ``J u`` for
    forward mode, against central differences along ``u``; random unit ``u`` per input and
    ``v`` per output. Costs two forwards per input, two backwards per output and one forward-mode
    pass per input. A failure recomputes that pair's full Jacobians for the message."""
    rng = Generator(0)
    us = unit_vectors([inputs[i].numel() for i in diff_idx], rng)
    numerical = numerical_jvps(func, inputs, diff_idx, us, eps)
    diff_inputs = [inputs[i] for i in diff_idx]
    if backward:
        for j, out in enumerate(outputs):
            if not is_float(out):
                continue
            (v,) = unit_vectors([out.numel()], rng)
            if out.requires_grad:
                seed = v.reshape(out.shape).astype(out.dtype)
                first = vjp(out, diff_inputs, Tensor._make(seed.copy()), f"output {j}")
                err = check_grads(first, diff_inputs, diff_idx, j, check_dtypes)
                second = vjp(out, diff_inputs, Tensor._make(seed.copy()), f"output {j}")
                err = err or nondeterminism(first, second, diff_inputs, diff_idx, j, nondet_tol)
                if err:
                    return err
                vjs = [flat64(g, x.shape) for g, x in zip(first, diff_inputs)]
            else:
                vjs = [np.zeros(x.numel()) for x in diff_inputs]
            for n, i in enumerate(diff_idx):
                a, num = float(vjs[n] @ us[n]), float(v @ numerical[n][j])
                tol = atol * float(us[n].sum()) * float(v.sum())
                if not abs(a - num) <= tol + rtol * abs(num):
                    head = (
                        f"analytical v^T J u = {a:.10g}, numerical {num:.10g} (atol={atol} "
                        f"scaled by sum(u) * sum(v) to {tol:.3g}, rtol={rtol})"
                    )
                    return _fast_failure(
                        func, inputs, i, j, outputs, head, eps, atol, rtol, "analytical"
                    )
    if forward:
        for n, i in enumerate(diff_idx):
            cols = forward_tangents(func, inputs, diff_idx, {i: us[n]}, check_dtypes=check_dtypes)
            for j, (a, num) in enumerate(zip(cols, numerical[n])):
                if a is None or num is None:
                    continue
                tol = atol * float(us[n].sum())
                ok = np.abs(a - num) <= tol + rtol * np.abs(num)
                if ok.all():
                    continue
                k = int(np.argmax(np.where(ok, -np.inf, np.nan_to_num(np.abs(a - num), nan=1e300))))
                head = (
                    f"at output {j}{index(k, outputs[j].shape)}: forward-mode J u = "
                    f"{a[k]:.10g}, numerical {num[k]:.10g} (atol={atol} scaled by sum(u) to "
                    f"{tol:.3g}, rtol={rtol})"
                )
                return _fast_failure(
                    func, inputs, i, j, outputs, head, eps, atol, rtol, "forward-mode"
                )
    return None


def _fast_failure(
    func: Callable, inputs: tuple, i: int, j: int, outputs: tuple, head: str,
    eps: float, atol: float, rtol: float, kind: str,
) -> str:  # fmt: skip
    """The fast-mode message, with the pair's full Jacobians recomputed to show where."""
    what = "v^T J u" if kind == "analytical" else "J u"
    out = outputs[j]
    note = ""
    if not out.requires_grad:
        note = " (output does not require grad but changes with the input)"
    label = "Jacobian" if kind == "analytical" else f"{kind} Jacobian"
    msg = (
        f"gradcheck: {label} mismatch for output {j} with respect to input {i}{note} "
        f"(fast mode: {what} on random unit vectors).\n{head}"
    )
    only_j = tuple(o if k == j else None for k, o in enumerate(outputs))
    num = numerical_jacobians(func, inputs, [i], eps)[0][j]
    if kind == "analytical":
        jac, err = backward_jacobians(only_j, inputs, [i], False)
        if err:
            return msg + "\n" + err
    else:
        jac = forward_jacobians(func, inputs, [i], only_j, False)
    full = jacobian_mismatch(jac[0][j], num, i, j, out, inputs[i].shape, atol, rtol, kind)
    if full is None:
        return msg + (
            "\nThe full Jacobians agree within atol and rtol elementwise: the projection's "
            "tolerance is the tighter one here; check with fast_mode=False."
        )
    return msg + "\nRecomputed in full:\n" + full.split("\n", 1)[1]
