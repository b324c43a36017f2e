"""Functions with known-right and known-wrong derivatives, shared by the gradcheck tests."""

from __future__ import annotations

import numpy as np

import autograd


def t64(values, requires_grad=True):
    return autograd.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


class Double(autograd.Function):
    """``2 * x``; tests subclass it to give it a wrong, failing or noisy backward rule."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


class Square(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class HalfSquare(Square):
    """Backward off by a factor of two."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return x * g


class FwdSquare(Square):
    """x * x with a backward and a forward-mode rule."""

    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.saved_tensors
        return 2 * x * u


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
    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.saved_tensors
        return x * u


class HalfSquareRightJvp(FwdSquare):
    backward = HalfSquare.backward


class Cube(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class CubeWrongGrad(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x
