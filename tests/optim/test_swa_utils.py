"""optim.swa_utils vs torch.optim.swa_utils: AveragedModel (SWA, EMA, buffers), SWALR and
update_bn along the same training trajectory."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import optim
from optim.swa_utils import (
    SWALR,
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_multi_avg_fn,
    update_bn,
)


def _pair(torch):
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                 torch.nn.Linear(4, 1)).double()  # fmt: skip
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).double()
    ours.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _batches(n=4):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((6, 3)), rng.standard_normal((6, 1))) for _ in range(n)]


@pytest.mark.parametrize("mode", ["swa", "ema", "ema_multi", "swa_multi", "buffers"])
def test_averaged_model_follows_torch_through_training(torch, mode):
    ours, theirs = _pair(torch)
    kwargs_o, kwargs_t = {}, {}
    if mode == "ema":
        kwargs_o["avg_fn"] = get_ema_avg_fn(0.9)
        kwargs_t["avg_fn"] = torch.optim.swa_utils.get_ema_avg_fn(0.9)
    elif mode == "ema_multi":
        kwargs_o["multi_avg_fn"] = get_ema_multi_avg_fn(0.9)
        kwargs_t["multi_avg_fn"] = torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)
    elif mode == "swa_multi":
        kwargs_o["multi_avg_fn"] = get_swa_multi_avg_fn()
        kwargs_t["multi_avg_fn"] = torch.optim.swa_utils.get_swa_multi_avg_fn()
    elif mode == "buffers":
        kwargs_o["use_buffers"] = kwargs_t["use_buffers"] = True
    avg_o, avg_t = (
        AveragedModel(ours, **kwargs_o),
        torch.optim.swa_utils.AveragedModel(theirs, **kwargs_t),
    )
    assert list(avg_o.state_dict()) == list(avg_t.state_dict())
    opt_o = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    sched_o = SWALR(opt_o, swa_lr=0.05, anneal_epochs=3)
    sched_t = torch.optim.swa_utils.SWALR(opt_t, swa_lr=0.05, anneal_epochs=3)
    for x, y in _batches(5):
        for model, opt, lib in ((ours, opt_o, autograd), (theirs, opt_t, torch)):
            opt.zero_grad()
            ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
        sched_o.step()
        sched_t.step()
        avg_o.update_parameters(ours)
        avg_t.update_parameters(theirs)
        assert sched_o.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)
    for (k, a), b in zip(avg_o.state_dict().items(), avg_t.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)
    x = _batches(1)[0][0]
    avg_o.eval()
    avg_t.eval()
    np.testing.assert_allclose(avg_o(autograd.tensor(x)).detach().numpy(),
                               avg_t(torch.tensor(x)).detach().numpy(), rtol=1e-9)  # fmt: skip


def test_update_bn_matches_torch(torch):
    ours, theirs = _pair(torch)
    data = [autograd.tensor(x) for x, _ in _batches(3)]
    loader_t = [(torch.tensor(x.numpy()), 0) for x in data]
    ours.eval()
    theirs.eval()
    update_bn([(x, 0) for x in data], ours)
    torch.optim.swa_utils.update_bn(loader_t, theirs)
    assert not ours.training and ours[1].momentum == 0.1
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-12)


@pytest.mark.parametrize("epochs,strategy", [(0, "cos"), (1, "linear"), (4, "cos"), (4, "linear")])
def test_swalr_schedule_matches_torch_with_two_groups(torch, epochs, strategy):
    po = [autograd.zeros(1, requires_grad=True), autograd.zeros(1, requires_grad=True)]
    pt = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    opt_o = optim.SGD([{"params": [po[0]]}, {"params": [po[1]], "lr": 0.3}], lr=1.0)
    opt_t = torch.optim.SGD([{"params": [pt[0]]}, {"params": [pt[1]], "lr": 0.3}], lr=1.0)
    so = SWALR(opt_o, [0.1, 0.2], anneal_epochs=epochs, anneal_strategy=strategy)
    st = torch.optim.swa_utils.SWALR(opt_t, [0.1, 0.2], anneal_epochs=epochs,
                                     anneal_strategy=strategy)  # fmt: skip
    assert so.get_last_lr() == pytest.approx(st.get_last_lr(), rel=1e-12)
    for _ in range(6):
        opt_o.step()
        opt_t.step()
        so.step()
        st.step()
        assert so.get_last_lr() == pytest.approx(st.get_last_lr(), rel=1e-12)


def test_swa_bad_arguments_are_named():
    opt = optim.SGD([autograd.zeros(1, requires_grad=True)], lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy must by one of"):
        SWALR(opt, 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        SWALR(opt, 0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="one value per parameter group"):
        SWALR(opt, [0.1, 0.2])
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        AveragedModel(3)
    with pytest.raises(ValueError, match="only one of avg_fn and multi_avg_fn"):
        AveragedModel(nn.Linear(1, 1), avg_fn=get_ema_avg_fn(), multi_avg_fn=get_swa_multi_avg_fn())
    assert optim.swa_utils.AveragedModel is AveragedModel
