"""Shape ops (autograd/ops/shape.py): views and version counters (across the shape families),
read-only expand results, round trips and bad-input errors. Forward/gradcheck/PyTorch checks
of every registered op run in test_registry_ops.py; here are the cases a sampler does not
reach."""

from __future__ import annotations

import numpy as np
import pytest
from torch_reference import grad_vs_torch

import autograd as ag


def _x(*shape, requires_grad=True):
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 7.0 - 1.0
    return ag.tensor(a, requires_grad=requires_grad)


# ------------------------------------------------------------------------------- views
@pytest.mark.parametrize(
    "make",
    [
        lambda x: x.reshape(4, 3),
        lambda x: x.view(-1),
        lambda x: x.T,
        lambda x: x.transpose(0, 1),
        lambda x: x.permute(1, 0),
        lambda x: x.unsqueeze(0),
        lambda x: x.unsqueeze(1).squeeze(1),
        lambda x: x.flatten(),
        lambda x: x.diagonal(),
        lambda x: x.split(1)[1],
        lambda x: x.unbind(1)[2],
        lambda x: x.chunk(2, dim=1)[0],
        lambda x: x.movedim(0, 1),
        lambda x: x.expand(2, 3, 4),
    ],
)
def test_views_share_storage_and_version_counter(make):
    x = _x(3, 4, requires_grad=False)
    y = make(x)
    assert np.shares_memory(y.numpy(), x.numpy())
    assert y._base is x
    before = x._version
    with ag.no_grad():
        x.add_(1.0)
    assert y._version == before + 1


def test_in_place_on_view_bumps_base_version():
    x = _x(3, 4, requires_grad=False)
    v = x[1]
    v.mul_(0.0)
    assert x._version == 1
    assert np.all(x.numpy()[1] == 0)


def test_view_of_view_points_at_the_root():
    x = _x(2, 3, requires_grad=False)
    assert x.T.unsqueeze(0)._base is x


def test_copying_ops_do_not_alias():
    x = _x(2, 3, requires_grad=False)
    for y in (x.flip(0), x.roll(1), x.repeat(1, 1), ag.cat([x]), ag.pad(x, (1, 1)), x.tril()):
        assert not np.shares_memory(y.numpy(), x.numpy())
        assert y._base is None


def test_reshape_copies_when_no_view_is_possible():
    x = _x(3, 4, requires_grad=False)
    y = x.T.reshape(12)
    assert not np.shares_memory(y.numpy(), x.numpy())
    assert y._base is None


@pytest.mark.parametrize(
    "make, shape, viewable",
    [
        (lambda x: x.reshape(4, 2, 3).transpose(0, 1), (8, 3), False),  # heads merged back
        (lambda x: x.reshape(4, 2, 3).transpose(0, 1), (2, 4, 3, 1), True),
        (lambda x: x.reshape(6, 4)[:, :2], (3, 2, 2), True),  # split the strided rows
        (lambda x: x.reshape(6, 4)[:, :2], (12,), False),
    ],
)
@pytest.mark.parametrize("reshape_takes_copy", [True, False])  # NumPy 2.1 on, and before
def test_reshape_knows_when_a_view_is_possible(
    make, shape, viewable, reshape_takes_copy, monkeypatch
):
    from autograd.ops import shape as shape_ops

    if reshape_takes_copy and not shape_ops._RESHAPE_TAKES_COPY:
        pytest.skip("NumPy before 2.1: reshape takes no copy argument")
    monkeypatch.setattr(shape_ops, "_RESHAPE_TAKES_COPY", reshape_takes_copy)
    t = make(ag.arange(24.0).requires_grad_())
    assert shape_ops._viewable(t._array, shape) is viewable
    out = t.reshape(shape)
    assert np.shares_memory(out._array, t._array) is viewable
    assert out.grad_fn.name() == ("ViewBackward0" if viewable else "UnsafeViewBackward0")
    np.testing.assert_array_equal(out.detach().numpy(), t.detach().numpy().reshape(shape))


def test_saved_view_modified_in_place_is_detected():
    w = _x(3, requires_grad=True)
    x = _x(2, 3, requires_grad=False)
    v = x[0]
    y = (v * w).sum()
    with ag.no_grad():
        x.add_(1.0)  # changes v, which mul saved for w's gradient
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_in_place_on_view_of_grad_tensor_rebases_the_base():
    x = _x(2, 3)
    h = x * 2.0
    h[0].mul_(2.0)  # the base joins the change: PyTorch's CopySlices
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[4.0] * 3, [2.0] * 3])


def test_contiguous():
    x = _x(2, 3)
    assert x.contiguous() is x
    y = x.T.contiguous()
    assert y.is_contiguous() and y.grad_fn is not None
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy().T)


@pytest.mark.parametrize(
    "make", [lambda x: x.expand(4, 3), lambda x: ag.broadcast_to(x, (2, 4, 3))]
)
def test_in_place_on_broadcast_view_says_what_to_do(make):
    x = _x(1, 3, requires_grad=False)
    y = make(x)
    before = y.detach().numpy().copy()
    overlap = "more than one element of the written-to tensor refers to a single memory location"
    with pytest.raises(RuntimeError, match=f"add_: unsupported operation: {overlap}.*clone"):
        y.add_(1.0)
    with pytest.raises(RuntimeError, match=f"setitem_: unsupported operation: {overlap}"):
        y[..., 0] = 5.0  # the written view, one column, still holds x's element 4 times
    w = _x(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"mul_: unsupported operation: {overlap}"):
        y.mul_(w)  # the recorded path: refused before any graph is built
    np.testing.assert_array_equal(y.detach().numpy(), before)
    assert y._version == x._version == 0
    z = y.clone()
    z.add_(1.0)
    np.testing.assert_array_equal(z.numpy(), before + 1.0)


# ------------------------------------------------------------------- gradients vs torch
def test_transposed_input_gradients(torch):
    a = np.random.default_rng(1).standard_normal((3, 4)).T  # a non-contiguous input
    grad_vs_torch(torch, lambda x: x.reshape(-1), lambda x: x.reshape(-1), a)
    grad_vs_torch(torch, lambda x: x.flip(0, 1), lambda x: x.flip(0, 1), a)
    grad_vs_torch(torch, lambda x: x.repeat(2, 1, 2), lambda x: x.repeat(2, 1, 2), a)


def test_second_order_through_shape_ops():
    x = _x(2, 3)
    (g,) = ag.grad(ag.cat([x * x, x.T.reshape(2, 3)]).flip(0), x, ag.ones(4, 3, dtype=ag.float64),
                   create_graph=True)  # fmt: skip
    assert g.grad_fn is not None
    (gg,) = ag.grad(g, x, ag.ones(2, 3, dtype=ag.float64))
    np.testing.assert_allclose(gg.numpy(), np.full((2, 3), 2.0))


def test_gradcheck_shape_ops():
    x = _x(2, 3)
    for fn in (
        lambda t: ag.pad(t, (1, 1, 1, 0), mode="reflect"),
        lambda t: ag.pad(t, (2, 2), mode="circular"),
        lambda t: t.diagonal(1).unsqueeze(0).expand(2, 2),
        lambda t: ag.stack([t, t.flip(1)], 1),
        lambda t: t.roll((1, -1), (0, 1)).tril(-1),
    ):
        assert ag.gradcheck(fn, (x,))
        assert ag.gradgradcheck(fn, (x,))


def test_squeeze_semantics():
    x = ag.zeros(1, 3, 1)
    assert x.squeeze().shape == (3,)
    assert x.squeeze(1).shape == (1, 3, 1)  # not size 1: a no-op, as PyTorch
    assert x.squeeze((0, 2)).shape == (3,)
    assert ag.zeros(()).squeeze(0).shape == ()
    assert ag.zeros(()).unsqueeze(-1).shape == (1,)


def test_movedim_and_friends():
    x = ag.zeros(2, 3, 4)
    assert x.movedim((0, 1), (2, 0)).shape == (3, 4, 2)
    assert x.swapaxes(0, 2).shape == (4, 3, 2)
    assert ag.swapdims(x, -1, 0).shape == (4, 3, 2)
    assert x.unflatten(2, (2, -1)).shape == (2, 3, 2, 2)
    assert x.flatten(0, 1).shape == (6, 4)
    assert ag.zeros(()).flatten().shape == (1,)
    assert x.tile((2,)).shape == (2, 3, 8)
    assert ag.broadcast_to(ag.zeros(3), (2, 3)).shape == (2, 3)


def test_numpy_functions_with_numpy_keywords():
    x = ag.zeros(2, 3, 4)
    assert np.swapaxes(x, axis1=0, axis2=2).shape == (4, 3, 2)
    assert np.transpose(x, axes=(1, 2, 0)).shape == (3, 4, 2)
    assert np.transpose(x, axes=None).shape == (4, 3, 2)


# ---------------------------------------------------------------------------- errors
def test_impossible_reshape_names_both_shapes():
    with pytest.raises(
        ValueError, match=r"reshape: shape \(5, -1\) is invalid for input of shape \(3, 4\)"
    ):
        ag.zeros(3, 4).reshape(5, -1)
    with pytest.raises(ValueError, match=r"\(5, 2\).*\(3, 4\)"):
        ag.zeros(3, 4).view(5, 2)
    with pytest.raises(ValueError, match="at most one -1"):
        ag.zeros(3, 4).reshape(-1, -1)


def test_dim_out_of_range():
    with pytest.raises(ValueError, match=r"transpose: dim 2 is out of range.*2 dimensions"):
        ag.zeros(3, 4).transpose(0, 2)
    with pytest.raises(ValueError, match="unsqueeze: dim 4"):
        ag.zeros(3, 4).unsqueeze(4)
    with pytest.raises(ValueError, match="permute: dims"):
        ag.zeros(3, 4).permute(0, 0)
    with pytest.raises(ValueError, match="cat: dim 2"):
        ag.cat([ag.zeros(3, 4)], dim=2)


def test_expand_of_non_singleton_dim():
    with pytest.raises(
        ValueError, match=r"expand: the expanded size 5 must match the existing size 4"
    ):
        ag.zeros(3, 4).expand(2, 3, 5)
    with pytest.raises(ValueError, match="fewer dims"):
        ag.zeros(3, 4).expand(4)


def test_bad_shape_arguments():
    with pytest.raises(TypeError, match="reshape: shape must contain ints"):
        ag.zeros(4).reshape(2.0, 2)
    with pytest.raises(ValueError, match="unflatten: sizes"):
        ag.zeros(2, 6).unflatten(1, (4, -1))
    with pytest.raises(ValueError, match="flatten: start_dim"):
        ag.zeros(2, 3, 4).flatten(2, 1)
