"""A gradient that many uses share (a weight of a recurrence) summed by the products' own GEMMs.

A product's rule (``Function._accumulates``) may add its gradient into the sum the engine has
for that input so far, by one accumulating GEMM, instead of making a new array that is then
added. Each test checks the gradients against the same program with that path turned off, and
that the path was taken.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd
from autograd.kernels import _blas

needs_gemm = pytest.mark.skipif(not _blas._from_python, reason="NumPy's OpenBLAS GEMM not found")


@pytest.fixture
def counted(monkeypatch):
    """Counts the products added into a sum; ``counted.off()`` turns the path off."""
    real = _blas.add_product

    class Count:
        added = 0

        def __call__(self, a, b, c):
            done = real(a, b, c)
            Count.added += done
            return done

        def off(self):
            monkeypatch.setattr(_blas, "add_product", lambda a, b, c: False)

        def on(self):
            monkeypatch.setattr(_blas, "add_product", self)

    count = Count()
    count.on()
    return count


def _recurrence(dtype, compiled=False, steps=6, batch=64, hidden=256):
    # 64 rows a product: its weight gradients are summed by accumulating GEMMs (with 32 rows or
    # fewer they are stacked instead: tests/autograd/test_stacked_grads.py).
    rng = np.random.default_rng(0)

    def param(*shape, scale=1.0):
        return autograd.tensor(rng.standard_normal(shape).astype(dtype) * scale, requires_grad=True)

    w, u = param(hidden, hidden, scale=1 / 16), param(hidden, hidden, scale=1 / 16)
    h0 = param(batch, hidden)

    def loss(h):
        for _ in range(steps):
            h = (h @ w + h.tanh() @ u).tanh()
        return (h * h).sum()

    return (autograd.compile(loss) if compiled else loss), (w, u, h0)


def _grads(fn, params, calls=1):
    out = None
    for _ in range(calls):
        for p in params:
            p.grad = None
        fn(params[-1]).backward()
        out = [p.grad.numpy().copy() for p in params]
    return out


@needs_gemm
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_recurrence_sums_its_weights_gradients_in_the_products(counted, dtype):
    fn, params = _recurrence(dtype)
    fused = _grads(fn, params)
    assert counted.added >= 2 * (6 - 1)  # w and u: every use after the first adds into the sum
    counted.off()
    plain = _grads(fn, params)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for f, p in zip(fused, plain):
        np.testing.assert_allclose(f, p, rtol=tol, atol=tol * np.abs(p).max())


@needs_gemm
def test_a_compiled_recurrence_matches_its_eager_calls(counted):
    fn, params = _recurrence(np.float64)
    eager = _grads(fn, params)
    compiled, params = _recurrence(np.float64, compiled=True)
    before = counted.added
    replayed = _grads(compiled, params, calls=3)  # records twice, then replays
    assert counted.added - before >= 3 * 2 * (6 - 1)
    for r, e in zip(replayed, eager):
        np.testing.assert_allclose(r, e, rtol=1e-12, atol=1e-12 * np.abs(e).max())


def _hooked_recurrence(rows: int) -> Any:
    """A recurrence over 5 steps of ``rows`` samples through ``v = w * 1.0``, a non-leaf that
    every step reads (its gradient is summed in a node's buffer), with a hook on the leaf ``w``
    and ``v``'s gradient retained. Each call of what it returns runs forward and backward and
    gives what the hook saw, ``v.grad`` and ``w.grad``."""
    rng = np.random.default_rng(1)
    w = autograd.tensor(rng.standard_normal((256, 256)) / 16, requires_grad=True)
    x = autograd.tensor(rng.standard_normal((rows, 256)))

    def run():
        seen = []
        w.grad = None
        hook = w.register_hook(lambda g: seen.append(g.numpy().copy()))
        v = w * 1.0
        v.retain_grad()
        h = x
        for _ in range(5):
            h = (h @ v).tanh()
        h.sum().backward()
        hook.remove()
        return seen, v.grad.numpy().copy(), w.grad.numpy().copy()

    return run


@needs_gemm
def test_hooks_and_retained_gradients_see_the_whole_sum(counted):
    run = _hooked_recurrence(64)  # 64 rows: summed, not stacked
    seen, v_grad, w_grad = run()
    assert counted.added >= 4
    counted.off()
    seen_plain, v_plain, w_plain = run()
    assert len(seen) == len(seen_plain) == 1  # the leaf's hook runs once, on the total
    for got, want in ((seen[0], seen_plain[0]), (v_grad, v_plain), (w_grad, w_plain)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


@needs_gemm
@pytest.mark.parametrize("order", ["sum first", "products first"])
def test_a_sum_shared_with_another_input_is_not_added_into(counted, order):
    # Add's backward hands one array to both of its inputs: p's and q's sums start as the same
    # array, which a product's gradient for p must not change (q's gradient would change too).
    rng = np.random.default_rng(2)
    p = autograd.tensor(rng.standard_normal((256, 256)), requires_grad=True)
    q = autograd.tensor(rng.standard_normal((256, 256)), requires_grad=True)
    x = autograd.tensor(rng.standard_normal((64, 256)))
    c = autograd.tensor(rng.standard_normal((256, 256)))
    shared = ((p + q) * c).sum()
    products = (x @ p).tanh().sum() + (x @ p).sin().sum() + (x @ q).cos().sum()
    loss = shared + products if order == "sum first" else products + shared
    loss.backward()
    xs, ps, qs = x.numpy(), p.detach().numpy(), q.detach().numpy()
    q_expected = c.numpy() - xs.T @ np.sin(xs @ qs)
    np.testing.assert_allclose(q.grad.numpy(), q_expected, rtol=1e-10, atol=1e-10)
    expected = c.numpy() + xs.T @ (1 - np.tanh(xs @ ps) ** 2 + np.cos(xs @ ps))
    np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-10, atol=1e-10)


@needs_gemm
def test_one_leaf_as_both_operands(counted):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((256, 256)) / 16
    x = autograd.tensor(a, requires_grad=True)
    ((x @ x).sum() + (x @ x).tanh().sum()).backward()
    ones = np.ones((256, 256))
    t = 1 - np.tanh(a @ a) ** 2
    expected = ones @ a.T + a.T @ ones + t @ a.T + a.T @ t
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-10, atol=1e-10)


@needs_gemm
def test_second_order_gradients_and_autograd_grad_are_unchanged(counted):
    fn, (w, u, h0) = _recurrence(np.float64, steps=3)
    (gw,) = autograd.grad(fn(h0), [w], create_graph=True)
    (hvp,) = autograd.grad((gw * gw).sum(), [u])
    counted.off()
    fn, (w2, u2, h2) = _recurrence(np.float64, steps=3)
    (gw_plain,) = autograd.grad(fn(h2), [w2], create_graph=True)
    (hvp_plain,) = autograd.grad((gw_plain * gw_plain).sum(), [u2])
    np.testing.assert_allclose(gw.detach().numpy(), gw_plain.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hvp.numpy(), hvp_plain.numpy(), rtol=1e-12)


@needs_gemm
@pytest.mark.parametrize("compiled", [False, True])
def test_two_threads_running_one_graphs_backward_keep_their_sums_apart(
    counted, monkeypatch, compiled
):
    # The offer is per thread: thread A, paused inside a product's rule (where the GEMM lets go
    # of the interpreter), must not find B's sums when B enters the same node's rule.
    import threading

    rng = np.random.default_rng(4)
    x = autograd.tensor(rng.standard_normal((128, 256)))
    w0 = autograd.tensor(rng.standard_normal((256, 256)) / 16, requires_grad=True)
    w = autograd.tensor(rng.standard_normal((256, 256)) / 16, requires_grad=True)

    def forward(x):
        h = x @ w0
        return (h @ w).tanh().sum() + (h @ w).sin().sum()  # w and h: two products each

    fn = autograd.compile(forward) if compiled else forward
    for _ in range(3):
        loss = fn(x)  # the third call replays
    seen = {}
    w.register_hook(lambda g: seen.__setitem__(threading.current_thread().name, g.numpy().copy()))
    loss.backward(retain_graph=True)
    reference = seen.pop(threading.current_thread().name)

    real = _blas.add_product
    a_inside, b_inside, a_through = threading.Event(), threading.Event(), threading.Event()
    calls = {"A": 0, "B": 0}

    def interleaved(a, b, c):
        who = threading.current_thread().name
        calls[who] += 1
        if who == "A" and calls[who] == 1:
            a_inside.set()
            b_inside.wait(5)  # B now enters a rule of the same node
        if who == "B" and calls[who] == 1:
            b_inside.set()
            a_through.wait(5)  # ... and waits there until A is past it
        done = real(a, b, c)
        if who == "A" and calls[who] == 2:
            a_through.set()
        return done

    monkeypatch.setattr(_blas, "add_product", interleaved)

    def run():
        if threading.current_thread().name == "B":
            a_inside.wait(5)
        loss.backward(retain_graph=True)

    threads = [threading.Thread(target=run, name=name) for name in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls["A"] >= 2 and calls["B"] >= 1
    for name in "AB":
        np.testing.assert_allclose(seen[name], reference, rtol=1e-12, atol=1e-12)


def test_a_subclass_of_a_product_outside_the_library_gets_arrays(counted):
    # A user's subclass may change what the rule returns: it is never offered a sum to add into.
    from autograd.ops.linalg import Matmul

    class Halved(Matmul):
        @staticmethod
        def backward(ctx, g):
            ga, gb = Matmul.backward(ctx, g)
            assert isinstance(gb, np.ndarray) and (ga is None or isinstance(ga, np.ndarray))
            return (None if ga is None else ga * 0.5), gb * 0.5

    assert Matmul._accumulates and not Halved._accumulates
    rng = np.random.default_rng(5)
    w = autograd.tensor(rng.standard_normal((256, 256)) / 16, requires_grad=True)
    x = autograd.tensor(rng.standard_normal((32, 256)))
    h = x
    for _ in range(3):
        h = Halved.apply(h, w).tanh()
    h.sum().backward()
    fused = w.grad.numpy().copy()
    counted.off()
    w.grad = None
    h = x
    for _ in range(3):
        h = Halved.apply(h, w).tanh()
    h.sum().backward()
    np.testing.assert_array_equal(fused, w.grad.numpy())


@needs_gemm
@pytest.mark.parametrize("layer, options", [("RNN", {}), ("LSTM", {"proj_size": 128})])
def test_nn_recurrent_layers_sum_their_weight_gradients_in_the_products(counted, layer, options):
    # A layer transposes its recurrent weight once for all its steps: each step's product adds
    # its gradient into that transpose's sum. (LSTM and GRU layers
    # without a projection are one node each, extend.lstm_layer and extend.gru_layer, which take
    # that gradient in one product after the loop: an LSTM with a projection steps.)
    import nn

    autograd.manual_seed(0)
    module = getattr(nn, layer)(32, 256, num_layers=2, **options).double()
    x = autograd.randn(8, 64, 32, dtype=autograd.float64)  # 64 rows: summed, not stacked

    def grads():
        module.zero_grad()
        out, _ = module(x)
        (out * out).sum().backward()
        return {name: p.grad.numpy().copy() for name, p in module.named_parameters()}

    fused = grads()
    assert counted.added >= 2 * (8 - 2)  # per layer, from the third step on
    counted.off()
    plain = grads()
    for name, want in plain.items():
        np.testing.assert_allclose(
            fused[name], want, rtol=1e-12, atol=1e-12 * np.abs(want).max(), err_msg=name
        )
