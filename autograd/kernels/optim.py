"""Fused optimizer updates: one pass over a parameter and its state instead of one per op.

Arrays are 1-D, C-contiguous and of one floating dtype; scalars come in that same dtype so the
arithmetic stays in the arrays' precision (as PyTorch computes a float32 update in float32). The
order of operations follows PyTorch's single-tensor CPU implementations so that trajectories
agree to rounding.

The loops are kept free of data-dependent branches so LLVM vectorizes them: options enter as
coefficients (``sign`` is +1 or -1, a weight decay that does not apply is 0, a decay factor that
does not apply is 1), which for finite values gives exactly the result of the branchy form.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

__all__ = ["sgd_update", "adam_update", "amsgrad_update"]


def _sgd_update(param, grad, buf, neg_lr, sign, weight_decay, momentum, keep, mode):
    # g = sign * grad + weight_decay * p, then by ``mode``:
    #   0: p += neg_lr * g                        (no momentum)
    #   1: b = g; p += neg_lr * g                             (first momentum step)
    #   2: b = g; p += neg_lr * (g + momentum * g)            (first Nesterov step)
    #   3: b = momentum * b + keep * g; p += neg_lr * b
    #   4: b = momentum * b + keep * g; p += neg_lr * (g + momentum * b)     (Nesterov)
    n = param.size
    if mode == 0:
        for i in range(n):
            p = param[i]
            param[i] = p + neg_lr * (sign * grad[i] + weight_decay * p)
    elif mode == 1:
        for i in range(n):
            p = param[i]
            g = sign * grad[i] + weight_decay * p
            buf[i] = g
            param[i] = p + neg_lr * g
    elif mode == 2:
        for i in range(n):
            p = param[i]
            g = sign * grad[i] + weight_decay * p
            buf[i] = g
            param[i] = p + neg_lr * (g + momentum * g)
    elif mode == 3:
        for i in range(n):
            p = param[i]
            g = sign * grad[i] + weight_decay * p
            b = buf[i] * momentum + keep * g
            buf[i] = b
            param[i] = p + neg_lr * b
    else:
        for i in range(n):
            p = param[i]
            g = sign * grad[i] + weight_decay * p
            b = buf[i] * momentum + keep * g
            buf[i] = b
            param[i] = p + neg_lr * (g + momentum * b)


sgd_update = jit(_sgd_update, error_model="numpy")


def _adam_update(param, grad, exp_avg, exp_avg_sq, sign, weight_decay, decay, w1, lerp_low,
                 beta2, w2, eps, neg_step_size, bias_correction2_sqrt):  # fmt: skip
    # p *= decay; g = sign * grad + weight_decay * p; m = lerp(m, g, w1);
    # v = beta2 v + (w2 g) g; p += neg_step_size * m / (sqrt(v) / bc2_sqrt + eps)
    # PyTorch's lerp switches formula at weight 0.5 (m + w (g - m) below, g - (1 - w)(g - m)
    # above); both are "base + coef * (g - m)".
    coef = w1 if lerp_low else -(1 - w1)
    for i in range(param.size):
        p = param[i] * decay
        g = sign * grad[i] + weight_decay * p
        m = exp_avg[i]
        base = m if lerp_low else g
        m = base + coef * (g - m)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + w2 * g * g
        exp_avg_sq[i] = v
        denom = np.sqrt(v) / bias_correction2_sqrt + eps
        param[i] = p + neg_step_size * m / denom


adam_update = jit(_adam_update, error_model="numpy")


def _amsgrad_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, sign, weight_decay, decay,
                    w1, lerp_low, beta2, w2, eps, neg_step_size,
                    bias_correction2_sqrt):  # fmt: skip
    # As _adam_update, with v_max = max(v_max, v) (NaN-propagating, as torch.maximum) in the
    # denominator.
    coef = w1 if lerp_low else -(1 - w1)
    for i in range(param.size):
        p = param[i] * decay
        g = sign * grad[i] + weight_decay * p
        m = exp_avg[i]
        base = m if lerp_low else g
        m = base + coef * (g - m)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + w2 * g * g
        exp_avg_sq[i] = v
        vmax = max_exp_avg_sq[i]
        vmax = v if (v > vmax or v != v) else vmax
        max_exp_avg_sq[i] = vmax
        denom = np.sqrt(vmax) / bias_correction2_sqrt + eps
        param[i] = p + neg_step_size * m / denom


amsgrad_update = jit(_amsgrad_update, error_model="numpy")
