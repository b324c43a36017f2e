"""autograd.dropout and autograd.feature_dropout: one primitive that draws its own mask."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import autograd.forward_ad as fwAD


def test_dropout_draws_what_a_bernoulli_mask_draws():
    autograd.manual_seed(3)
    x = autograd.tensor(np.linspace(-1, 1, 40).reshape(5, 8), requires_grad=True)
    y = autograd.dropout(x, 0.25, True)
    autograd.manual_seed(3)
    mask = autograd.empty(5, 8, dtype=x.dtype).bernoulli_(0.75).mul_(1 / 0.75)
    np.testing.assert_array_equal(y.detach().numpy(), (x * mask).detach().numpy())
    assert y.grad_fn.name() == "MulBackward0"  # PyTorch's CPU dropout node
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), mask.numpy())


def test_feature_dropout_keeps_or_drops_whole_channels():
    autograd.manual_seed(0)
    x = autograd.ones(4, 6, 3, 2, requires_grad=True)
    y = autograd.feature_dropout(x, 0.5, True)
    planes = y.detach().numpy().reshape(4, 6, -1)
    assert set(np.unique(planes)) <= {0.0, 2.0}
    assert (planes == planes[:, :, :1]).all()
    with pytest.raises(ValueError, match="batch and a channel dim"):
        autograd.feature_dropout(autograd.ones(3), 0.5, True)


def test_identity_and_the_edges_of_p():
    x = autograd.ones(3, requires_grad=True)
    assert autograd.dropout(x, 0.5, False) is x
    assert autograd.dropout(x, 0.0, True) is x
    y = autograd.dropout(x, 1.0, True)
    assert y.tolist() == [0.0, 0.0, 0.0] and y.requires_grad
    for p in (-0.1, 1.5, True, "0.5"):
        with pytest.raises(ValueError, match="p must be a probability"):
            autograd.dropout(x, p, True)


@pytest.mark.parametrize("feature", [False, True])
def test_the_drawn_path_passes_gradcheck_with_a_seeded_generator(feature):
    op = autograd.feature_dropout if feature else autograd.dropout

    def f(x):
        autograd.manual_seed(11)  # the same mask at every evaluation
        return op(x, 0.4, True)

    x = autograd.tensor(np.linspace(0.1, 2.0, 24).reshape(2, 3, 4), requires_grad=True)
    assert autograd.gradcheck(f, (x,))
    assert autograd.gradgradcheck(f, (x,))


def test_bad_input():
    with pytest.raises(TypeError):
        autograd.dropout("x", 0.5, True)
    with pytest.raises(ValueError, match="p must be a probability"):
        autograd.feature_dropout(autograd.ones(2, 2), None, True)


def test_forward_mode_scales_the_tangent_by_the_mask():
    autograd.manual_seed(1)
    with fwAD.dual_level():
        x = fwAD.make_dual(autograd.ones(50), autograd.full((50,), 3.0))
        y = autograd.dropout(x, 0.5, True)
        primal, tangent = fwAD.unpack_dual(y)
        np.testing.assert_array_equal(tangent.numpy(), 3.0 * primal.detach().numpy())


def test_matches_torch_in_distribution_and_node(torch):
    t = torch.dropout(torch.ones(10, requires_grad=True), 0.5, True)
    ours = autograd.dropout(autograd.ones(10, requires_grad=True), 0.5, True)
    assert ours.grad_fn.name() == t.grad_fn.name()
    assert set(ours.tolist()) <= {0.0, 2.0}
