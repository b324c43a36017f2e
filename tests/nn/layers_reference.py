"""Compare a numbagrad layer with the PyTorch layer built from the same arguments.

``check_against_torch`` copies torch's state_dict into ours by name, runs both in float64 on the
same inputs in training mode, back-propagates the same random cotangent through every output, and
compares outputs, input gradients, parameter gradients (by name) and buffers (by name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd

RTOL, ATOL = 1e-9, 1e-10


def load_from_torch(ours: Any, theirs: Any) -> None:
    """Copy torch's state_dict into ``ours`` through ``load_state_dict`` (strict)."""
    state = {k: autograd.from_numpy(v.detach().cpu().numpy().copy()) for k, v in
             theirs.state_dict().items()}  # fmt: skip
    ours.load_state_dict(state)


def _flat(out: Any) -> list:
    if out is None:
        return []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _by_name(ours: Any, theirs: Any) -> list[tuple[str, Any, Any]]:
    """``(name, ours, theirs)`` for two ``named_...()`` iterations, which must name the same."""
    o, t = dict(ours), dict(theirs)
    assert sorted(o) == sorted(t)
    return [(name, o[name], t[name]) for name in t]


def _np(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy()


def check_against_torch(
    torch: Any,
    ours: Any,
    theirs: Any,
    inputs: Sequence[np.ndarray],
    call: Callable[..., Any] | None = None,
    kwargs: dict | None = None,
    grad_inputs: Sequence[bool] | None = None,
    rtol: float = RTOL,
    atol: float = ATOL,
    seed: int = 0,
    load: bool = True,
) -> None:
    """Forward + backward both modules on float64 copies of ``inputs`` and compare everything.

    ``call(module, *inputs, **kwargs)`` defaults to ``module(*inputs, **kwargs)``. Integer and
    bool inputs never require grad; ``grad_inputs`` can switch off grad for float ones too.
    """
    theirs = theirs.double()
    ours = ours.double()
    if load:
        load_from_torch(ours, theirs)
    call = call or (lambda m, *a, **k: m(*a, **k))
    kwargs = kwargs or {}
    grad_inputs = grad_inputs or [np.asarray(a).dtype.kind == "f" for a in inputs]
    t_in, o_in = [], []
    for a, g in zip(inputs, grad_inputs):
        a = np.asarray(a)
        g = g and a.dtype.kind == "f"
        t_in.append(torch.tensor(a, requires_grad=g))
        o_in.append(autograd.tensor(a, requires_grad=g))
    t_kw = {k: torch.tensor(np.asarray(v)) if isinstance(v, np.ndarray) else v
            for k, v in kwargs.items()}  # fmt: skip
    o_kw = {k: autograd.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    t_out = _flat(call(theirs, *t_in, **t_kw))
    o_out = _flat(call(ours, *o_in, **o_kw))
    assert len(t_out) == len(o_out), (len(t_out), len(o_out))
    rng = np.random.default_rng(seed)
    t_loss, o_loss = 0, 0
    for i, (t, o) in enumerate(zip(t_out, o_out)):
        assert tuple(o.shape) == tuple(t.shape), f"output {i}: {o.shape} != {tuple(t.shape)}"
        np.testing.assert_allclose(_np(o), _np(t), rtol=rtol, atol=atol,
                                   err_msg=f"output {i}")  # fmt: skip
        if t.requires_grad:
            assert o.requires_grad, f"output {i} does not require grad"
            g = rng.standard_normal(t.shape)
            t_loss = t_loss + (t * torch.tensor(g)).sum()
            o_loss = o_loss + (o * autograd.tensor(g)).sum()
    if not isinstance(t_loss, int):
        t_loss.backward()
        o_loss.backward()
        for i, (t, o) in enumerate(zip(t_in, o_in)):
            if t.requires_grad:
                np.testing.assert_allclose(_np(o.grad), _np(t.grad), rtol=rtol, atol=atol,
                                           err_msg=f"grad of input {i}")  # fmt: skip
        for name, op, tp in _by_name(ours.named_parameters(), theirs.named_parameters()):
            if tp.grad is None:
                assert op.grad is None or not np.any(_np(op.grad)), name
            else:
                assert op.grad is not None, f"no gradient for {name}"
                np.testing.assert_allclose(_np(op.grad), _np(tp.grad), rtol=rtol, atol=atol,
                                           err_msg=f"grad of {name}")  # fmt: skip
    for name, ob, tb in _by_name(ours.named_buffers(), theirs.named_buffers()):
        assert ob.dtype == _np(tb).dtype, (name, ob.dtype, tb.dtype)
        np.testing.assert_allclose(_np(ob), _np(tb), rtol=rtol, atol=atol, err_msg=name)


def same_keys(ours: Any, theirs: Any) -> None:
    """Same state_dict keys in the same order, same shapes."""
    o = ours.state_dict()
    t = theirs.state_dict()
    assert list(o) == list(t)
    for k in t:
        assert tuple(o[k].shape) == tuple(t[k].shape), k
