"""``nn.utils``: gradient clipping, parameter <-> vector conversion, weight and spectral
normalization, parametrizations (:mod:`nn.utils.parametrize`,
:mod:`nn.utils.parametrizations`) and (in :mod:`nn.utils.rnn`) padded and packed
variable-length sequences.

Examples
--------
>>> import autograd, nn
>>> nn.utils.parameters_to_vector([autograd.ones(2), autograd.zeros(1)])
tensor([1., 1., 0.])
>>> nn.utils.rnn.pad_sequence([autograd.tensor([1, 2]), autograd.tensor([3])]).shape
(2, 2)
"""

from . import parametrizations, parametrize, rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector",
    "vector_to_parameters", "rnn", "parametrize", "parametrizations", "weight_norm",
    "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
]  # fmt: skip
