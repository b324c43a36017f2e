"""Comparing an op's outputs and input gradients with PyTorch's on the same inputs (shared by the
shape, join, rearrange, index and gather/scatter tests, and the registry-driven ones)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def torch_fn(torch, info):
    """The PyTorch function a registry entry (``OpInfo``) names, called with our arguments."""
    spec = info.torch
    if callable(spec):
        return lambda *args, **kwargs: spec(torch, *args, **kwargs)
    fn = _dotted(torch, spec) or getattr(torch.nn.functional, spec, None)
    if fn is None:
        pytest.fail(
            f"{info.name}: OpInfo.torch is {spec!r}, but neither torch nor "
            "torch.nn.functional has it; register the op with torch=None or a callable"
        )
    return fn


def _dotted(module, path: str):
    """``torch.linalg.solve`` for ``"linalg.solve"`` (None when absent)."""
    for part in path.split("."):
        module = getattr(module, part, None)
    return module


def to_torch(torch, obj, leaves: list):
    """A registry sample's arguments as PyTorch's: float arrays become tensors that require
    grad (appended to ``leaves``), other arrays plain tensors, anything else stays."""
    if isinstance(obj, np.ndarray):
        t = torch.from_numpy(obj.copy())
        if obj.dtype.kind == "f":
            t.requires_grad_(True)
            leaves.append(t)
        return t
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(torch, o, leaves) for o in obj)
    if isinstance(obj, dict):
        return {k: to_torch(torch, v, leaves) for k, v in obj.items()}
    return obj


def grad_vs_torch(torch, fn, tfn, *arrays):
    """Run ``fn`` on our tensors and ``tfn`` on torch's with the same random upstream gradients
    and compare outputs and input gradients (an input that gets no gradient counts as zeros).

    ``fn`` and ``tfn`` may return one tensor or a tuple of them (multi-output ops)."""
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(*ours), tfn(*theirs)
    outs = out if isinstance(out, tuple) else (out,)
    touts = tout if isinstance(tout, tuple) else (tout,)
    assert len(outs) == len(touts), f"{len(outs)} outputs, torch gives {len(touts)}"
    rng = np.random.default_rng(0)
    ups = [rng.standard_normal(o.shape) for o in outs]
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    ag.backward(list(outs), [ag.tensor(u) for u in ups])
    torch.autograd.backward(list(touts), [torch.tensor(u) for u in ups])
    for a, t in zip(ours, theirs):
        ga = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        gt = np.zeros(a.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(ga, gt, rtol=1e-12, atol=1e-12)
