"""``nn.utils.parametrizations``: weight normalization and spectral normalization as
parametrizations (:mod:`nn.utils.parametrize`), with PyTorch's state_dict keys.

Examples
--------
>>> import nn
>>> m = nn.utils.parametrizations.weight_norm(nn.Linear(4, 3))
>>> list(m.state_dict())
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""

from __future__ import annotations

from typing import Any

import autograd
from autograd import Tensor

from .. import functional as F
from ..layers.conv import _ConvTranspose
from ..module import Module
from . import parametrize

__all__ = ["weight_norm", "spectral_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm over every dim but ``dim`` (kept as size 1); ``dim=-1``: over all of them."""
    if dim == -1:
        return autograd.norm(v)
    if not -v.ndim <= dim < v.ndim:
        raise ValueError(f"weight_norm: dim {dim} is out of range for a {v.ndim}-D weight")
    dim %= v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:
        return v.abs()
    return autograd.norm(v, 2, dim=others, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``v * (g / ||v||)`` with the norm taken over every dim but ``dim``."""
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    """``weight = g * v / ||v||`` from ``(g, v)`` (Salimans & Kingma, 2016)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` with the magnitude ``g``
    (``parametrizations.<name>.original0``) and direction ``v`` (``...original1``) learned
    separately; the norm is over every dim but ``dim`` (``None``: over all).

    A state_dict saved with the legacy :func:`nn.utils.weight_norm` (``<name>_g``,
    ``<name>_v``) loads into the module.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.utils.parametrizations.weight_norm(nn.Linear(2, 3))
    >>> m.parametrizations.weight.original0.shape, m.parametrizations.weight.original1.shape
    ((3, 1), (3, 2))
    >>> m(autograd.ones(1, 2)).shape
    (1, 3)
    """
    _tensor_to_parametrize(module, name, "weight_norm")
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def load_legacy_keys(mod: Module, state_dict: dict, prefix: str, *rest: Any) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module.register_load_state_dict_pre_hook(load_legacy_keys)
    return module


def _tensor_to_parametrize(module: Module, name: str, what: str) -> Tensor:
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(
            f"{what}: module {type(module).__name__} has no parameter or buffer named {name!r}"
        )
    return weight


def _output_dim(module: Module, dim: int | None) -> int:
    """The weight's output dim for spectral normalization: ``dim``, or by default 1 for the
    transposed convolutions and 0 otherwise."""
    if dim is not None:
        return dim
    return 1 if isinstance(module, _ConvTranspose) else 0


def _check_power_iterations(n_power_iterations: int) -> None:
    if n_power_iterations <= 0:
        raise ValueError(
            "spectral_norm: expected n_power_iterations to be positive, but got "
            f"n_power_iterations={n_power_iterations}"
        )


def _weight_to_matrix(weight: Tensor, dim: int) -> Tensor:
    """``weight`` as a matrix: dim ``dim`` as rows, the other dims flattened into columns."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.flatten(1)


def _random_unit_vectors(weight_mat: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """The power iteration's starting ``u`` (one entry a row) and ``v`` (one a column)."""
    h, w = weight_mat.shape
    u = F.normalize(autograd.randn(h, dtype=weight_mat.dtype), dim=0, eps=eps)
    v = F.normalize(autograd.randn(w, dtype=weight_mat.dtype), dim=0, eps=eps)
    return u, v


def _divide_by_sigma(weight: Tensor, weight_mat: Tensor, u: Tensor, v: Tensor) -> Tensor:
    """``weight / sigma`` with the spectral norm estimated as ``sigma = u . (W v)``."""
    return weight / autograd.dot(u, weight_mat @ v)


class _SpectralNorm(Module):
    """``weight / sigma`` with ``sigma`` the largest singular value of the weight (as a matrix
    with ``dim`` as rows), estimated by power iteration on buffers ``_u`` and ``_v`` that
    advance ``n_power_iterations`` steps per forward in training mode (Miyato et al., 2018).
    """

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < ndim:
            raise ValueError(
                f"spectral_norm: dim must be in [-{ndim}, {ndim - 1}] for a {ndim}-D weight, "
                f"got {dim}"
            )
        _check_power_iterations(n_power_iterations)
        self.dim = dim % ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight.detach())
            u, v = _random_unit_vectors(weight_mat, eps)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        return _weight_to_matrix(weight, self.dim)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with autograd.no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(weight_mat @ self._v, dim=0, eps=self.eps))
                self._v.copy_(F.normalize(weight_mat.T @ self._u, dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat.detach(), self.n_power_iterations)
        return _divide_by_sigma(weight, weight_mat, self._u.clone(), self._v.clone())

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration (one step
    per forward in training mode, none in eval mode); the buffers are
    ``parametrizations.<name>.0._u`` and ``._v``.

    ``dim`` is the weight's output dim: 0, or 1 for the transposed convolutions.

    Examples
    --------
    >>> import autograd, nn
    >>> m = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
    >>> list(m.state_dict())  # doctest: +NORMALIZE_WHITESPACE
    ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0._u',
     'parametrizations.weight.0._v']
    >>> m(autograd.ones(2, 4)).shape
    (2, 3)
    """
    weight = _tensor_to_parametrize(module, name, "spectral_norm")
    dim = _output_dim(module, dim)
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
