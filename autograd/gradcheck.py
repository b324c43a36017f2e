"""Gradient checking: compare a function's derivatives against finite differences.

``gradcheck`` builds two Jacobians for every (differentiable input, output) pair:

* the numerical one, by central differences ``(f(x + eps) - f(x - eps)) / (2 eps)``, perturbing one
  element at a time in place on a private copy of the input (one forward per perturbation);
* the analytical one, one row at a time, by vector-Jacobian products: ``autograd.grad`` with a
  one-hot ``grad_outputs`` and ``retain_graph=True`` -- and, with ``check_forward_ad=True``, one
  column at a time from forward mode (:mod:`autograd.forward_ad`).

It also checks that backward returns gradients of the inputs' shapes, that it is deterministic
and linear in the upstream gradient (a random upstream gradient must give the same product as the
Jacobian), and that zero or undefined upstream gradients give zero gradients. ``fast_mode=True``
compares the projections ``v^T J u`` (and ``J u`` in forward mode) on random unit vectors instead
of whole Jacobians. ``gradgradcheck`` runs ``gradcheck`` on the vector-Jacobian-product function
itself, built with ``create_graph=True``, which checks second derivatives.

Use float64 inputs: with float32 the finite differences are too noisy for the default tolerances.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._gradcheck_checks import (
    fast_check,
    first_mismatch,
    undefined_backward,
    undefined_forward,
    unit_vectors,
    vjp_consistency,
)
from ._gradcheck_derivs import (
    GradcheckError,
    as_tuple,
    backward_jacobians,
    forward_jacobians,
    is_float,
    numerical_jacobians,
    tensor_outputs,
)
from .engine import grad as _grad
from .random import Generator
from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _diff_inputs(inputs: tuple, fn: str) -> list[int]:
    """Indices of the inputs gradients are checked for: Tensors that require grad."""
    idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not idx:
        raise ValueError(f"{fn}: no input is a Tensor with requires_grad=True; nothing to check")
    for i in idx:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"{fn}: input {i} requires grad but has dtype {inputs[i].dtype}; finite "
                "differences need float64 to be reliable (pass .double() inputs)",
                UserWarning,
                stacklevel=3,
            )
    return idx


def _check_options(fn: str, func: Any, numbers: dict, flags: dict, masked: Any) -> None:
    """Bad arguments raise before anything runs, naming the argument."""
    if not callable(func):
        raise TypeError(f"{fn}: func must be callable, got {type(func).__name__}")
    for name, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise TypeError(f"{fn}: {name} must be a real number, got {type(value).__name__}")
        if not math.isfinite(value) or value < 0 or (name == "eps" and value == 0):
            expected = "a positive finite number" if name == "eps" else "a finite number >= 0"
            raise ValueError(f"{fn}: {name} must be {expected}, got {value}")
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{fn}: {name} must be True or False, got {value!r}")
    if masked is not None and not isinstance(masked, (bool, np.bool_)):
        raise TypeError(f"{fn}: masked must be None, True or False, got {masked!r}")


def _refuse_batched_grad(fn: str, check_batched_grad: bool) -> None:
    if check_batched_grad:
        raise RuntimeError(
            f"{fn}: check_batched_grad=True checks gradients batched with vmap, which "
            "numbagrad does not have; pass check_batched_grad=False"
        )


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_backward_ad: bool = True,
    check_forward_ad: bool = False,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the derivatives of ``func`` against central finite differences.

    For every input that is a Tensor requiring grad and every floating-point output, the
    Jacobian computed by backward (one vector-Jacobian product per output element) -- and with
    ``check_forward_ad`` the one computed in forward mode (one Jacobian-vector product per input
    element) -- must match the numerical one within
    ``|analytical - numerical| <= atol + rtol * |numerical|``.

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
    check_undefined_grad : bool
        Backward with zero upstream gradients for every output must run and give zero
        gradients (an undefined upstream gradient reaches a backward as zeros, filled in by the
        engine); with ``check_forward_ad``, an input with a zero tangent must give the same
        output tangents as one without a tangent. (PyTorch also runs the all-zero backward
        when this is False; here the check that backward is linear in its upstream gradient
        stays on in both cases.)
    check_grad_dtypes : bool
        Also require each gradient (and forward-mode tangent) to have its input's (output's)
        dtype. The engine casts gradients to their input's dtype, so this guards the engine.
    check_batched_grad : bool
        PyTorch's check of gradients batched with ``vmap``; numbagrad has no ``vmap``, so True
        raises a RuntimeError.
    check_backward_ad : bool
        Run the checks that use backward (reverse mode). At least one of this and
        ``check_forward_ad`` must be True.
    check_forward_ad : bool
        Also check the Jacobian computed in forward mode. An op without a forward-mode rule
        (a Function without ``jvp``) fails the check with a message naming it.
    fast_mode : bool
        Compare ``v^T J u`` (backward) and ``J u`` (forward mode) for random unit vectors ``u``
        per input and ``v`` per output against central differences along ``u``, with ``atol``
        scaled by ``sum(u) * sum(v)``: two forwards per input and a few backward passes per
        output instead of one per element. A failure recomputes that pair's full Jacobians for
        the message.
    masked : bool or None
        numbagrad has no sparse tensors; as PyTorch does for dense tensors, True only loosens
        the zero-gradient check of ``check_undefined_grad`` from exact zeros to ``allclose``.

    Returns
    -------
    bool
        True when every check passes.

    Raises
    ------
    GradcheckError
        (a ``RuntimeError``) naming the input index, the output index, the worst element and
        the analytical and numerical values there.
    TypeError, ValueError
        For a bad argument, before anything runs.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([0.5, -1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    >>> autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    True
    >>> autograd.gradcheck(lambda t: t.exp().tanh(), (x,), check_forward_ad=True, fast_mode=True)
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
    _check_options(
        "gradcheck", func, {"eps": eps, "atol": atol, "rtol": rtol, "nondet_tol": nondet_tol},
        {"raise_exception": raise_exception, "check_undefined_grad": check_undefined_grad,
         "check_grad_dtypes": check_grad_dtypes, "check_batched_grad": check_batched_grad,
         "check_backward_ad": check_backward_ad, "check_forward_ad": check_forward_ad,
         "fast_mode": fast_mode},
        masked,
    )  # fmt: skip
    if not (check_backward_ad or check_forward_ad):
        raise ValueError(
            "gradcheck: check_backward_ad and check_forward_ad are both False; at least one "
            "must be True"
        )
    if check_batched_grad and not check_backward_ad:
        raise ValueError("gradcheck: check_batched_grad=True requires check_backward_ad=True")
    _refuse_batched_grad("gradcheck", check_batched_grad)
    inputs = as_tuple(inputs)
    diff_idx = _diff_inputs(inputs, "gradcheck")
    outputs = tensor_outputs(func(*inputs))
    if all(o is None for o in outputs):
        raise TypeError("gradcheck: func must return a Tensor or a tuple of Tensors")
    try:
        if fast_mode:
            err = fast_check(
                func, inputs, diff_idx, outputs, eps=eps, atol=atol, rtol=rtol,
                nondet_tol=nondet_tol, check_dtypes=check_grad_dtypes,
                backward=check_backward_ad, forward=check_forward_ad,
            )  # fmt: skip
        else:
            err = _slow_check(
                func, inputs, diff_idx, outputs, eps, atol, rtol, nondet_tol,
                check_grad_dtypes, check_backward_ad, check_forward_ad,
            )  # fmt: skip
        if not err and check_undefined_grad and check_backward_ad:
            err = undefined_backward(outputs, inputs, diff_idx, bool(masked))
        if not err and check_undefined_grad and check_forward_ad:
            us = unit_vectors([inputs[i].numel() for i in diff_idx], Generator(1))
            err = undefined_forward(func, inputs, diff_idx, outputs, us)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    if err:
        return _fail(err, raise_exception)
    return True


def _slow_check(
    func: Callable, inputs: tuple, diff_idx: list[int], outputs: tuple, eps: float,
    atol: float, rtol: float, nondet_tol: float, check_dtypes: bool, backward: bool,
    forward: bool,
) -> str | None:  # fmt: skip
    """Whole Jacobians, element by element; the first problem found as a message."""
    if backward:
        analytical, err = backward_jacobians(outputs, inputs, diff_idx, check_dtypes)
        if err:
            return err
    numerical = numerical_jacobians(func, inputs, diff_idx, eps)
    if backward:
        err = first_mismatch(analytical, numerical, diff_idx, outputs, inputs, atol, rtol)
        if err:
            return err
        # Checked after the Jacobians, whose mismatch report is the more telling one.
        diff_inputs = [inputs[i] for i in diff_idx]
        for j, out in enumerate(outputs):
            if is_float(out) and out.requires_grad:
                err = vjp_consistency(out, j, diff_inputs, diff_idx, analytical, nondet_tol)
                if err:
                    return err
    if forward:
        tangents = forward_jacobians(func, inputs, diff_idx, outputs, check_dtypes)
        return first_mismatch(
            tangents, numerical, diff_idx, outputs, inputs, atol, rtol, "forward-mode"
        )
    return None


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: :func:`gradcheck` of the vector-Jacobian product of ``func``.

    The checked function maps ``(*inputs, *grad_outputs)`` to the gradients of ``func``'s outputs
    with respect to its differentiable inputs, computed with ``create_graph=True``. So it checks
    that ``backward`` itself is correctly differentiable, with respect to both the inputs and the
    upstream gradient.

    Parameters
    ----------
    func, inputs, eps, atol, rtol, raise_exception, nondet_tol, check_undefined_grad
        As for :func:`gradcheck`.
    check_grad_dtypes, check_batched_grad, fast_mode, masked
        As for :func:`gradcheck`.
    grad_outputs : Tensor or tuple of Tensor, optional
        Upstream gradients, one per floating-point output that requires grad. By default random
        float64 tensors requiring grad (drawn from a fixed seed, so a failure reproduces).
    gen_non_contig_grad_outputs : bool
        Make the default ``grad_outputs`` strided views (not C-contiguous).
    check_rev_over_rev : bool
        Differentiate the backward pass in reverse mode (the check described above).
    check_fwd_over_rev : bool
        PyTorch's forward-over-reverse check. numbagrad's forward mode does not run through a
        backward pass, so True raises a RuntimeError.

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
    >>> autograd.gradgradcheck(lambda t: t.tanh() * t, (x,), fast_mode=True)
    True
    """
    _check_options(
        "gradgradcheck", func, {"eps": eps, "atol": atol, "rtol": rtol, "nondet_tol": nondet_tol},
        {"gen_non_contig_grad_outputs": gen_non_contig_grad_outputs,
         "raise_exception": raise_exception, "check_undefined_grad": check_undefined_grad,
         "check_grad_dtypes": check_grad_dtypes, "check_batched_grad": check_batched_grad,
         "check_fwd_over_rev": check_fwd_over_rev, "check_rev_over_rev": check_rev_over_rev,
         "fast_mode": fast_mode},
        masked,
    )  # fmt: skip
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise ValueError(
            "gradgradcheck: check_fwd_over_rev and check_rev_over_rev are both False; at least "
            "one must be True"
        )
    for name, value in (("check_undefined_grad", check_undefined_grad),
                        ("check_batched_grad", check_batched_grad)):  # fmt: skip
        if value and not check_rev_over_rev:
            raise ValueError(f"gradgradcheck: {name}=True requires check_rev_over_rev=True")
    _refuse_batched_grad("gradgradcheck", check_batched_grad)
    if check_fwd_over_rev:
        raise RuntimeError(
            "gradgradcheck: check_fwd_over_rev=True is not supported: numbagrad's forward mode "
            "does not carry tangents through a backward pass; use check_rev_over_rev"
        )
    inputs = as_tuple(inputs)
    diff_idx = _diff_inputs(inputs, "gradgradcheck")
    outputs = tensor_outputs(func(*inputs))
    diff_out = [j for j, o in enumerate(outputs) if is_float(o) and o.requires_grad]
    if grad_outputs is None:
        rng = Generator(4321)
        grad_outputs = tuple(
            _random_grad_output(outputs[j], rng, gen_non_contig_grad_outputs) for j in diff_out
        )
    else:
        grad_outputs = as_tuple(grad_outputs)
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
        outs = tensor_outputs(func(*ins))
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
        raise_exception=raise_exception, nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad, fast_mode=fast_mode, masked=masked,
    )  # fmt: skip


def _random_grad_output(out: Tensor, rng: Generator, non_contiguous: bool) -> Tensor:
    values = rng.standard_normal(out.shape).astype(out.dtype)
    if non_contiguous and values.ndim:
        buffer = np.zeros(values.shape + (2,), values.dtype)
        buffer[..., 1] = values
        values = buffer[..., 1]
    return Tensor._make(values, True)
