"""PyTorch's ``torch.special``: after ``import autograd as torch``, ``torch.special.expit(x)``.

Each name is the same function as numbagrad's top-level op (``special.expit`` is
``autograd.sigmoid``, ``special.gammaln`` is ``autograd.lgamma`` when present).

Examples
--------
>>> import autograd
>>> autograd.special.expit(autograd.tensor([0.0]))
tensor([0.5000])
"""

from __future__ import annotations

from . import ops as _ops

erf = _ops.erf
erfc = _ops.erfc
exp2 = _ops.exp2
expit = _ops.sigmoid
expm1 = _ops.expm1
log1p = _ops.log1p
log_softmax = _ops.log_softmax
logit = _ops.logit
logsumexp = _ops.logsumexp
round = _ops.round  # noqa: A001 - PyTorch's name
sinc = _ops.sinc
softmax = _ops.softmax
xlogy = _ops.xlogy

__all__ = ["erf", "erfc", "exp2", "expit", "expm1", "log1p", "log_softmax", "logit", "logsumexp",
           "round", "sinc", "softmax", "xlogy"]  # fmt: skip
