"""Module backward hooks and state-dict hooks, against PyTorch."""

import warnings

import numpy as np
import pytest

import autograd
import nn


def _build(lib, nnlib):
    """A two-layer model with fixed weights, as numbagrad or as PyTorch."""
    model = nnlib.Sequential(nnlib.Linear(3, 4), nnlib.Tanh(), nnlib.Linear(4, 2))
    rng = np.random.default_rng(0)
    with autograd.no_grad() if lib is autograd else lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    return model


def _run(lib, nnlib, replace: bool, input_grad: bool):
    model = _build(lib, nnlib)
    log = []

    def pre(mod, grad_output):
        log.append(("pre", type(mod).__name__, [g.detach().numpy().copy() for g in grad_output]))
        return (grad_output[0] * 3,) if replace else None

    def full(mod, grad_input, grad_output):
        log.append((
            "full", type(mod).__name__,
            [None if g is None else g.detach().numpy().copy() for g in grad_input],
            [g.detach().numpy().copy() for g in grad_output],
        ))  # fmt: skip
        if replace and grad_input[0] is not None:
            return (grad_input[0] * -1,)
        return None

    for m in (model[0], model[2], model):
        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(full)
    x = lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=input_grad)
    model(x).sum().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    return log, grads, (x.grad.numpy().copy() if input_grad else None)


def _assert_same(ours, theirs):
    if isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
    elif isinstance(ours, np.ndarray):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    else:
        assert ours == theirs


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("input_grad", [False, True])
def test_full_backward_hooks_match_torch(replace, input_grad, torch):
    ours = _run(autograd, nn, replace, input_grad)
    theirs = _run(torch, torch.nn, replace, input_grad)
    _assert_same(ours, theirs)


def test_backward_hook_handles_remove_and_deprecated_alias():
    m = nn.Linear(2, 1)
    calls = []
    h = m.register_full_backward_hook(lambda *a: calls.append(1))
    with pytest.warns(FutureWarning, match="register_full_backward_hook"):
        h2 = m.register_backward_hook(lambda *a: calls.append(2))
    m(autograd.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == [1, 2]
    h.remove()
    h2.remove()
    m(autograd.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == [1, 2]


def test_backward_hook_bad_return_is_named():
    m = nn.Linear(2, 1)
    m.register_full_backward_hook(lambda mod, gi, go: (autograd.ones(5),))
    with pytest.raises(RuntimeError, match="Linear: backward  ?hook must return"):
        m(autograd.ones(1, 2, requires_grad=True)).sum().backward()
    m2 = nn.Linear(2, 1)
    m2.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
    with pytest.raises(RuntimeError, match="returned 2 gradients, expected 1"):
        m2(autograd.ones(1, 2)).sum().backward()


def test_hooks_do_not_fire_under_no_grad_and_keep_output_structure():
    m = nn.LSTM(2, 3, batch_first=True)
    fired = []
    m.register_full_backward_hook(lambda *a: fired.append(1))
    with autograd.no_grad():
        out, (h, c) = m(autograd.ones(1, 4, 2))
    assert out.shape == (1, 4, 3) and not fired
    out, (h, c) = m(autograd.ones(1, 4, 2, requires_grad=True))
    (out.sum() + h.sum()).backward()
    assert fired == [1]


def _state_hooks(lib, nnlib):
    m = nnlib.Sequential(nnlib.Linear(2, 2), nnlib.Linear(2, 1))
    log = []
    m[0].register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("pre", prefix, keep)))

    def post(mod, sd, prefix, md):
        log.append(("post", prefix, sorted(sd)))
        sd[prefix + "extra"] = lib.zeros(1)

    m[1].register_state_dict_post_hook(post)
    keys = sorted(m.state_dict())

    def rename(mod, sd, prefix, md, strict, missing, unexpected, errors):
        log.append(("load-pre", prefix, strict))
        sd.pop(prefix + "extra", None)

    def accept(mod, keys_):
        log.append(("load-post", sorted(keys_.missing_keys), sorted(keys_.unexpected_keys)))
        keys_.missing_keys.clear()

    m[1].register_load_state_dict_pre_hook(rename)
    m[1].register_load_state_dict_post_hook(accept)
    sd = m.state_dict()
    del sd["0.bias"]
    result = m.load_state_dict(sd)
    return log, keys, (list(result.missing_keys), list(result.unexpected_keys))


def test_state_dict_hooks_match_torch(torch):
    _assert_same(_state_hooks(autograd, nn), _state_hooks(torch, torch.nn))


def test_load_state_dict_assign_takes_the_tensors(torch):
    m = nn.Linear(2, 2)
    w = autograd.ones(2, 2, dtype=autograd.float64)
    m.load_state_dict({"weight": w, "bias": autograd.zeros(2, dtype=autograd.float64)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.dtype == np.float64 and np.shares_memory(m.weight.numpy(force=True), w.numpy())
    tm = torch.nn.Linear(2, 2)
    f64 = torch.float64
    tm.load_state_dict(
        {"weight": torch.ones(2, 2, dtype=f64), "bias": torch.zeros(2, dtype=f64)}, assign=True
    )
    assert tm.weight.dtype == torch.float64 and tm.weight.requires_grad
    m.weight.requires_grad_(False)
    m.load_state_dict({"weight": autograd.zeros(2, 2), "bias": autograd.zeros(2)}, assign=True)
    assert not m.weight.requires_grad


def test_load_state_dict_error_leaves_module_untouched():
    m = nn.Linear(2, 1)
    before = m.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="Missing key"):
        m.load_state_dict({"weight": autograd.zeros(1, 2)}, assign=True)
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)
    with pytest.raises(TypeError, match="assign must be a bool"):
        m.load_state_dict(m.state_dict(), assign="yes")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.load_state_dict(m.state_dict())
