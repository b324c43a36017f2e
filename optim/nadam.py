"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""

from __future__ import annotations

import autograd
from autograd import Tensor
from autograd.extend import apply_update, count_step, nadam_update

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import STEP, Optimizer, ParamsT, State, hyper_parameters

__all__ = ["NAdam", "nadam"]


def nadam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], mu_products: list[Tensor], state_steps: list[Tensor], *,
          beta1: float, beta2: float, lr: float, weight_decay: float, momentum_decay: float,
          eps: float, decoupled_weight_decay: bool = False,
          maximize: bool = False) -> None:  # fmt: skip
    """Apply one NAdam step in place.

    With ``t`` the step count after increment and ``P`` the running product of ``mu``::

        g <- -g                                       if maximize
        p <- p * (1 - lr * weight_decay)              if decoupled_weight_decay
        g <- g + weight_decay * p                     otherwise
        mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96**((t + 1) * momentum_decay))
        P <- P * mu_t
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        denom = sqrt(v / (1 - beta2**t)) + eps
        p <- p - lr * (1 - mu_t) / (1 - P) * g / denom
               - lr * mu_next / (1 - P * mu_next) * m / denom

    Examples
    --------
    >>> import autograd
    >>> p, g = autograd.tensor([1.0]), autograd.tensor([1.0])
    >>> m, v = autograd.zeros(1), autograd.zeros(1)
    >>> mu, step = autograd.tensor(1.0), autograd.tensor(0.0)
    >>> nadam([p], [g], [m], [v], [mu], [step], beta1=0.9, beta2=0.999, lr=0.1,
    ...       weight_decay=0, momentum_decay=4e-3, eps=1e-8)
    >>> round(p.item(), 4), round(mu.item(), 4)
    (0.8944, 0.4501)
    """
    check_arguments("nadam", locals())
    lr, beta1, beta2 = scalar(lr), scalar(beta1), scalar(beta2)
    terms = gradient_terms(maximize, weight_decay, lr, decoupled_weight_decay)
    for i, p in enumerate(params):
        t = count_step(state_steps[i])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))
        with autograd.no_grad():
            product = mu_products[i].mul_(mu).item()  # float32, as PyTorch keeps it
        coefficients = (*terms, 1 - beta1, beta2, 1 - beta2, 1 - beta2**t, eps,
                        -lr * (1.0 - mu) / (1.0 - product),
                        (-lr * mu_next) / (1.0 - product * mu_next))  # fmt: skip
        state = (exp_avgs[i], exp_avg_sqs[i])
        apply_update(nadam_update, p, grads[i], state, coefficients, op="nadam")


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``: Adam whose momentum term looks one step ahead, with a
    warming-up momentum schedule; the update rule is :func:`nadam`'s.

    Parameters
    ----------
    params, lr, betas, eps, weight_decay, decoupled_weight_decay, maximize, foreach,
    capturable, differentiable :
        As for every optimizer (see :class:`Optimizer`).
    momentum_decay : float
        How fast ``mu_t`` rises from ``beta1 / 2`` towards ``beta1``.

    Examples
    --------
    >>> import autograd, optim
    >>> weights = [autograd.tensor([1.0], requires_grad=True)]
    >>> opt = optim.NAdam(weights, lr=0.1)
    >>> for _ in range(3):
    ...     weights[0].grad = autograd.ones(1)
    ...     opt.step()
    >>> mu_product = opt.state[weights[0]]["mu_product"]  # mu_1 * mu_2 * mu_3, in float32
    >>> round(mu_product.item(), 4), mu_product.dtype
    (0.0912, dtype('float32'))
    """

    _state = (STEP, State("mu_product", "mu_products", lambda p, group: autograd.tensor(1.0)),
              State("exp_avg", "exp_avgs"), State("exp_avg_sq", "exp_avg_sqs"))  # fmt: skip
    _update = staticmethod(nadam)

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))
