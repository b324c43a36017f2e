"""Functions with known-right and known-wrong derivatives, shared by the tests.

The factories (``double``, ``power``, ``cube``) write a Function once against a module,
``autograd`` or ``torch``, so a test can run the same Function in both and compare.
"""

from __future__ import annotations

import numpy as np

import autograd


def t64(values, requires_grad=True):
    return autograd.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def double(lib):
    """``2 * x`` as a Function of ``lib``."""

    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Double


def power(lib, n: int):
    """``x ** n`` as a Function of ``lib``, its derivative ``n x ** (n - 1)`` written by hand;
    subclass it to name it."""

    class Power(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**n

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return n * x ** (n - 1) * g

    return Power


def cube(lib):
    """``x ** 3`` as a Function of ``lib`` named ``Cube``."""

    class Cube(power(lib, 3)):
        pass

    return Cube


# Tests subclass Double to give it a wrong, failing or noisy backward rule.
Double = double(autograd)


class Square(power(autograd, 2)):
    """``x * x``."""


Cube = cube(autograd)


class HalfSquare(Square):
    """Backward off by a factor of two."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return x * g


class FwdSquare(Square):
    """x * x with a backward and a forward-mode rule; ``wrong`` makes the forward-mode rule off
    by a factor of two."""

    wrong = False

    @classmethod
    def jvp(cls, ctx, u):
        (x,) = ctx.saved_tensors
        return (1 if cls.wrong else 2) * x * u


class Mul(autograd.Function):
    """a * b, with no forward-mode rule."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class FwdMul(Mul):
    """a * b; ``wrong`` makes the forward-mode rule of ``b`` off by a factor of two."""

    wrong = False

    @classmethod
    def jvp(cls, ctx, ua, ub):
        a, b = ctx.saved_tensors
        return ua * b + a * ub * (2 if cls.wrong else 1)


class SecondWrong(FwdMul):
    """Mul whose gradient for the second input is wrong in one place only."""

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = g * a
        bump = np.zeros(np.shape(gb))
        bump.reshape(-1)[-1] = 1.0
        return g * b, gb + bump


class FwdMulWrong(FwdMul):
    wrong = True


class WrongJvpSquare(FwdSquare):
    wrong = True


class HalfSquareRightJvp(FwdSquare):
    backward = HalfSquare.backward


class CubeWrongGrad(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x
