"""``exp`` for the kernels' loops: vectorizable in float32, the C library's in float64.

Why
---
A kernel loop that calls ``math.exp`` calls the C library once per value: LLVM cannot vectorize
the loop, and a float32 value costs about 4 ns. NumPy's own float32 ``exp`` runs on vectors, so
the one-pass kernels that need it (sigmoid, softmax, cross-entropy) lost to NumPy's several
passes beyond a few thousand values and were capped there. :func:`exp` below is plain float32
arithmetic with no call and no branch, so a loop calling it vectorizes: 512 sigmoids in 0.7 us
instead of 1.8, 32 768 in 29 us instead of 102.

How
---
Cody and Waite's reduction, then a polynomial: ``n = round(x / ln 2)`` and
``r = x - n ln 2`` (``|r| <= ln 2 / 2``), with ``ln 2`` split in two parts (the first has few
enough bits that ``n`` times it is exact), then ``exp(x) = 2**n exp(r)``. ``exp(r)`` is its
Taylor polynomial of degree 7 (truncation error below ``6e-9`` relative, a tenth of float32's
resolution) in Horner's form, and ``2**n`` is the product of two powers of two built from
their exponent bits, ``2**(n // 2)`` and ``2**(n - n // 2)``: each is a normal float32 for any
``n`` of the clamped range, and the result is rounded once, by the last product, subnormal or
not. Arguments are clamped to ``[-104, 88.75]``: below, float32's ``exp`` is 0; above,
``+inf`` (the upper clamp lands past float32's largest value, so the product overflows to
``inf``). NaN gives NaN. Over ``[-104, 88]`` the result is within 2 ulp of the exact value,
as the C library's is within 1; the kernels' sigmoid and softmax measured the same worst case
(2.7 ulp against float64 arithmetic) with either.

The kernels whose loops compute it are compiled with ``fastmath={"contract"}``: its reduction
and Horner steps then run as fused multiply-adds, each rounded once, which the loops run a
quarter to a third faster (131 072 float32 values, one thread: sigmoid 106 -> 74 us, SiLU
99 -> 78, softmax 149 -> 124, GELU 340 -> 246) and no less accurately. A loop compiled without
it (this module's tests) computes what the Python function computes, bit for bit.

float64 values keep ``math.exp``: a polynomial to float64's precision is twice as long, and
float64 kernels are not where the time goes.

Under ``NUMBA_DISABLE_JIT`` the kernels run as Python and call the Python function, which
computes the same float32 arithmetic on NumPy scalars.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import types
from numba.extending import intrinsic, overload

__all__ = ["exp", "sigmoid32", "tanh32"]

_F32 = np.float32
_LOG2E = _F32(1.4426950408889634)
_LN2_HI = _F32(0.693359375)  # ln 2 to 9 bits: n * _LN2_HI is exact for |n| < 2**15
_LN2_LO = _F32(-2.12194440e-4)  # ln 2 - _LN2_HI
_ROUND = _F32(12582912.0)  # 1.5 * 2**23: adding then subtracting rounds to an integer
_LOWEST = _F32(-104.0)  # exp below is under half the smallest subnormal: 0
_HIGHEST = _F32(88.75)  # exp above is beyond float32's largest value: inf
# Taylor coefficients 1/k!, k = 7 .. 2 (k = 1 and 0 are exactly 1).
_C7, _C6, _C5 = _F32(1 / 5040), _F32(1 / 720), _F32(1 / 120)
_C4, _C3, _C2 = _F32(1 / 24), _F32(1 / 6), _F32(0.5)
_ONE = _F32(1.0)


@intrinsic
def _bitcast_int32_to_float32(typingctx: Any, bits: Any) -> Any:
    if bits != types.int32:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.float32))

    return types.float32(types.int32), codegen


def _power_of_two(n: Any) -> Any:
    """``2.0**n`` in float32 for an integer ``n`` in [-126, 127], from its exponent bits."""
    return np.array([(int(n) + 127) << 23], np.int32).view(np.float32)[0]


@overload(_power_of_two, inline="always")
def _power_of_two_overload(n: Any) -> Any:
    def power_of_two(n: Any) -> Any:
        return _bitcast_int32_to_float32(np.int32((n + 127) << 23))

    return power_of_two


def _exp_float32(x: Any) -> Any:
    # The float32 algorithm of the module docstring, on a float32 (compiled) or a NumPy float32.
    a = x if x > _LOWEST else _LOWEST  # NaN > _LOWEST is False: NaN is restored at the end
    a = a if a < _HIGHEST else _HIGHEST
    n = (a * _LOG2E + _ROUND) - _ROUND
    r = (a - n * _LN2_HI) - n * _LN2_LO
    p = _C7
    p = p * r + _C6
    p = p * r + _C5
    p = p * r + _C4
    p = p * r + _C3
    p = p * r + _C2
    p = p * r + _ONE
    p = p * r + _ONE
    k = np.int32(n)  # an int32 conversion vectorizes; one to int64 cost a fifth of the time
    half = k >> 1
    e = (p * _power_of_two(half)) * _power_of_two(k - half)
    return e if x == x else x


def exp(x: Any) -> Any:
    """``e**x`` of one float (a kernel loop's value): the algorithm of the module docstring for
    float32, ``math.exp`` for float64.

    Examples
    --------
    >>> float(exp(np.float32(0.0))), float(exp(np.float32(-200.0))), float(exp(1.0))
    (1.0, 0.0, 2.718281828459045)
    >>> float(exp(np.float32(100.0)))
    inf
    """
    if isinstance(x, np.float32):
        with np.errstate(over="ignore"):
            return _exp_float32(x)
    return math.exp(x)


@overload(exp, inline="always")
def _exp_overload(x: Any) -> Any:
    if x == types.float32:
        return _exp_float32
    if isinstance(x, types.Float):

        def libm_exp(x: Any) -> Any:
            return math.exp(x)

        return libm_exp
    return None


# --------------------------------------------------------------------------------------------
# Functions built on exp for float32 kernel loops: the caller passes the exp (see tanh32).

# tanh's Taylor coefficients (x, x**3, ..., x**13), for |x| below _TANH_SERIES_BELOW, where
# the series' first omitted term is under 3e-11 (a thousandth of float32's resolution there).
_T1, _T3, _T5 = np.float32(1.0), np.float32(-1 / 3), np.float32(2 / 15)
_T7, _T9, _T11 = np.float32(-17 / 315), np.float32(62 / 2835), np.float32(-1382 / 155925)
_T13 = np.float32(21844 / 6081075)
_TANH_SERIES_BELOW = np.float32(0.3)


def tanh32(v: Any, t: Any) -> Any:
    """tanh of one float32 ``v``, given ``t = exp(-2|v|)``, without a call (so that a kernel
    loop of it vectorizes): the series near 0, where ``1 - t`` would cancel, else
    ``(1 - t) / (1 + t)`` with ``v``'s sign; within 2.1 ulp (the caller computes ``t`` in the
    loop itself: Numba inlines that ``exp`` there, not inside another inlined function).

    Examples
    --------
    >>> v = np.float32(0.75)
    >>> float(tanh32(v, exp(np.float32(-1.5)))) == float(np.float32(np.tanh(0.75)))
    True
    """
    a = abs(v)
    s = v * v
    p = _T13
    p = p * s + _T11
    p = p * s + _T9
    p = p * s + _T7
    p = p * s + _T5
    p = p * s + _T3
    p = p * s + _T1
    series = v * p
    r = (_ONE - t) / (_ONE + t)
    far = r if v >= 0 else -r
    return series if a < _TANH_SERIES_BELOW else (far if v == v else v)


def sigmoid32(v: Any, e: Any) -> Any:
    """The logistic function of one float32 ``v`` given ``e = exp(-|v|)``, as
    :mod:`autograd.kernels.logistic` computes it.

    Examples
    --------
    >>> float(sigmoid32(np.float32(0.0), np.float32(1.0)))
    0.5
    """
    r = _ONE / (_ONE + e)
    return r if v >= 0 else e * r


@overload(tanh32, inline="always")
def _tanh32_overload(v: Any, t: Any) -> Any:
    return tanh32


@overload(sigmoid32, inline="always")
def _sigmoid32_overload(v: Any, e: Any) -> Any:
    return sigmoid32
