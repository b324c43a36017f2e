"""Hyper-parameter checks (optim/_checks.py): every optimizer refuses each bad value with an
error that names the argument, what came in and what was expected, whether the value reaches it
through the constructor, an edited parameter group or the update function."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import optim

# (optimizer, keyword arguments, error, what the message must contain)
BAD = [
    ("SGD", dict(lr="x"), TypeError, "SGD: lr must be a real number, got str"),
    ("SGD", dict(lr=-0.1), ValueError, "SGD: invalid learning rate: -0.1 (expected 0 <= lr)"),
    ("SGD", dict(momentum=-0.5), ValueError, "invalid momentum value: -0.5 (expected 0 <="),
    ("SGD", dict(dampening="x"), TypeError, "dampening must be a real number, got str"),
    ("SGD", dict(weight_decay=-1.0), ValueError, "invalid weight_decay value: -1.0"),
    ("SGD", dict(nesterov="yes"), TypeError, "SGD: nesterov must be a bool, got 'yes'"),
    ("SGD", dict(maximize=1), TypeError, "maximize must be a bool, got 1"),
    ("Adam", dict(eps=-1e-8), ValueError, "Adam: invalid epsilon value: -1e-08 (expected 0 <="),
    ("Adam", dict(eps=[1e-8]), TypeError, "Adam: eps must be a real number, got list"),
    ("Adam", dict(weight_decay=float("nan")), ValueError, "invalid weight_decay value: nan"),
    ("Adam", dict(amsgrad="no"), TypeError, "Adam: amsgrad must be a bool, got 'no'"),
    ("Adam", dict(betas=(0.9, 1.0)), ValueError,
     "Adam: invalid beta parameter at index 1: 1.0 (expected 0 <= beta < 1)"),
    ("Adam", dict(decoupled_weight_decay=0), TypeError, "decoupled_weight_decay must be a bool"),
    ("Adam", dict(foreach="x"), TypeError, "Adam: foreach must be a bool or None, got 'x'"),
    ("AdamW", dict(lr=[0.1]), TypeError, "AdamW: lr must be a real number, got list"),
    ("AdamW", dict(weight_decay=-1.0), ValueError, "AdamW: invalid weight_decay value: -1.0"),
    ("AdamW", dict(betas="ab"), TypeError, "AdamW: betas must be a pair (beta1, beta2), got 'ab'"),
    ("NAdam", dict(momentum_decay=-1.0), ValueError, "NAdam: invalid momentum_decay value: -1.0"),
    ("NAdam", dict(momentum_decay="x"), TypeError, "momentum_decay must be a real number"),
    ("NAdam", dict(betas=(1.0, 0.9)), ValueError, "invalid beta parameter at index 0: 1.0"),
    ("RAdam", dict(lr=float("nan")), ValueError, "RAdam: invalid learning rate: nan"),
    ("RAdam", dict(betas=(0.9, "x")), TypeError, "RAdam: beta must be a real number, got str"),
    ("Adamax", dict(betas=(0.9, -0.5)), ValueError, "invalid beta parameter at index 1: -0.5"),
    ("Adamax", dict(eps="x"), TypeError, "Adamax: eps must be a real number, got str"),
    ("Adagrad", dict(lr_decay=-1.0), ValueError, "Adagrad: invalid lr_decay value: -1.0"),
    ("Adagrad", dict(initial_accumulator_value="x"), TypeError,
     "initial_accumulator_value must be a real number, got str"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), ValueError,
     "invalid initial_accumulator_value value: -1.0 (expected 0 <= initial_accumulator_value)"),
    ("Adagrad", dict(fused="x"), TypeError, "Adagrad: fused must be a bool or None, got 'x'"),
    ("Adadelta", dict(rho=1.5), ValueError,
     "Adadelta: invalid rho value: 1.5 (expected 0 <= rho <= 1)"),
    ("Adadelta", dict(rho="x"), TypeError, "Adadelta: rho must be a real number, got str"),
    ("Adadelta", dict(capturable="x"), TypeError, "capturable must be a bool, got 'x'"),
    ("RMSprop", dict(alpha=-0.1), ValueError, "RMSprop: invalid alpha value: -0.1"),
    ("RMSprop", dict(momentum="x"), TypeError, "RMSprop: momentum must be a real number"),
    ("RMSprop", dict(centered=None), TypeError, "RMSprop: centered must be a bool, got None"),
    ("LBFGS", dict(max_iter=2.5), TypeError, "LBFGS: max_iter must be an int, got float"),
    ("LBFGS", dict(max_iter=0), ValueError, "LBFGS: invalid max_iter: 0 (expected an int >= 1)"),
    ("LBFGS", dict(history_size="x"), TypeError, "history_size must be an int, got str"),
    ("LBFGS", dict(tolerance_grad=-1.0), ValueError, "LBFGS: invalid tolerance_grad: -1.0"),
    ("LBFGS", dict(line_search_fn="armijo"), ValueError,
     "LBFGS: invalid line_search_fn: 'armijo' (expected None or 'strong_wolfe')"),
]  # fmt: skip
IDS = [f"{name}-{','.join(f'{k}={v!r}' for k, v in kw.items())}" for name, kw, _, _ in BAD]


def _param():
    return autograd.tensor([1.0, -2.0], dtype=autograd.float64, requires_grad=True)


@pytest.mark.parametrize(("name", "kwargs", "error", "message"), BAD, ids=IDS)
def test_a_bad_value_is_refused_by_the_constructor(name, kwargs, error, message):
    with pytest.raises(error) as info:
        getattr(optim, name)([_param()], **kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize(("name", "kwargs", "error", "message"), BAD, ids=IDS)
def test_a_bad_value_in_an_added_group_leaves_the_optimizer_unchanged(name, kwargs, error,
                                                                      message):  # fmt: skip
    opt = getattr(optim, name)([_param()])
    with pytest.raises((error, ValueError)) as info:
        opt.add_param_group({"params": [_param()], **kwargs})
    # LBFGS refuses any second group; the others name the bad value
    assert "parameter groups" in str(info.value) if name == "LBFGS" else message in str(info.value)
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "message"), [c for c in BAD if c[0] != "LBFGS"], ids=IDS[:-5]
)
def test_an_edited_group_is_checked_before_any_parameter_moves(name, kwargs, error, message):
    first, second = _param(), _param()
    opt = getattr(optim, name)([{"params": [first]}, {"params": [second]}])
    for p in (first, second):
        p.grad = autograd.ones(2, dtype=autograd.float64)
    opt.param_groups[1].update(kwargs)
    with pytest.raises(error) as info:
        opt.step()
    assert message in str(info.value)
    np.testing.assert_array_equal(first.detach().numpy(), [1.0, -2.0])
    np.testing.assert_array_equal(second.detach().numpy(), [1.0, -2.0])


def _one(*values):
    return [autograd.tensor(list(values), dtype=autograd.float64)]


# Each update function called on one parameter with valid arguments, then one changed.
UPDATES = {
    "sgd": lambda **kw: optim.sgd(
        _one(1.0), _one(0.5), [None], **{**dict(lr=0.1, momentum=0.9, dampening=0,
        weight_decay=0, nesterov=False, maximize=False), **kw}),
    "adam": lambda **kw: optim.adam(
        _one(1.0), _one(0.5), _one(0), _one(0), [], _one(0), **{**dict(amsgrad=False,
        beta1=0.9, beta2=0.999, lr=0.1, weight_decay=0, eps=1e-8, maximize=False), **kw}),
    "nadam": lambda **kw: optim.nadam(
        _one(1.0), _one(0.5), _one(0), _one(0), _one(1), _one(0), **{**dict(beta1=0.9,
        beta2=0.999, lr=0.1, weight_decay=0, momentum_decay=4e-3, eps=1e-8), **kw}),
    "radam": lambda **kw: optim.radam(
        _one(1.0), _one(0.5), _one(0), _one(0), _one(0), **{**dict(beta1=0.9, beta2=0.999,
        lr=0.1, weight_decay=0, eps=1e-8), **kw}),
    "adamax": lambda **kw: optim.adamax(
        _one(1.0), _one(0.5), _one(0), _one(0), _one(0), **{**dict(eps=1e-8, beta1=0.9,
        beta2=0.999, lr=0.1, weight_decay=0), **kw}),
    "adagrad": lambda **kw: optim.adagrad(
        _one(1.0), _one(0.5), _one(0), _one(0), **{**dict(lr=0.1, weight_decay=0, lr_decay=0,
        eps=1e-10), **kw}),
    "adadelta": lambda **kw: optim.adadelta(
        _one(1.0), _one(0.5), _one(0), _one(0), _one(0), **{**dict(lr=1.0, rho=0.9, eps=1e-6,
        weight_decay=0), **kw}),
    "rmsprop": lambda **kw: optim.rmsprop(
        _one(1.0), _one(0.5), _one(0), [], [], _one(0), **{**dict(lr=0.01, alpha=0.99,
        eps=1e-8, weight_decay=0, momentum=0, centered=False), **kw}),
}  # fmt: skip


@pytest.mark.parametrize("op", list(UPDATES))
def test_update_functions_check_their_arguments(op):
    call = UPDATES[op]
    call()  # valid as given
    with pytest.raises(TypeError, match=f"{op}: lr must be a real number, got str"):
        call(lr="x")
    with pytest.raises(ValueError, match=f"{op}: invalid weight_decay value: -1.0"):
        call(weight_decay=-1.0)
    with pytest.raises(TypeError, match=f"{op}: maximize must be a bool, got 'yes'"):
        call(maximize="yes")
    if op not in ("sgd", "adagrad", "adadelta", "rmsprop"):
        with pytest.raises(ValueError, match=f"{op}: invalid beta parameter at index 1: 1.0"):
            call(beta2=1.0)


def test_a_string_learning_rate_set_between_steps_is_named():
    p = _param()
    opt = optim.SGD([p], lr=0.1)
    p.grad = autograd.ones(2, dtype=autograd.float64)
    opt.param_groups[0]["lr"] = "x"
    with pytest.raises(TypeError, match="SGD: lr must be a real number, got str"):
        opt.step()


def test_update_function_lists_must_have_one_entry_per_parameter():
    p = autograd.tensor([1.0])
    state = [autograd.zeros(1)], [], [], [autograd.tensor(0.0)]
    with pytest.raises(ValueError, match="adam: exp_avg_sqs has 0 entries, expected one per"):
        optim.adam([p], [autograd.ones(1)], *state, amsgrad=False, beta1=0.9, beta2=0.999,
                   lr=0.1, weight_decay=0, eps=1e-8, maximize=False)  # fmt: skip
    with pytest.raises(ValueError, match="max_exp_avg_sqs has 0 entries"):  # amsgrad needs them
        optim.adam([p], [autograd.ones(1)], [autograd.zeros(1)], [autograd.zeros(1)], [],
                   [autograd.tensor(0.0)], amsgrad=True, beta1=0.9, beta2=0.999, lr=0.1,
                   weight_decay=0, eps=1e-8, maximize=False)  # fmt: skip
    with pytest.raises(TypeError, match="sgd: params must be a list of Tensors, got Tensor"):
        optim.sgd(p, [autograd.ones(1)], [], lr=0.1, momentum=0, dampening=0, weight_decay=0,
                  nesterov=False, maximize=False)  # fmt: skip
    np.testing.assert_array_equal(p.numpy(), [1.0])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(betas=(0.9,)), ValueError, "betas must be a pair (beta1, beta2), got 1 values"),
        (dict(betas=0.9), TypeError, "betas must be a pair (beta1, beta2), got 0.9"),
        (dict(betas=(0.9, "x")), TypeError, "beta must be a real number, got str"),
        (dict(betas=[0.8, 0.99]), None, None),
        (dict(lr=autograd.tensor([0.1, 0.2])), ValueError, "one element, got shape (2,)"),
        (dict(lr=autograd.tensor(0.1)), None, None),
        (dict(eps=True), TypeError, "eps must be a real number, got bool"),
        (dict(amsgrad=np.bool_(True)), None, None),
        (dict(foreach=True, fused=True), RuntimeError, "cannot be used together"),
        (dict(fused=True, differentiable=True), RuntimeError, "does not support"),
    ],
)  # fmt: skip
def test_adam_argument_forms(kwargs, error, message):
    if error is None:
        opt = optim.Adam([_param()], **kwargs)
        assert isinstance(opt.param_groups[0]["betas"], tuple)
        return
    with pytest.raises(error) as info:
        optim.Adam([_param()], **kwargs)
    assert message in str(info.value)


def test_tensor_learning_rate_and_betas_step_like_floats():
    a, b = _param(), _param()
    f64 = autograd.float64
    lr = autograd.tensor(0.1, dtype=f64)
    betas = (autograd.tensor(0.8, dtype=f64), autograd.tensor([0.99], dtype=f64))
    opt_t = optim.Adam([a], lr=lr, betas=betas)
    opt_f = optim.Adam([b], lr=0.1, betas=(0.8, 0.99))
    for _ in range(3):
        for p in (a, b):
            p.grad = autograd.tensor(np.cos(p.detach().numpy()))
        opt_t.step()
        opt_f.step()
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_sgd_nesterov_needs_momentum_and_no_dampening():
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0 and dampening"):
        optim.SGD([_param()], nesterov=True, momentum=0.9, dampening=0.5)


def test_adamw_refuses_coupled_weight_decay_in_a_group():
    opt = optim.AdamW([_param()])
    with pytest.raises(ValueError, match="decoupled_weight_decay must be True"):
        opt.add_param_group({"params": [_param()], "decoupled_weight_decay": False})
