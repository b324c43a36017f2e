"""Post-accumulate-grad hooks and end-of-backward callbacks (autograd/engine.py, tensor.py)."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck_functions import Double

import autograd
from autograd.engine import queue_callback


def test_post_accumulate_hook_sees_the_accumulated_grad():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.numpy().copy()))
    (w * 3).sum().backward()
    (w * 2).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(seen[1], [5.0, 5.0])  # accumulated across the two calls


def test_post_accumulate_hook_gets_the_tensor_and_its_return_is_ignored():
    w = autograd.tensor([1.0], requires_grad=True)
    got = []
    w.register_post_accumulate_grad_hook(lambda p: got.append(p) or autograd.zeros(1))
    (w * 4).sum().backward()
    assert got[0] is w
    assert w.grad.tolist() == [4.0]


def test_leaf_used_twice_fires_once_after_both_contributions():
    w = autograd.tensor([1.0, 1.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    a = (w * 2).tanh()
    b = w * 5
    (a + b).sum().backward()
    expected = (2 * (1 - np.tanh(2.0) ** 2) + 5) * np.ones(2)
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], expected, rtol=1e-6)


def test_late_layer_hook_fires_before_early_layer_backward_runs():
    # The point of the hook: a parameter's gradient is final (and can be communicated) while
    # backward is still working on earlier layers.
    x = autograd.randn(4, 3)
    w1 = autograd.randn(3, 3, requires_grad=True)
    w2 = autograd.randn(3, 2, requires_grad=True)
    order = []
    h = x @ w1
    h.register_hook(lambda g: order.append("grad of first layer's output"))
    w1.register_post_accumulate_grad_hook(lambda p: order.append("w1 ready"))
    w2.register_post_accumulate_grad_hook(lambda p: order.append("w2 ready"))
    (h.tanh() @ w2).sum().backward()
    assert order == ["w2 ready", "grad of first layer's output", "w1 ready"]


def test_tensor_hook_runs_before_accumulation_and_post_hook_after():
    w = autograd.tensor([1.0], requires_grad=True)
    seen = []
    w.register_hook(lambda g: g * 10)
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.item()))
    (w * 2).sum().backward()
    assert seen == [20.0]


def test_leaf_output_fires_its_post_hook():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    w.backward(autograd.tensor([0.5, 0.25]))
    assert seen == [[0.5, 0.25]]


def test_post_hook_not_called_by_grad_or_for_leaves_outside_inputs():
    a = autograd.tensor([1.0], requires_grad=True)
    b = autograd.tensor([2.0], requires_grad=True)
    calls = []
    a.register_post_accumulate_grad_hook(lambda p: calls.append("a"))
    b.register_post_accumulate_grad_hook(lambda p: calls.append("b"))
    autograd.grad((a * b).sum(), [a, b])
    assert calls == []
    (a * b).sum().backward(inputs=[b])
    assert calls == ["b"]
    assert a.grad is None


def test_post_hook_handle_removes_it():
    w = autograd.tensor([1.0], requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda p: calls.append(1))
    handle.remove()
    handle.remove()  # idempotent
    (w * 2).sum().backward()
    assert calls == []


def test_post_hook_registration_errors():
    with pytest.raises(RuntimeError, match="non-leaf"):
        (autograd.ones(1, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="doesn't require grad"):
        autograd.ones(1).register_post_accumulate_grad_hook(print)
    with pytest.raises(TypeError, match="expected a callable, got int"):
        autograd.ones(1, requires_grad=True).register_post_accumulate_grad_hook(3)


def test_post_hook_under_create_graph_sees_a_differentiable_grad():
    w = autograd.tensor([3.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.requires_grad))
    (w**3).sum().backward(create_graph=True)
    assert seen == [True]
    assert w.grad.item() == 27.0


def test_post_hook_matches_pytorch_calls_and_values():
    torch = pytest.importorskip("torch")
    xs = np.random.default_rng(0).standard_normal((4, 3))
    ws = np.random.default_rng(1).standard_normal((3, 3))

    def run(lib, tensor):
        x, w, b = tensor(xs), tensor(ws, requires_grad=True), tensor(ws[0], requires_grad=True)
        seen = []
        for name, p in (("w", w), ("b", b)):
            p.register_post_accumulate_grad_hook(
                lambda p, name=name: seen.append((name, np.array(p.grad.tolist())))
            )
        for _ in range(2):
            ((x @ w + b).tanh() @ w).sum().backward()
        return seen

    ours = run(autograd, lambda a, **k: autograd.tensor(a, **k))
    theirs = run(torch, lambda a, **k: torch.tensor(a, **k))
    assert sorted(n for n, _ in ours) == sorted(n for n, _ in theirs)
    for name in "wb":
        for a, b in zip([g for n, g in ours if n == name], [g for n, g in theirs if n == name]):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_queue_callback_runs_after_every_grad_was_accumulated():
    a = autograd.tensor([1.0], requires_grad=True)
    b = autograd.tensor([2.0], requires_grad=True)
    seen = []

    def at_end():
        seen.append((a.grad.item(), b.grad.item()))

    # Queued from the first hook to fire, before b's gradient exists.
    a.register_post_accumulate_grad_hook(lambda p: queue_callback(at_end))
    ((a * 3) * b).sum().backward()
    assert seen == [(6.0, 3.0)]


def test_queue_callback_from_a_callback_and_order_kept():
    w = autograd.tensor([1.0], requires_grad=True)
    order = []

    def first():
        order.append(1)
        queue_callback(lambda: order.append(3))

    w.register_post_accumulate_grad_hook(lambda p: (queue_callback(first), order.append(0)))
    w.register_post_accumulate_grad_hook(lambda p: queue_callback(lambda: order.append(2)))
    (w * 2).sum().backward()
    assert order == [0, 1, 2, 3]
    (w * 2).sum().backward()  # the queue is per pass: nothing left over from the first one
    assert order == [0, 1, 2, 3] * 2


def test_queue_callback_outside_backward_and_bad_callback():
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        queue_callback(lambda: None)
    w = autograd.tensor([1.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: queue_callback("not callable"))
    with pytest.raises(TypeError, match="expected a callable, got str"):
        (w * 2).sum().backward()


def test_queued_callback_does_not_run_when_backward_fails():
    w = autograd.tensor([1.0], requires_grad=True)
    ran = []

    class Boom(Double):
        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom")

    y = (w * 2) + Boom.apply(w * 3)
    y.register_hook(lambda g: queue_callback(lambda: ran.append(1)))  # runs first
    with pytest.raises(ValueError, match="boom"):
        y.sum().backward()
    assert ran == []
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        queue_callback(lambda: None)  # the failed pass left nothing behind


def test_one_removable_handle_for_tensor_node_and_module_hooks():
    import nn
    from autograd.hooks import RemovableHandle

    x = autograd.ones(2, requires_grad=True)
    y = x * 2
    m = nn.Identity()
    handles = [
        x.register_hook(lambda g: g),
        x.register_post_accumulate_grad_hook(lambda p: None),
        y.grad_fn.register_hook(lambda gi, go: None),
        y.grad_fn.register_prehook(lambda go: None),
        m.register_forward_hook(lambda mod, args, out: None, with_kwargs=False),
    ]
    assert all(type(h) is RemovableHandle for h in handles)
    assert len({h.id for h in handles}) == len(handles)
    assert autograd.utils.hooks.RemovableHandle is RemovableHandle
    assert nn.modules.module.RemovableHandle is RemovableHandle


def test_removable_handle_removes_only_its_own_hook_and_is_a_context_manager():
    x = autograd.ones(2, requires_grad=True)
    calls = []

    def hook(g):
        calls.append("a")

    first = x.register_hook(hook)
    x.register_hook(hook)
    with x.register_hook(lambda g: g * 3):
        (x * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    first.remove()
    first.remove()
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    assert calls == ["a", "a", "a"]
    with pytest.raises(TypeError, match="hook is required"):
        autograd.hooks.RemovableHandle([])
