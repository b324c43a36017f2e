"""``autograd.distributions``: PyTorch's ``torch.distributions`` for Normal, Uniform,
Bernoulli, Categorical, Exponential, Laplace and Independent, built from the engine's public
ops: ``sample``, ``rsample`` (reparametrized, differentiable in the parameters),
``log_prob``, ``entropy``, moments, and ``kl_divergence`` for the pairs registered with
``register_kl``.

Examples
--------
>>> import autograd
>>> from autograd.distributions import Normal
>>> loc = autograd.tensor(0.5, requires_grad=True)
>>> Normal(loc, 1.0).log_prob(autograd.tensor(1.0)).backward()
>>> loc.grad
tensor(0.5000)
"""

from . import constraints
from .discrete import Bernoulli, Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .more import Exponential, Independent, Laplace
from .normal import Normal, Uniform

__all__ = [
    "Distribution", "Normal", "Uniform", "Bernoulli", "Categorical", "Exponential", "Laplace",
    "Independent", "kl_divergence", "register_kl", "constraints",
]  # fmt: skip
