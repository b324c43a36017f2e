"""Optimizer trajectories against PyTorch and against the NumPy update rules in reference.py.

The objective mixes a scaled quadratic, a Rosenbrock-like coupled term and a quartic over three
parameter tensors. Its gradient is written out in NumPy and handed to every implementation, so
any difference in the trajectories comes from the optimizers alone.
"""

from __future__ import annotations

import copy

import numpy as np
import optim_reference as reference
import pytest

import autograd
import optim

STEPS = 100
RTOL, ATOL = 1e-10, 1e-12

START = [
    np.array([1.5, -2.0, 0.7]),
    np.array([[-1.2, 1.0], [0.5, 0.8]]),
    np.array([0.3, -0.4, 1.1, 2.0]),
]
SCALE = np.array([1.0, 3.0, 0.5])


def objective_grads(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Gradient of sum(SCALE a^2) + sum((1 - b0)^2 + 5 (b1 - b0^2)^2) + sum(c^4 / 4 - c)."""
    a, b, c = arrays
    b0, b1 = b[:, 0], b[:, 1]
    gb = np.empty_like(b)
    gb[:, 0] = -2 * (1 - b0) - 20 * b0 * (b1 - b0**2)
    gb[:, 1] = 10 * (b1 - b0**2)
    return [2 * SCALE * a, gb, c**3 - 1]


CONFIGS = {
    "SGD": [
        dict(lr=0.01), dict(lr=0.01, momentum=0.9), dict(lr=0.01, momentum=0.9, dampening=0.3),
        dict(lr=0.01, momentum=0.9, nesterov=True), dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.01, maximize=True),
        dict(lr=0.01, momentum=0.5, weight_decay=0.05, nesterov=True, maximize=True),
    ],
    "Adam": [
        dict(lr=0.01), dict(lr=0.01, amsgrad=True), dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
        dict(lr=0.01, maximize=True), dict(lr=0.01, betas=(0.3, 0.9), eps=1e-3),
        dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.05, amsgrad=True, maximize=True),
    ],
    "AdamW": [
        dict(lr=0.01), dict(lr=0.01, weight_decay=0.1, amsgrad=True),
        dict(lr=0.01, maximize=True, weight_decay=0),
    ],
    "NAdam": [
        dict(lr=0.01), dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
        dict(lr=0.01, momentum_decay=0.01, betas=(0.8, 0.99)), dict(lr=0.01, maximize=True),
    ],
    "RAdam": [
        dict(lr=0.01), dict(lr=0.01, weight_decay=0.1),
        dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
        dict(lr=0.01, betas=(0.9, 0.99)), dict(lr=0.01, maximize=True),
    ],
    "Adamax": [
        dict(lr=0.01), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, betas=(0.5, 0.9)),
        dict(lr=0.01, maximize=True, eps=1e-3),
    ],
    "Adagrad": [
        dict(lr=0.05), dict(lr=0.05, lr_decay=0.01), dict(lr=0.05, weight_decay=0.1),
        dict(lr=0.05, initial_accumulator_value=0.5, eps=1e-5), dict(lr=0.05, maximize=True),
    ],
    "Adadelta": [
        dict(), dict(lr=0.5, rho=0.8, eps=1e-4), dict(weight_decay=0.1), dict(maximize=True),
    ],
    "RMSprop": [
        dict(lr=0.001), dict(lr=0.001, alpha=0.9), dict(lr=0.001, centered=True),
        dict(lr=0.001, momentum=0.9), dict(lr=0.001, weight_decay=0.1),
        dict(lr=0.001, centered=True, momentum=0.5, maximize=True, eps=1e-4),
    ],
}  # fmt: skip

CASES = [(name, cfg) for name, cfgs in CONFIGS.items() for cfg in cfgs]
IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in cfg.items()) or 'defaults'}" for name, cfg in CASES
]


def _grads(arrays: list[np.ndarray], cfg: dict) -> list[np.ndarray]:
    # maximize=True is fed the negated gradient, so it still descends the same objective
    g = objective_grads(arrays)
    return [-x for x in g] if cfg.get("maximize") else g


def run(lib, name, cfg, steps=STEPS, dtype=np.float64, start=START):
    """The trajectory of optimizer ``name`` from ``lib`` (autograd, or torch as the oracle)."""
    optimizers = optim if lib is autograd else lib.optim
    params = [lib.tensor(x.astype(dtype), requires_grad=True) for x in start]
    opt = getattr(optimizers, name)(params, **cfg)
    out = []
    for _ in range(steps):
        grads = _grads([p.detach().numpy().astype(np.float64) for p in params], cfg)
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g.astype(dtype))
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def run_reference(name, cfg, steps=STEPS):
    params = [x.copy() for x in START]
    states = [{} for _ in params]
    step = reference.STEPS[name]
    out = []
    for t in range(1, steps + 1):
        grads = objective_grads(params)
        for p, g, s in zip(params, grads, states):
            step(p, -g if cfg.get("maximize") else g, s, t, **cfg)
        out.append([p.copy() for p in params])
    return out


def assert_trajectories_close(ours, theirs, rtol=RTOL, atol=ATOL):
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(
                x, y, rtol=rtol, atol=atol, err_msg=f"step {t + 1}, param {i}"
            )


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=IDS)
def test_matches_numpy_update_rule(name, cfg):
    ours = run(autograd, name, cfg)
    assert_trajectories_close(ours, run_reference(name, cfg))
    # the run must actually move: a silently skipped update would pass trivially otherwise
    assert not np.allclose(ours[-1][1], START[1])


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=IDS)
def test_matches_torch(torch, name, cfg):
    assert_trajectories_close(run(autograd, name, cfg), run(torch, name, cfg))


@pytest.mark.parametrize(
    ("name", "cfg"),
    [("SGD", dict(lr=0.01, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.01, amsgrad=True)),
     ("AdamW", dict(lr=0.01)), ("RMSprop", dict(lr=0.001, centered=True))],
)  # fmt: skip
def test_float32_matches_torch(torch, name, cfg):
    """float32 parameters take the fused kernels; they must round like PyTorch's float32 ops."""
    ours = run(autograd, name, cfg, steps=30, dtype=np.float32)
    theirs = run(torch, name, cfg, steps=30, dtype=np.float32)
    assert ours[-1][0].dtype == np.float32
    assert_trajectories_close(ours, theirs, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=IDS)
def test_non_contiguous_parameter_takes_the_same_path(name, cfg):
    """A transposed (non-contiguous) parameter must follow the same trajectory."""
    base = START[1].T.copy()
    p = autograd.tensor(base, requires_grad=True)
    view = autograd.from_numpy(p.detach().numpy().T)  # shares storage, not C-contiguous
    view.requires_grad_(True)
    contiguous = autograd.tensor(START[1], requires_grad=True)
    opt_a = getattr(optim, name)([view], **cfg)
    opt_b = getattr(optim, name)([contiguous], **cfg)
    for _ in range(10):
        g = _grads([START[0], contiguous.detach().numpy(), START[2]], cfg)[1]
        view.grad = autograd.tensor(g)
        contiguous.grad = autograd.tensor(g)
        opt_a.step()
        opt_b.step()
    np.testing.assert_allclose(view.detach().numpy(), contiguous.detach().numpy(), rtol=1e-13)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_parameter_without_grad_is_skipped(name):
    used = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    unused = autograd.tensor([3.0, 4.0], dtype=autograd.float64, requires_grad=True)
    opt = getattr(optim, name)([used, unused], lr=0.1)
    for _ in range(3):
        used.grad = autograd.tensor(2 * used.detach().numpy())
        opt.step()
    np.testing.assert_array_equal(unused.detach().numpy(), [3.0, 4.0])
    assert not np.array_equal(used.detach().numpy(), [1.0, 2.0])
    if name != "Adagrad":  # Adagrad creates its state eagerly, as PyTorch's does
        assert unused not in opt.state


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=IDS)
def test_resume_from_state_dict_is_bit_exact(name, cfg):
    full = run(autograd, name, cfg, steps=40)
    params = [autograd.tensor(x, requires_grad=True) for x in START]
    opt = getattr(optim, name)(params, **cfg)

    def advance(opt, params, n):
        for _ in range(n):
            grads = _grads([p.detach().numpy() for p in params], cfg)
            for p, g in zip(params, grads):
                p.grad = autograd.tensor(g)
            opt.step()

    advance(opt, params, 25)
    saved = copy.deepcopy(opt.state_dict())
    values = [p.detach().numpy().copy() for p in params]
    del opt, params
    params = [autograd.tensor(v, requires_grad=True) for v in values]
    defaults = {k: v for k, v in cfg.items() if k != "lr"}
    resumed = getattr(optim, name)(params, lr=123.0, **defaults)  # lr must come from the dict
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == saved["param_groups"][0]["lr"] != 123.0
    advance(resumed, params, 15)
    for x, y in zip(params, full[-1]):
        np.testing.assert_array_equal(x.detach().numpy(), y)


def test_state_dict_layout_matches_torch(torch):
    ours = [autograd.tensor(x, requires_grad=True) for x in START]
    theirs = [torch.tensor(x, requires_grad=True) for x in START]
    a = optim.Adam([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.1}], amsgrad=True)
    b = torch.optim.Adam([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.1}], amsgrad=True)
    for p, q, g in zip(ours, theirs, objective_grads(START)):
        p.grad, q.grad = autograd.tensor(g), torch.tensor(g)
    a.step()
    b.step()
    sa, sb = a.state_dict(), b.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    assert list(sa["state"]) == list(sb["state"])
    for k in sa["state"]:
        assert list(sa["state"][k]) == list(sb["state"][k])
        for key, v in sa["state"][k].items():
            assert isinstance(v, autograd.Tensor)
            np.testing.assert_allclose(v.numpy(), sb["state"][k][key].numpy(), rtol=1e-12)
            assert v.dtype == sb["state"][k][key].numpy().dtype


def _convert(value, tensor_type, make):
    """``value`` with every tensor_type inside it rebuilt by ``make(array)``."""
    if isinstance(value, tensor_type):
        return make(np.array(value.detach().numpy()))
    if isinstance(value, dict):
        return {k: _convert(v, tensor_type, make) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_convert(v, tensor_type, make) for v in value)
    return value


def _advance(lib, opt, params, cfg, steps):
    out = []
    for _ in range(steps):
        grads = _grads([p.detach().numpy() for p in params], cfg)
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


@pytest.mark.parametrize(("name", "cfg"), CASES, ids=IDS)
def test_state_dict_moves_between_torch_and_us(torch, name, cfg):
    """Each library's state dict, its tensors converted, resumes the other library's run."""
    libs = {"ours": (autograd, optim), "torch": (torch, torch.optim)}
    for source, target in [("ours", "torch"), ("torch", "ours")]:
        (src_lib, src_optim), (dst_lib, dst_optim) = libs[source], libs[target]
        params = [src_lib.tensor(x, requires_grad=True) for x in START]
        opt = getattr(src_optim, name)(params, **cfg)
        _advance(src_lib, opt, params, cfg, 12)
        values = [p.detach().numpy().copy() for p in params]
        saved = _convert(opt.state_dict(), type(params[0]), dst_lib.tensor)  # copies
        expected = _advance(src_lib, opt, params, cfg, 8)  # the source's own continuation
        moved = [dst_lib.tensor(v, requires_grad=True) for v in values]
        resumed = getattr(dst_optim, name)(moved, **cfg)
        resumed.load_state_dict(saved)
        loaded = resumed.state_dict()
        assert loaded["param_groups"] == saved["param_groups"]
        assert list(loaded["state"]) == list(saved["state"])
        for k, entry in loaded["state"].items():
            assert list(entry) == list(saved["state"][k]), (source, k)
            if target == "ours":  # PyTorch's dtypes kept (the step counter stays float32)
                for key, v in entry.items():
                    assert v.dtype == saved["state"][k][key].dtype, key
        # PyTorch casts a loaded NAdam mu_product to the parameter's dtype (float64 here) while
        # an uninterrupted run keeps it float32, so its resumed run rounds differently.
        rtol = 1e-6 if (name, target) == ("NAdam", "torch") else RTOL
        assert_trajectories_close(_advance(dst_lib, resumed, moved, cfg, 8), expected, rtol=rtol)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_defaults_match_torch(torch, name):
    import inspect

    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(ours) == list(theirs)
    for arg, spec in theirs.items():
        assert ours[arg].default == spec.default, arg
        assert ours[arg].kind == spec.kind, arg


def test_lbfgs_signature_matches_torch(torch):
    import inspect

    ours = inspect.signature(optim.LBFGS).parameters
    theirs = inspect.signature(torch.optim.LBFGS).parameters
    assert [(k, v.default) for k, v in ours.items()] == [(k, v.default) for k, v in theirs.items()]


def test_gradients_from_autograd_backward():
    """The usual loop: loss.backward() fills .grad, step() reads it, zero_grad() clears it."""
    w = autograd.tensor([3.0, -1.0], dtype=autograd.float64, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.5)
    ref = np.array([3.0, -1.0])
    state = {}
    for t in range(1, 21):
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        reference.sgd_step(ref, 2 * ref, state, t, lr=0.1, momentum=0.5)
        opt.step()
    assert w.grad is not None
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-14)
    opt.zero_grad()
    assert w.grad is None


def test_step_bumps_the_version_counter():
    """A tensor saved for backward and then changed by step() must be detected."""
    for name in CONFIGS:
        w = autograd.tensor([1.0, 2.0], requires_grad=True)
        opt = getattr(optim, name)([w], lr=0.1)
        y = (w * w).sum()
        w.grad = autograd.ones(2)
        opt.step()
        with pytest.raises(RuntimeError):
            y.backward()


def test_step_returns_closure_loss():
    w = autograd.tensor([1.0], requires_grad=True)
    opt = optim.Adam([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 1.0
    assert w.item() < 1.0
