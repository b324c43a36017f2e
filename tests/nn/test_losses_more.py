"""Triplet, margin, Poisson/Gaussian NLL and CTC losses against PyTorch (float64, values and
gradients), their module forms, and bad inputs named."""

from __future__ import annotations

import numpy as np
import pytest
from test_losses import compare

import autograd
import nn

REDUCTIONS = ["none", "mean", "sum"]


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0, "swap": True, "margin": 2.0}, {"p": 3.0}])
def test_triplet_margin_loss(torch, reduction, kwargs):
    np.random.seed(0)
    compare(torch, "triplet_margin_loss", [_r(5, 3), _r(5, 3, seed=1), _r(5, 3, seed=2)],
            [0, 1, 2], {"reduction": reduction, **kwargs})  # fmt: skip
    compare(torch, "triplet_margin_loss", [_r(3), _r(3, seed=1), _r(3, seed=2)], [0, 1, 2],
            {"reduction": reduction, "margin": 5.0})  # fmt: skip


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(torch, swap):
    np.random.seed(0)
    compare(torch, "triplet_margin_with_distance_loss",
            [_r(4, 3), _r(4, 3, seed=1), _r(4, 3, seed=2)], [0, 1, 2],
            {"swap": swap, "margin": 2.0})  # fmt: skip
    a, p, n = (autograd.tensor(_r(4, 3, seed=s)) for s in range(3))
    ta, tp, tn = (torch.tensor(_r(4, 3, seed=s)) for s in range(3))
    cos = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1 - nn.functional.cosine_similarity(x, y), swap=swap
    )
    tcos = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1 - torch.nn.functional.cosine_similarity(x, y), swap=swap
    )
    np.testing.assert_allclose(cos(a, p, n).item(), tcos(ta, tp, tn).item(), rtol=1e-12)
    assert repr(nn.TripletMarginWithDistanceLoss()) == repr(
        torch.nn.TripletMarginWithDistanceLoss()
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss(torch, reduction, p, weighted):
    np.random.seed(0)
    kw = {"reduction": reduction, "p": p, "margin": 0.7}
    if weighted:
        kw["weight"] = np.abs(_r(5, seed=3))
    compare(torch, "multi_margin_loss", [_r(6, 5), np.array([0, 4, 2, 2, 1, 3])], [0], kw)
    compare(torch, "multi_margin_loss", [_r(5), np.array(3)], [0], kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(torch, reduction):
    np.random.seed(0)
    target = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, 0], [0, 1, 2, 3, 4], [-1, 2, 0, 0, 0]])
    compare(torch, "multilabel_margin_loss", [_r(4, 5), target], [0], {"reduction": reduction})
    compare(torch, "multilabel_margin_loss", [_r(5), target[0]], [0], {"reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_hinge_and_multilabel_soft_margin(torch, reduction):
    np.random.seed(0)
    y = np.sign(_r(4, 3, seed=4))
    kw = {"reduction": reduction}
    compare(torch, "soft_margin_loss", [_r(4, 3), y], [0], kw)
    compare(torch, "hinge_embedding_loss", [np.abs(_r(4, 3)), y], [0], {**kw, "margin": 1.5})
    labels = (_r(4, 3, seed=5) > 0).astype(np.float64)
    compare(torch, "multilabel_soft_margin_loss", [_r(4, 3), labels], [0], kw)
    compare(torch, "multilabel_soft_margin_loss", [_r(4, 3), labels], [0],
            {**kw, "weight": np.abs(_r(3, seed=6))})  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True),
                                            (False, True)])  # fmt: skip
def test_poisson_nll_loss(torch, reduction, log_input, full):
    np.random.seed(0)
    x = _r(4, 3) if log_input else np.abs(_r(4, 3)) + 0.1
    counts = np.random.default_rng(1).poisson(2.0, (4, 3)).astype(np.float64)
    compare(torch, "poisson_nll_loss", [x, counts], [0],
            {"reduction": reduction, "log_input": log_input, "full": full})  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(torch, reduction, var_shape, full):
    np.random.seed(0)
    var = np.abs(_r(*var_shape, seed=2)) + 0.05
    var.flat[0] = 1e-9  # below eps: clamped value, gradient passed through
    compare(torch, "gaussian_nll_loss", [_r(4, 3), _r(4, 3, seed=1), var], [0, 1, 2],
            {"reduction": reduction, "full": full})  # fmt: skip
    compare(torch, "gaussian_nll_loss", [_r(4, 3), _r(4, 3, seed=1), 0.5], [0, 1],
            {"reduction": reduction})  # fmt: skip


def _ctc_inputs(n=3, steps=12, classes=5, seed=0):
    lp = _r(steps, n, classes, seed=seed)
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    targets = np.array([[1, 2, 2, 3], [4, 4, 1, 0], [2, 3, 1, 4]])[:n]
    return lp, targets, np.array([12, 9, 10])[:n], np.array([4, 2, 3])[:n]


def _ctc_compare(torch, logits, targets, in_len, tg_len, **kwargs):
    """CTC of log_softmax(logits) on both sides: values and the logits' gradients. (PyTorch's
    kernel returns, as the gradient of log_probs, the gradient of the logits beneath a
    log_softmax; both agree once that log_softmax is differentiated.)"""
    xo = autograd.tensor(logits, requires_grad=True)
    xt = torch.tensor(logits, requires_grad=True)
    yo = nn.ctc_loss(autograd.log_softmax(xo, -1), autograd.tensor(targets), in_len, tg_len,
                     **kwargs)  # fmt: skip
    yt = torch.nn.functional.ctc_loss(
        torch.log_softmax(xt, -1), torch.tensor(targets), torch.tensor(in_len),
        torch.tensor(tg_len), **kwargs,
    )  # fmt: skip
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10)
    g = _r(*yt.shape, seed=8)
    (yo * autograd.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss(torch, reduction, concatenated):
    lp, targets, in_len, tg_len = _ctc_inputs()
    if concatenated:
        targets = np.concatenate([t[:k] for t, k in zip(targets, tg_len)])
    _ctc_compare(torch, lp, targets, in_len, tg_len, reduction=reduction)


def test_ctc_loss_gradient_of_log_probs_is_the_true_derivative():
    lp, targets, in_len, tg_len = _ctc_inputs(n=2, steps=5, classes=4)
    x = autograd.tensor(lp[:, :, :4], requires_grad=True)
    targets = np.array([[1, 2], [3, 3]])
    assert autograd.gradcheck(lambda x: nn.ctc_loss(x, autograd.tensor(targets), [5, 5], [2, 2],
                                                    reduction="sum"), (x,))  # fmt: skip


def test_ctc_loss_blank_unbatched_and_impossible_alignments(torch):
    lp, targets, in_len, tg_len = _ctc_inputs()
    _ctc_compare(torch, lp, targets - 1, in_len, tg_len, blank=4, reduction="sum")
    _ctc_compare(torch, lp[:, 0], targets[0], np.array(12), np.array(4), reduction="none")
    # two labels and a repeat need 3 frames; with 2 the loss is infinite, or 0 if zeroed
    short = (lp[:2, :1], np.array([[2, 2]]), np.array([2]), np.array([2]))
    args = [autograd.tensor(short[0], requires_grad=True), *map(autograd.tensor, short[1:])]
    assert np.isinf(nn.ctc_loss(*args, reduction="sum").item())
    zero = nn.ctc_loss(*args, reduction="sum", zero_infinity=True)
    zero.backward()
    assert zero.item() == 0.0 and not args[0].grad.numpy().any()
    ref = torch.nn.functional.ctc_loss(*map(torch.tensor, short), reduction="sum",
                                       zero_infinity=True)  # fmt: skip
    assert ref.item() == 0.0


def test_ctc_module_and_float32_match_torch(torch):
    lp, targets, in_len, tg_len = _ctc_inputs()
    ours = nn.CTCLoss(blank=0)(autograd.tensor(lp.astype(np.float32)), autograd.tensor(targets),
                               autograd.tensor(in_len), autograd.tensor(tg_len))  # fmt: skip
    ref = torch.nn.CTCLoss(blank=0)(torch.tensor(lp.astype(np.float32)), torch.tensor(targets),
                                    torch.tensor(in_len), torch.tensor(tg_len))  # fmt: skip
    assert ours.dtype == autograd.float32
    np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-5)


@pytest.mark.parametrize("cls,args,kwargs", [
    ("TripletMarginLoss", 3, {"margin": 0.5, "p": 1.0, "swap": True}),
    ("MultiMarginLoss", 2, {"p": 2, "margin": 0.5}),
    ("MultiLabelMarginLoss", 2, {}),
    ("MultiLabelSoftMarginLoss", 2, {}),
    ("SoftMarginLoss", 2, {}),
    ("HingeEmbeddingLoss", 2, {"margin": 2.0}),
    ("PoissonNLLLoss", 2, {"log_input": False, "full": True}),
    ("GaussianNLLLoss", 3, {"full": True}),
])  # fmt: skip
def test_loss_modules_match_torch(torch, cls, args, kwargs):
    x = np.abs(_r(4, 3)) + 0.2
    extra = {
        "TripletMarginLoss": [_r(4, 3, seed=1), _r(4, 3, seed=2)],
        "MultiMarginLoss": [np.array([0, 2, 1, 1])],
        "MultiLabelMarginLoss": [np.array([[0, -1, 1], [2, 1, -1], [1, 1, 1], [-1, 0, 0]])],
        "MultiLabelSoftMarginLoss": [(_r(4, 3, seed=3) > 0).astype(np.float64)],
        "SoftMarginLoss": [np.sign(_r(4, 3, seed=3))],
        "HingeEmbeddingLoss": [np.sign(_r(4, 3, seed=3))],
        "PoissonNLLLoss": [np.abs(np.round(_r(4, 3, seed=3) * 3))],
        "GaussianNLLLoss": [_r(4, 3, seed=3), np.abs(_r(4, 3, seed=4))],
    }[cls]
    ours = getattr(nn, cls)(**kwargs)(*map(autograd.tensor, [x, *extra]))
    ref = getattr(torch.nn, cls)(**kwargs)(*map(torch.tensor, [x, *extra]))
    np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-12)
    assert nn.modules.loss.__dict__[cls] is getattr(nn, cls)


@pytest.mark.parametrize("bad,err,match", [
    (lambda: nn.triplet_margin_loss(autograd.zeros(2, 3), autograd.zeros(2, 3), autograd.zeros(3)),
     ValueError, "same number of dimensions"),
    (lambda: nn.multi_margin_loss(autograd.zeros(2, 3), autograd.tensor([0, 3])), ValueError,
     r"target values must be in \[0, 3\)"),
    (lambda: nn.multi_margin_loss(autograd.zeros(2, 3), autograd.tensor([0, 1]), p=3), ValueError,
     "only p == 1 and p == 2"),
    (lambda: nn.multi_margin_loss(autograd.zeros(2, 3), autograd.tensor([0.0, 1.0])), TypeError,
     "target must be an integer tensor"),
    (lambda: nn.gaussian_nll_loss(autograd.zeros(2, 3), autograd.zeros(2, 3), autograd.ones(3)),
     ValueError, "var is of incorrect size"),
    (lambda: nn.gaussian_nll_loss(autograd.zeros(2), autograd.zeros(2), -autograd.ones(2)),
     ValueError, "negative entry"),
    (lambda: nn.ctc_loss(autograd.zeros(4, 1, 3), autograd.tensor([[0, 1]]), [4], [2]),
     ValueError, "not the blank"),
    (lambda: nn.ctc_loss(autograd.zeros(4, 1, 3), autograd.tensor([[1, 2]]), [5], [2]),
     ValueError, "input_lengths must be in"),
    (lambda: nn.ctc_loss(autograd.zeros(4, 1, 3), autograd.tensor([[1, 2]]), [4, 4], [2]),
     ValueError, "input_lengths must be 1 integers"),
    (lambda: nn.poisson_nll_loss(autograd.zeros(2), autograd.zeros(2), reduction="avg"),
     ValueError, "reduction must be one of"),
    (lambda: nn.TripletMarginWithDistanceLoss(margin=0.0), ValueError, "margin must be greater"),
])  # fmt: skip
def test_bad_loss_arguments_are_named(bad, err, match):
    with pytest.raises(err, match=match):
        bad()
