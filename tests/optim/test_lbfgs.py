"""LBFGS on Rosenbrock, against PyTorch's trajectory and on its own (convergence, resume)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd
import optim

START = [np.array([-1.5, 2.0]), np.array([0.5, -0.3, 1.2])]


def rosenbrock(arrays: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    """Rosenbrock over the concatenation of the arrays, with its gradient."""
    x = np.concatenate(arrays)
    f = np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return float(f), np.split(g, np.cumsum([a.size for a in arrays])[:-1])


def _closure(opt, params, make):
    def closure():
        opt.zero_grad()
        f, grads = rosenbrock([p.detach().numpy() for p in params])
        for p, g in zip(params, grads):
            p.grad = make(g)
        return f

    return closure


def run(lib, kwargs, steps):
    """``steps`` LBFGS steps from ``lib`` (autograd, or torch as the oracle): the losses and
    parameters after each, and the optimizer."""
    optimizers = optim if lib is autograd else lib.optim
    params = [lib.tensor(x, requires_grad=True) for x in START]
    opt = optimizers.LBFGS(params, **kwargs)
    closure = _closure(opt, params, lib.tensor)
    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append((loss, [p.detach().numpy().copy() for p in params]))
    return out, opt


CONFIGS = [
    dict(lr=0.1), dict(lr=1, max_iter=5, history_size=3),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=4, max_iter=7, max_eval=12),
    dict(line_search_fn="strong_wolfe", lr=0.5, tolerance_change=1e-5),
]  # fmt: skip


@pytest.mark.parametrize(
    "kwargs", CONFIGS, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items())
)
def test_matches_torch(torch, kwargs):
    ours, opt = run(autograd, kwargs, 6)
    theirs, topt = run(torch, kwargs, 6)
    for (la, pa), (lb, pb) in zip(ours, theirs):
        assert la == pytest.approx(float(lb), rel=1e-10, abs=1e-14)
        for x, y in zip(pa, pb):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)
    sa, sb = opt.state[opt.param_groups[0]["params"][0]], topt.state[topt._params[0]]
    assert sa["func_evals"] == sb["func_evals"]
    assert sa["n_iter"] == sb["n_iter"]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_converges_on_rosenbrock(line_search_fn):
    kwargs = dict(line_search_fn=line_search_fn, max_iter=50, history_size=10)
    if line_search_fn is None:
        kwargs["lr"] = 0.2
    out, _ = run(autograd, kwargs, 40)
    # 5-d Rosenbrock has a local minimum near x0 = -1 besides (1, ..., 1): check stationarity
    f, grads = rosenbrock(out[-1][1])
    assert np.abs(np.concatenate(grads)).max() < 1e-3
    assert f < 4.0 < out[0][0]


def test_resume_from_state_dict_is_bit_exact():
    kwargs = dict(line_search_fn="strong_wolfe", history_size=5, max_iter=4)
    full, _ = run(autograd, kwargs, 6)
    part, opt = run(autograd, kwargs, 3)
    saved = copy.deepcopy(opt.state_dict())
    params = [autograd.tensor(x, requires_grad=True) for x in part[-1][1]]
    resumed = optim.LBFGS(params, **kwargs)
    resumed.load_state_dict(saved)
    closure = _closure(resumed, params, autograd.tensor)
    for _ in range(3):
        resumed.step(closure)
    for p, x in zip(params, full[-1][1]):
        np.testing.assert_array_equal(p.detach().numpy(), x)


def test_closure_with_autograd_backward():
    x = autograd.tensor([-1.2, 1.0], dtype=autograd.float64, requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=100)

    def closure():
        opt.zero_grad()
        a, b = x[0], x[1]
        loss = 100 * (b - a * a) ** 2 + (1 - a) ** 2
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-4)


def test_invalid_arguments():
    p = autograd.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="lr"):
        optim.LBFGS([p], lr=-1)
    with pytest.raises(ValueError, match="history_size"):
        optim.LBFGS([p], history_size=0)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [autograd.zeros(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([p]).step(None)
