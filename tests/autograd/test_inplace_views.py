"""In-place ops on views: the base joins the graph, and base and views are rebased together.

A view shares its base's memory, so an in-place op on it changes the base. Recorded, the base's
new value is "the old base with the view's region replaced" (PyTorch's CopySlices); the view and
the base's other live views then read their region of the new base. Each program below is
checked by hand (values, gradients, second derivatives) and, with PyTorch installed, against
PyTorch on the same inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd


def _t(lib, values, requires_grad=False):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def _grad(lib):
    return lib.autograd.grad if lib is not autograd else autograd.grad


W = [1.0, 2.0, 3.0]


# Each program returns (leaves, result); the result is backpropagated with ones.
def add_into_view_of_constant(lib):
    b = _t(lib, [1.0, 1.0], True)
    y = lib.zeros(3, dtype=lib.float64)
    y[1:].add_(b)
    return [b], y * _t(lib, W)


def copy_into_element_of_constant(lib):
    b = _t(lib, [5.0], True)
    y = lib.zeros(3, dtype=lib.float64)
    y[0].copy_(b[0])
    return [b], y * _t(lib, W)


def mul_view_of_constant(lib):
    b = _t(lib, [2.0, 3.0], True)
    y = lib.ones(3, dtype=lib.float64)
    y[:2].mul_(b)
    return [b], y * _t(lib, W)


def mul_view_of_non_leaf(lib):
    a = _t(lib, [1.0, 2.0, 3.0], True)
    x = a * 1
    x[1:].mul_(2)
    return [a], x * x


def transpose_row_of_non_leaf(lib):
    a = _t(lib, [[1.0, 2.0], [3.0, 4.0]], True)
    x = a * 1
    x.t()[0].mul_(3)  # the first column of x
    return [a], x * x


def view_of_view(lib):
    a = _t(lib, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], True)
    x = a * 1
    x.reshape(2, 3)[:, 1].mul_(10)
    return [a], x * x


def view_with_tensor_operand(lib):
    a = _t(lib, [1.0, -2.0, 3.0], True)
    b = _t(lib, [0.5], True)
    x = a * 1
    x[::2].mul_(b)
    return [a, b], x * x


def relu_on_view(lib):
    a = _t(lib, [1.0, -2.0, 3.0], True)
    x = a * 1
    x[1:].relu_()
    return [a], x * x


def the_view_itself_is_rebased(lib):
    a = _t(lib, [1.0, 2.0, 3.0], True)
    x = a * 1
    v = x[1:]
    v.mul_(2)
    return [a], v * v


def sibling_view_sees_the_change(lib):
    a = _t(lib, [1.0, 2.0, 3.0], True)
    x = a * 1
    v = x[0:2]
    x[1:].mul_(2)
    return [a], v * v


def view_sees_a_change_of_its_base(lib):
    a = _t(lib, [1.0, 2.0, 3.0], True)
    x = a * 1
    v = x[0:2]
    x.mul_(2)
    return [a], v * v


def row_of_expanded_non_leaf(lib):
    a = _t(lib, [[1.0, 2.0, 3.0]], True)
    x = a * 1
    x.expand(2, 3)[0].mul_(2)  # one row of the expansion: no element written twice
    return [a], x * x


def setitem_row_of_expanded(lib):
    a = _t(lib, [1.0, 2.0, 3.0], True)
    x = a * 1
    e = x.expand(2, 3)
    e[1] = a * a  # the row x[None][0] has no internal overlap: written through to x
    return [a], x * e  # e, a sibling view, reads x's new value in both rows


def expanded_view_sees_a_change_of_its_base(lib):
    a = _t(lib, [1.0, 2.0, 3.0], True)
    x = a * 1
    e = x.expand(2, 3)
    x.mul_(a)  # e's rows share x's memory: each adds its gradient into x
    return [a], e


def unsqueezed_slice(lib):
    a = _t(lib, [1.0, -2.0, 3.0], True)
    x = a * 1
    x.unsqueeze(0)[0, 1:].sub_(1)
    return [a], x * x


# program, result values, first gradients (d sum(result) / d leaves)
PROGRAMS = [
    (add_into_view_of_constant, [0.0, 2.0, 3.0], [[2.0, 3.0]]),
    (copy_into_element_of_constant, [5.0, 0.0, 0.0], [[1.0]]),
    (mul_view_of_constant, [2.0, 6.0, 3.0], [[1.0, 2.0]]),
    (mul_view_of_non_leaf, [1.0, 16.0, 36.0], [[2.0, 16.0, 24.0]]),
    (transpose_row_of_non_leaf, [[9.0, 4.0], [81.0, 16.0]], [[[18.0, 4.0], [54.0, 8.0]]]),
    (view_of_view, [1.0, 400.0, 9.0, 16.0, 2500.0, 36.0], [[2.0, 400.0, 6.0, 8.0, 1000.0, 12.0]]),
    (view_with_tensor_operand, [0.25, 4.0, 2.25], [[0.5, -4.0, 1.5], [10.0]]),
    (relu_on_view, [1.0, 0.0, 9.0], [[2.0, 0.0, 6.0]]),
    (the_view_itself_is_rebased, [16.0, 36.0], [[0.0, 16.0, 24.0]]),
    (sibling_view_sees_the_change, [1.0, 16.0], [[2.0, 16.0, 0.0]]),
    (view_sees_a_change_of_its_base, [4.0, 16.0], [[8.0, 16.0, 0.0]]),
    (row_of_expanded_non_leaf, [[4.0, 16.0, 36.0]], [[[8.0, 16.0, 24.0]]]),
    (unsqueezed_slice, [1.0, 9.0, 4.0], [[2.0, -6.0, 4.0]]),
    (setitem_row_of_expanded, [[1.0, 16.0, 81.0]] * 2, [[8.0, 64.0, 216.0]]),
    (expanded_view_sees_a_change_of_its_base, [[1.0, 4.0, 9.0]] * 2, [[4.0, 8.0, 12.0]]),
]  # fmt: skip

IDS = [p.__name__ for p, _, _ in PROGRAMS]


def _run(program, lib):
    leaves, out = program(lib)
    grads = _grad(lib)(out.sum(), leaves, create_graph=True)
    total = grads[0].sum()
    for g in grads[1:]:
        total = total + g.sum()
    second = _grad(lib)(total, leaves, allow_unused=True) if total.requires_grad else None
    as_np = [g.detach().numpy() for g in grads]
    second_np = None
    if second is not None:
        second_np = [np.zeros(x.shape) if g is None else g.numpy() for g, x in zip(second, leaves)]
    return out.detach().numpy(), as_np, second_np


@pytest.mark.parametrize("program, values, grads", PROGRAMS, ids=IDS)
def test_in_place_on_view_by_hand(program, values, grads):
    out, got, _ = _run(program, autograd)
    np.testing.assert_allclose(out, values, rtol=1e-12)
    for g, want in zip(got, grads):
        np.testing.assert_allclose(g, want, rtol=1e-12)


@pytest.mark.parametrize("program, values, grads", PROGRAMS, ids=IDS)
def test_in_place_on_view_matches_torch(program, values, grads, torch):
    out, got, second = _run(program, autograd)
    t_out, t_got, t_second = _run(program, torch)
    np.testing.assert_allclose(out, t_out, rtol=1e-12)
    for g, tg in zip(got, t_got):
        np.testing.assert_allclose(g, tg, rtol=1e-12)
    if second is not None and t_second is not None:  # through CopySlices and the views
        for g, tg in zip(second, t_second):
            np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-12)


def test_second_derivative_by_hand():
    a = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    x = a * 1
    x[1:].mul_(2)  # x = [a0, 2 a1, 2 a2]
    (g,) = autograd.grad((x * x).sum(), a, create_graph=True)  # [2 a0, 8 a1, 8 a2]
    np.testing.assert_array_equal(g.detach().numpy(), [2.0, 16.0, 24.0])
    (gg,) = autograd.grad(g.sum(), a)
    np.testing.assert_array_equal(gg.numpy(), [2.0, 8.0, 8.0])


def test_constant_base_joins_the_graph():
    b = autograd.tensor([1.0, 1.0], requires_grad=True)
    y = autograd.zeros(3)
    v = y[:2]  # a live view of y before the change
    y[1:].add_(b)
    assert y.requires_grad and y.grad_fn is not None
    assert v.requires_grad  # it reads the new base
    (v * autograd.tensor([10.0, 20.0])).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [20.0, 0.0])


def test_view_of_leaf_that_requires_grad_is_refused():
    a = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf tensor that requires grad"):
        a[1:].mul_(2)
    assert a.tolist() == [1.0, 2.0, 3.0]


def test_view_created_under_no_grad_is_refused():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    with autograd.no_grad():
        v = x[1:]
    with pytest.raises(RuntimeError, match="created in no_grad mode"):
        v.add_(autograd.ones(2, requires_grad=True))


def test_overlapping_expand_is_refused_and_a_row_is_not():
    b = autograd.zeros(1, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        b.expand(2, 3).add_(1)
    b.expand(2, 3)[0].add_(1)  # writes each element once, through the base
    assert b.tolist() == [[1.0, 1.0, 1.0]]
    c = autograd.zeros(3)
    c.expand(3).add_(2)  # nothing broadcast: nothing overlaps
    assert c.tolist() == [2.0, 2.0, 2.0]


def test_expand_written_where_the_written_view_does_not_overlap():
    # PyTorch refuses a write only when the written tensor itself has elements sharing memory.
    x = autograd.arange(4.0)
    e = x.expand(3, 4)
    e[0] = autograd.tensor([9.0, 8.0, 7.0, 6.0])  # e[0] is x's memory, once each
    assert x.tolist() == [9.0, 8.0, 7.0, 6.0] and e[2].tolist() == x.tolist()
    e[1, 2] = 0.5
    assert x.tolist() == [9.0, 8.0, 0.5, 6.0]
    for write in (lambda: e.__setitem__((slice(None), 0), 5.0), lambda: e[0:2].add_(1.0)):
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            write()  # e[:, 0] is one element three times; e[0:2] each element twice
    assert x.tolist() == [9.0, 8.0, 0.5, 6.0]
    s = autograd.tensor(2.0)
    s.expand(1).add_(7.0)  # a 0-d base behind a one-element expansion
    assert s.item() == 9.0


def test_fill_of_expanded_outside_the_graph_only():
    x = autograd.arange(3.0)
    x.expand(2, 3).zero_()  # every element gets the same value: allowed, as in PyTorch
    assert x.tolist() == [0.0, 0.0, 0.0]
    y = autograd.arange(3.0, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        y.expand(2, 3).fill_(1.0)  # recorded: refused, as in PyTorch


def test_saved_base_still_detects_the_change():
    a = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = a.exp()  # saves its output, x
    x[1:].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        x.sum().backward()


# ------------------------------------------------------------------------------ errors
_NUMPY_TEXT = ("ufunc", "operands could not be broadcast", "Cannot cast", "non-broadcastable")


def _int(values):
    return autograd.tensor(values, dtype=autograd.int64)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: _int([1, 2]).add_(0.5), "add_: result type Float can't be cast to the desired "
         "output type Long"),
        (lambda: _int([1, 2]).mul_(autograd.ones(2)), "mul_: result type Float can't be cast"),
        (lambda: _int([1, 2]).add_(autograd.ones(2, requires_grad=True)),
         "add_: result type Float can't be cast to the desired output type Long"),
        (lambda: autograd.zeros(2, dtype=autograd.bool).add_(1),
         "add_: result type Long can't be cast to the desired output type Bool"),
        (lambda: _int([1, 2]).exp_(), "exp_: result type Float can't be cast"),
        (lambda: _int([1, 2]).clamp_(0.5, 1.5), "clamp_: result type Float can't be cast"),
    ],
)  # fmt: skip
def test_in_place_cast_errors_name_both_types(call, match):
    with pytest.raises(RuntimeError, match=match) as info:
        call()
    assert not any(t in str(info.value) for t in _NUMPY_TEXT)


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: x.add_(autograd.ones(2)), r"add_: other of shape \(2,\) does not broadcast "
         r"to the shape \(3,\)"),
        (lambda x: x.sub_(autograd.ones(2, 3)), r"sub_: the tensor written in place has shape "
         r"\(3,\), but other of shape \(2, 3\) broadcasts it to \(2, 3\)"),
        (lambda x: x.copy_(autograd.ones(2)), r"copy_: src of shape \(2,\)"),
        (lambda x: x.lerp_(autograd.ones(4), 0.5), r"lerp_: end of shape \(4,\)"),
        (lambda x: x.addcmul_(autograd.ones(2), autograd.ones(3)), r"addcmul_: tensor1 of shape"),
        (lambda x: x.mul_(other=autograd.ones(2)), r"mul_: other of shape \(2,\)"),
    ],
)  # fmt: skip
def test_in_place_shape_errors_name_the_argument(call, match, requires_grad):
    x = autograd.zeros(3)
    if requires_grad:
        x = autograd.zeros(3, requires_grad=True) * 1
    before = x.detach().numpy().copy()
    with pytest.raises(ValueError, match=match) as info:
        call(x)
    assert not any(t in str(info.value) for t in _NUMPY_TEXT)
    np.testing.assert_array_equal(x.detach().numpy(), before)  # nothing half-written
    assert x._version == 0


def test_in_place_cast_message_matches_torch(torch):
    with pytest.raises(RuntimeError) as theirs:
        torch.zeros(2, dtype=torch.int64).add_(0.5)
    with pytest.raises(RuntimeError) as ours:
        _int([0, 0]).add_(0.5)
    assert str(theirs.value) in str(ours.value)


def test_in_place_keyword_operand_that_requires_grad_is_recorded():
    x = autograd.ones(2)
    w = autograd.tensor([2.0, 3.0], requires_grad=True)
    x.mul_(other=w)  # a constant joins the graph through a keyword operand too
    assert x.requires_grad
    x.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]
    y = autograd.ones(2)
    y.mul_(other=autograd.tensor([2.0, 3.0]))  # and on the fast path
    assert y.tolist() == [2.0, 3.0]
    with pytest.raises(TypeError, match=r"mul_: unexpected keyword arguments \['factor'\]"):
        y.mul_(factor=2.0)
