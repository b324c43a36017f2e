"""Flattening parameters into one vector and copying a vector back into them."""

from __future__ import annotations

from collections.abc import Iterable

import autograd
from autograd import Tensor

from .clip_grad import as_tensor_list

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the flattened parameters into one 1-D tensor (differentiable).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.utils.parameters_to_vector([autograd.ones(2, 2), autograd.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    params = as_tensor_list(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: expected at least one tensor, got none")
    return autograd.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy slices of the 1-D ``vec`` into the parameters (their ``.data`` becomes views of it).

    Examples
    --------
    >>> import autograd, nn
    >>> a, b = nn.Parameter(autograd.zeros(2, 2)), nn.Parameter(autograd.zeros(1))
    >>> nn.utils.vector_to_parameters(autograd.arange(5.0), [a, b])
    >>> a.detach(), b.detach()
    (tensor([[0., 1.],
            [2., 3.]]), tensor([4.]))
    """
    if not isinstance(vec, Tensor):
        raise TypeError(
            f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}"
        )
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    params = as_tensor_list(parameters, "vector_to_parameters")
    need = sum(p.numel() for p in params)
    if need != vec.numel():
        raise ValueError(
            f"vector_to_parameters: vec has {vec.numel()} elements but the parameters need {need}"
        )
    flat = vec.detach().numpy()
    pos = 0
    for p in params:
        n = p.numel()
        p.data = autograd.from_numpy(flat[pos : pos + n].reshape(p.shape))
        pos += n
