"""autograd.distributions vs torch.distributions: log_prob, entropy, moments, cdf and their
gradients, reparametrized and plain sampling, kl_divergence, and argument validation."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import distributions as D


def _r(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _params(kind):
    if kind == "Normal":
        return {"loc": _r(3), "scale": np.abs(_r(3, seed=1)) + 0.3}, _r(4, 3, seed=2)
    if kind == "Uniform":
        low = _r(3)
        return {"low": low, "high": low + 2.0}, low + np.array([[0.5], [1.0], [1.9]])
    if kind == "BernoulliProbs":
        return {"probs": np.array([0.2, 0.5, 0.9])}, np.array([[0.0, 1.0, 1.0], [1, 0, 0]])
    if kind == "BernoulliLogits":
        return {"logits": _r(3)}, np.array([[0.0, 1.0, 1.0], [1, 0, 0]])
    if kind == "Exponential":
        return {"rate": np.abs(_r(3)) + 0.2}, np.abs(_r(4, 3, seed=2))
    if kind == "Laplace":
        return {"loc": _r(3), "scale": np.abs(_r(3, seed=1)) + 0.3}, _r(4, 3, seed=2)
    if kind == "CategoricalProbs":
        return {"probs": np.abs(_r(2, 4)) + 0.1}, np.array([[0, 3], [2, 1], [1, 1]])
    return {"logits": _r(2, 4)}, np.array([[0, 3], [2, 1], [1, 1]])


def _make(lib, kind, params):
    module = D if lib is autograd else lib.distributions
    cls = getattr(module, kind.replace("Probs", "").replace("Logits", ""))
    return cls(**{k: lib.tensor(v, requires_grad=True) for k, v in params.items()})


KINDS = ["Normal", "Uniform", "BernoulliProbs", "BernoulliLogits", "CategoricalProbs",
         "CategoricalLogits", "Exponential", "Laplace"]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_log_prob_entropy_moments_and_gradients_match_torch(torch, kind):
    params, value = _params(kind)
    ours, theirs = _make(autograd, kind, params), _make(torch, kind, params)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    vo = autograd.tensor(value, dtype=autograd.int64 if "Categorical" in kind else None)
    vt = torch.tensor(value)
    quantities = ["log_prob", "entropy", "mean", "variance", "stddev", "mode"]
    if kind in ("Normal", "Uniform", "Exponential", "Laplace"):
        quantities.append("cdf")
    for q in quantities:
        if q in ("log_prob", "cdf"):
            yo, yt = getattr(ours, q)(vo), getattr(theirs, q)(vt)
        elif q == "entropy":
            yo, yt = ours.entropy(), theirs.entropy()
        else:
            yo, yt = getattr(ours, q), getattr(theirs, q)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=q)  # fmt: skip
        if yt.requires_grad and q != "mode":
            g = _r(*yt.shape, seed=5)
            ours_grads = autograd.grad(
                (yo * autograd.tensor(g)).sum(), [ours.__dict__[k] for k in params],
                retain_graph=True, allow_unused=True,
            )  # fmt: skip
            their_grads = torch.autograd.grad(
                (yt * torch.tensor(g)).sum(), [getattr(theirs, k) for k in params],
                retain_graph=True, allow_unused=True,
            )  # fmt: skip
            for a, b in zip(ours_grads, their_grads):
                assert (a is None) == (b is None), q
                if a is not None:
                    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12,
                                               err_msg=f"{q} gradient")  # fmt: skip


PAIRS = [
    ("Normal", "Normal"), ("Uniform", "Uniform"), ("Uniform", "Normal"),
    ("BernoulliProbs", "BernoulliLogits"), ("CategoricalLogits", "CategoricalProbs"),
    ("Exponential", "Exponential"), ("Laplace", "Laplace"),
]  # fmt: skip


@pytest.mark.parametrize("kp,kq", PAIRS)
def test_kl_divergence_matches_torch(torch, kp, kq):
    pp, _ = _params(kp)
    pq, _ = _params(kq)
    if (kp, kq) == ("Uniform", "Uniform"):
        pq = {"low": pp["low"] - np.array([0.5, -0.1, 1.0]), "high": pp["high"] + 1.0}
    if kq in ("Normal", "Laplace"):
        pq = {"loc": _r(3, seed=7), "scale": np.abs(_r(3, seed=8)) + 0.3}
    if kq == "Exponential":
        pq = {"rate": np.abs(_r(3, seed=7)) + 0.2}
    po, qo = _make(autograd, kp, pp), _make(autograd, kq, pq)
    pt, qt = _make(torch, kp, pp), _make(torch, kq, pq)
    ko, kt = D.kl_divergence(po, qo), torch.distributions.kl_divergence(pt, qt)
    np.testing.assert_allclose(ko.detach().numpy(), kt.detach().numpy(), rtol=1e-10)
    finite = np.isfinite(kt.detach().numpy())
    g = np.where(finite, _r(*kt.shape, seed=3), 0.0)
    leaves_o = [po.__dict__[k] for k in pp] + [qo.__dict__[k] for k in pq]
    leaves_t = [getattr(pt, k) for k in pp] + [getattr(qt, k) for k in pq]
    lo = (autograd.where(autograd.tensor(finite), ko, 0.0) * autograd.tensor(g)).sum()
    lt = (torch.where(torch.tensor(finite), kt, 0.0) * torch.tensor(g)).sum()
    go = autograd.grad(lo, leaves_o, allow_unused=True)
    gt = torch.autograd.grad(lt, leaves_t, allow_unused=True)
    for a, b in zip(go, gt):
        if b is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


def test_rsample_is_differentiable_and_samples_have_the_right_statistics():
    autograd.manual_seed(0)
    loc = autograd.tensor([1.0, -2.0], dtype=autograd.float64, requires_grad=True)
    scale = autograd.tensor([0.5, 2.0], dtype=autograd.float64, requires_grad=True)
    x = D.Normal(loc, scale).rsample((20000,))
    assert x.shape == (20000, 2) and x.requires_grad
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [20000, 20000])
    eps = (x.detach().numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-9)
    np.testing.assert_allclose(x.detach().numpy().mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(x.detach().numpy().std(0), [0.5, 2.0], rtol=0.03)
    assert not D.Normal(loc, scale).sample((3,)).requires_grad
    u = D.Uniform(autograd.tensor(-1.0), autograd.tensor(3.0)).sample((20000,)).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    b = D.Bernoulli(probs=autograd.tensor([0.2, 0.7])).sample((20000,)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(0), [0.2, 0.7], atol=0.02)
    c = D.Categorical(probs=autograd.tensor([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]]))
    draws = c.sample((30000,)).numpy()
    assert draws.shape == (30000, 2) and not (draws[:, 1] == 1).any()
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=3) / 30000, [0.1, 0.6, 0.3],
                               atol=0.015)  # fmt: skip
    with pytest.raises(TypeError, match="no reparametrized sampler"):
        c.rsample()


def test_independent_matches_torch(torch):
    loc, scale = _r(4, 3, 2), np.abs(_r(4, 3, 2, seed=1)) + 0.2
    value = _r(5, 4, 3, 2, seed=2)
    lo, so = autograd.tensor(loc, requires_grad=True), autograd.tensor(scale, requires_grad=True)
    lt, st = torch.tensor(loc, requires_grad=True), torch.tensor(scale, requires_grad=True)
    ours = D.Independent(D.Normal(lo, so), 2)
    theirs = torch.distributions.Independent(torch.distributions.Normal(lt, st), 2)
    assert tuple(ours.batch_shape) == (4,) and tuple(ours.event_shape) == (3, 2)
    assert ours.has_rsample and ours.rsample((2,)).shape == (2, 4, 3, 2)
    yo = ours.log_prob(autograd.tensor(value)).sum() + ours.entropy().sum()
    yt = theirs.log_prob(torch.tensor(value)).sum() + theirs.entropy().sum()
    np.testing.assert_allclose(yo.item(), yt.item(), rtol=1e-12)
    yo.backward()
    yt.backward()
    np.testing.assert_allclose(so.grad.numpy(), st.grad.numpy(), rtol=1e-10)
    other = D.Independent(D.Normal(lo.detach() + 1, so.detach()), 2)
    td = torch.distributions
    other_t = td.Independent(td.Normal(lt.detach() + 1, st.detach()), 2)
    np.testing.assert_allclose(D.kl_divergence(ours, other).detach().numpy(),
                               torch.distributions.kl_divergence(theirs, other_t).detach().numpy(),
                               rtol=1e-12)  # fmt: skip
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        D.Independent(D.Normal(lo, so), 4)
    with pytest.raises(ValueError, match="within the support"):
        D.Independent(D.Exponential(autograd.ones(2, 2)), 1).log_prob(-autograd.ones(2, 2))


def test_validation_errors_are_named():
    with pytest.raises(ValueError, match="Expected parameter scale .* GreaterThan"):
        D.Normal(0.0, -1.0)
    D.Normal(0.0, -1.0, validate_args=False)  # no check when asked
    with pytest.raises(ValueError, match="Expected parameter low"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match="within the support"):
        D.Bernoulli(probs=autograd.tensor([0.3])).log_prob(autograd.tensor([0.5]))
    with pytest.raises(ValueError, match="within the support"):
        D.Categorical(logits=autograd.zeros(3)).log_prob(autograd.tensor(3))
    with pytest.raises(ValueError, match="either `probs` or `logits`"):
        D.Bernoulli(probs=autograd.tensor([0.5]), logits=autograd.tensor([0.0]))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.Categorical(probs=autograd.tensor(1.0))
    with pytest.raises(ValueError, match="not broadcastable"):
        D.Normal(autograd.zeros(3), 1.0).log_prob(autograd.zeros(2))
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


def test_torch_style_path_resolves():
    import autograd as torch_like

    assert torch_like.distributions.Normal is D.Normal
    assert torch_like.distributions.kl.kl_divergence is D.kl_divergence
