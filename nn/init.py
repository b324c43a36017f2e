"""Weight initialization, in place and without recording a graph (PyTorch's ``nn.init``).

Every draw comes from ``autograd.default_generator`` (seed it with ``autograd.manual_seed``) or
from the ``generator`` argument.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd
from autograd import Generator, Tensor
from autograd.extend import generator_or_default

__all__ = [
    "calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
    "trunc_normal_",
]  # fmt: skip

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid", "identity")  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (scales the init std).

    ``linear``/conv/``sigmoid``: 1, ``tanh``: 5/3, ``relu``: sqrt(2),
    ``leaky_relu``: sqrt(2 / (1 + slope**2)) with slope ``param`` (default 0.01), ``selu``: 3/4.

    Examples
    --------
    >>> import nn
    >>> round(nn.init.calculate_gain("relu"), 4)
    1.4142
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{list(_LINEAR) + ['tanh', 'relu', 'leaky_relu', 'selu']}"
    )


def _check(tensor: Any, fn: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(tensor).__name__}")


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write ``values`` (an array or number, cast to tensor's dtype) into ``tensor``."""
    with autograd.no_grad():
        tensor.copy_(autograd.from_numpy(np.asarray(values, dtype=tensor.dtype)))
    return tensor


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)``: dim 1 and dim 0 sizes times the receptive field (dims 2+)."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, "
            f"got shape {tuple(tensor.shape)}"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported; expected 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _xavier_std(tensor: Tensor, gain: float) -> float:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def _empty_noop(tensor: Tensor) -> bool:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with U(a, b).

    Examples
    --------
    >>> import autograd, nn
    >>> w = nn.init.uniform_(autograd.empty(3, 5), -0.1, 0.1)
    >>> bool((w.abs() <= 0.1).all())
    True
    """
    _check(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    rng = generator_or_default(generator, "uniform_")
    return _fill(tensor, rng.uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill with N(mean, std**2).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.init.normal_(autograd.empty(2, 3), std=0.02).shape
    (2, 3)
    """
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    rng = generator_or_default(generator, "normal_")
    return _fill(tensor, rng.normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """Fill with N(mean, std**2) truncated to [a, b] (``a``, ``b`` are absolute bounds).

    Drawn by inverse-CDF sampling, as PyTorch: uniform values between the CDFs of ``a`` and
    ``b`` mapped through the normal's inverse CDF.

    Examples
    --------
    >>> import autograd, nn
    >>> w = nn.init.trunc_normal_(autograd.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> bool((w.abs() <= 0.5).all())
    True
    """
    _check(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    if std <= 0:
        raise ValueError(f"trunc_normal_: std must be > 0, got {std}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "trunc_normal_: mean is more than 2 std from [a, b]; the distribution of values "
            "may be incorrect",
            stacklevel=2,
        )

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
    rng = generator_or_default(generator, "trunc_normal_")
    u = rng.uniform(2 * lo - 1, 2 * hi - 1, tensor.shape)
    x = _erfinv(u) * (std * math.sqrt(2.0)) + mean
    return _fill(tensor, np.clip(x, a, b))


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse error function: Giles' (2010) single-precision approximation polished by Newton
    steps on ``autograd.erf`` (NumPy has no erfinv)."""
    y = np.clip(y, -1 + 1e-16, 1 - 1e-16)
    w = -np.log((1.0 - y) * (1.0 + y))
    central = w < 5.0
    wc = w - 2.5
    pc = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):  # fmt: skip
        pc = c + pc * wc
    wt = np.sqrt(np.maximum(w, 5.0)) - 3.0
    pt = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):  # fmt: skip
        pt = c + pt * wt
    x = np.where(central, pc, pt) * y
    for _ in range(2):
        err = autograd.erf(autograd.from_numpy(x)).numpy() - y
        x = x - err / (2.0 / math.sqrt(math.pi) * np.exp(-x * x))
    return x


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.init.constant_(autograd.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    _check(tensor, "constant_")
    with autograd.no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.init.zeros_(autograd.ones(3))
    tensor([0., 0., 0.])
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.init.ones_(autograd.zeros(2))
    tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (ones on the main diagonal).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.init.eye_(autograd.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3/4/5-D conv weight so the convolution is the identity (per group).

    Examples
    --------
    >>> import autograd, nn
    >>> w = nn.init.dirac_(autograd.empty(2, 2, 3))
    >>> w.numpy()[:, :, 1].tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    _check(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only 3, 4 or 5-D tensors are supported, got {tensor.ndim}-D")
    out_per_group, rem = divmod(tensor.shape[0], groups)
    if rem:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups={groups}")
    arr = np.zeros(tensor.shape)
    centre = tuple(s // 2 for s in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, tensor.shape[1])):
            arr[(g * out_per_group + d, d, *centre)] = 1
    return _fill(tensor, arr)


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).

    Examples
    --------
    >>> import autograd, nn
    >>> w = nn.init.xavier_uniform_(autograd.empty(30, 20))
    >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
    True
    """
    _check(tensor, "xavier_uniform_")
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain)
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Examples
    --------
    >>> import autograd, nn
    >>> w = nn.init.xavier_normal_(autograd.empty(200, 300), generator=autograd.Generator(0))
    >>> round(w.std().item(), 2)  # sqrt(2 / 500) = 0.063
    0.06
    """
    _check(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, _xavier_std(tensor, gain), generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain from ``calculate_gain``.

    ``a`` is the leaky-ReLU slope; ``mode`` picks ``fan_in`` (preserve forward variance) or
    ``fan_out`` (backward). ``nn.Linear`` uses ``a=sqrt(5)``.

    Examples
    --------
    >>> import math, autograd, nn
    >>> w = nn.init.kaiming_uniform_(autograd.empty(4, 9), a=math.sqrt(5))
    >>> bool((w.abs() <= 1 / 3).all())
    True
    """
    _check(tensor, "kaiming_uniform_")
    if _empty_noop(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan).

    Examples
    --------
    >>> import autograd, nn
    >>> w = autograd.empty(300, 200)
    >>> _ = nn.init.kaiming_normal_(w, nonlinearity="relu", generator=autograd.Generator(0))
    >>> round(w.std().item(), 1)  # sqrt(2 / 200) = 0.1
    0.1
    """
    _check(tensor, "kaiming_normal_")
    if _empty_noop(tensor):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (dims 1+ flattened), scaled by ``gain``.

    Examples
    --------
    >>> import numpy as np, autograd, nn
    >>> q = nn.init.orthogonal_(autograd.empty(3, 5)).numpy()
    >>> bool(np.allclose(q @ q.T, np.eye(3), atol=1e-5))
    True
    """
    _check(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape "
            f"{tuple(tensor.shape)}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = generator_or_default(generator, "orthogonal_").normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Fix the signs so the result is uniformly distributed (Mezzadri, 2007).
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))
