"""autograd.compile: replayed calls against eager ones, step for step, and every fallback."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import Function

REPLAYED = "CompiledFunctionBackward"


def _lstm_params(rng, hidden=6, inputs=4):
    def param(*shape):
        return autograd.tensor(rng.uniform(-0.5, 0.5, shape), requires_grad=True)

    return param(inputs, 4 * hidden), param(hidden, 4 * hidden), param(4 * hidden)


def _lstm_loss(params, zeros, steps=5):
    w_ih, w_hh, b = params

    def loss(xs, target):
        h = c = zeros
        for t in range(steps):
            gates = xs[t] @ w_ih + h @ w_hh + b
            i, f, g, o = gates.chunk(4, dim=1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
        return ((h - target) ** 2).mean(), h.detach()

    return loss


def test_training_replays_step_for_step_as_eager():
    # Two identical models trained side by side, one compiled: equal losses and parameters at
    # every step, while the optimizer changes the bound parameters in place between calls.
    rng = np.random.default_rng(0)
    eager_params = _lstm_params(rng)
    compiled_params = tuple(p.detach().clone().requires_grad_() for p in eager_params)
    zeros = autograd.zeros(3, 6, dtype=autograd.float64)
    eager = _lstm_loss(eager_params, zeros)
    compiled = autograd.compile(_lstm_loss(compiled_params, zeros))
    opts = [optim.SGD(ps, lr=0.1, momentum=0.9) for ps in (eager_params, compiled_params)]
    names = []
    for _ in range(6):
        xs = autograd.tensor(rng.standard_normal((5, 3, 4)))
        target = autograd.tensor(rng.standard_normal((3, 6)))
        losses = []
        for loss_fn, opt in zip((eager, compiled), opts):
            opt.zero_grad()
            loss, h = loss_fn(xs, target)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            assert not h.requires_grad
        names.append(loss.grad_fn.name())
        np.testing.assert_allclose(losses[1], losses[0], rtol=1e-12)
        for a, b in zip(eager_params, compiled_params):
            np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-12)
    assert names[:2] == ["MeanBackward0"] * 2  # two eager recordings, then replays
    assert names[2:] == [REPLAYED] * 4


def _fn_and_weight():
    w = autograd.tensor([0.5, -1.0, 2.0], requires_grad=True)

    def f(x):
        return ((x * w).tanh() * 2 + x).sum()

    return f, w


def _grads_of(f, w, x, calls=4):
    """Loss, ``w.grad`` of each call, and the name of the last call's node."""
    out = []
    for _ in range(calls):
        w.grad = None
        y = f(x)
        y.backward()
        out.append((y.item(), w.grad.numpy().copy(), y.grad_fn.name()))
    return out


def test_replay_matches_eager_and_is_used():
    f, w = _fn_and_weight()
    x = autograd.tensor([1.0, 2.0, -3.0])
    eager = _grads_of(f, w, x)
    compiled = _grads_of(autograd.compile(f), w, x)
    for (ly, gy, _), (lc, gc, _) in zip(eager, compiled):
        assert lc == ly
        np.testing.assert_array_equal(gc, gy)
    assert [c[2] for c in compiled] == ["SumBackward0"] * 2 + [REPLAYED] * 2


def test_a_new_input_shape_records_again():
    f, w = _fn_and_weight()
    g = autograd.compile(f)
    for n in (3, 3, 3, 1, 1, 1, 3):
        x = autograd.ones(2, n)
        y = g(x)
        assert y.item() == f(x).item()
    assert g(autograd.ones(2, 3)).grad_fn.name() == REPLAYED
    assert g(autograd.ones(2, 1)).grad_fn.name() == REPLAYED


def test_inputs_that_require_grad_get_gradients():
    w = autograd.tensor([1.0, 2.0])
    g = autograd.compile(lambda x, y: (x * w * y.exp()).sum())
    for _ in range(3):
        x = autograd.tensor([3.0, 4.0], requires_grad=True)
        y = autograd.tensor([0.0, 1.0], requires_grad=True)
        out = g(x, y)
        out.backward()
        np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0 * np.e])
        np.testing.assert_allclose(y.grad.numpy(), [3.0, 8.0 * np.e])
    assert out.grad_fn.name() == REPLAYED


def _fallback_cases():
    w = autograd.tensor([0.5, -1.0, 2.0], requires_grad=True)

    def reads_a_value(x):
        y = (x * w).sum()
        return y * 2 if y.item() > 0 else y * 3  # control flow on a value

    def makes_a_tensor(x):
        mask = autograd.rand(3) > 0.5  # a new random tensor each call
        return (x * w * mask).sum()

    def changes_in_place(x):
        y = x * w
        y.mul_(2)
        return y.sum()

    class Square(Function):  # a user's Function: forward sees Tensors
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g

    def custom_function(x):
        return Square.apply(x * w).sum()

    def hooks(x):
        y = x * w
        y.register_hook(lambda g: g * 10)
        return y.sum()

    counter = autograd.zeros(())

    def counts_calls(x):  # a side effect on a tensor no primitive of the call reads
        with autograd.no_grad():
            counter.add_(1)
        return (x * w).sum()

    def runs_backward(x):  # a backward inside the call accumulates into w.grad
        y = (x * w).sum()
        y.backward(retain_graph=True)
        return y * 1

    fns = [reads_a_value, makes_a_tensor, changes_in_place, custom_function, hooks, counts_calls]
    return w, [*fns, runs_backward]


@pytest.mark.parametrize("case", range(7))
def test_what_a_replay_cannot_repeat_runs_eagerly(case):
    w, fns = _fallback_cases()
    f = fns[case]
    g = autograd.compile(f)
    x = autograd.tensor([1.0, 2.0, 3.0])
    for _ in range(4):
        autograd.manual_seed(7)
        w.grad = None
        y = g(x)
        y.backward()
        got = (y.item(), w.grad.numpy().copy())
        autograd.manual_seed(7)
        w.grad = None
        ye = f(x)
        ye.backward()
        assert got[0] == ye.item()
        np.testing.assert_array_equal(got[1], w.grad.numpy())
        assert y.grad_fn.name() != REPLAYED


def test_no_grad_calls_run_eagerly():
    f, w = _fn_and_weight()
    g = autograd.compile(f)
    for _ in range(3):
        g(autograd.ones(3))
    with autograd.no_grad():
        y = g(autograd.ones(3))
    assert y.grad_fn is None and not y.requires_grad
    assert y.item() == f(autograd.ones(3)).item()


def test_outputs_keep_their_differentiability():
    w = autograd.tensor([[1.0, 3.0], [4.0, 2.0]], requires_grad=True)
    g = autograd.compile(lambda x: ((x @ w).max(dim=1), (x @ w).detach() * 2))
    for _ in range(3):
        (values, indices), doubled = g(autograd.ones(1, 2))
    assert values.requires_grad and values.grad_fn.name() == REPLAYED
    assert not indices.requires_grad and indices.dtype == autograd.int64
    assert indices.tolist() == [0] and not doubled.requires_grad
    values.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1.0, 0.0], [1.0, 0.0]])


def test_higher_order_gradients_are_refused_with_a_clear_error():
    f, w = _fn_and_weight()
    g = autograd.compile(f)
    for _ in range(2):
        g(autograd.ones(3))
    y = g(autograd.ones(3))
    assert y.grad_fn.name() == REPLAYED
    with pytest.raises(RuntimeError, match="create_graph"):
        autograd.grad(y, w, create_graph=True)


def test_a_saved_tensor_changed_before_backward_is_reported():
    # As in eager mode: the product saved w, and an in-place change of w breaks its backward.
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    g = autograd.compile(lambda x: (x * w).sum())
    for _ in range(3):
        y = g(autograd.ones(2, requires_grad=True))
    assert y.grad_fn.name() == REPLAYED
    with autograd.no_grad():
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_retain_graph_and_a_second_backward():
    f, w = _fn_and_weight()
    g = autograd.compile(f)
    for _ in range(2):
        g(autograd.ones(3))
    y = g(autograd.ones(3))
    y.backward(retain_graph=True)
    first = w.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * first)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_a_compiled_module_is_still_the_module():
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 2))
    compiled = autograd.compile(model)
    assert list(compiled.parameters()) == list(model.parameters())
    assert compiled.state_dict().keys() == model.state_dict().keys()
    x = autograd.tensor(np.random.default_rng(1).standard_normal((5, 4)), dtype=autograd.float32)
    model.eval()
    for _ in range(3):
        y = compiled(x)
    assert y.grad_fn.name() == REPLAYED
    np.testing.assert_array_equal(y.detach().numpy(), model(x).detach().numpy())
    compiled.train()  # a new key: recorded again, then replayed, each call drawing its mask
    assert model.training
    for _ in range(4):
        autograd.manual_seed(5)
        y = compiled(x)
        autograd.manual_seed(5)
        np.testing.assert_array_equal(y.detach().numpy(), model(x).detach().numpy())
    assert y.grad_fn.name() == REPLAYED
    outputs = {tuple(compiled(x).detach().numpy().ravel()) for _ in range(3)}
    assert len(outputs) == 3  # a fresh mask per replay
    compiled.eval()
    assert compiled(x).grad_fn.name() == REPLAYED


def test_arguments():
    f, _ = _fn_and_weight()
    assert autograd.compile(f, disable=True) is f
    decorated = autograd.compile(mode="max-autotune", fullgraph=True)(f)
    assert decorated(autograd.ones(3)).item() == f(autograd.ones(3)).item()
    assert decorated.__name__ == "f"
    with pytest.raises(TypeError, match="model must be callable"):
        autograd.compile(3)


def test_a_module_given_its_own_parameter_runs_eagerly():
    lin = nn.Linear(2, 2, bias=False)

    class Apply(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lin

        def forward(self, x):
            return self.lin(x).sum()

    g = autograd.compile(Apply())
    for _ in range(3):
        y = g(lin.weight)  # the weight is also read by the module itself
    assert y.grad_fn.name() != REPLAYED
    for _ in range(3):
        y = g(autograd.ones(2, 2))
    assert y.grad_fn.name() == REPLAYED


def test_unused_outputs_exact_zeros_and_broadcasts_match_eager():
    # Pieces of a chunk left unused (zeros reach its rule), a rule returning the exact zero
    # (sign), a broadcast bias (un-broadcast gradient), an integer output.
    rng = np.random.default_rng(3)
    w = autograd.tensor(rng.standard_normal((4, 6)), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(6), requires_grad=True)

    def f(x):
        h = x @ w + b
        first, _, third = h.chunk(3, dim=1)
        picked = first.max(dim=1).indices
        return (first * third).sum() + x.sign().sum() + third.sum(), picked

    g = autograd.compile(f)
    for _ in range(4):
        x = autograd.tensor(rng.standard_normal((3, 4)), requires_grad=True)
        grads = []
        for fn in (f, g):
            for t in (w, b, x):
                t.grad = None
            y, picked = fn(x)
            y.backward()
            grads.append([t.grad.numpy().copy() for t in (w, b, x)] + [picked.numpy()])
        for ours, theirs in zip(grads[1], grads[0]):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert y.grad_fn.name() == REPLAYED and not picked.requires_grad


def test_ops_outside_the_primitives_make_a_call_eager():
    # Comparisons and argmax make their tensors directly (no graph node): a new object each
    # call, which a replay could not reproduce.
    w = autograd.tensor([1.0, -2.0, 3.0], requires_grad=True)
    g = autograd.compile(lambda x: (x * w * (x > 0)).sum() + w[x.argmax()])
    for _ in range(4):
        x = autograd.tensor([0.5, -1.0, 2.0])
        y = g(x)
    assert y.grad_fn.name() != REPLAYED
    assert y.item() == 0.5 + 6.0 + 3.0


def test_forward_mode_through_a_replay_matches_eager():
    import autograd.forward_ad as fwAD

    w = autograd.tensor([0.5, -1.0, 2.0], requires_grad=True)

    def f(x):
        return (x * w).tanh().cumsum(0) * x.sum()

    g = autograd.compile(f)
    v = autograd.tensor([1.0, 2.0, -1.0])
    for fn in (f, g, g, g):
        with fwAD.dual_level():
            y = fn(fwAD.make_dual(autograd.tensor([0.3, 0.1, -0.2]), v))
            primal, tangent = fwAD.unpack_dual(y)
            name = y.grad_fn.name()
        if fn is f:
            expected = (primal.detach().numpy(), tangent.numpy())
    assert name == REPLAYED
    np.testing.assert_allclose(primal.detach().numpy(), expected[0], rtol=1e-12)
    np.testing.assert_allclose(tangent.numpy(), expected[1], rtol=1e-12)


def test_a_dead_weak_proxy_elsewhere_does_not_disturb_a_recording():
    import weakref

    class Thing:
        pass

    thing = Thing()
    proxies = [weakref.proxy(thing)]
    del thing
    f, w = _fn_and_weight()
    g = autograd.compile(f)
    for _ in range(3):
        y = g(autograd.ones(3))
    assert y.grad_fn.name() == REPLAYED and len(proxies) == 1


def test_shapes_that_keep_changing_stop_recording(monkeypatch):
    from autograd import _compile

    monkeypatch.setattr(_compile, "MAX_KEYS", 3)
    f, w = _fn_and_weight()
    g = autograd.compile(f)
    for n in range(1, 7):
        x = autograd.ones(n, 3)
        assert g(x).item() == f(x).item()
    assert len(g._entries) == 3


def test_a_replay_lets_intermediates_go_as_eager_code_does():
    # A chain of ops that save nothing for their backward: eager code frees each temporary as
    # the next one is made, and so must a replay (peak memory, and fresh cache-cold arrays).
    import tracemalloc

    def chain(x):
        y = x
        for _ in range(12):
            y = (y + 1.0) * 0.5
        return y.sum()

    x = autograd.tensor(np.ones(1 << 18), requires_grad=True)  # 2 MiB of float64
    compiled = autograd.compile(chain)

    def peak(fn):
        tracemalloc.start()
        try:
            loss = fn(x)
            _, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        loss.backward()
        x.grad = None
        return loss, top

    eager_loss, eager_peak = peak(chain)
    for _ in range(3):  # record, then replays
        loss, replay_peak = peak(compiled)
    assert loss.grad_fn.name() == REPLAYED
    assert float(loss) == float(eager_loss)
    assert replay_peak <= eager_peak + x.numel() * 8, (replay_peak, eager_peak)
