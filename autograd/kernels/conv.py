"""2-D convolution kernels on NumPy arrays (NCHW layout, float32 or float64).

Layouts
-------
- input ``x``: ``(N, C, H, W)``; weight ``w``: ``(O, C // groups, kh, kw)``; output
  ``y``: ``(N, O, OH, OW)`` with ``OH = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1`` (likewise OW).
- Output channel ``o`` belongs to group ``o // (O // groups)`` and sees input channels
  ``g*Cg .. (g+1)*Cg - 1`` with ``Cg = C // groups``.
- Padding is zero padding, ``(ph, pw)`` on both sides.

Geometry arguments (``stride``, ``padding``, ``dilation`` as pairs, ``groups``) come normalized
and checked by :mod:`autograd.kernels._args`; these functions trust them and check only their
arrays.

Paths
-----
Each function asks :func:`autograd.kernels._conv_plan.plan` which path computes its product
(Winograd, direct loops, pointwise, im2col + GEMM in the wide or the strided layout, ...; see
that module) and runs it. Some paths are exact only for finite operands; the plan names the
operands to check, each is checked at most once per call (a check reads the whole array, about
0.1 ms per MB), and a caller that already knows the answer passes it as ``finite``.

Numba kernels run a ``prange`` over (sample, channel) pairs, each owning its rows of ``cols``
or its gradient plane, so no two iterations write the same element; the one-kernel pipelines
(Winograd's, the column paths', the phases') give each thread its own samples or rows, and their
threads call BLAS themselves, OpenBLAS held at one thread meanwhile.

``conv2d_backward`` returns the input, weight and bias gradients from one call; the Winograd
and the stride-1 direct paths then read ``gy`` once for all three.

Transposed convolution
----------------------
``conv_transpose2d`` is the adjoint of ``conv2d`` and needs no kernel of its own. With the
transposed-conv weight ``w`` of PyTorch shape ``(C_in, C_out // groups, kh, kw)`` (the same array
is a valid conv2d weight of shape ``(O, C // groups, kh, kw)`` with ``O = C_in``, ``C = C_out``):

- forward: ``y = conv2d_backward_input(x, w, (N, C_out, Hout, Wout), stride, padding, dilation,
  groups)`` where ``Hout = (H - 1)*sh - 2*ph + dh*(kh - 1) + output_padding_h + 1``;
- grad input: ``conv2d_forward(gy, w, stride, padding, dilation, groups)[:, :, :H, :W]``;
- grad weight: ``conv2d_backward_weight(gy, x, w.shape, stride, padding, dilation, groups)``.

For this the two backward kernels accept a ``gy`` whose spatial size is smaller than the conv
output size of ``x_shape`` (the missing outputs then have zero gradient), which is what
``output_padding >= stride`` with dilation produces.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from autograd.kernels import _conv_direct, _conv_numpy, _conv_plan
from autograd.kernels import _conv_drivers as drivers
from autograd.kernels import _conv_gemm as gemm
from autograd.kernels._args import ConvGeometry, Pair, conv_output_size, float_nchw
from autograd.kernels._conv_drivers import add_channel_bias, channel_sums
from autograd.kernels._conv_plan import Finite, Plan
from autograd.kernels._jit import StandIn

__all__ = [
    "add_channel_bias",
    "all_finite",
    "channel_sums",
    "conv_output_size",
    "conv2d_forward",
    "conv2d_backward_input",
    "conv2d_backward_weight",
    "conv2d_backward",
    "conv2d_forward_and_weight_grad",
]

T = TypeVar("T")
_UNKNOWN: Finite = (None, None, None)
_NAMES = ("x", "w", "gy")

# The dense stride-1 direct kernels take seconds to compile; im2col + GEMM stands in for them
# until they pay (see "Stand-in paths" in autograd.kernels._jit).
_DIRECT = StandIn(_conv_direct._direct_forward_wide, _conv_direct._direct_backward_wide)
_COLD_DIRECT = frozenset({"direct"})
# The column paths' copy kernels, each family with its NumPy twins standing in while it is cold.
_WIDE = StandIn(gemm._pad_planes, gemm._im2col_wide, gemm._col2im_wide, gemm._wide_to_nchw,
                gemm._nchw_to_wide, gemm._unpad_planes)  # fmt: skip
_STRIDED = StandIn(gemm._im2col, gemm._col2im, gemm._ol_to_nol, gemm._nol_to_ol)
_COLUMNS = {"gemm_wide": _WIDE, "gemm": _STRIDED, "batched": _STRIDED}


@functools.cache
def _on_worker_threads(driver: Callable[..., T]) -> Callable[..., T]:
    # A strided column driver with its pipelines on the worker threads; one object per driver,
    # so that the compile worker keeps its first call only.
    return functools.partial(driver, kernel=False)


_COLUMNS_PLAN = Plan("gemm")


def _standing_in(driver: Callable[..., T]) -> Callable[..., T]:
    """A strided column driver standing in for the cold phases kernel: with its pipelines on
    the worker threads while their own kernel is cold too, so that the compile worker is not
    handed that kernel for a layer the next run takes to the phases."""
    return _on_worker_threads(driver) if drivers.pipes_cold() else driver


def _columns_for_phases(table: dict, twin: Callable[..., T], *args: Any) -> T:
    # The strided column path for the cold phases kernel (see _standing_in), or its NumPy twin
    # while its own copy kernels are cold.
    driver = _standing_in(table["gemm"])
    if _STRIDED.cold():
        _STRIDED.compile_elsewhere(driver, *args)
        return _STRIDED.run(True, twin, *args)
    return driver(*args)


def _run(plan: Plan, table: dict, twin: Callable[..., T], *args: Any) -> T:
    """The plan's driver from ``table``, or ``twin`` while its column kernels are cold; the
    time counts as rent for the direct kernels when the plan stands in for them. A cold family
    has the driver it waits for compiled in a worker process meanwhile.

    Standing in for the direct kernels, the strided column path runs its pipelines on worker
    threads: their one-kernel form takes seconds to compile, for a path the next run leaves.
    The strided column path also stands in for the phases kernel, where that cannot run or
    while it is cold (its time then counts as the kernel's rent)."""
    if plan.path == "phases":
        if not drivers.phases_here(*args):
            return _run(_COLUMNS_PLAN, table, twin, *args)
        if drivers.PHASES.cold():
            drivers.PHASES.compile_elsewhere(table["phases"], *args)
            return drivers.PHASES.run(True, _columns_for_phases, table, twin, *args)
    if plan.instead is not None:
        _DIRECT.compile_elsewhere(table[plan.instead], *args)
    driver = table[plan.path]
    if plan.stand_in and plan.path == "gemm":
        driver = _on_worker_threads(driver)
    family = _COLUMNS.get(plan.path)
    if family is not None and family.cold():
        family.compile_elsewhere(driver, *args)
        return _DIRECT.run(plan.stand_in, family.run, True, twin, *args)
    return _DIRECT.run(plan.stand_in, driver, *args)


def _phases_ready(plan: Plan, *args: Any) -> bool:
    """Whether :func:`_run` would run ``plan`` on the phases kernel itself (no stand-in)."""
    return plan.path == "phases" and drivers.phases_here(*args) and not drivers.PHASES.cold()


def all_finite(a: np.ndarray) -> bool:
    """True when ``a`` is free of inf and NaN (a sum that overflows also says False).

    Examples
    --------
    >>> all_finite(np.ones(3)), all_finite(np.array([1.0, np.inf]))
    (True, False)
    """
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf: NaN, no warning
        return bool(np.isfinite(a.sum()))


def _cold() -> frozenset[str]:
    # The kernel families a plan must leave to stand-ins now (its ``cold`` argument).
    return _COLD_DIRECT if _DIRECT.cold() else frozenset()


def _settle(
    product: str, x_shape: tuple, w_shape: tuple, g: ConvGeometry, finite: Finite,
    arrays: dict[str, np.ndarray], gy_sums: np.ndarray | None = None, **options: object,
) -> tuple[Plan, Finite]:  # fmt: skip
    """The plan for ``product``, after checking what it needs; and what is then known.

    ``gy_sums`` (the bias gradient, when computed) answers for ``gy`` without another pass.
    """
    cold = _cold()
    while True:
        plan = _conv_plan.plan(product, x_shape, w_shape, g, finite, cold=cold, **options)  # type: ignore[arg-type]
        if not plan.check:
            return plan, finite
        known = dict(zip(_NAMES, finite))
        for name in plan.check:
            if name == "gy" and gy_sums is not None:
                known[name] = bool(np.isfinite(gy_sums).all())
            else:
                known[name] = all_finite(arrays[name])
        finite = (known["x"], known["w"], known["gy"])


def _same_dtype(names: str, *arrays: np.ndarray) -> None:
    if len({a.dtype for a in arrays}) > 1:
        got = ", ".join(str(a.dtype) for a in arrays)
        raise TypeError(f"{names} must share a dtype, got {got}")


def _check_gy(gy: np.ndarray, n: int, o: int, oh: int, ow: int) -> None:
    # gy may be spatially smaller than the output (see the module docstring).
    if gy.shape[:2] != (n, o) or gy.shape[2] > oh or gy.shape[3] > ow:
        raise ValueError(f"gy has shape {gy.shape}, expected {(n, o, oh, ow)}")


def _output_hw(x_shape: tuple, w_shape: tuple, g: ConvGeometry) -> Pair:
    return drivers.output_shape(x_shape, w_shape, g)[2:]  # type: ignore[return-value]


def _bias(bias: np.ndarray | None, O: int, dtype: np.dtype) -> np.ndarray:
    # An empty array stands for "no bias" inside the kernels (one signature either way).
    if bias is None:
        return np.empty(0, dtype=dtype)
    b = np.ascontiguousarray(bias, dtype=dtype)
    if b.shape != (O,):
        raise ValueError(f"bias has shape {b.shape}, expected ({O},)")
    return b


# --------------------------------------------------------------------------------------------
# One product each


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    stride: Pair = (1, 1),
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
    groups: int = 1,
    bias: np.ndarray | None = None,
    finite: Finite = _UNKNOWN,
    return_finite: bool = False,
) -> np.ndarray | tuple[np.ndarray, Finite]:
    """Cross-correlate ``x`` with ``w`` as PyTorch's ``conv2d`` does, plus an optional bias.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input, float32 or float64.
    w : ndarray, shape (O, C // groups, kh, kw)
        Weight, same dtype as ``x``.
    stride, padding, dilation : (int, int)
        Per-axis (height, width) stride, zero padding on both sides, and dilation.
    groups : int
        Number of channel groups; ``C`` and ``O`` are both divisible by it.
    bias : ndarray, shape (O,), optional
        Added to each output channel, inside the kernels where they copy the output anyway.
    finite : (bool or None, bool or None, bool or None)
        What is known of ``x``, ``w`` (and ``gy``, unused here) being free of inf and NaN; None
        entries are checked here when a path needs them. False keeps inf and NaN where the
        direct sum puts them.
    return_finite : bool
        Also return what is known after the call: a caller can keep it for the backward
        products (the arrays must not change meanwhile), as each check reads a whole array.

    Returns
    -------
    ndarray, shape (N, O, OH, OW)
        New C-contiguous array ``y[n, o] = b[o] + sum_{c, i, j} w[o, c, i, j] *
        x[n, g*Cg + c, oh*sh + i*dh - ph, ow*sw + j*dw - pw]`` over the taps inside ``x``:
        padding contributes nothing, even against an inf or NaN weight.
    (ndarray, (bool or None, bool or None, bool or None))
        With ``return_finite``: ``y`` and ``finite`` updated with the checks made.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_forward(x, np.ones((1, 1, 2, 2)), stride=(2, 2))[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x = float_nchw("x", x)
    w = float_nchw("w", w)
    _same_dtype("x and w", x, w)
    g = ConvGeometry(stride, padding, dilation, groups)
    b = _bias(bias, w.shape[0], x.dtype)
    plan, finite = _settle("forward", x.shape, w.shape, g, finite, {"x": x, "w": w})
    y = _run(plan, drivers.FORWARD, _conv_numpy.forward, x, w, g, b)
    return (y, finite) if return_finite else y


def conv2d_backward_input(
    gy: np.ndarray,
    w: np.ndarray,
    x_shape: tuple[int, int, int, int],
    stride: Pair = (1, 1),
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
    groups: int = 1,
    finite: Finite = _UNKNOWN,
    return_finite: bool = False,
    bias: np.ndarray | None = None,
) -> np.ndarray | tuple[np.ndarray, Finite]:
    """Gradient of :func:`conv2d_forward` with respect to its input.

    Parameters
    ----------
    gy : ndarray, shape (N, O, OH', OW')
        Gradient of the output. ``OH' <= OH`` and ``OW' <= OW`` (the conv output size of
        ``x_shape``); outputs beyond ``gy`` count as zero gradient, which is what
        ``conv_transpose2d``'s ``output_padding`` needs (see the module docstring).
    w : ndarray, shape (O, C // groups, kh, kw)
        The forward weight, same dtype as ``gy``.
    x_shape : (N, C, H, W)
        Shape of the forward input.
    stride, padding, dilation, groups
        As in :func:`conv2d_forward`.
    finite : (bool or None, bool or None, bool or None)
        What is known of ``x`` (unused), ``w`` and ``gy``; as in :func:`conv2d_forward`.
    return_finite : bool
        Also return what is known after the call (see :func:`conv2d_forward`).
    bias : ndarray, shape (C,), optional
        Added to each channel of ``gx``: the bias of ``conv_transpose2d``. The phases kernel
        adds it as it writes ``gx``; other paths in a pass after.

    Returns
    -------
    ndarray, shape x_shape
        New C-contiguous array ``gx``; this is also ``conv_transpose2d(gy, w)`` (plus ``bias``).
    (ndarray, (bool or None, bool or None, bool or None))
        With ``return_finite``: ``gx`` and ``finite`` updated with the checks made.

    Examples
    --------
    >>> gx = conv2d_backward_input(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), (1, 1, 3, 3))
    >>> gx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    gy = float_nchw("gy", gy)
    w = float_nchw("w", w)
    _same_dtype("gy and w", gy, w)
    x_shape = tuple(int(v) for v in x_shape)  # type: ignore[assignment]
    g = ConvGeometry(stride, padding, dilation, groups)
    _check_gy(gy, x_shape[0], w.shape[0], *_output_hw(x_shape, w.shape, g))
    arrays = {"gy": gy, "w": w}
    b = None if bias is None else _bias(bias, x_shape[1], gy.dtype)
    plan, finite = _settle("input_grad", x_shape, w.shape, g, finite, arrays, gy_shape=gy.shape)
    if b is not None and b.size and _phases_ready(plan, gy, w):
        gx = drivers.input_phases(gy, w, x_shape, g, b)  # the bias added as gx is written
    else:
        gx = _run(plan, drivers.INPUT_GRAD, _conv_numpy.input_grad, gy, w, x_shape, g)
        if b is not None and b.size:
            add_channel_bias(gx, b)
    return (gx, finite) if return_finite else gx


def conv2d_backward_weight(
    x: np.ndarray,
    gy: np.ndarray,
    w_shape: tuple[int, int, int, int],
    stride: Pair = (1, 1),
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
    groups: int = 1,
    bias_grad: bool = False,
    finite: Finite = _UNKNOWN,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Gradient of :func:`conv2d_forward` with respect to its weight.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        The forward input.
    gy : ndarray, shape (N, O, OH', OW')
        Gradient of the output, same dtype as ``x``; ``OH' <= OH``, ``OW' <= OW`` as in
        :func:`conv2d_backward_input`.
    w_shape : (O, C // groups, kh, kw)
        Shape of the forward weight.
    stride, padding, dilation, groups
        As in :func:`conv2d_forward`.
    bias_grad : bool
        Also return the bias gradient.
    finite : (bool or None, bool or None, bool or None)
        What is known of ``x``, ``w`` (unused) and ``gy``; as in :func:`conv2d_forward`.

    Returns
    -------
    ndarray, shape w_shape
        New C-contiguous array ``gw[o, c, i, j] = sum_{n, oh, ow} gy[n, o, oh, ow] *
        xpad[n, g*Cg + c, oh*sh + i*dh, ow*sw + j*dw]``.
    (ndarray, ndarray of shape (O,))
        With ``bias_grad``: ``gw`` and the bias gradient ``gy.sum(axis=(0, 2, 3))``, which some
        paths get from data they read anyway.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d_backward_weight(x, np.ones((1, 1, 2, 2)), (1, 1, 2, 2))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    x = float_nchw("x", x)
    gy = float_nchw("gy", gy)
    _same_dtype("x and gy", x, gy)
    w_shape = tuple(int(v) for v in w_shape)  # type: ignore[assignment]
    g = ConvGeometry(stride, padding, dilation, groups)
    _check_gy(gy, x.shape[0], w_shape[0], *_output_hw(x.shape, w_shape, g))
    gw, gb = _weight_grad(x, gy, w_shape, g, finite, bias_grad)
    if not bias_grad:
        return gw
    return gw, (channel_sums(gy) if gb is None else gb)


def _sums_with_weight_grad(
    x: np.ndarray, gy: np.ndarray, w: np.ndarray, g: ConvGeometry, finite: Finite
) -> bool:
    # Whether the weight gradient's plan is the pointwise path on the kernel threads, which sums
    # gy's channels as it goes (where its kernel runs; else the caller sums them after): then
    # the weight gradient comes first, and the bias gradient costs no pass of its own.
    if w.shape[2:] != (1, 1) or not _conv_plan.pointwise_shared(x.shape[0]):
        return False  # not without a 1x1 kernel and a batch to share: no plan to make
    plan = _conv_plan.plan("weight_grad", x.shape, w.shape, g, finite, cold=_cold(),
                           gy_shape=gy.shape)  # fmt: skip
    return plan.path == "pointwise" and not plan.check


def _weight_grad(
    x: np.ndarray, gy: np.ndarray, w_shape: tuple, g: ConvGeometry, finite: Finite,
    bias_grad: bool, gy_sums: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
    arrays = {"x": x, "gy": gy}
    while True:
        plan, finite = _settle("weight_grad", x.shape, w_shape, g, finite, arrays, gy_sums,
                               gy_shape=gy.shape)  # fmt: skip
        twin = _conv_numpy.weight_grad
        gw, gb = _run(plan, drivers.WEIGHT_GRAD, twin, x, gy, w_shape, g, bias_grad)
        if gw is not None:
            return gw, gb
        finite = (False, finite[1], finite[2])  # the one-pass kernel found inf or NaN in x


# --------------------------------------------------------------------------------------------
# Several results from one call, sharing the reads of their operands


def conv2d_backward(
    x: np.ndarray,
    gy: np.ndarray,
    w: np.ndarray,
    stride: Pair = (1, 1),
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
    groups: int = 1,
    output_mask: tuple[bool, bool, bool] = (True, True, True),
    finite: Finite = _UNKNOWN,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Gradients of ``conv2d_forward(x, w) + b`` with respect to ``x``, ``w`` and ``b`` at once.

    Where a path can, ``gy`` is read once for all of them: the fused Winograd backward, the
    stride-1 direct kernels (thin groups, few input channels), and, for the weight and bias
    gradients, the pointwise path on the kernel threads. Elsewhere this is
    :func:`conv2d_backward_input` and :func:`conv2d_backward_weight`, with each operand checked
    for inf and NaN at most once for both.

    Parameters
    ----------
    x, gy, w : ndarray
        The forward input ``(N, C, H, W)``, the output gradient ``(N, O, OH', OW')`` (as in
        :func:`conv2d_backward_input`) and the weight ``(O, C // groups, kh, kw)``, all of one
        dtype.
    stride, padding, dilation, groups
        As in :func:`conv2d_forward`.
    output_mask : (bool, bool, bool)
        Which of the input, weight and bias gradients to compute.
    finite : (bool or None, bool or None, bool or None)
        What is known of ``x``, ``w`` and ``gy``; None entries are checked where a path needs
        them.

    Returns
    -------
    (ndarray or None, ndarray or None, ndarray or None)
        ``gx`` of x's shape, ``gw`` of w's shape and ``gb = gy.sum(axis=(0, 2, 3))``, each None
        when its ``output_mask`` entry is False.

    Examples
    --------
    >>> x, gy, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))
    >>> gx, gw, gb = conv2d_backward(x, gy, w)
    >>> gx[0, 0], gw[0, 0], gb
    (array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]]), array([[4., 4.],
           [4., 4.]]), array([4.]))
    """
    x = float_nchw("x", x)
    gy = float_nchw("gy", gy)
    w = float_nchw("w", w)
    _same_dtype("x, gy and w", x, gy, w)
    g = ConvGeometry(stride, padding, dilation, groups)
    _check_gy(gy, x.shape[0], w.shape[0], *_output_hw(x.shape, w.shape, g))
    if len(output_mask) != 3:
        raise ValueError(f"output_mask must be 3 bools (input, weight, bias), got {output_mask!r}")
    need_x, need_w, need_b = (bool(v) for v in output_mask)
    arrays = {"x": x, "w": w, "gy": gy}
    plan, finite = _settle("backward", x.shape, w.shape, g, finite, arrays,
                           output_mask=(need_x, need_w, need_b), gy_shape=gy.shape)  # fmt: skip
    gx = gw = gb = None
    if plan.path == "winograd":
        gx, gw, sums = drivers.wino.winograd_backward(x, gy, w, g.padding)
        if np.isfinite(sums).all():
            return gx, gw, (sums.astype(x.dtype) if need_b else None)
        gx = gw = None
        finite = (finite[0], finite[1], False)  # gy holds inf or NaN: the exact paths below
    elif plan.path == "direct_one_pass":
        # With x known to hold inf or NaN only gx comes from this pass.
        xs = None if finite[0] is False else x
        gx, gw, gb = drivers.direct_one_pass(xs, gy, w, x.shape, g, input_grad=need_x)
        if gw is None and xs is not None:
            finite = (False, finite[1], finite[2])  # x holds inf or NaN
        elif gb is not None and any(g.padding) and not np.isfinite(gb).all():
            gw = None  # gy holds inf or NaN, which met the padding: the exact path below
            finite = (finite[0], finite[1], False)
    if (
        need_w
        and gw is None
        and need_b
        and gb is None
        and _sums_with_weight_grad(x, gy, w, g, finite)
    ):
        gw, gb = _weight_grad(x, gy, w.shape, g, finite, True)
    if need_b and gb is None:
        gb = channel_sums(gy)
    if need_x and gx is None:
        plan, finite = _settle("input_grad", x.shape, w.shape, g, finite, arrays, gb,
                               gy_shape=gy.shape)  # fmt: skip
        gx = _run(plan, drivers.INPUT_GRAD, _conv_numpy.input_grad, gy, w, x.shape, g)
    if need_w and gw is None:
        gw = _weight_grad(x, gy, w.shape, g, finite, False, gb)[0]
    return gx, (gw if need_w else None), (gb if need_b else None)


def conv2d_forward_and_weight_grad(
    x: np.ndarray,
    w: np.ndarray,
    gy: np.ndarray,
    stride: Pair = (1, 1),
    padding: Pair = (0, 0),
    dilation: Pair = (1, 1),
    groups: int = 1,
    finite: Finite = _UNKNOWN,
) -> tuple[np.ndarray, np.ndarray]:
    """``conv2d_forward(x, w)`` and ``conv2d_backward_weight(x, gy, w.shape)`` in one call.

    The two can share ``x``'s column matrix (a strided layer) or its transform (a 4x4 stride-2
    layer on the phases path); ``conv_transpose2d``'s backward needs exactly this pair (the
    input gradient is a convolution of the output gradient, the weight gradient the same
    convolution's weight gradient). Where the plan has them share nothing this is the two
    calls. ``finite`` is what is known of ``x``, ``w`` and ``gy``, as in :func:`conv2d_forward`.

    Examples
    --------
    >>> x, w, gy = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))
    >>> y, gw = conv2d_forward_and_weight_grad(x, w, gy, stride=(2, 2))
    >>> y[0, 0], gw[0, 0]
    (array([[4., 4.],
           [4., 4.]]), array([[4., 4.],
           [4., 4.]]))
    """
    x = float_nchw("x", x)
    w = float_nchw("w", w)
    gy = float_nchw("gy", gy)
    _same_dtype("x, w and gy", x, w, gy)
    g = ConvGeometry(stride, padding, dilation, groups)
    out = _output_hw(x.shape, w.shape, g)
    _check_gy(gy, x.shape[0], w.shape[0], *out)
    arrays = {"x": x, "w": w, "gy": gy}
    plan, finite = _settle("forward_and_weight_grad", x.shape, w.shape, g, finite, arrays,
                           gy_shape=gy.shape)  # fmt: skip
    if plan.path == "separate":
        y = conv2d_forward(x, w, *g, finite=finite)
        return y, conv2d_backward_weight(x, gy, w.shape, *g, finite=finite)  # type: ignore[return-value]
    y = np.empty((x.shape[0], w.shape[0], *out), dtype=x.dtype)
    gw = np.empty(w.shape, dtype=x.dtype)
    _PAIRED[plan.path](x, w, gy, g, y, gw)
    return y, gw


def _paired_phases(
    x: np.ndarray, w: np.ndarray, gy: np.ndarray, g: ConvGeometry, y: np.ndarray, gw: np.ndarray
) -> None:
    # The phases kernel for both products, or the shared column matrix standing in for it (as
    # in _run).
    args = (x, w, gy, g, y, gw)
    if not drivers.phases_here(*args):
        drivers.forward_and_weight_gemm(*args)
    elif drivers.PHASES.cold():
        drivers.PHASES.compile_elsewhere(drivers.forward_and_weight_phases, *args)
        drivers.PHASES.run(True, _standing_in(drivers.forward_and_weight_gemm), *args)
    else:
        drivers.forward_and_weight_phases(*args)


_PAIRED = {"shared_gemm": drivers.forward_and_weight_gemm, "phases": _paired_phases}
