"""Optimizer updates: one compiled pass over a parameter, its gradient and its state.

One kernel per algorithm; the algorithm's options arrive as flags or as coefficients.

Calling convention
------------------
``kernel(param, grad, *state, coef, *flags)``: ``param`` and the state arrays are updated in
place; all arrays are 1-D, C-contiguous and of one floating dtype (an unused state array may be
empty). ``coef`` holds the update's scalars in that same dtype, in the order the kernel unpacks
them, so the arithmetic stays in the arrays' precision as PyTorch computes a float32 update in
float32. Each scalar that PyTorch computes in Python (bias corrections, ``-lr``, ``1 - beta``) is
computed by the caller, in double precision, and rounded once, as PyTorch does when it hands a
Python float to a tensor op.

Each element goes through the operations of PyTorch's single-tensor CPU implementation in the
same order, so trajectories agree to rounding (PyTorch may fuse ``a + alpha * b`` into one
multiply-add where we round twice). The flags are the same for every element: the branches they
control are predictable and do not stop LLVM from vectorizing the loops.
"""

from __future__ import annotations

import numpy as np

from ._jit import StandIn, jit, prange

__all__ = [
    "sgd_update", "adam_update", "nadam_update", "radam_update", "adamax_update",
    "adagrad_update", "adadelta_update", "rmsprop_update",
]  # fmt: skip


# ------------------------------------------------------------------------- shared element math
@jit(error_model="numpy")
def _gradient(grad, param, sign, weight_decay):
    # maximize (sign = -1) and L2 weight decay; the decay is skipped when it is zero, so an
    # infinite parameter does not turn the gradient into 0 * inf = NaN.
    g = sign * grad
    if weight_decay != 0:
        g = g + weight_decay * param
    return g


@jit(error_model="numpy")
def _lerp(start, end, weight):
    # torch.lerp: the formula switches at weight 0.5 so that the result is exact at both ends;
    # 1 - weight is rounded in the arrays' dtype, as PyTorch computes it.
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (type(weight)(1) - weight)


@jit(error_model="numpy")
def _maximum(a, b):
    # torch.maximum: NaN in either operand wins.
    return a if (a > b or a != a) else b


@jit(error_model="numpy")
def _moments(exp_avg, exp_avg_sq, g, w1, beta2, w2):
    # Adam's moment estimates: m <- lerp(m, g, 1 - beta1); v <- beta2 * v + (1 - beta2) * g * g
    return _lerp(exp_avg, g, w1), exp_avg_sq * beta2 + w2 * g * g


# ------------------------------------------------------------------------------------ kernels
# Each kernel is a parallel loop over the elements (each iteration writes its own). An
# optimizer calls it once per parameter, back to back, so the threads are still spinning from
# the call before: from a quarter of a megabyte of arrays the parallel machine code pays (SGD
# with momentum over 20 parameters of 50 000 values: 0.52 -> 0.35 ms on two threads).
_PARALLEL = {"parallel": True, "min_bytes": 1 << 18}


@jit(error_model="numpy", warm=True, **_PARALLEL)
def sgd_update(param, grad, buf, coef, has_momentum, first, nesterov):
    # coef: -lr, sign, weight_decay, momentum, 1 - dampening. ``first``: the buffer starts as g.
    neg_lr, sign, weight_decay, momentum, keep = coef
    if has_momentum and buf.size != param.size:
        raise ValueError("sgd_update: with momentum, buf must have param's size")
    for i in prange(param.size):
        g = _gradient(grad[i], param[i], sign, weight_decay)
        if has_momentum:
            b = g if first else buf[i] * momentum + keep * g
            buf[i] = b
            g = g + momentum * b if nesterov else b
        param[i] += neg_lr * g


@jit(error_model="numpy", warm=True, **_PARALLEL)
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, coef, amsgrad):
    # coef: sign, weight_decay, decay (1 - lr * wd for decoupled decay, else 1), 1 - beta1,
    # beta2, 1 - beta2, eps, -lr / bias_correction1, sqrt(bias_correction2).
    sign, weight_decay, decay, w1, beta2, w2, eps, neg_step, bc2_sqrt = coef
    if amsgrad and max_exp_avg_sq.size != param.size:
        raise ValueError("adam_update: with amsgrad, max_exp_avg_sq must have param's size")
    for i in prange(param.size):
        p = param[i] * decay
        g = _gradient(grad[i], p, sign, weight_decay)
        m, v = _moments(exp_avg[i], exp_avg_sq[i], g, w1, beta2, w2)
        exp_avg[i], exp_avg_sq[i] = m, v
        if amsgrad:
            v = _maximum(max_exp_avg_sq[i], v)
            max_exp_avg_sq[i] = v
        param[i] = p + neg_step * m / (np.sqrt(v) / bc2_sqrt + eps)


def _adam_numpy(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, coef, amsgrad):
    # _adam_kernel's element operations, in the same order, as NumPy passes over whole arrays.
    sign, weight_decay, decay, w1, beta2, w2, eps, neg_step, bc2_sqrt = coef
    if amsgrad and max_exp_avg_sq.size != param.size:
        raise ValueError("adam_update: with amsgrad, max_exp_avg_sq must have param's size")
    p = param * decay
    g = sign * grad
    if weight_decay != 0:
        g = g + weight_decay * p
    if w1 < 0.5:
        m = exp_avg + w1 * (g - exp_avg)
    else:
        m = g - (g - exp_avg) * (w1.dtype.type(1) - w1)
    v = exp_avg_sq * beta2 + w2 * g * g
    exp_avg[:] = m
    exp_avg_sq[:] = v
    if amsgrad:
        v = np.maximum(max_exp_avg_sq, v)  # NaN in either wins, as torch.maximum
        max_exp_avg_sq[:] = v
    param[:] = p + neg_step * m / (np.sqrt(v) / bc2_sqrt + eps)


# Until the kernel pays for its compile, its NumPy twin stands in (see "Stand-in paths" in
# autograd.kernels._jit).
_ADAM = StandIn(_adam_kernel)


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, coef, amsgrad):
    """Adam's and AdamW's update of one parameter, in place (the module's calling convention).

    ``coef``: sign, weight_decay, decay (``1 - lr * wd`` for decoupled decay, else 1),
    ``1 - beta1``, ``beta2``, ``1 - beta2``, ``eps``, ``-lr / bias_correction1``,
    ``sqrt(bias_correction2)``; ``max_exp_avg_sq`` is used with ``amsgrad`` only.

    Examples
    --------
    >>> p, g = np.array([1.0]), np.array([0.5])
    >>> m, v = np.zeros(1), np.zeros(1)
    >>> adam_update(p, g, m, v, np.empty(0), np.array([1, 0, 1, 0.1, 0.999, 0.001, 1e-8,
    ...             -0.1 / 0.1, np.sqrt(0.001)]), False)
    >>> p.round(6), m, v
    (array([0.9]), array([0.05]), array([0.00025]))
    """
    state = exp_avg, exp_avg_sq, max_exp_avg_sq
    _ADAM.call(_adam_kernel, _adam_numpy, param, grad, *state, coef, amsgrad)


@jit(error_model="numpy", **_PARALLEL)
def nadam_update(param, grad, exp_avg, exp_avg_sq, coef):
    # coef: as adam_update's up to 1 - beta2, then bias_correction2, eps, and the coefficients
    # of g / denom and of m / denom.
    sign, weight_decay, decay, w1, beta2, w2, bc2, eps, grad_coef, avg_coef = coef
    for i in prange(param.size):
        p = param[i] * decay
        g = _gradient(grad[i], p, sign, weight_decay)
        m, v = _moments(exp_avg[i], exp_avg_sq[i], g, w1, beta2, w2)
        exp_avg[i], exp_avg_sq[i] = m, v
        denom = np.sqrt(v / bc2) + eps
        p = p + grad_coef * g / denom
        param[i] = p + avg_coef * m / denom


@jit(error_model="numpy", **_PARALLEL)
def radam_update(param, grad, exp_avg, exp_avg_sq, coef, rectified):
    # coef: as adam_update's up to 1 - beta2, then bias_correction1, lr,
    # sqrt(bias_correction2), eps and the rectification factor r.
    sign, weight_decay, decay, w1, beta2, w2, bc1, lr, bc2_sqrt, eps, rect = coef
    for i in prange(param.size):
        p = param[i] * decay
        g = _gradient(grad[i], p, sign, weight_decay)
        m, v = _moments(exp_avg[i], exp_avg_sq[i], g, w1, beta2, w2)
        exp_avg[i], exp_avg_sq[i] = m, v
        step = m / bc1 * lr
        if rectified:
            step = step * (bc2_sqrt / (np.sqrt(v) + eps)) * rect
        param[i] = p - step


@jit(error_model="numpy", **_PARALLEL)
def adamax_update(param, grad, exp_avg, exp_inf, coef):
    # coef: sign, weight_decay, 1 - beta1, beta2, eps, -lr / bias_correction1.
    sign, weight_decay, w1, beta2, eps, neg_clr = coef
    for i in prange(param.size):
        g = _gradient(grad[i], param[i], sign, weight_decay)
        m = _lerp(exp_avg[i], g, w1)
        exp_avg[i] = m
        u = _maximum(exp_inf[i] * beta2, np.abs(g) + eps)
        exp_inf[i] = u
        param[i] += neg_clr * m / u


@jit(error_model="numpy", **_PARALLEL)
def adagrad_update(param, grad, state_sum, coef):
    # coef: sign, weight_decay, eps, -lr / (1 + (t - 1) * lr_decay).
    sign, weight_decay, eps, neg_clr = coef
    for i in prange(param.size):
        g = _gradient(grad[i], param[i], sign, weight_decay)
        s = state_sum[i] + g * g
        state_sum[i] = s
        param[i] += neg_clr * g / (np.sqrt(s) + eps)


@jit(error_model="numpy", **_PARALLEL)
def adadelta_update(param, grad, square_avg, acc_delta, coef):
    # coef: sign, weight_decay, rho, 1 - rho, eps, -lr.
    sign, weight_decay, rho, w, eps, neg_lr = coef
    for i in prange(param.size):
        g = _gradient(grad[i], param[i], sign, weight_decay)
        v = square_avg[i] * rho + w * g * g
        square_avg[i] = v
        u = acc_delta[i]
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        acc_delta[i] = u * rho + w * delta * delta
        param[i] += neg_lr * delta


@jit(error_model="numpy", **_PARALLEL)
def rmsprop_update(param, grad, square_avg, grad_avg, buf, coef, centered, has_momentum):
    # coef: sign, weight_decay, alpha, 1 - alpha, eps, momentum, -lr.
    sign, weight_decay, alpha, w, eps, momentum, neg_lr = coef
    if (centered and grad_avg.size != param.size) or (has_momentum and buf.size != param.size):
        raise ValueError("rmsprop_update: grad_avg (centered) or buf (momentum) is missing")
    for i in prange(param.size):
        g = _gradient(grad[i], param[i], sign, weight_decay)
        v = square_avg[i] * alpha + w * g * g
        square_avg[i] = v
        if centered:
            a = _lerp(grad_avg[i], g, w)
            grad_avg[i] = a
            v = v - a * a
        avg = np.sqrt(v) + eps
        if has_momentum:
            b = buf[i] * momentum + g / avg
            buf[i] = b
            param[i] += neg_lr * b
        else:
            param[i] += neg_lr * g / avg
