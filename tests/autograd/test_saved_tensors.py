"""Saved tensors (autograd/function.py): a saved value is tied to the argument it came from, so a
``detach()``ed alias that shares the array of a Tensor with history stays without history when
backward rebuilds it (``create_graph=True``), and in-place changes are still detected."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def _second_derivative(fn, x0, torch=None):
    """d/dx sum(d/dx sum(fn(x))), computed by double backward, in ours (or torch's) engine."""
    if torch is None:
        x = ag.tensor(x0, requires_grad=True)
        (g,) = ag.grad(fn(x).sum(), x, create_graph=True)
        (gg,) = ag.grad(g.sum(), x)
        return g.detach().numpy(), gg.numpy()
    x = torch.tensor(x0, requires_grad=True)
    (g,) = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), x)
    return g.detach().numpy(), gg.numpy()


def _detached_products(lib):
    return {
        "y * y.detach()": lambda x: (y := x * x) * y.detach(),
        "y.detach() * y": lambda x: (y := x * x).detach() * y,
        "y / y.detach()": lambda x: (y := x * x) / y.detach(),
        "y.detach() / y": lambda x: (y := x * x).detach() / y,
        "y ** y.detach()": lambda x: (y := x * x) ** y.detach(),
        "maximum(y, y.detach())": lambda x: lib.maximum(y := x * x, y.detach()),
    }


def test_detached_alias_in_one_op_hand_computed():
    # f = y * c with y = x**2 and c = y held constant: df/dx = 2x * c = 2x**3, and the
    # derivative of that with c constant is 2c = 2x**2 (not 6x**2).
    g, gg = _second_derivative(lambda x: (y := x * x) * y.detach(), np.array([0.5, 1.0]))
    np.testing.assert_allclose(g, [0.25, 2.0])
    np.testing.assert_allclose(gg, [0.5, 2.0])
    g, gg = _second_derivative(lambda x: (y := x * x).detach() * y, np.array([0.5, 1.0]))
    np.testing.assert_allclose(gg, [0.5, 2.0])


@pytest.mark.parametrize("name", sorted(_detached_products(ag)))
def test_detached_alias_second_order_vs_torch(torch, name):
    ours, theirs = _detached_products(ag)[name], _detached_products(torch)[name]
    x0 = np.array([0.5, 1.0, 1.5])
    for a, b in zip(_second_derivative(ours, x0), _second_derivative(theirs, x0, torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_matmul_with_its_own_detached_alias_vs_torch(torch):
    w0 = np.random.default_rng(0).standard_normal((3, 3))
    ours = _second_derivative(lambda w: (v := w @ w) @ v.detach(), w0)
    theirs = _second_derivative(lambda w: (v := w @ w) @ v.detach(), w0, torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10)


class _Product3(ag.Function):
    """a * b * c, saving all three inputs (exercises more than two Tensor arguments)."""

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b, c)
        return a * b * c

    @staticmethod
    def backward(ctx, g):
        a, b, c = ctx.saved_tensors
        return g * b * c, g * a * c, g * a * b


def test_three_arguments_sharing_one_array():
    x = ag.tensor([0.5, 1.0], requires_grad=True)
    y = x * x
    # f = y * c * y with c = y held constant: f = c * x**4, f' = 4c x**3, f'' = 12 c x**2.
    (g,) = ag.grad(_Product3.apply(y, y.detach(), y).sum(), x, create_graph=True)
    c = x.detach().numpy() ** 2
    np.testing.assert_allclose(g.detach().numpy(), 4 * c * x.detach().numpy() ** 3)
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 12 * c * x.detach().numpy() ** 2)


def test_each_argument_has_its_own_array_and_saved_history():
    seen = {}

    class Pair(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["distinct"] = a is not b and np.shares_memory(a, b)
            ctx.save_for_backward(a, b)
            return a + b

        @staticmethod
        def backward(ctx, g):
            seen["requires_grad"] = tuple(t.requires_grad for t in ctx.saved_tensors)
            return g, g

    x = ag.tensor([2.0], requires_grad=True)
    y = x * 1.0
    out = Pair.apply(y, y.detach())
    ag.grad(out.sum(), x, create_graph=True)
    assert seen == {"distinct": True, "requires_grad": (True, False)}
    np.testing.assert_array_equal(out.detach().numpy(), [4.0])


def test_same_tensor_twice_is_still_one_input():
    x = ag.tensor([3.0], requires_grad=True)
    (g,) = ag.grad((x * x).sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    assert g.item() == 6.0 and gg.item() == 2.0


def test_in_place_change_through_the_detached_alias_is_detected():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    d = y.detach()
    z = y * d  # saves both
    d.add_(1.0)  # the alias shares storage and version counter, as in PyTorch
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()


@pytest.mark.parametrize(
    "make, changed",
    [
        (lambda y, c: y * y, "y"),  # both operands saved (one Tensor twice)
        (lambda y, c: y * c, "c"),  # the operand that needs no gradient is saved too
        (lambda y, c: c @ y, "c"),
        (lambda y, c: y / c, "c"),
        (lambda y, c: (y * 2.0).exp(), "out"),  # the output alone
    ],
    ids=["mul-same-tensor", "mul-data-operand", "matmul", "div", "exp-output"],
)
def test_each_saved_operand_is_checked_for_in_place_changes(make, changed):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1.0
    c = ag.tensor([[2.0, 3.0], [4.0, 5.0]])  # no gradient: a constant of the graph
    z = make(y, c)
    {"y": y, "c": c, "out": z}[changed].add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()


def test_a_number_operand_is_saved_as_it_is():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = y * 3.0
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    assert z.grad_fn._saved_src == (None, None)  # y is not read by mul's rule for y; 3.0 no check
