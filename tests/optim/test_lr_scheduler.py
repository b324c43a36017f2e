"""Learning-rate schedules: PyTorch's sequences, closed forms, ordering and resuming."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import autograd
import optim
from optim import lr_scheduler as S

EPOCHS = 40


def _groups(lib, opt_name="SGD"):
    make = autograd.zeros if lib is None else lib.zeros
    a, b = make(2, requires_grad=True), make(3, requires_grad=True)
    optim_mod = optim if lib is None else lib.optim
    if opt_name == "SGD":
        return optim_mod.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)
    return optim_mod.Adam([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1)


def _build(mod, opt, spec):
    name, kwargs = spec
    if name == "SequentialLR":
        parts = [mod.ConstantLR(opt, factor=0.5, total_iters=4), mod.ExponentialLR(opt, 0.9),
                 mod.CosineAnnealingLR(opt, T_max=10)]  # fmt: skip
        return mod.SequentialLR(opt, parts, milestones=[5, 15])
    if name == "ChainedScheduler":
        parts = [mod.ConstantLR(opt, factor=0.5, total_iters=4), mod.ExponentialLR(opt, 0.9),
                 mod.StepLR(opt, 3, 0.5)]  # fmt: skip
        return mod.ChainedScheduler(parts)
    return getattr(mod, name)(opt, **kwargs)


SPECS = [
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 10, 10, 25], gamma=0.3)),
    ("ConstantLR", dict()), ("ConstantLR", dict(factor=0.25, total_iters=12)),
    ("LinearLR", dict()), ("LinearLR", dict(start_factor=0.1, end_factor=0.8, total_iters=20)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("PolynomialLR", dict()), ("PolynomialLR", dict(total_iters=30, power=2.5)),
    ("CosineAnnealingLR", dict(T_max=10)), ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", dict(T_0=5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5,
                      mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.97)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS + 1)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=7, steps_per_epoch=6, anneal_strategy="linear",
                        three_phase=True, pct_start=0.25)),
    ("SequentialLR", dict()), ("ChainedScheduler", dict()),
]  # fmt: skip
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(SPECS)]


def _trace(lib, spec, opt_name="SGD", epochs=EPOCHS):
    opt = _groups(lib, opt_name)
    sched = _build(S if lib is None else lib.optim.lr_scheduler, opt, spec)
    out = []
    for _ in range(epochs):
        groups = opt.param_groups
        out.append((list(sched.get_last_lr()), [g["lr"] for g in groups],
                    [g.get("momentum", g.get("betas", (None,))[0]) for g in groups]))  # fmt: skip
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_matches_torch(torch, spec):
    for opt_name in ("SGD", "Adam"):
        if spec[0] in ("CyclicLR", "OneCycleLR") or opt_name == "SGD":
            ours, theirs = _trace(None, spec, opt_name), _trace(torch, spec, opt_name)
            for t, (a, b) in enumerate(zip(ours, theirs)):
                np.testing.assert_allclose(
                    np.array(a, float), np.array(b, float), rtol=1e-13, atol=0, err_msg=f"{t}"
                )


def test_reduce_lr_on_plateau_matches_torch(torch):
    metrics = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7] * 3
    for kwargs in [
        dict(patience=2),
        dict(mode="max", factor=0.5, patience=1, cooldown=2),
        dict(threshold_mode="abs", threshold=0.05, patience=0, min_lr=[0.02, 0.001]),
    ]:
        traces = []
        for lib in (None, torch):
            opt = _groups(lib)
            mod = S if lib is None else lib.optim.lr_scheduler
            sched = mod.ReduceLROnPlateau(opt, **kwargs)
            trace = []
            for m in metrics:
                opt.step()
                sched.step(m)
                trace.append(list(sched.get_last_lr()))
            traces.append(trace)
        np.testing.assert_allclose(traces[0], traces[1], rtol=1e-15)


def _closed_form(name, kwargs, base, e):
    if name == "StepLR":
        return base * kwargs["gamma"] ** (e // kwargs["step_size"])
    if name == "MultiStepLR":
        return base * kwargs["gamma"] ** sum(m <= e for m in kwargs["milestones"])
    if name == "ExponentialLR":
        return base * kwargs["gamma"] ** e
    if name == "LambdaLR":
        return base * kwargs["lr_lambda"](e)
    if name == "MultiplicativeLR":
        return base * 0.95**e
    if name == "ConstantLR":
        f, n = kwargs.get("factor", 1 / 3), kwargs.get("total_iters", 5)
        return base * (f if e < n else 1.0)
    if name == "LinearLR":
        s, f, n = (
            kwargs.get("start_factor", 1 / 3),
            kwargs.get("end_factor", 1.0),
            kwargs.get("total_iters", 5),
        )
        return base * (s + (f - s) * min(e, n) / n)
    if name == "PolynomialLR":
        n, p = kwargs.get("total_iters", 5), kwargs.get("power", 1.0)
        return base * (1 - min(e, n) / n) ** p
    if name == "CosineAnnealingLR":
        T, lo = kwargs["T_max"], kwargs.get("eta_min", 0.0)
        return lo + (base - lo) * (1 + math.cos(math.pi * e / T)) / 2
    if name == "CosineAnnealingWarmRestarts":
        T, mult, lo = kwargs["T_0"], kwargs.get("T_mult", 1), kwargs.get("eta_min", 0.0)
        while e >= T:
            e -= T
            T *= mult
        return lo + (base - lo) * (1 + math.cos(math.pi * e / T)) / 2
    if name == "CyclicLR" and kwargs.get("mode", "triangular") == "triangular":
        lo, hi, up = kwargs["base_lr"], kwargs["max_lr"], kwargs["step_size_up"]
        x = abs(e / up - 2 * math.floor(1 + e / (2 * up)) + 1)
        return lo + (hi - lo) * max(0.0, 1 - x)
    return None


# Schedules with no simple closed form here (cyclic modes, OneCycle, Sequential, Chained) are
# covered by the PyTorch comparison and the behaviour tests.
_CLOSED_FORM = [(s, i) for s, i in zip(SPECS, IDS) if _closed_form(s[0], s[1], 0.1, 0) is not None]


@pytest.mark.parametrize("spec", [s for s, _ in _CLOSED_FORM], ids=[i for _, i in _CLOSED_FORM])
def test_matches_closed_form(spec):
    name, kwargs = spec
    trace = _trace(None, spec)
    for e, (last, lrs, _) in enumerate(trace):
        assert last == lrs
        for base, lr in zip((0.1, 0.05), lrs):
            if name == "CyclicLR":
                base = kwargs["base_lr"]
            assert lr == pytest.approx(_closed_form(name, kwargs, base, e), rel=1e-12, abs=1e-15)


def test_one_cycle_and_cyclic_momentum():
    trace = _trace(None, ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS + 1)))
    lrs = [t[1][0] for t in trace]
    moms = [t[2][0] for t in trace]
    peak = int(np.argmax(lrs))
    assert lrs[0] == pytest.approx(0.5 / 25)
    assert lrs[peak] == pytest.approx(0.5, rel=1e-2)
    assert moms[0] == pytest.approx(0.95) and moms[peak] == pytest.approx(0.85, rel=1e-2)
    opt = _groups(None)
    sched = S.OneCycleLR(opt, max_lr=0.5, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="total_steps"):
        sched.step()


def test_scheduler_sets_initial_lr_and_steps_in_constructor():
    opt = _groups(None)
    sched = S.StepLR(opt, step_size=2)
    assert sched.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05]
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_groups(None), step_size=2, last_epoch=3)


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _groups(None)
    sched = S.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match="before optimizer.step"):
        sched.step()
    opt = _groups(None)
    sched = S.ExponentialLR(opt, 0.5)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_resume_from_state_dict(spec):
    full = _trace(None, spec, epochs=30)
    opt = _groups(None)
    sched = _build(S, opt, spec)
    for _ in range(12):
        opt.step()
        sched.step()
    saved_opt = copy.deepcopy(opt.state_dict())
    saved_sched = copy.deepcopy(sched.state_dict())
    opt2 = _groups(None)
    sched2 = _build(S, opt2, spec)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    out = []
    for _ in range(18):
        out.append([g["lr"] for g in opt2.param_groups])
        opt2.step()
        sched2.step()
    assert out == [t[1] for t in full[12:]]


def test_invalid_arguments():
    opt = _groups(None)
    with pytest.raises(TypeError, match="Optimizer"):
        S.StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        S.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="factor"):
        S.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="start_factor"):
        S.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="T_0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="mode"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="total_steps"):
        S.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="factor"):
        S.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="one value per parameter group"):
        S.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="milestones"):
        S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], milestones=[])
    other = _groups(None)
    with pytest.raises(ValueError, match="same optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(other, 3)])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.SequentialLR(opt, [S.ReduceLROnPlateau(opt), S.StepLR(opt, 2)], milestones=[2])
