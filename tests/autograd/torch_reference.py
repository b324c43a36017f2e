"""Comparing an op's outputs and input gradients with PyTorch's on the same inputs (shared by the
shape, join, rearrange, index and gather/scatter tests)."""

from __future__ import annotations

import numpy as np

import autograd as ag


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
