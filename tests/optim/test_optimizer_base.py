"""The Optimizer base: parameter groups, hyper-parameter checks, zero_grad, state dicts, and a
real training run with every optimizer."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import optim

NAMES = ["SGD", "Adam", "AdamW", "NAdam", "RAdam", "Adamax", "Adagrad", "Adadelta", "RMSprop"]


def _param(*values):
    return autograd.tensor(list(values), dtype=autograd.float64, requires_grad=True)


def test_per_group_options_equal_separate_optimizers():
    a, b = _param(1.0, -2.0), _param(0.5, 3.0)
    a2, b2 = _param(1.0, -2.0), _param(0.5, 3.0)
    grouped = optim.Adam(
        [{"params": [a]}, {"params": [b], "lr": 0.05, "amsgrad": True, "weight_decay": 0.1}],
        lr=0.01,
    )
    sep_a = optim.Adam([a2], lr=0.01)
    sep_b = optim.Adam([b2], lr=0.05, amsgrad=True, weight_decay=0.1)
    for _ in range(20):
        for p in (a, b, a2, b2):
            p.grad = autograd.tensor(np.sin(p.detach().numpy()) + p.detach().numpy() ** 2)
        grouped.step()
        sep_a.step()
        sep_b.step()
    np.testing.assert_array_equal(a.detach().numpy(), a2.detach().numpy())
    np.testing.assert_array_equal(b.detach().numpy(), b2.detach().numpy())
    assert grouped.param_groups[0]["amsgrad"] is False
    assert grouped.param_groups[1]["betas"] == (0.9, 0.999)


def test_per_group_options_match_torch(torch):
    groups = lambda lib, ps: [{"params": [ps[0]], "momentum": 0.9, "nesterov": True},  # noqa: E731
                              {"params": [ps[1]], "lr": 0.5, "weight_decay": 0.2}]  # fmt: skip
    ours = [_param(1.0, -2.0), _param(0.5, 3.0)]
    theirs = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in ours]
    oa = optim.SGD(groups(None, ours), lr=0.01)
    ob = torch.optim.SGD(groups(torch, theirs), lr=0.01)
    for _ in range(30):
        for p, q in zip(ours, theirs):
            g = np.cos(p.detach().numpy()) * 3
            p.grad, q.grad = autograd.tensor(g), torch.tensor(g)
        oa.step()
        ob.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


def test_add_param_group():
    a, b = _param(1.0), _param(2.0)
    opt = optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.2})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["momentum"] == 0.5
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="ordered collection"):
        opt.add_param_group({"params": {_param(3.0)}})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([_param(3.0)])
    with pytest.raises(ValueError, match="lr"):
        opt.add_param_group({"params": [_param(3.0)], "lr": -1.0})
    assert len(opt.param_groups) == 2  # failed additions left nothing behind


def test_named_parameters():
    a, b = _param(1.0), _param(2.0)
    opt = optim.Adam([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_constructor_errors():
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(_param(1.0), lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([_param(1.0) * 2], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        p = _param(1.0)
        optim.SGD([p, p], lr=0.1)


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (optim.Adam, dict(betas=(1.5, 0.9)),
         "Adam: invalid beta parameter at index 0: 1.5 (expected 0 <= beta < 1)"),
        (optim.Adam, dict(betas=(0.9, 1.0)), "index 1"),
        (optim.Adam, dict(lr=-0.1), "Adam: invalid learning rate: -0.1 (expected 0 <= lr)"),
        (optim.Adam, dict(eps=-1.0), "eps"),
        (optim.AdamW, dict(weight_decay=-1.0), "weight_decay"),
        (optim.SGD, dict(momentum=-0.5), "momentum"),
        (optim.SGD, dict(nesterov=True), "nesterov"),
        (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "dampening"),
        (optim.NAdam, dict(momentum_decay=-1.0), "momentum_decay"),
        (optim.RAdam, dict(betas=(0.9, -0.1)), "index 1"),
        (optim.Adamax, dict(betas=(1.0, 0.9)), "index 0"),
        (optim.Adagrad, dict(lr_decay=-1.0), "lr_decay"),
        (optim.Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (optim.Adadelta, dict(rho=1.5), "rho"),
        (optim.RMSprop, dict(alpha=-0.1), "alpha"),
        (optim.RMSprop, dict(momentum=-0.1), "momentum"),
    ],
)  # fmt: skip
def test_hyper_parameter_errors_name_the_argument(cls, kwargs, message):
    with pytest.raises(ValueError) as info:
        cls([_param(1.0)], **kwargs)
    assert message in str(info.value)


def test_non_number_hyper_parameter_is_a_type_error():
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.SGD([_param(1.0)], lr="0.1")


def test_zero_grad():
    p = _param(1.0, 2.0)
    opt = optim.SGD([p], lr=0.1)
    p.grad = autograd.tensor([1.0, 1.0], dtype=autograd.float64)
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


def test_load_state_dict_errors_and_no_aliasing():
    a, b = _param(1.0), _param(2.0)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = b.grad = autograd.tensor([1.0], dtype=autograd.float64)
    opt.step()
    sd = opt.state_dict()
    other = optim.SGD([_param(1.0)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters"):
        other.load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})
    fresh = optim.SGD([a, b], lr=1.0, momentum=0.9)
    fresh.load_state_dict(sd)
    assert fresh.state[a]["momentum_buffer"] is not sd["state"][0]["momentum_buffer"]
    np.testing.assert_array_equal(fresh.state[a]["momentum_buffer"].numpy(), [1.0])


def test_load_state_dict_casts_to_the_parameter_dtype():
    p64 = _param(1.0, 2.0)
    opt = optim.Adam([p64], lr=0.1)
    p64.grad = autograd.tensor([1.0, 1.0], dtype=autograd.float64)
    opt.step()
    p32 = autograd.tensor([1.0, 2.0], requires_grad=True)
    opt32 = optim.Adam([p32], lr=0.1)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[p32]["exp_avg"].dtype == autograd.float32
    assert opt32.state[p32]["step"].dtype == autograd.float32


# ----------------------------------------------------------------------------- real training
def _digits():
    sklearn = pytest.importorskip("sklearn.datasets")
    x, y = sklearn.load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    return x[:600], y[:600]


def _loss(x, y, w1, b1, w2, b2):
    h = autograd.relu(x @ w1 + b1)
    z = h @ w2 + b2
    shift = autograd.tensor(z.detach().numpy().max(axis=1, keepdims=True))
    log_probs = (z - shift) - autograd.log(autograd.exp(z - shift).sum(dim=1, keepdim=True))
    onehot = np.zeros(z.shape, np.float32)
    onehot[np.arange(len(y)), y] = 1.0
    return -(log_probs * autograd.tensor(onehot)).sum() / len(y)


LR = {"SGD": 0.5, "Adam": 0.01, "AdamW": 0.01, "NAdam": 0.01, "RAdam": 0.03, "Adamax": 0.02,
      "Adagrad": 0.1, "Adadelta": 1.0, "RMSprop": 0.005}  # fmt: skip


@pytest.mark.parametrize("name", NAMES + ["LBFGS"])
def test_mlp_trains_on_digits(name):
    x_np, y = _digits()
    rng = np.random.default_rng(0)
    shapes = [(64, 32), (32,), (32, 10), (10,)]
    params = [
        autograd.tensor((rng.standard_normal(s) * (0.3 if len(s) == 2 else 0.0)).astype(np.float32),
                        requires_grad=True)
        for s in shapes
    ]  # fmt: skip
    x = autograd.tensor(x_np)
    if name == "LBFGS":
        opt = optim.LBFGS(params, line_search_fn="strong_wolfe", max_iter=10)
    elif name == "SGD":
        opt = optim.SGD(params, lr=LR[name], momentum=0.9)
    else:
        opt = getattr(optim, name)(params, lr=LR[name])

    def closure():
        opt.zero_grad()
        loss = _loss(x, y, *params)
        loss.backward()
        return loss

    first = closure().item()
    for _ in range(8 if name == "LBFGS" else 60):
        opt.step(closure)
    final = _loss(x, y, *params).item()
    assert final < 0.5 * first, (first, final)
