"""``nn.utils.spectral_norm`` (legacy): ``weight = weight_orig / sigma`` recomputed by a
forward pre-hook, ``sigma`` the largest singular value estimated by power iteration on the
buffers ``weight_u`` and ``weight_v`` (PyTorch's older form of
:func:`nn.utils.parametrizations.spectral_norm`, with its state_dict keys).
"""

from __future__ import annotations

import autograd
from autograd import Tensor

from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ._weight_hooks import parameter_to_hook, remove_hook
from .parametrizations import (
    _check_power_iterations,
    _divide_by_sigma,
    _output_dim,
    _random_unit_vectors,
    _weight_to_matrix,
)

__all__ = ["spectral_norm", "remove_spectral_norm", "SpectralNorm"]


class SpectralNorm:
    """The forward pre-hook: in training mode ``n_power_iterations`` steps of
    ``v = normalize(W^T u)``, ``u = normalize(W v)`` update the buffers in place, then
    ``sigma = u . (W v)``; in eval mode the stored ``u``, ``v`` are used as they are.
    """

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        _check_power_iterations(n_power_iterations)
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        return _weight_to_matrix(weight, self.dim)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with autograd.no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(F.normalize(weight_mat.T @ u, dim=0, eps=self.eps))
                    u.copy_(F.normalize(weight_mat @ v, dim=0, eps=self.eps))
            # Later iterations change the buffers in place; backward needs these values.
            u, v = u.clone(), v.clone()
        return _divide_by_sigma(weight, weight_mat, u, v)

    def remove(self, module: Module) -> None:
        with autograd.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: tuple) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(
        module: Module, name: str, n_power_iterations: int, dim: int, eps: float
    ) -> SpectralNorm:
        weight = parameter_to_hook(module, name, SpectralNorm, "spectral_norm")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        with autograd.no_grad():
            u, v = _random_unit_vectors(fn.reshape_weight_to_matrix(weight), eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm before each forward (Miyato et al.,
    2018): one power-iteration step per forward in training mode, none in eval mode.

    ``dim`` is the weight's output dim: 0, or 1 for the transposed convolutions.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.utils.spectral_norm(nn.Linear(4, 3))
    >>> list(m.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
    >>> m(autograd.ones(2, 4)).shape
    (2, 3)
    """
    SpectralNorm.apply(module, name, n_power_iterations, _output_dim(module, dim), eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`: ``<name>`` becomes one parameter holding the normalized
    weight.

    Examples
    --------
    >>> import nn
    >>> m = nn.utils.remove_spectral_norm(nn.utils.spectral_norm(nn.Linear(4, 3)))
    >>> list(m.state_dict())
    ['bias', 'weight']
    """
    return remove_hook(module, name, SpectralNorm, "spectral_norm")
