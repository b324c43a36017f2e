"""The optimizers' update rules written out in NumPy, independently of ``optim``.

Each ``<name>_step(p, g, state, t, **hyper)`` updates the parameter array ``p`` in place for step
``t`` (1-based) with gradient ``g``; ``state`` is a dict the function fills on first use. Step
counters and NAdam's momentum product are float32 as in PyTorch's (default-dtype) state.
"""

from __future__ import annotations

import numpy as np


def _grad(p, g, lr, weight_decay, maximize, decoupled_weight_decay=False):
    """The gradient after ``maximize`` and L2 weight decay; decoupled decay (AdamW's) shrinks
    ``p`` in place instead."""
    g = -g if maximize else g
    if weight_decay:
        if decoupled_weight_decay:
            p *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * p
    return g


def _adam_moments(p, g, state, b1, b2):
    """Update and return Adam's first and second moment estimates ``m``, ``v``."""
    m = state.setdefault("m", np.zeros_like(p))
    v = state.setdefault("v", np.zeros_like(p))
    m += (1 - b1) * (g - m)
    v *= b2
    v += (1 - b2) * g * g
    return m, v


def sgd_step(p, g, state, t, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
             maximize=False):  # fmt: skip
    g = _grad(p, g, lr, weight_decay, maximize)
    if momentum:
        if "buf" not in state:
            state["buf"] = g.copy()
        else:
            state["buf"] = momentum * state["buf"] + (1 - dampening) * g
        g = g + momentum * state["buf"] if nesterov else state["buf"]
    p -= lr * g


def adam_step(p, g, state, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              amsgrad=False, maximize=False, decoupled_weight_decay=False):  # fmt: skip
    b1, b2 = betas
    g = _grad(p, g, lr, weight_decay, maximize, decoupled_weight_decay)
    m, v = _adam_moments(p, g, state, b1, b2)
    if amsgrad:
        vmax = state.setdefault("vmax", np.zeros_like(p))
        np.maximum(vmax, v, out=vmax)
        v = vmax
    denom = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
    p -= lr / (1 - b1**t) * m / denom


def adamw_step(p, g, state, t, weight_decay=1e-2, **kw):
    adam_step(p, g, state, t, weight_decay=weight_decay, decoupled_weight_decay=True, **kw)


def nadam_step(p, g, state, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
               momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):  # fmt: skip
    b1, b2 = betas
    g = _grad(p, g, lr, weight_decay, maximize, decoupled_weight_decay)
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    prod = np.float32(state.get("mu_product", np.float32(1.0)) * np.float32(mu))
    state["mu_product"] = prod
    prod = float(prod)
    m, v = _adam_moments(p, g, state, b1, b2)
    denom = np.sqrt(v / (1 - b2**t)) + eps
    p -= lr * (1 - mu) / (1 - prod) * g / denom
    p -= lr * mu_next / (1 - prod * mu_next) * m / denom


def radam_step(p, g, state, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
               decoupled_weight_decay=False, maximize=False):  # fmt: skip
    b1, b2 = betas
    g = _grad(p, g, lr, weight_decay, maximize, decoupled_weight_decay)
    m, v = _adam_moments(p, g, state, b1, b2)
    m_hat = m / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    if rho_t > 5:
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        p -= lr * m_hat * r * np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
    else:
        p -= lr * m_hat


def adamax_step(p, g, state, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                maximize=False):  # fmt: skip
    b1, b2 = betas
    g = _grad(p, g, lr, weight_decay, maximize)
    m = state.setdefault("m", np.zeros_like(p))
    u = state.setdefault("u", np.zeros_like(p))
    m += (1 - b1) * (g - m)
    np.maximum(b2 * u, np.abs(g) + eps, out=u)
    p -= lr / (1 - b1**t) * m / u


def adagrad_step(p, g, state, t, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, maximize=False):  # fmt: skip
    g = _grad(p, g, lr, weight_decay, maximize)
    s = state.setdefault("sum", np.full_like(p, initial_accumulator_value))
    s += g * g
    p -= lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)


def adadelta_step(p, g, state, t, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    g = _grad(p, g, lr, weight_decay, maximize)
    v = state.setdefault("v", np.zeros_like(p))
    u = state.setdefault("u", np.zeros_like(p))
    v *= rho
    v += (1 - rho) * g * g
    delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
    u *= rho
    u += (1 - rho) * delta * delta
    p -= lr * delta


def rmsprop_step(p, g, state, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, maximize=False):  # fmt: skip
    g = _grad(p, g, lr, weight_decay, maximize)
    v = state.setdefault("v", np.zeros_like(p))
    v *= alpha
    v += (1 - alpha) * g * g
    if centered:
        a = state.setdefault("a", np.zeros_like(p))
        a += (1 - alpha) * (g - a)
        d = np.sqrt(v - a * a) + eps
    else:
        d = np.sqrt(v) + eps
    if momentum > 0:
        b = state.setdefault("b", np.zeros_like(p))
        b *= momentum
        b += g / d
        p -= lr * b
    else:
        p -= lr * g / d


STEPS = {
    "SGD": sgd_step, "Adam": adam_step, "AdamW": adamw_step, "NAdam": nadam_step,
    "RAdam": radam_step, "Adamax": adamax_step, "Adagrad": adagrad_step,
    "Adadelta": adadelta_step, "RMSprop": rmsprop_step,
}  # fmt: skip
