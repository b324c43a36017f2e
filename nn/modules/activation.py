"""``torch.nn.modules.activation``: the activation layers and MultiheadAttention.

Examples
--------
>>> import autograd
>>> from nn.modules.activation import ReLU
>>> ReLU()(autograd.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""

from ..layers.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from ..layers.attention import MultiheadAttention

__all__ = [
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softplus", "Softsign",
    "Softmax", "LogSoftmax", "Softmin", "Threshold", "LogSigmoid", "Tanhshrink", "GLU",
    "MultiheadAttention",
]  # fmt: skip
