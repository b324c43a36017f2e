"""Gradient checking: compare a function's backward against finite differences.

``gradcheck`` builds two Jacobians for every (differentiable input, output) pair:

* the numerical one, by central differences ``(f(x + eps) - f(x - eps)) / (2 eps)``, perturbing one
  element at a time in place on a private copy of the input (one forward per perturbation);
* the analytical one, one row at a time, by vector-Jacobian products: ``autograd.grad`` with a
  one-hot ``grad_outputs`` and ``retain_graph=True``.

It also checks that backward returns gradients of the inputs' shapes and dtypes and that it is
deterministic and linear in the upstream gradient (a random upstream gradient must give the same
product as the Jacobian). ``gradgradcheck`` runs ``gradcheck`` on the vector-Jacobian-product
function itself, built with ``create_graph=True``, which checks second derivatives.

Use float64 inputs: with float32 the finite differences are too noisy for the default tolerances.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import grad as _grad
from .random import Generator
from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` / :func:`gradgradcheck` when a check fails.

    Examples
    --------
    >>> import autograd
    >>> class WrongSquare(autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g  # should be 2 * x * g
    >>> x = autograd.tensor([1.5], dtype=autograd.float64, requires_grad=True)
    >>> try:
    ...     autograd.gradcheck(WrongSquare.apply, (x,))
    ... except autograd.GradcheckError:
    ...     print("caught")
    caught
    """


def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _tensor_outputs(out: Any) -> tuple:
    """Outputs of ``func`` as a tuple; non-Tensor entries become None (they are not checked)."""
    return tuple(o if isinstance(o, Tensor) else None for o in _as_tuple(out))


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _index(flat: int, shape: tuple) -> str:
    """``[i, j]`` for a flat position in an array of ``shape`` (``[]`` for a 0-d array)."""
    if not shape:
        return "[]"
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]"


def _diff_inputs(inputs: tuple) -> list[int]:
    """Indices of the inputs gradients are checked for: Tensors that require grad."""
    idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for i in idx:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} requires grad but has dtype {inputs[i].dtype}; finite "
                "differences need float64 to be reliable (pass .double() inputs)",
                UserWarning,
                stacklevel=3,
            )
    return idx


def _numerical_jacobians(
    func: Callable, inputs: tuple, diff_idx: list[int], eps: float
) -> tuple[list[list[np.ndarray | None]], tuple]:
    """``J[i][j]`` of shape (input i size, output j size) by central differences.

    Every input Tensor is replaced by a private copy (the same Tensor passed twice maps to one
    copy), so the caller's tensors are never touched, even if ``func`` raises.
    """
    copies: dict[int, Tensor] = {}
    args = []
    for a in inputs:
        if isinstance(a, Tensor):
            if id(a) not in copies:
                copies[id(a)] = Tensor._make(a._array.copy(), a.requires_grad)
            args.append(copies[id(a)])
        else:
            args.append(a)

    def run() -> list[np.ndarray | None]:
        outs = _tensor_outputs(func(*args))
        # Copy: an output may be a view of the perturbed input.
        return [
            None if o is None or o.dtype.kind != "f" else np.array(o._array, np.float64)
            for o in outs
        ]

    base = run()
    jac: list[list[np.ndarray | None]] = []
    for i in diff_idx:
        x = args[i]._array
        flat = x.reshape(-1)  # x is a fresh contiguous copy, so this is a view
        rows = [None if b is None else np.zeros((x.size, b.size)) for b in base]
        for k in range(x.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = run()
            flat[k] = orig - eps
            minus = run()
            flat[k] = orig
            for j, (p, m) in enumerate(zip(plus, minus)):
                if rows[j] is not None:
                    rows[j][k] = ((p - m) / (2 * eps)).reshape(-1)
        jac.append(rows)
    return jac, tuple(base)


def _analytical_jacobians(
    outputs: tuple, inputs: tuple, diff_idx: list[int]
) -> tuple[list[list[np.ndarray | None]], str | None]:
    """``J[i][j]`` row by row from vector-Jacobian products; also checks the gradients' shapes
    and dtypes. Returns (jacobians, error message or None)."""
    diff_inputs = [inputs[i] for i in diff_idx]
    jac: list[list[np.ndarray | None]] = [
        [None if o is None or o.dtype.kind != "f" else np.zeros((t.numel(), o.numel()))
         for o in outputs]
        for t in diff_inputs
    ]  # fmt: skip
    for j, out in enumerate(outputs):
        if out is None or out.dtype.kind != "f" or not out.requires_grad:
            continue  # the Jacobian stays zero; the numerical one must agree
        onehot = np.zeros(out.shape, out.dtype)
        flat = onehot.reshape(-1)
        for k in range(out.numel()):
            flat[k] = 1
            grads = _vjp(out, diff_inputs, Tensor._make(onehot.copy()), j)
            flat[k] = 0
            err = _check_grads(grads, diff_inputs, diff_idx, j)
            if err:
                return jac, err
            for n, g in enumerate(grads):
                if g is not None:
                    jac[n][j][:, k] = np.asarray(g._array, np.float64).reshape(-1)
    return jac, None


def _vjp(out: Tensor, inputs: list, v: Tensor, j: int) -> tuple:
    try:
        return _grad(out, inputs, v, retain_graph=True, allow_unused=True)
    except Exception as e:
        raise GradcheckError(
            f"gradcheck: backward from output {j} raised {type(e).__name__}: {e}"
        ) from e


def _check_grads(grads: tuple, inputs: list, diff_idx: list[int], j: int) -> str | None:
    for g, t, i in zip(grads, inputs, diff_idx):
        if g is None:
            continue
        if g.shape != t.shape:
            return (
                f"gradcheck: the gradient of output {j} with respect to input {i} has shape "
                f"{g.shape}, expected the input's shape {t.shape}"
            )
        if g.dtype != t.dtype:
            return (
                f"gradcheck: the gradient of output {j} with respect to input {i} has dtype "
                f"{g.dtype}, expected the input's dtype {t.dtype}"
            )
    return None


def _check_vjp_consistency(
    out: Tensor, j: int, inputs: list, diff_idx: list[int], jac: list, nondet_tol: float
) -> str | None:
    """Backward with a random upstream gradient, twice: it must be reproducible (within
    ``nondet_tol``) and equal to that vector times the Jacobian built row by row."""
    v = Generator(1234 + j).standard_normal(out.shape).astype(out.dtype)
    first = _vjp(out, inputs, Tensor._make(v.copy()), j)
    second = _vjp(out, inputs, Tensor._make(v.copy()), j)
    for n, (g1, g2, i) in enumerate(zip(first, second, diff_idx)):
        a1 = np.zeros(inputs[n].shape) if g1 is None else np.asarray(g1._array, np.float64)
        a2 = np.zeros(inputs[n].shape) if g2 is None else np.asarray(g2._array, np.float64)
        if a1.size and np.max(np.abs(a1 - a2)) > nondet_tol:
            return (
                f"gradcheck: backward is not reproducible: two identical backward calls from "
                f"output {j} gave gradients for input {i} differing by "
                f"{np.max(np.abs(a1 - a2)):.3e} > nondet_tol={nondet_tol}"
            )
        expected = jac[n][j] @ v.reshape(-1).astype(np.float64)
        # Summation order differs from the Jacobian product's: allow rounding of the dtype.
        tol = float(np.sqrt(np.finfo(inputs[n].dtype).eps))
        scale = 1.0 + (float(np.abs(expected).max()) if expected.size else 0.0)
        if a1.size and not np.allclose(a1.reshape(-1), expected, rtol=tol, atol=tol * scale):
            return (
                f"gradcheck: backward is not linear in the upstream gradient: for output {j} "
                f"and input {i}, a random upstream gradient gave {a1.reshape(-1)} but the "
                f"Jacobian built from one-hot gradients gives {expected}"
            )
    return None


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
) -> bool:
    """Check the gradients of ``func`` against central finite differences.

    For every input that is a Tensor requiring grad and every floating-point output, the
    Jacobian computed by backward (one vector-Jacobian product per output element) must match
    the numerical one within ``|analytical - numerical| <= atol + rtol * |numerical|``.

    Parameters
    ----------
    func : callable
        Takes ``*inputs`` and returns a Tensor or a tuple of Tensors (other outputs are ignored).
    inputs : Tensor or tuple
        Arguments of ``func``. Tensors that require grad are checked; anything else is passed
        as it is. Use float64 (a ``UserWarning`` is issued otherwise).
    eps : float
        Finite-difference step.
    atol, rtol : float
        Absolute and relative tolerance.
    raise_exception : bool
        Raise :class:`GradcheckError` on failure (default) instead of returning False.
    nondet_tol : float
        How far two backward calls with the same upstream gradient may differ.

    Returns
    -------
    bool
        True when every check passes.

    Raises
    ------
    GradcheckError
        (a ``RuntimeError``) naming the input index, the output index, the worst element and
        the analytical and numerical values there.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([0.5, -1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    >>> autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    True

    A backward that is wrong by a factor of two is caught:

    >>> class BadSquare(autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, t):
    ...         ctx.save_for_backward(t)
    ...         return t * t
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (t,) = ctx.saved_tensors
    ...         return g * t
    >>> autograd.gradcheck(BadSquare.apply, (x,), raise_exception=False)
    False
    """
    inputs = _as_tuple(inputs)
    diff_idx = _diff_inputs(inputs)
    if not diff_idx:
        raise ValueError(
            "gradcheck: no input is a Tensor with requires_grad=True; nothing to check"
        )
    outputs = _tensor_outputs(func(*inputs))
    if all(o is None for o in outputs):
        raise TypeError("gradcheck: func must return a Tensor or a tuple of Tensors")
    try:
        analytical, err = _analytical_jacobians(outputs, inputs, diff_idx)
    except GradcheckError as e:
        if raise_exception:
            raise
        return _fail(str(e), False)
    if err:
        return _fail(err, raise_exception)
    numerical, _ = _numerical_jacobians(func, inputs, diff_idx, eps)

    for n, i in enumerate(diff_idx):
        for j, out in enumerate(outputs):
            a, num = analytical[n][j], numerical[n][j]
            if a is None or num is None:
                continue
            diff = np.abs(a - num)
            ok = diff <= atol + rtol * np.abs(num)  # False wherever a NaN is involved
            if ok.all():
                continue
            excess = np.where(ok, -np.inf, np.nan_to_num(diff - rtol * np.abs(num), nan=np.inf))
            k_in, k_out = np.unravel_index(int(np.argmax(excess)), excess.shape)
            where = (
                f"d(output {j}{_index(k_out, out.shape)}) / d(input {i}"
                f"{_index(k_in, inputs[i].shape)})"
            )
            note = ""
            if not out.requires_grad and np.any(num):
                note = " (output does not require grad but changes with the input)"
            msg = (
                f"gradcheck: Jacobian mismatch for output {j} with respect to input {i}{note}.\n"
                f"worst element {where}: analytical {a[k_in, k_out]:.10g}, numerical "
                f"{num[k_in, k_out]:.10g} (atol={atol}, rtol={rtol})"
            )
            if a.size <= 64:
                msg += f"\nanalytical:\n{a}\nnumerical:\n{num}"
            return _fail(msg, raise_exception)

    # Checked after the Jacobians, whose mismatch report is the more telling one.
    diff_inputs = [inputs[i] for i in diff_idx]
    for j, out in enumerate(outputs):
        if out is not None and out.dtype.kind == "f" and out.requires_grad:
            try:
                err = _check_vjp_consistency(out, j, diff_inputs, diff_idx, analytical, nondet_tol)
            except GradcheckError as e:
                err = str(e)
            if err:
                return _fail(err, raise_exception)
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: :func:`gradcheck` of the vector-Jacobian product of ``func``.

    The checked function maps ``(*inputs, *grad_outputs)`` to the gradients of ``func``'s outputs
    with respect to its differentiable inputs, computed with ``create_graph=True``. So it checks
    that ``backward`` itself is correctly differentiable, with respect to both the inputs and the
    upstream gradient.

    Parameters
    ----------
    func, inputs, eps, atol, rtol, raise_exception
        As for :func:`gradcheck`.
    grad_outputs : Tensor or tuple of Tensor, optional
        Upstream gradients, one per floating-point output that requires grad. By default random
        float64 tensors requiring grad (drawn from a fixed seed, so a failure reproduces).

    Returns
    -------
    bool
        True when every check passes.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([0.5, -1.0], dtype=autograd.float64, requires_grad=True)
    >>> autograd.gradgradcheck(lambda t: t.tanh() * t, (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff_idx = _diff_inputs(inputs)
    if not diff_idx:
        raise ValueError(
            "gradgradcheck: no input is a Tensor with requires_grad=True; nothing to check"
        )
    outputs = _tensor_outputs(func(*inputs))
    diff_out = [
        j for j, o in enumerate(outputs)
        if o is not None and o.dtype.kind == "f" and o.requires_grad
    ]  # fmt: skip
    if grad_outputs is None:
        rng = Generator(4321)
        grad_outputs = tuple(
            Tensor._make(rng.standard_normal(outputs[j].shape).astype(outputs[j].dtype), True)
            for j in diff_out
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
        if len(grad_outputs) != len(diff_out):
            raise ValueError(
                f"gradgradcheck: got {len(grad_outputs)} grad_outputs for {len(diff_out)} "
                "differentiable outputs"
            )
    if not diff_out:
        return True  # nothing is differentiable; gradcheck checks the zero Jacobian
    n_in = len(inputs)

    def vjp(*args: Any) -> tuple:
        ins, gos = args[:n_in], args[n_in:]
        outs = _tensor_outputs(func(*ins))
        targets = [outs[j] for j in diff_out]
        grads = _grad(
            targets, [ins[i] for i in diff_idx], list(gos), create_graph=True, allow_unused=True
        )
        # An unused input has a zero gradient, which does not depend on anything.
        return tuple(
            Tensor._make(np.zeros(ins[i].shape, ins[i].dtype)) if g is None else g
            for g, i in zip(grads, diff_idx)
        )

    return gradcheck(
        vjp, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
        raise_exception=raise_exception,
    )  # fmt: skip
