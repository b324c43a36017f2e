"""numbagrad's engine: tensors on NumPy that record a graph, and reverse-mode differentiation.

Examples
--------
>>> import autograd
>>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.])
"""

from . import ops
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
from .grad_mode import inference_mode, is_inference_mode_enabled
from .ops import *  # noqa: F403
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .random import get_rng_state, set_rng_state
from .tensor import Tensor
from . import accelerator, backends, cuda, linalg, special
from ._compat_methods import is_tensor, numel
from .device import device
from .dtype_info import finfo, get_default_dtype, iinfo, set_default_dtype
from ._printing import set_printoptions
from .serialization import load, save
from .size import Size
from .tensor_types import *  # noqa: F403
from .variable import Variable


bool = bool_  # noqa: A001 - PyTorch's name for the dtype
float = float32  # noqa: A001
int = int32  # noqa: A001

from . import _malloc  # noqa: E402
from ._compile import compile  # noqa: A004, E402 - PyTorch's name
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from .kernels._jit import get_num_threads, set_num_threads  # noqa: E402
from .kernels._jit import load_numba_in_background as _load_numba  # noqa: E402

__version__ = "0.1.0"
__numbagrad__ = True  # tells nn and optim this is numbagrad's engine, not HIPS autograd


def _warn_if_shadowing() -> None:
    """Warn when another package named ``autograd`` (HIPS autograd) sits later on sys.path."""
    import os
    import sys
    import warnings

    ours = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        other = os.path.join(entry or os.getcwd(), "autograd")
        if os.path.isfile(os.path.join(other, "__init__.py")) and os.path.abspath(other) != ours:
            if os.path.isfile(os.path.join(other, "engine.py")) and os.path.isfile(
                os.path.join(other, "tensor.py")
            ):
                continue  # another checkout of numbagrad itself
            warnings.warn(
                f"numbagrad's `autograd` ({ours}) shadows another package named autograd at "
                f"{other} (most likely HIPS autograd): code expecting that package gets "
                "numbagrad's engine. Install numbagrad in its own virtual environment.",
                stacklevel=2,
            )
            return


_warn_if_shadowing()
_malloc.tune()
_load_numba()  # Numba's code generator, while the program goes on


def __getattr__(name: str) -> object:
    """PyTorch's attribute paths, loaded on first use so ``import autograd`` stays light.

    ``autograd.nn``, ``autograd.optim``, ``autograd.utils`` (``checkpoint``, ``hooks``, and
    ``data``: ``nn.data``), ``autograd.distributions`` and
    ``autograd.autograd`` (``grad``, ``Function``, ``Variable``, ...): after
    ``import autograd as torch``, ``torch.nn.Linear`` and ``torch.optim.SGD`` work.
    """
    import importlib

    if name in ("nn", "optim"):
        module = importlib.import_module(name)
    elif name == "autograd":
        module = importlib.import_module(".autograd", __name__)
    elif name in ("utils", "distributions"):
        module = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = module
    return module
