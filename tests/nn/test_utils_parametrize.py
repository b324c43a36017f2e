"""nn.utils.parametrize, parametrizations.weight_norm/spectral_norm and the legacy
weight_norm/spectral_norm hooks vs PyTorch: state_dict keys, forward, gradients, train/eval."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from layers_reference import load_from_torch

import autograd
import nn
from nn.utils import parametrize


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _legacy(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn(*args, **kwargs)


def _step(torch, ours, theirs, x, rtol=1e-10):
    """One forward/backward on both; outputs, parameter and input gradients compared."""
    xo = autograd.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=1e-12)
    g = _rand(*yt.shape, seed=9)
    (yo * autograd.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=1e-12)
    po, pt = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(po) == list(pt)
    for name in pt:
        np.testing.assert_allclose(po[name].grad.numpy(), pt[name].grad.numpy(), rtol=rtol,
                                   atol=1e-12, err_msg=name)  # fmt: skip
        po[name].grad, pt[name].grad = None, None


def _pair(torch, cls, *args, **kwargs):
    theirs = getattr(torch.nn, cls)(*args, **kwargs).double()
    ours = getattr(nn, cls)(*args, **kwargs).double()
    return ours, theirs


LAYERS = [("Linear", (4, 3), (2, 4)), ("Conv2d", (2, 3, 3), (2, 2, 5, 5)),
          ("ConvTranspose2d", (3, 2, 3), (2, 3, 4, 4))]  # fmt: skip


@pytest.mark.parametrize("cls,args,xshape", LAYERS)
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrized_weight_norm_matches_torch(torch, cls, args, xshape, dim):
    ours, theirs = _pair(torch, cls, *args)
    nn.utils.parametrizations.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    load_from_torch(ours, theirs)
    _step(torch, ours, theirs, _rand(*xshape))
    assert (
        parametrize.is_parametrized(ours, "weight") and type(ours).__name__ == f"Parametrized{cls}"
    )
    parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert type(ours) is getattr(nn, cls) and not parametrize.is_parametrized(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _step(torch, ours, theirs, _rand(*xshape, seed=1))


@pytest.mark.parametrize("cls,args,xshape", LAYERS)
def test_legacy_weight_norm_matches_torch_and_loads_into_the_parametrized_form(
    torch, cls, args, xshape
):
    ours, theirs = _pair(torch, cls, *args)
    with pytest.warns(FutureWarning, match="deprecated"):
        nn.utils.weight_norm(ours)
    _legacy(torch.nn.utils.weight_norm, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    load_from_torch(ours, theirs)
    _step(torch, ours, theirs, _rand(*xshape))
    modern = nn.utils.parametrizations.weight_norm(getattr(nn, cls)(*args).double())
    modern.load_state_dict(ours.state_dict())
    np.testing.assert_allclose(modern.weight.detach().numpy(), ours.weight.detach().numpy())
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _step(torch, ours, theirs, _rand(*xshape, seed=1))


@pytest.mark.parametrize("cls,args,xshape", LAYERS)
@pytest.mark.parametrize("iterations", [1, 3])
def test_legacy_spectral_norm_train_and_eval_match_torch(torch, cls, args, xshape, iterations):
    ours, theirs = _pair(torch, cls, *args)
    nn.utils.spectral_norm(ours, n_power_iterations=iterations)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=iterations)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    load_from_torch(ours, theirs)
    for seed in range(3):  # each training forward advances the power iteration
        _step(torch, ours, theirs, _rand(*xshape, seed=seed))
    np.testing.assert_allclose(ours.weight_u.numpy(), theirs.weight_u.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.weight_v.numpy(), theirs.weight_v.numpy(), rtol=1e-10)
    ours.eval()
    theirs.eval()
    u = ours.weight_u.numpy().copy()
    _step(torch, ours, theirs, _rand(*xshape, seed=5))
    np.testing.assert_array_equal(ours.weight_u.numpy(), u)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-10)  # fmt: skip


@pytest.mark.parametrize("cls,args,xshape", LAYERS)
def test_parametrized_spectral_norm_train_and_eval_match_torch(torch, cls, args, xshape):
    ours, theirs = _pair(torch, cls, *args)
    nn.utils.parametrizations.spectral_norm(ours, n_power_iterations=2)
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    load_from_torch(ours, theirs)
    for seed in range(3):
        _step(torch, ours, theirs, _rand(*xshape, seed=seed))
    pt = theirs.parametrizations.weight[0]
    po = ours.parametrizations.weight[0]
    np.testing.assert_allclose(po._u.numpy(), pt._u.numpy(), rtol=1e-10)
    ours.eval()
    theirs.eval()
    _step(torch, ours, theirs, _rand(*xshape, seed=4))


def test_spectral_norm_brings_the_largest_singular_value_to_one():
    autograd.manual_seed(0)
    m = nn.utils.parametrizations.spectral_norm(nn.Linear(6, 5).double(), n_power_iterations=30)
    assert np.linalg.norm(m.weight.detach().numpy(), 2) == pytest.approx(1.0, rel=1e-6)


class _Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)

    def right_inverse(self, a):
        return a.triu()


class _Scale(nn.Module):
    def forward(self, x):
        return 2.0 * x

    def right_inverse(self, x):
        return x / 2.0


def test_register_parametrization_assign_chain_cache_and_optimize():
    layer = nn.Linear(3, 3).double()
    parametrize.register_parametrization(layer, "weight", _Symmetric())
    w = layer.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    target = autograd.tensor(_rand(3, 3) + _rand(3, 3).T)
    layer.weight = target  # right_inverse stores the upper triangle
    np.testing.assert_allclose(layer.weight.detach().numpy(), target.numpy())
    parametrize.register_parametrization(layer, "weight", _Scale())
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * target.numpy())
    assert len(layer.parametrizations.weight) == 2
    with parametrize.cached():
        assert layer.weight is layer.weight
    assert layer.weight is not layer.weight
    # an optimizer trains the stored tensor; the parametrized weight stays symmetric
    opt = autograd.optim.SGD(layer.parameters(), lr=0.1)
    layer(autograd.tensor(_rand(4, 3))).pow(2).sum().backward()
    opt.step()
    w = layer.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    assert type(layer) is nn.Linear and "weight" in dict(layer.named_parameters())


def test_parametrization_errors_are_named():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="no parameter or buffer named 'kernel'"):
        parametrize.register_parametrization(layer, "kernel", _Scale())
    with pytest.raises(TypeError, match="must be an nn.Module"):
        parametrize.register_parametrization(layer, "weight", lambda x: x)

    class Flatten(nn.Module):
        def forward(self, x):
            return x.flatten()

    with pytest.raises(ValueError, match="changes the tensor's shape"):
        parametrize.register_parametrization(layer, "weight", Flatten())
    with pytest.raises(ValueError, match="has no parametrization on 'weight'"):
        parametrize.remove_parametrizations(layer, "weight")
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(layer)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(layer)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    _legacy(nn.utils.weight_norm, layer)
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        _legacy(nn.utils.weight_norm, layer)
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        nn.utils.spectral_norm(nn.utils.spectral_norm(nn.Linear(2, 2)))
    with pytest.raises(ValueError, match="weight_norm: module Linear has no parameter named"):
        _legacy(nn.utils.weight_norm, nn.Linear(2, 2, bias=False), name="bias")
    with pytest.raises(ValueError, match="spectral_norm: module Linear has no parameter named 'w'"):
        nn.utils.spectral_norm(nn.Linear(2, 2), name="w")
    for fn in (nn.utils.parametrizations.weight_norm, nn.utils.parametrizations.spectral_norm):
        with pytest.raises(ValueError, match=f"{fn.__name__}: module Linear has no parameter or"):
            fn(nn.Linear(2, 2), name="w")


def test_copies_of_a_parametrized_module_are_independent():
    import copy

    layer = nn.utils.parametrizations.weight_norm(nn.Linear(2, 3))
    twin = copy.deepcopy(layer)
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and parametrize.is_parametrized(twin, "weight")
    np.testing.assert_allclose(twin.weight.detach().numpy(), layer.weight.detach().numpy(),
                               rtol=1e-6)  # fmt: skip
