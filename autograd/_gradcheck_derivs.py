"""The derivatives :func:`autograd.gradcheck` compares, each built one way.

* numerical: central differences on private copies of the inputs, either the whole Jacobian (one
  element perturbed at a time) or its product ``J u`` with one direction per input;
* backward: vector-Jacobian products ``v^T J`` from ``autograd.grad`` (one-hot ``v``: a row);
* forward mode: Jacobian-vector products ``J u`` from dual tensors (one-hot ``u``: a column).

Jacobians are lists ``jac[n][j]`` for the n-th differentiable input and the j-th output, of
shape (input size, output size) in float64; None for an output that is not a floating-point
Tensor. Products are flat float64 arrays, also per input and output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import forward_ad
from .engine import grad as _grad
from .tensor import Tensor


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


GradcheckError.__module__ = "autograd.gradcheck"


def as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def tensor_outputs(out: Any) -> tuple:
    """Outputs of ``func`` as a tuple; non-Tensor entries become None (they are not checked)."""
    return tuple(o if isinstance(o, Tensor) else None for o in as_tuple(out))


def is_float(out: Tensor | None) -> bool:
    return out is not None and out.dtype.kind == "f"


def index(flat: int, shape: tuple) -> str:
    """``[i, j]`` for a flat position in an array of ``shape`` (``[]`` for a 0-d array)."""
    if not shape:
        return "[]"
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]"


def flat64(t: Tensor | None, shape: tuple) -> np.ndarray:
    """``t``'s values as a flat float64 array; zeros of ``shape`` for None."""
    if t is None:
        return np.zeros(int(np.prod(shape, dtype=np.int64)))
    return np.asarray(t._array, np.float64).reshape(-1)


# ------------------------------------------------------------------------------- numerical
def _private_args(inputs: tuple) -> list:
    """``inputs`` with every Tensor replaced by a private copy (the same Tensor passed twice maps
    to one copy), so the caller's tensors are never touched, even if ``func`` raises."""
    copies: dict[int, Tensor] = {}
    args = []
    for a in inputs:
        if isinstance(a, Tensor):
            if id(a) not in copies:
                copies[id(a)] = Tensor._make(a._array.copy(), a.requires_grad)
            args.append(copies[id(a)])
        else:
            args.append(a)
    return args


def _float_results(func: Callable, args: list) -> list[np.ndarray | None]:
    outs = tensor_outputs(func(*args))
    # Copy: an output may be a view of the perturbed input.
    return [np.array(o._array, np.float64) if is_float(o) else None for o in outs]


def numerical_jacobians(
    func: Callable, inputs: tuple, diff_idx: list[int], eps: float
) -> list[list[np.ndarray | None]]:
    """``J[n][j]`` by central differences, one forward per perturbation of one element."""
    args = _private_args(inputs)
    base = _float_results(func, args)
    jac: list[list[np.ndarray | None]] = []
    for i in diff_idx:
        x = args[i]._array
        flat = x.reshape(-1)  # x is a fresh contiguous copy, so this is a view
        rows = [None if b is None else np.zeros((x.size, b.size)) for b in base]
        for k in range(x.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = _float_results(func, args)
            flat[k] = orig - eps
            minus = _float_results(func, args)
            flat[k] = orig
            for j, (p, m) in enumerate(zip(plus, minus)):
                if rows[j] is not None:
                    rows[j][k] = ((p - m) / (2 * eps)).reshape(-1)
        jac.append(rows)
    return jac


def numerical_jvps(
    func: Callable, inputs: tuple, diff_idx: list[int], us: list[np.ndarray], eps: float
) -> list[list[np.ndarray | None]]:
    """``J[n][j] @ u[n]`` by central differences along ``u[n]``: two forwards per input."""
    args = _private_args(inputs)
    result: list[list[np.ndarray | None]] = []
    for i, u in zip(diff_idx, us):
        x = args[i]._array
        orig = x.copy()
        step = (eps * u).reshape(x.shape).astype(x.dtype)
        x[...] = orig + step
        plus = _float_results(func, args)
        x[...] = orig - step
        minus = _float_results(func, args)
        x[...] = orig
        result.append(
            [None if p is None else ((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)]
        )
    return result


# -------------------------------------------------------------------------------- backward
def vjp(outputs: Any, inputs: list, v: Any, what: str) -> tuple:
    """``autograd.grad`` keeping the graph; a crash becomes a GradcheckError naming ``what``."""
    try:
        return _grad(outputs, inputs, v, retain_graph=True, allow_unused=True)
    except Exception as e:
        raise GradcheckError(
            f"gradcheck: backward from {what} raised {type(e).__name__}: {e}"
        ) from e


def check_grads(
    grads: tuple, inputs: list, diff_idx: list[int], j: int, check_dtypes: bool
) -> str | None:
    """The gradients of output ``j`` must have their inputs' shapes (and dtypes, if asked)."""
    for g, t, i in zip(grads, inputs, diff_idx):
        if g is None:
            continue
        if g.shape != t.shape:
            return (
                f"gradcheck: the gradient of output {j} with respect to input {i} has shape "
                f"{g.shape}, expected the input's shape {t.shape}"
            )
        if check_dtypes and g.dtype != t.dtype:
            return (
                f"gradcheck: the gradient of output {j} with respect to input {i} has dtype "
                f"{g.dtype}, expected the input's dtype {t.dtype}"
            )
    return None


def backward_jacobians(
    outputs: tuple, inputs: tuple, diff_idx: list[int], check_dtypes: bool
) -> tuple[list[list[np.ndarray | None]], str | None]:
    """``J[n][j]`` row by row from vector-Jacobian products with one-hot vectors; also checks
    the gradients' shapes (and dtypes). Returns (jacobians, error message or None)."""
    diff_inputs = [inputs[i] for i in diff_idx]
    jac: list[list[np.ndarray | None]] = [
        [np.zeros((t.numel(), o.numel())) if is_float(o) else None for o in outputs]
        for t in diff_inputs
    ]
    for j, out in enumerate(outputs):
        if not is_float(out) or not out.requires_grad:
            continue  # the Jacobian stays zero; the numerical one must agree
        onehot = np.zeros(out.shape, out.dtype)
        flat = onehot.reshape(-1)
        for k in range(out.numel()):
            flat[k] = 1
            grads = vjp(out, diff_inputs, Tensor._make(onehot.copy()), f"output {j}")
            flat[k] = 0
            err = check_grads(grads, diff_inputs, diff_idx, j, check_dtypes)
            if err:
                return jac, err
            for n, g in enumerate(grads):
                if g is not None:
                    jac[n][j][:, k] = flat64(g, ())
    return jac, None


# ---------------------------------------------------------------------------- forward mode
def forward_tangents(
    func: Callable,
    inputs: tuple,
    diff_idx: list[int],
    tangents: dict[int, np.ndarray],
    plain: frozenset = frozenset(),
    check_dtypes: bool = False,
) -> list[np.ndarray | None]:
    """Run ``func`` in forward mode; the outputs' tangents as flat float64 arrays (zeros for an
    output without one, None for one that is not a floating-point Tensor).

    ``tangents`` maps an input position to its tangent; every other differentiable input is a
    dual with a zero tangent, except the Tensors whose ``id`` is in ``plain``, which are passed
    without any. A Tensor passed twice is one dual, with the sum of its positions' tangents.
    Inputs are private copies, detached; a failure becomes a GradcheckError naming the op.
    """
    per_tensor: dict[int, np.ndarray] = {}
    for i in diff_idx:
        x = inputs[i]
        if id(x) in plain:
            continue
        t = per_tensor.setdefault(id(x), np.zeros(x.shape, x.dtype))
        if i in tangents:
            t += np.asarray(tangents[i], x.dtype).reshape(x.shape)
    try:
        with forward_ad.dual_level():
            duals: dict[int, Tensor] = {}
            args = []
            for a in inputs:
                if isinstance(a, Tensor) and id(a) in per_tensor:
                    if id(a) not in duals:
                        primal = Tensor._make(a._array.copy())
                        duals[id(a)] = forward_ad.make_dual(primal, Tensor._make(per_tensor[id(a)]))
                    args.append(duals[id(a)])
                elif isinstance(a, Tensor) and id(a) in plain:
                    args.append(Tensor._make(a._array.copy()))
                else:
                    args.append(a)
            outs = tensor_outputs(func(*args))
            found = [None if o is None else forward_ad.unpack_dual(o).tangent for o in outs]
    except GradcheckError:
        raise
    except Exception as e:
        raise GradcheckError(
            f"gradcheck: forward-mode AD (check_forward_ad=True) raised {type(e).__name__}: {e}"
        ) from e
    result: list[np.ndarray | None] = []
    for j, (o, t) in enumerate(zip(outs, found)):
        if not is_float(o):
            result.append(None)
            continue
        if t is not None and t.shape != o.shape:
            raise GradcheckError(
                f"gradcheck: the forward-mode tangent of output {j} has shape {t.shape}, "
                f"expected the output's shape {o.shape}"
            )
        if check_dtypes and t is not None and t.dtype != o.dtype:
            raise GradcheckError(
                f"gradcheck: the forward-mode tangent of output {j} has dtype {t.dtype}, "
                f"expected the output's dtype {o.dtype}"
            )
        result.append(flat64(t, o.shape))
    return result


def forward_jacobians(
    func: Callable, inputs: tuple, diff_idx: list[int], outputs: tuple, check_dtypes: bool
) -> list[list[np.ndarray | None]]:
    """``J[n][j]`` column by column from forward mode, one pass per input element."""
    jac: list[list[np.ndarray | None]] = []
    for i in diff_idx:
        x = inputs[i]
        rows = [np.zeros((x.numel(), o.numel())) if is_float(o) else None for o in outputs]
        onehot = np.zeros(x.numel(), x.dtype)
        for k in range(x.numel()):
            onehot[k] = 1
            cols = forward_tangents(func, inputs, diff_idx, {i: onehot}, check_dtypes=check_dtypes)
            onehot[k] = 0
            for j, c in enumerate(cols):
                if rows[j] is not None and c is not None:
                    rows[j][k] = c
        jac.append(rows)
    return jac
