"""nn.functional: the composed functions vs PyTorch's, gradchecks, and the exported names."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn.functional as F

NAMES = """relu relu_ leaky_relu elu selu celu gelu silu mish sigmoid tanh hardtanh hardsigmoid
hardswish relu6 softplus softsign threshold logsigmoid prelu softmax log_softmax softmin glu
tanhshrink linear bilinear dropout dropout1d dropout2d dropout3d alpha_dropout batch_norm
instance_norm layer_norm group_norm embedding one_hot pad conv1d conv2d conv_transpose1d
conv_transpose2d max_pool1d max_pool2d avg_pool1d avg_pool2d adaptive_avg_pool2d
adaptive_max_pool2d interpolate scaled_dot_product_attention multi_head_attention_forward
normalize cosine_similarity pairwise_distance mse_loss cross_entropy nll_loss binary_cross_entropy
binary_cross_entropy_with_logits smooth_l1_loss huber_loss l1_loss kl_div cosine_embedding_loss
margin_ranking_loss""".split()


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _compare(torch, ours_fn, theirs_fn, arrays, rtol=1e-9, atol=1e-11, **kwargs):
    """Same function applied to the same float64 arrays: values and input gradients."""
    oa = [autograd.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ta = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    yo, yt = ours_fn(*oa, **kwargs), theirs_fn(*ta, **kwargs)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = _rand(*yt.shape, seed=11)
    (yo * autograd.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for o, t in zip(oa, ta):
        if t.requires_grad:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", NAMES)
def test_name_is_exported(name):
    assert callable(getattr(F, name))


@pytest.mark.parametrize("name,kwargs", [
    ("softmin", {"dim": 1}), ("glu", {"dim": -1}), ("tanhshrink", {}), ("normalize", {}),
    ("normalize", {"p": 1.0, "dim": 0}), ("layer_norm", {"normalized_shape": (4,)}),
    ("group_norm", {"num_groups": 3}), ("instance_norm", {}),
])  # fmt: skip
def test_composed_functions_match_torch(torch, name, kwargs):
    x = _rand(2, 6, 4)
    _compare(torch, getattr(F, name), getattr(torch.nn.functional, name), [x], **kwargs)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch_including_running_stats(torch, training):
    x, w, b = _rand(5, 3, 4), _rand(3, seed=1), _rand(3, seed=2)
    rm, rv = _rand(3, seed=3), np.abs(_rand(3, seed=4)) + 0.5
    o_rm, o_rv = autograd.tensor(rm), autograd.tensor(rv)
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    _compare(torch, lambda x, w, b: F.batch_norm(x, o_rm, o_rv, w, b, training, 0.2, 1e-3),
             lambda x, w, b: torch.nn.functional.batch_norm(x, t_rm, t_rv, w, b, training, 0.2,
                                                           1e-3), [x, w, b])  # fmt: skip
    np.testing.assert_allclose(o_rm.numpy(), t_rm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(o_rv.numpy(), t_rv.numpy(), rtol=1e-12)


def test_cosine_similarity_and_pairwise_distance_match_torch(torch):
    a, b = _rand(4, 5), _rand(1, 5, seed=1)
    _compare(torch, F.cosine_similarity, torch.nn.functional.cosine_similarity, [a, b])
    _compare(torch, F.cosine_similarity, torch.nn.functional.cosine_similarity,
             [_rand(3, 2, 4), _rand(3, 2, 4, seed=2)], dim=2)  # fmt: skip
    _compare(torch, F.pairwise_distance, torch.nn.functional.pairwise_distance,
             [_rand(4, 5), _rand(4, 5, seed=1)])  # fmt: skip
    _compare(torch, F.pairwise_distance, torch.nn.functional.pairwise_distance,
             [_rand(4, 5), _rand(4, 5, seed=1)], p=1.0, keepdim=True)  # fmt: skip


def test_normalize_of_zero_vector_is_zero_with_finite_gradient():
    x = autograd.zeros(2, 3, dtype=autograd.float64, requires_grad=True)
    y = F.normalize(x)
    y.sum().backward()
    assert not y.detach().numpy().any() and np.isfinite(x.grad.numpy()).all()


def test_linear_bilinear_embedding_match_torch(torch):
    _compare(torch, F.linear, torch.nn.functional.linear, [_rand(3, 4), _rand(5, 4, seed=1),
                                                           _rand(5, seed=2)])  # fmt: skip
    _compare(
        torch,
        F.bilinear,
        torch.nn.functional.bilinear,
        [_rand(3, 4), _rand(3, 2, seed=1), _rand(5, 4, 2, seed=2), _rand(5, seed=3)],
    )
    idx = np.array([[0, 2], [2, 1]])
    _compare(
        torch,
        lambda w, i: F.embedding(i, w, padding_idx=2),
        lambda w, i: torch.nn.functional.embedding(i, w, padding_idx=2),
        [_rand(3, 4), idx],
    )


@pytest.mark.parametrize("fn", ["layer_norm", "group_norm", "batch_norm", "bilinear", "normalize",
                                "cosine_similarity"])  # fmt: skip
def test_gradcheck_composites(fn):
    x = autograd.tensor(_rand(2, 4, 3), requires_grad=True)
    w = autograd.tensor(_rand(4, seed=1), requires_grad=True)
    calls = {
        "layer_norm": (lambda x: F.layer_norm(x, (3,)), (x,)),
        "group_norm": (lambda x, w: F.group_norm(x, 2, w, w * 2), (x, w)),
        "batch_norm": (lambda x, w: F.batch_norm(x, None, None, w, w, True), (x, w)),
        "bilinear": (
            lambda x, y: F.bilinear(x, y, autograd.tensor(_rand(2, 3, 3, seed=5))),
            (x, autograd.tensor(_rand(2, 4, 3, seed=2), requires_grad=True)),
        ),
        "normalize": (lambda x: F.normalize(x, dim=-1), (x,)),
        "cosine_similarity": (lambda x: F.cosine_similarity(x, x * x), (x,)),
    }
    f, inputs = calls[fn]
    assert autograd.gradcheck(f, inputs)


def test_sdpa_dropout_and_mha_forward_helper(torch):
    q = autograd.tensor(_rand(1, 3, 4))
    autograd.manual_seed(0)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    autograd.manual_seed(0)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, F.scaled_dot_product_attention(q, q, q).numpy())


def test_dropout_functions_validate_p():
    for fn in (F.dropout, F.dropout2d, F.alpha_dropout):
        with pytest.raises(ValueError, match="between 0 and 1"):
            fn(autograd.ones(2, 2, 2), p=2.0)


def test_norm_errors_name_the_argument():
    with pytest.raises(ValueError, match="running_mean"):
        F.batch_norm(autograd.ones(2, 3), autograd.zeros(4), autograd.ones(3), training=True)
    with pytest.raises(ValueError, match="num_groups"):
        F.group_norm(autograd.ones(2, 6), 4)
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(autograd.ones(2, 3), (4,))


def test_second_order_through_composites():
    x = autograd.tensor(_rand(2, 4, 3), requires_grad=True)
    assert autograd.gradgradcheck(lambda t: F.layer_norm(t, (3,)), (x,))
    assert autograd.gradgradcheck(lambda t: F.group_norm(t, 2), (x,))
    assert autograd.gradgradcheck(lambda t: F.batch_norm(t, None, None, training=True), (x,))
    q = autograd.tensor(_rand(2, 3, 4, seed=1), requires_grad=True)
    assert autograd.gradgradcheck(
        lambda t: F.scaled_dot_product_attention(t, t, t, is_causal=True), (q,)
    )


@pytest.mark.parametrize(
    "name",
    "conv1d conv2d conv_transpose1d conv_transpose2d max_pool1d max_pool2d avg_pool1d avg_pool2d "
    "adaptive_avg_pool2d adaptive_max_pool2d pad one_hot softmax log_softmax gelu "
    "softplus logsigmoid prelu sigmoid tanh".split(),
)
def test_engine_ops_are_reexported_not_rewrapped(name):
    assert getattr(F, name) is getattr(autograd, name)


def test_interpolate_nearest_is_the_engine_op():
    x = autograd.tensor(_rand(1, 2, 3, 4))
    ours, engine = F.interpolate(x, scale_factor=1.5), autograd.interpolate(x, scale_factor=1.5)
    np.testing.assert_array_equal(ours.numpy(), engine.numpy())
    x.requires_grad_()
    ours, engine = F.interpolate(x, size=2), autograd.interpolate(x, size=2)
    assert type(ours.grad_fn) is type(engine.grad_fn)
