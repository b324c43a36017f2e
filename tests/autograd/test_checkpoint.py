"""autograd.utils.checkpoint: recomputation gives the plain run's values and gradients (also
through dropout, by replaying the random state), vs PyTorch, and bad arguments named."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import nn
from autograd.utils.checkpoint import checkpoint, checkpoint_sequential


def _net(seed=0, p=0.0):
    autograd.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Dropout(p), nn.Linear(8, 3)).double()


def _grads(model, x):
    return [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_equals_the_plain_run_through_dropout(use_reentrant):
    data = np.random.default_rng(0).standard_normal((4, 5))
    results = []
    for checkpointed in (False, True):
        model = _net(p=0.5)
        x = autograd.tensor(data, requires_grad=True)
        autograd.manual_seed(7)
        y = checkpoint(model, x, use_reentrant=use_reentrant) if checkpointed else model(x)
        y.pow(2).sum().backward()
        after = autograd.rand(3).numpy()  # the recomputation leaves the random state alone
        results.append((y.detach().numpy(), _grads(model, x), after))
    (y0, g0, r0), (y1, g1, r1) = results
    np.testing.assert_array_equal(y0, y1)
    for a, b in zip(g0, g1):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    np.testing.assert_array_equal(r0, r1)


def test_checkpoint_recomputes_in_backward_and_keeps_no_graph():
    calls = []
    w = autograd.tensor([2.0], requires_grad=True)

    def f(x):
        calls.append(autograd.is_grad_enabled())
        return (x * w).exp()

    x = autograd.tensor([0.5, 1.0], requires_grad=True)
    y = checkpoint(f, x, use_reentrant=False)
    assert calls == [False] and y.grad_fn is not None
    assert [n for n, _ in y.grad_fn.next_functions if n is not None][0].variable is x
    y.sum().backward()
    assert calls == [False, True]
    xs = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * xs), rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), [(xs * np.exp(2 * xs)).sum()], rtol=1e-6)


def test_non_reentrant_checkpoint_gives_parameter_gradients_to_autograd_grad():
    model = _net()
    x = autograd.tensor(np.ones((2, 5)))  # the input needs no gradient
    loss = checkpoint(model, x, use_reentrant=False).sum()
    grads = autograd.grad(loss, list(model.parameters()))
    plain = autograd.grad(model(x).sum(), list(model.parameters()))
    for a, b in zip(grads, plain):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-14)
    assert all(p.grad is None for p in model.parameters())


def test_reentrant_checkpoint_without_grad_inputs_warns_and_gives_no_graph():
    model = _net()
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        y = checkpoint(model, autograd.ones(2, 5, dtype=autograd.float64), use_reentrant=True)
    assert not y.requires_grad
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
        checkpoint(model, autograd.ones(2, 5, dtype=autograd.float64, requires_grad=True))


def test_checkpoint_tuple_outputs_kwargs_and_second_order():
    def f(a, b, scale=1.0):
        return a * b * scale, "label", (a + b).sum()

    a = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([3.0, -1.0], dtype=autograd.float64, requires_grad=True)
    p, label, s = checkpoint(f, a, b, use_reentrant=False, scale=2.0)
    assert label == "label"
    (p.sum() + s).backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * b.detach().numpy() + 1)
    np.testing.assert_allclose(b.grad.numpy(), 2 * a.detach().numpy() + 1)
    x = autograd.tensor([0.3, -0.7], dtype=autograd.float64, requires_grad=True)
    g = lambda t: checkpoint(lambda u: (u * u).sin(), t, use_reentrant=False)  # noqa: E731
    assert autograd.gradcheck(g, (x,)) and autograd.gradgradcheck(g, (x,))


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_torch(torch, segments):
    torch.manual_seed(segments)  # the layers' initial weights
    ours = nn.Sequential(*[m for i in range(3) for m in (nn.Linear(4, 4), nn.Tanh())]).double()
    layers = [m for i in range(3) for m in (torch.nn.Linear(4, 4), torch.nn.Tanh())]
    theirs = torch.nn.Sequential(*layers).double()
    ours.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    data = np.random.default_rng(1).standard_normal((3, 4))
    xo = autograd.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    yo = checkpoint_sequential(ours, segments, xo, use_reentrant=False)
    yt = torch.utils.checkpoint.checkpoint_sequential(theirs, segments, xt, use_reentrant=False)
    yo.pow(2).sum().backward()
    yt.pow(2).sum().backward()
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)
    # Float64 sums of terms near 0.1 in another order: an entry that cancels to ~1e-6 keeps an
    # absolute difference of ~1e-17, beyond a relative tolerance of its own (hence atol).
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(
            p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-15, err_msg=name
        )


def test_checkpoint_under_no_grad_just_runs_and_bad_arguments_are_named():
    with autograd.no_grad():
        assert not checkpoint(lambda x: x * 2, autograd.ones(1, requires_grad=True),
                              use_reentrant=False).requires_grad  # fmt: skip
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda x, scale: x, autograd.ones(1), use_reentrant=True, scale=2)
    with pytest.raises(TypeError, match="function must be callable"):
        checkpoint(3, autograd.ones(1), use_reentrant=False)
    with pytest.raises(TypeError, match="must return a Tensor"):
        checkpoint(lambda x: 3, autograd.ones(1, requires_grad=True), use_reentrant=False)
    with pytest.raises(ValueError, match="segments must be an int"):
        checkpoint_sequential(nn.Sequential(nn.Tanh()), 2, autograd.ones(1), use_reentrant=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint(lambda x: x, autograd.ones(1, requires_grad=True), use_reentrant=False)


def test_torch_style_paths_resolve():
    import autograd as torch_like

    assert torch_like.utils.checkpoint.checkpoint is checkpoint
    assert torch_like.utils.data is nn.data


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_forward_mode_through_a_checkpoint_equals_the_plain_run(use_reentrant):
    import autograd.forward_ad as fwAD

    model = _net(p=0.5).double()
    rng = np.random.default_rng(3)
    x = autograd.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    v = autograd.tensor(rng.standard_normal((4, 5)))
    found = []
    for run in (lambda d: checkpoint(model, d, use_reentrant=use_reentrant), model):
        autograd.manual_seed(7)
        with fwAD.dual_level():
            out = run(fwAD.make_dual(x, v))
            found.append((out.detach().numpy(), fwAD.unpack_dual(out).tangent.numpy()))
    np.testing.assert_array_equal(found[0][0], found[1][0])
    np.testing.assert_allclose(found[0][1], found[1][1], rtol=1e-12, atol=1e-15)
    assert np.any(found[0][1] != 0)
    # The random state after the checkpoint is the one the plain run leaves.
    autograd.manual_seed(7)
    with fwAD.dual_level():
        checkpoint(model, fwAD.make_dual(x, v), use_reentrant=use_reentrant)
    after = autograd.rand(3).numpy()
    autograd.manual_seed(7)
    model(x)
    np.testing.assert_array_equal(after, autograd.rand(3).numpy())
