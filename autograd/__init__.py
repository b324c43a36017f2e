"""numbagrad's engine: tensors on NumPy that record a graph, and reverse-mode differentiation.

Examples
--------
>>> import autograd
>>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.])
"""

from . import _methods, ops
from .creation import *  # noqa: F403
from .dtypes import (  # noqa: F401
    bool_,
    can_cast,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    uint8,
)
from .engine import backward, grad
from .function import Context, Function
from .grad_mode import (
    detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad, set_grad_enabled,
)  # fmt: skip
from .ops import *  # noqa: F403
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .tensor import Tensor

_methods.ops = ops

bool = bool_  # noqa: A001 - PyTorch's name for the dtype
float = float32  # noqa: A001
int = int32  # noqa: A001

from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from .kernels._jit import get_num_threads, set_num_threads  # noqa: E402

__version__ = "0.1.0"
