"""Losses against PyTorch (float64, values and gradients), stability, module forms, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn

REDUCTIONS = ["none", "mean", "sum"]


def compare(torch, name, args, grad_args, kwargs=None, rtol=1e-10, atol=1e-12):
    """Run ``nn.<name>`` and ``torch.nn.functional.<name>`` on the same arrays; compare the
    values and the gradients of the arguments listed in ``grad_args``."""
    kwargs = kwargs or {}
    ours_in = [
        autograd.tensor(a, requires_grad=i in grad_args) if isinstance(a, np.ndarray) else a
        for i, a in enumerate(args)
    ]
    ref_in = [
        torch.tensor(a, requires_grad=i in grad_args) if isinstance(a, np.ndarray) else a
        for i, a in enumerate(args)
    ]

    def conv(v, lib):
        if isinstance(v, np.ndarray):
            return autograd.tensor(v) if lib == "ours" else torch.tensor(v)
        return v

    ours = getattr(nn, name)(*ours_in, **{k: conv(v, "ours") for k, v in kwargs.items()})
    ref = getattr(torch.nn.functional, name)(
        *ref_in, **{k: conv(v, "t") for k, v in kwargs.items()}
    )
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=atol)
    assert ours.shape == tuple(ref.shape) and ours.dtype == autograd.float64
    upstream = np.random.randn(*ref.shape)
    ours.backward(autograd.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    for i in grad_args:
        np.testing.assert_allclose(
            ours_in[i].grad.numpy(), ref_in[i].grad.numpy(), rtol=rtol, atol=atol,
            err_msg=f"{name}: gradient of argument {i}",
        )  # fmt: skip
    return ours


def randn(*shape):
    return np.asarray(np.random.randn(*shape))


# ---------------------------------------------------------------------------- regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), ()])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_mse_l1(torch, name, shape, reduction):
    compare(torch, name, [randn(*shape), randn(*shape)], {0, 1}, {"reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0, 2.5])
def test_smooth_l1(torch, reduction, beta):
    x, y = randn(6, 5), randn(6, 5)
    x[0, :3] = y[0, :3] + np.array([beta, -beta, 0.0])  # on the kinks
    compare(torch, "smooth_l1_loss", [x, y], {0, 1}, {"reduction": reduction, "beta": beta})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.3, 3.0])
def test_huber(torch, reduction, delta):
    x, y = randn(6, 5) * 2, randn(6, 5)
    x[0, :3] = y[0, :3] + np.array([delta, -delta, 0.0])
    compare(torch, "huber_loss", [x, y], {0, 1}, {"reduction": reduction, "delta": delta})


def test_regression_broadcast_warns_like_torch(torch):
    with pytest.warns(UserWarning, match="different to the input size"):
        compare(torch, "mse_loss", [randn(3, 4), randn(4)], {0, 1})
    with pytest.raises(ValueError, match="does not broadcast"), pytest.warns(UserWarning):
        nn.mse_loss(autograd.zeros(3), autograd.zeros(4))


# -------------------------------------------------------------------------------- binary
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(torch, reduction, weighted):
    p = np.random.uniform(0.02, 0.98, (4, 3))
    t = np.random.uniform(0, 1, (4, 3))
    kw = {"reduction": reduction}
    if weighted:
        kw["weight"] = np.random.uniform(0.5, 2, (3,))
    compare(torch, "binary_cross_entropy", [p, t], {0, 1}, kw)


def test_bce_clamps_logs_like_torch(torch):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    ours = nn.binary_cross_entropy(autograd.tensor(p), autograd.tensor(t), reduction="none")
    ref = torch.nn.functional.binary_cross_entropy(
        torch.tensor(p), torch.tensor(t), reduction="none"
    )
    np.testing.assert_allclose(ours.numpy(), ref.numpy())
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.binary_cross_entropy(autograd.tensor([1.5]), autograd.tensor([1.0]))
    with pytest.raises(ValueError, match="same size"):
        nn.binary_cross_entropy(autograd.tensor([0.5]), autograd.tensor([[1.0]]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight,pos_weight", [(None, None), ((3,), None), (None, (3,)),
                                                ((4, 3), (3,))])  # fmt: skip
def test_bce_with_logits(torch, reduction, weight, pos_weight):
    x = randn(4, 3) * 3
    x[0, 0] = 0.0
    t = np.random.uniform(0, 1, (4, 3))
    kw = {"reduction": reduction}
    if weight:
        kw["weight"] = np.random.uniform(0.5, 2, weight)
    if pos_weight:
        kw["pos_weight"] = np.random.uniform(0.5, 3, pos_weight)
    compare(torch, "binary_cross_entropy_with_logits", [x, t], {0, 1}, kw)


# ------------------------------------------------------------------------ classification
def _targets(n_classes, shape, ignore=None):
    t = np.random.randint(0, n_classes, shape)
    if ignore is not None:
        t.flat[::3] = ignore
    return t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 2, 3), (5,)])
def test_nll_loss(torch, reduction, weighted, ignore_index, shape):
    logp = randn(*shape)
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    t = _targets(shape[0] if len(shape) == 1 else shape[1], tshape,
                 ignore_index if ignore_index >= 0 and tshape else None)  # fmt: skip
    kw = {"reduction": reduction, "ignore_index": ignore_index}
    if weighted:
        kw["weight"] = np.random.uniform(0.2, 2, shape[0] if len(shape) == 1 else shape[1])
    compare(torch, "nll_loss", [logp, t], {0}, kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(7, 4), (2, 4, 3), (4,)])
def test_cross_entropy_index_targets(torch, reduction, weighted, ignore_index, label_smoothing,
                                     shape):  # fmt: skip
    x = randn(*shape) * 2
    C = shape[0] if len(shape) == 1 else shape[1]
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    t = _targets(C, tshape, ignore_index if ignore_index >= 0 and tshape else None)
    kw = {"reduction": reduction, "ignore_index": ignore_index, "label_smoothing": label_smoothing}
    if weighted:
        kw["weight"] = np.random.uniform(0.2, 2, C)
    compare(torch, "cross_entropy", [x, t], {0}, kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 2, 2), (3,)])
def test_cross_entropy_probability_targets(torch, reduction, weighted, label_smoothing, shape):
    x = randn(*shape)
    C = shape[0] if len(shape) == 1 else shape[1]
    cd = 0 if len(shape) == 1 else 1
    p = np.random.uniform(0, 1, shape)
    p /= p.sum(axis=cd, keepdims=True)
    kw = {"reduction": reduction, "label_smoothing": label_smoothing}
    if weighted:
        kw["weight"] = np.random.uniform(0.2, 2, C)
    compare(torch, "cross_entropy", [x, p], {0, 1}, kw)


def test_all_targets_ignored_gives_nan_like_torch(torch):
    x, t = randn(3, 4), np.full(3, -100)
    ours = nn.cross_entropy(autograd.tensor(x), autograd.tensor(t))
    ref = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t))
    assert np.isnan(ours.item()) and np.isnan(ref.item())


# ---------------------------------------------------------------------------------- KL
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # PyTorch's own warning
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(torch, reduction, log_target):
    logq = np.log(np.random.dirichlet(np.ones(5), size=4))
    p = np.random.dirichlet(np.ones(5), size=4)
    p[0, 1] = 0.0  # 0 * log 0 counts as 0
    target = np.log(p + 1e-3) if log_target else p
    grad_args = {0, 1} if log_target else {0}
    compare(torch, "kl_div", [logq, target], grad_args,
            {"reduction": reduction, "log_target": log_target})  # fmt: skip


def test_kl_div_target_gradient_is_finite_at_zero():
    t = autograd.tensor([0.0, 0.5, 0.5], dtype=autograd.float64, requires_grad=True)
    nn.kl_div(autograd.tensor([-1.0, -1.0, -1.0], dtype=autograd.float64), t).backward()
    assert np.isfinite(t.grad.numpy()[1:]).all()


# ----------------------------------------------------------------------------- pair losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
def test_cosine_embedding(torch, reduction, margin):
    a, b = randn(6, 4), randn(6, 4)
    y = np.array([1, -1, 1, -1, -1, 1])
    compare(torch, "cosine_embedding_loss", [a, b, y], {0, 1},
            {"margin": margin, "reduction": reduction})  # fmt: skip


def test_cosine_embedding_1d(torch):
    compare(torch, "cosine_embedding_loss", [randn(4), randn(4), np.array(-1)], {0, 1})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking(torch, reduction, margin):
    a, b = randn(7), randn(7)
    y = np.sign(randn(7))
    compare(torch, "margin_ranking_loss", [a, b, y], {0, 1, 2},
            {"margin": margin, "reduction": reduction})  # fmt: skip


# ------------------------------------------------------------------------------ stability
@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_cross_entropy_stable_at_extreme_logits(torch, scale):
    x = np.array([[scale, 0.0, -scale], [0.0, scale, 1.0], [scale, scale, 0.0]], np.float32)
    t = np.array([2, 1, 0])
    for kw in ({}, {"label_smoothing": 0.1}, {"weight": np.array([1.0, 2.0, 0.5], np.float32)}):
        ours_x = autograd.tensor(x, requires_grad=True)
        ours = nn.cross_entropy(
            ours_x,
            autograd.tensor(t),
            **{k: autograd.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()},
        )
        ours.backward()
        ref_x = torch.tensor(x, requires_grad=True)
        ref = torch.nn.functional.cross_entropy(
            ref_x,
            torch.tensor(t),
            **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()},
        )
        ref.backward()
        assert ours.dtype == autograd.float32
        assert np.isfinite(ours.item()) and np.isfinite(ours_x.grad.numpy()).all()
        np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-6)
        np.testing.assert_allclose(ours_x.grad.numpy(), ref_x.grad.numpy(), atol=1e-6)


def test_bce_with_logits_stable_at_extreme_logits(torch):
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0], np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5], np.float32)
    pw = np.array(2.0, np.float32)
    for kw in ({}, {"pos_weight": pw}):
        ours_x = autograd.tensor(x, requires_grad=True)
        ours = nn.binary_cross_entropy_with_logits(
            ours_x, autograd.tensor(t), reduction="sum",
            **{k: autograd.tensor(v) for k, v in kw.items()})  # fmt: skip
        ours.backward()
        ref_x = torch.tensor(x, requires_grad=True)
        ref = torch.nn.functional.binary_cross_entropy_with_logits(
            ref_x, torch.tensor(t), reduction="sum", **{k: torch.tensor(v) for k, v in kw.items()}
        )
        ref.backward()
        assert np.isfinite(ours.item()) and np.isfinite(ours_x.grad.numpy()).all()
        np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-6)
        np.testing.assert_allclose(ours_x.grad.numpy(), ref_x.grad.numpy(), atol=1e-6)


def test_kl_div_log_target_and_nll_stable_float32():
    big = autograd.tensor([[1e4, -1e4]], requires_grad=True)
    loss = nn.nll_loss(autograd.log_softmax(big, dim=1), autograd.tensor([1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(big.grad.numpy()).all()


# --------------------------------------------------------------------------- second order
def test_losses_support_double_backward():
    x = autograd.tensor(np.random.randn(4, 3), requires_grad=True)
    t = autograd.tensor([0, 2, 1, -100])
    w = autograd.tensor([1.0, 2.0, 0.5], dtype=autograd.float64)
    assert autograd.gradcheck(lambda a: nn.cross_entropy(a, t, weight=w, label_smoothing=0.1), (x,))
    assert autograd.gradgradcheck(lambda a: nn.cross_entropy(a, t), (x,))
    y = autograd.tensor(np.random.uniform(0, 1, (4, 3)))
    assert autograd.gradgradcheck(lambda a: nn.binary_cross_entropy_with_logits(a, y), (x,))
    assert autograd.gradgradcheck(lambda a: nn.smooth_l1_loss(a, y, beta=0.5), (x,))


# ---------------------------------------------------------------------------- modules
def test_module_forms_match_functions():
    x = autograd.randn(5, 4, dtype=autograd.float64)
    y = autograd.randn(5, 4, dtype=autograd.float64)
    t = autograd.tensor([0, 3, 1, 1, 2])
    w = autograd.tensor([1.0, 2.0, 0.5, 1.0], dtype=autograd.float64)
    p = x.sigmoid()
    pairs = [
        (nn.MSELoss(reduction="sum")(x, y), nn.mse_loss(x, y, reduction="sum")),
        (nn.L1Loss()(x, y), nn.l1_loss(x, y)),
        (nn.SmoothL1Loss(beta=0.5)(x, y), nn.smooth_l1_loss(x, y, beta=0.5)),
        (nn.HuberLoss(delta=2.0)(x, y), nn.huber_loss(x, y, delta=2.0)),
        (nn.BCELoss(weight=w)(p, y.sigmoid()), nn.binary_cross_entropy(p, y.sigmoid(), w)),
        (nn.BCEWithLogitsLoss(pos_weight=w)(x, p),
         nn.binary_cross_entropy_with_logits(x, p, pos_weight=w)),
        (nn.CrossEntropyLoss(w, ignore_index=1, label_smoothing=0.1)(x, t),
         nn.cross_entropy(x, t, w, ignore_index=1, label_smoothing=0.1)),
        (nn.NLLLoss(w, reduction="none")(x, t), nn.nll_loss(x, t, w, reduction="none")),
        (nn.KLDivLoss(reduction="batchmean")(x, p), nn.kl_div(x, p, reduction="batchmean")),
        (nn.CosineEmbeddingLoss(0.1)(x, y, t * 0 + 1),
         nn.cosine_embedding_loss(x, y, t * 0 + 1, 0.1)),
        (nn.MarginRankingLoss(0.2)(x[0], y[0], p[0]),
         nn.margin_ranking_loss(x[0], y[0], p[0], 0.2)),
    ]  # fmt: skip
    for mod_out, fn_out in pairs:
        np.testing.assert_array_equal(mod_out.detach().numpy(), fn_out.detach().numpy())
    ce = nn.CrossEntropyLoss(weight=w)
    assert list(ce.state_dict()) == ["weight"] and repr(ce) == "CrossEntropyLoss()"
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]


def test_legacy_size_average_reduce(torch):
    x, y = autograd.tensor([1.0, 3.0]), autograd.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="deprecated"):
        assert nn.mse_loss(x, y, size_average=False).item() == 10.0
    with pytest.warns(UserWarning):
        assert nn.MSELoss(reduce=False)(x, y).tolist() == [1.0, 9.0]


# ------------------------------------------------------------------------------ errors
def test_errors():
    x = autograd.randn(3, 4)
    with pytest.raises(ValueError, match="out of bounds for 4 classes"):
        nn.cross_entropy(x, autograd.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match="out of bounds"):
        nn.nll_loss(x, autograd.tensor([0, -1, 1]))
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\)"):
        nn.cross_entropy(x, autograd.tensor([0, 1]))
    with pytest.raises(ValueError, match="reduction"):
        nn.cross_entropy(x, autograd.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="batchmean"):
        nn.mse_loss(x, x, reduction="batchmean")
    with pytest.raises(ValueError, match="weight should be a 1-D tensor of size 4"):
        nn.cross_entropy(x, autograd.tensor([0, 1, 2]), weight=autograd.ones(3))
    with pytest.raises(ValueError, match="probability target"):
        nn.cross_entropy(x, autograd.zeros(3, 5))
    with pytest.raises(ValueError, match="ignore_index is not supported"):
        nn.cross_entropy(x, autograd.zeros(3, 4), ignore_index=0)
    with pytest.raises(TypeError, match="integer dtype"):
        nn.nll_loss(x, autograd.zeros(3))
    with pytest.raises(TypeError, match="input must be a Tensor"):
        nn.mse_loss(np.zeros(3), x)
    with pytest.raises(TypeError, match="floating-point"):
        nn.l1_loss(autograd.tensor([1, 2]), autograd.tensor([1, 2]))
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.cross_entropy(x, autograd.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        nn.cross_entropy(autograd.tensor(1.0), autograd.tensor(0))
    with pytest.raises(ValueError, match="same shape"):
        nn.margin_ranking_loss(x[0], x[1], autograd.ones(3))
    with pytest.raises(ValueError, match="target must have shape"):
        nn.cosine_embedding_loss(x, x, autograd.ones(4))
