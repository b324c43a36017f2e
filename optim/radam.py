"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2020)."""

from __future__ import annotations

from autograd import Tensor
from autograd.extend import apply_update, count_step, radam_update

from ._update import check_arguments, gradient_terms, scalar
from .optimizer import STEP, Optimizer, ParamsT, State, hyper_parameters

__all__ = ["RAdam", "radam"]


def radam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
          exp_avg_sqs: list[Tensor], state_steps: list[Tensor], *, beta1: float, beta2: float,
          lr: float, weight_decay: float, eps: float, decoupled_weight_decay: bool = False,
          maximize: bool = False) -> None:  # fmt: skip
    """Apply one RAdam step in place.

    With ``t`` the step count after increment::

        g <- -g                                       if maximize
        p <- p * (1 - lr * weight_decay)              if decoupled_weight_decay
        g <- g + weight_decay * p                     otherwise
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p <- p - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:
            p <- p - lr * m_hat

    Examples
    --------
    >>> import autograd
    >>> p, m, v = autograd.tensor([1.0]), autograd.tensor([0.5]), autograd.tensor([0.25])
    >>> steps = [autograd.tensor(9.0)]  # step 10: rho_t > 5, the rectified adaptive step
    >>> radam([p], [autograd.tensor([0.5])], [m], [v], steps, beta1=0.9, beta2=0.999, lr=0.1,
    ...       weight_decay=0, eps=1e-8)
    >>> round(p.item(), 4), steps[0].item()
    (0.9992, 10.0)
    """
    check_arguments("radam", locals())
    lr, beta1, beta2 = scalar(lr), scalar(beta1), scalar(beta2)
    terms = gradient_terms(maximize, weight_decay, lr, decoupled_weight_decay)
    rho_inf = 2 / (1 - beta2) - 1
    for i, p in enumerate(params):
        t = count_step(state_steps[i])
        bias_correction2 = 1 - beta2**t
        rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
        rectified = rho_t > 5.0
        rect = 1.0
        if rectified:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5  # fmt: skip
        coefficients = (*terms, 1 - beta1, beta2, 1 - beta2, 1 - beta1**t, lr,
                        bias_correction2**0.5, eps, rect)  # fmt: skip
        state = (exp_avgs[i], exp_avg_sqs[i])
        apply_update(radam_update, p, grads[i], state, coefficients, (rectified,), op="radam")


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``; the update rule is :func:`radam`'s. Until the variance
    estimate is trustworthy (``rho_t <= 5``, the first five steps with the default betas) it
    takes plain bias-corrected momentum steps.

    Parameters
    ----------
    params, lr, betas, eps, weight_decay, decoupled_weight_decay, maximize, foreach,
    capturable, differentiable :
        As for every optimizer (see :class:`Optimizer`).

    Examples
    --------
    >>> import autograd, optim
    >>> w = autograd.zeros(2, requires_grad=True)
    >>> opt = optim.RAdam([w], lr=0.1)
    >>> w.grad = autograd.tensor([2.0, -0.5])
    >>> opt.step()  # w - lr * m_hat, and m_hat is the gradient itself on step 1
    >>> w
    tensor([-0.2000,  0.0500], requires_grad=True)
    """

    _state = (STEP, State("exp_avg", "exp_avgs"), State("exp_avg_sq", "exp_avg_sqs"))
    _update = staticmethod(radam)

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 *, foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:  # fmt: skip
        super().__init__(params, hyper_parameters(locals()))
