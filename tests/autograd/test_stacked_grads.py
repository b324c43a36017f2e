"""A weight that many thin products share (a recurrence over a small batch): its gradient's
products stacked into one GEMM.

Where a product's weight gradient ``x.T @ g`` has few rows (a batch of 32 or fewer) and more
uses of that weight are still to deliver theirs, the rule returns the blocks (``_Stacked``)
and the engine joins them, computing the sum when the weight's gradient is read. Each test
checks the gradients against the same program with stacking turned off, or against the
arithmetic written out, and that the stacks were made.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_grad_accumulation import _grads, _hooked_recurrence
from test_grad_accumulation import _recurrence as recurrence

import autograd
from autograd import function
from autograd.ops import linalg


@pytest.fixture
def stacks(monkeypatch):
    """Counts the stacks made (``made``) and computed (``computed``); ``off()`` turns stacking
    off."""
    real_init, real_value = function._Stacked.__init__, function._Stacked.value

    class Count:
        made = computed = 0

        def off(self):
            monkeypatch.setattr(linalg, "_STACK_MAX_ROWS", 0)

    def init(self, *args):
        Count.made += 1
        real_init(self, *args)

    def value(self):
        Count.computed += 1
        return real_value(self)

    monkeypatch.setattr(function._Stacked, "__init__", init)
    monkeypatch.setattr(function._Stacked, "value", value)
    return Count()


def _recurrence(dtype, steps=6, batch=16, hidden=256):
    return recurrence(dtype, steps=steps, batch=batch, hidden=hidden)


def _close(got, want, tol):
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())


def _module_grads(module, loss):
    """Each parameter's gradient of ``loss()``, by name."""
    for p in module.parameters():
        p.grad = None
    loss().backward()
    return {name: p.grad.numpy().copy() for name, p in module.named_parameters()}


def _same_grads(got, want):
    for name, w in want.items():
        np.testing.assert_allclose(got[name], w, rtol=1e-12, atol=1e-12 * np.abs(w).max(),
                                   err_msg=name)  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_recurrence_stacks_its_weight_gradients(stacks, dtype):
    fn, params = _recurrence(dtype)
    stacked = _grads(fn, params)
    assert stacks.made == 2 * 6  # w and u, every step
    assert stacks.computed == 2  # one GEMM each
    stacks.off()
    plain = _grads(fn, params)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for got, want in zip(stacked, plain):
        _close(got, want, tol)
    assert params[0].grad.numpy().flags.c_contiguous


def test_stacked_gradients_match_pytorch(stacks):
    torch = pytest.importorskip("torch")
    fn, params = _recurrence(np.float64, steps=4, batch=8)
    ours = _grads(fn, params)
    assert stacks.made == 2 * 4
    w, u, h = (torch.tensor(p.detach().numpy(), requires_grad=True) for p in params)
    leaves = (w, u, h)
    for _ in range(4):
        h = torch.tanh(h @ w + torch.tanh(h) @ u)
    (h * h).sum().backward()
    for got, leaf in zip(ours, leaves):
        _close(got, leaf.grad.numpy(), 1e-12)


@pytest.mark.parametrize("layer, options", [("RNN", {}), ("LSTM", {"proj_size": 128})])
def test_nn_recurrent_layers_stack_through_their_transposed_weight(stacks, layer, options):
    # A layer transposes its recurrent weight once for all its steps: the products' gradients
    # stack in that node's sum, which is computed (column-major, as the transpose's gradient)
    # when the node runs, and reaches the weight row-major. (LSTM and GRU layers
    # without a projection are one node each, extend.lstm_layer and extend.gru_layer, which take
    # that gradient in one product of their own: an LSTM with a projection steps.)
    import nn

    autograd.manual_seed(0)
    module = getattr(nn, layer)(32, 256, num_layers=2, **options).double()
    x = autograd.randn(8, 16, 32, dtype=autograd.float64)

    def loss():
        out, _ = module(x)
        return (out * out).sum()

    stacked = _module_grads(module, loss)
    assert stacks.made >= 2 * 8  # per layer, every step
    assert module.weight_hh_l0.grad.numpy().flags.c_contiguous
    stacks.off()
    _same_grads(stacked, _module_grads(module, loss))


def test_hooks_and_retained_gradients_see_the_whole_sum(stacks):
    run = _hooked_recurrence(16)  # 16 rows: stacked
    seen, v_grad, w_grad = run()
    assert stacks.made == 5 and stacks.computed == 1
    stacks.off()
    seen_plain, v_plain, w_plain = run()
    assert len(seen) == len(seen_plain) == 1  # the leaf's hook runs once, on the total
    for got, want in ((seen[0], seen_plain[0]), (v_grad, v_plain), (w_grad, w_plain)):
        _close(got, want, 1e-12)


@pytest.mark.parametrize("order", ["array first", "array last", "array between"])
def test_array_gradients_join_the_stacked_sum(stacks, order):
    # The weight also gets gradients as arrays (an elementwise use): summed with the stacked
    # products, whichever arrives first.
    rng = np.random.default_rng(2)
    w = autograd.tensor(rng.standard_normal((256, 256)) / 16, requires_grad=True)
    x = autograd.tensor(rng.standard_normal((8, 256)))
    c = rng.standard_normal((256, 256))
    elementwise = (w * autograd.tensor(c)).sum()
    products = [(x @ w).tanh().sum() for _ in range(3)]
    if order == "array first":
        terms = [elementwise, *products]  # backward reaches the later terms first
    elif order == "array last":
        terms = [*products, elementwise]
    else:
        terms = [products[0], elementwise, *products[1:]]
    loss = terms[0]
    for t in terms[1:]:
        loss = loss + t
    loss.backward()
    xs, ws = x.numpy(), w.detach().numpy()
    expected = c + 3 * xs.T @ (1 - np.tanh(xs @ ws) ** 2)
    _close(w.grad.numpy(), expected, 1e-12)
    assert stacks.made == 3


def test_a_full_stack_is_computed_and_a_new_one_goes_on(stacks, monkeypatch):
    # The blocks a stack holds are bounded: past that, the sum so far is computed and stacking
    # goes on after it, to the same gradient.
    monkeypatch.setattr(function._Stacked, "floor_bytes", 0)  # twice the gradient's size
    products = []
    real = function._Stacked._product

    def product(self):
        products.append(self.rows)
        return real(self)

    monkeypatch.setattr(function._Stacked, "_product", product)
    fn, params = _recurrence(np.float64, steps=40, batch=16, hidden=256)
    stacked = _grads(fn, params)
    assert stacks.computed == 2 and len(products) > 2  # 256 rows a stack, 640 for each weight
    stacks.off()
    for got, want in zip(stacked, _grads(fn, params)):
        _close(got, want, 1e-12)


def test_autograd_grad_second_order_and_chosen_inputs_are_unchanged(stacks):
    fn, (w, u, h0) = _recurrence(np.float64, steps=3)
    (gw,) = autograd.grad(fn(h0), [w])  # read where it arrives: nothing stacked
    assert stacks.made == 0
    (gw2,) = autograd.grad(fn(h0), [w], create_graph=True)
    (hvp,) = autograd.grad((gw2 * gw2).sum(), [u])
    assert stacks.made == 0
    fn(h0).backward(inputs=[w])  # only w accumulates
    assert stacks.made == 2 * 3 and u.grad is None
    stacks.off()
    _close(w.grad.numpy(), gw.numpy(), 1e-12)
    _close(gw2.detach().numpy(), gw.numpy(), 1e-12)
    fn2, (w2, u2, h2) = _recurrence(np.float64, steps=3)
    (gw_plain,) = autograd.grad(fn2(h2), [w2], create_graph=True)
    (hvp_plain,) = autograd.grad((gw_plain * gw_plain).sum(), [u2])
    _close(hvp.numpy(), hvp_plain.numpy(), 1e-12)


def test_wide_batches_and_small_weights_are_not_stacked(stacks):
    fn, params = _recurrence(np.float64, batch=64)  # 64 rows: the accumulating GEMMs instead
    _grads(fn, params)
    fn, params = _recurrence(np.float64, batch=8, hidden=64)  # a 64 x 64 weight: plain GEMMs
    _grads(fn, params)
    assert stacks.made == 0


def test_a_compiled_recurrence_stacks_as_eager_does(stacks):
    # autograd.compile's replay runs the same rules and stacks the same products: its
    # gradients are the eager ones, and the stacks are computed once per weight.
    fn, params = _recurrence(np.float64)
    eager = _grads(fn, params)
    compiled = autograd.compile(fn)
    for _ in range(2):
        _grads(compiled, params)  # records twice
    made = stacks.made
    replayed = _grads(compiled, params)
    assert stacks.made - made == 2 * 6
    for got, want in zip(replayed, eager):
        _close(got, want, 1e-12)


def test_operands_changed_after_their_use_do_not_change_the_stack(stacks):
    # An optimizer step in a post-accumulate hook (optimizing in backward) changes the learned
    # initial state in place as soon as its gradient is final, while the weight's stack still
    # waits for its first step's rows: those were copied in when that step's rule ran, as
    # PyTorch's rule computes its product then.
    import optim

    def run():
        rng = np.random.default_rng(0)
        w = autograd.tensor(rng.standard_normal((256, 256)) / 16, requires_grad=True)
        h0 = autograd.tensor(rng.standard_normal((16, 256)), requires_grad=True)
        opt = optim.SGD([h0], lr=0.1)

        def step(p):
            opt.step()
            opt.zero_grad()

        h0.register_post_accumulate_grad_hook(step)
        h = h0
        for _ in range(4):
            h = (h @ w).tanh()
        (h * h).sum().backward()
        return w.grad.numpy().copy()

    stacked = run()
    assert stacks.made == 4
    stacks.off()
    _close(stacked, run(), 1e-12)


@pytest.mark.parametrize("first", ["operand's product", "accumulation"])
def test_a_grad_array_used_as_an_operand_and_accumulated_into(stacks, first):
    # p.grad's array is an operand of a product of w, and backward adds p's new gradient into
    # it in place: the product's rows were taken before, whichever the engine reaches first.
    def run():
        rng = np.random.default_rng(0)
        p = autograd.tensor(rng.standard_normal((16, 512)), requires_grad=True)
        p.grad = autograd.tensor(rng.standard_normal((16, 512)))
        w = autograd.tensor(rng.standard_normal((512, 256)) / 20, requires_grad=True)
        b = autograd.tensor(rng.standard_normal((16, 512)))
        uses = [(p.grad @ w).tanh().sum(), (b @ w).tanh().sum()]
        # backward reaches the later terms first
        terms = [(p * p).sum(), uses[0], uses[1]]
        if first == "accumulation":
            terms = [uses[1], (p * p).sum(), uses[0]]
        loss = terms[0] + terms[1] + terms[2]
        loss.backward()
        return w.grad.numpy().copy()

    stacked = run()
    assert stacks.made == 2
    stacks.off()
    _close(stacked, run(), 1e-12)


@pytest.mark.parametrize("cell", ["LSTMCell", "linear"])
def test_a_weight_transposed_at_every_use_stacks_through_its_transposes(stacks, cell):
    # nn.LSTMCell in a loop, or F.linear at each step, transposes the weight anew at every
    # call: each transpose hands its use's stack on to the weight, transposed, without its rule.
    import nn

    autograd.manual_seed(0)
    x = autograd.randn(6, 16, 32, dtype=autograd.float64)
    if cell == "LSTMCell":
        module = nn.LSTMCell(32, 256).double()

        def loss():
            h = c = autograd.zeros(16, 256, dtype=autograd.float64)
            for t in range(6):
                h, c = module(x[t], (h, c))
            return (h * h).sum()

    else:
        module = nn.Linear(256, 256).double()
        inp = nn.Linear(32, 256).double()

        def loss():
            h = autograd.zeros(16, 256, dtype=autograd.float64)
            for t in range(6):
                h = (inp(x[t]) + module(h)).tanh()
            return (h * h).sum()

    stacked = _module_grads(module, loss)
    assert stacks.made >= 6 and stacks.computed >= 1
    weight = module.weight_hh if cell == "LSTMCell" else module.weight
    assert weight.grad.numpy().flags.c_contiguous
    stacks.off()
    _same_grads(stacked, _module_grads(module, loss))


def test_a_transpose_with_a_hook_runs_its_rule(stacks):
    # A hook on a transpose reads its gradient: the stack is computed there, and the hook sees
    # the transposed weight's gradient as an array.
    rng = np.random.default_rng(5)
    w = autograd.tensor(rng.standard_normal((256, 256)) / 16, requires_grad=True)
    x = autograd.tensor(rng.standard_normal((16, 256)))

    def run():
        seen = []
        w.grad = None
        h = x
        for _ in range(4):
            wt = w.t()
            wt.register_hook(lambda g: seen.append(type(g._array)))
            h = (h @ wt).tanh()
        h.sum().backward()
        return seen, w.grad.numpy().copy()

    seen, got = run()
    assert seen == [np.ndarray] * 4
    assert stacks.made == 0  # nothing is offered through a transpose whose gradient is read
    stacks.off()
    _close(got, run()[1], 1e-12)
