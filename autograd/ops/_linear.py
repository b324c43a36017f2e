"""Linear ops of one Tensor, declared by two array functions: the map and its adjoint.

For a linear op ``y = A x`` (average pooling, nearest resizing) the backward rule is the adjoint
``A^T g``, and the adjoint's own backward is ``A`` again, so the pair of array functions gives
every order of derivative: under ``create_graph`` each direction is recorded as a node whose
backward is the other. Forward mode applies ``A`` to the tangent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, linear_jvp


class LinearOp(Function):
    """Base of a linear op ``x -> A x``, with ``A`` fixed by ``params`` (a keyword of ``apply``).

    A subclass sets ``array_map(x, params)`` (``A x`` on arrays) and ``array_adjoint(g, params,
    x_shape)`` (``A^T g``); its ``adjoint``, the :class:`LinearAdjoint` that records ``A^T``, is
    derived here, its node named as PyTorch names a backward's backward
    (``AvgPool2DBackward0`` -> ``AvgPool2DBackwardBackward0``).
    """

    adjoint: type[LinearAdjoint]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        node = cls.__dict__.get("node_name") or f"{cls.__name__}Backward0"
        name = f"{cls.__name__}Adjoint"
        cls.adjoint = type(name, (LinearAdjoint,), {
            "op": cls, "node_name": node.removesuffix("0") + "Backward0",
            "__module__": cls.__module__, "__qualname__": name,
            "__doc__": f"The adjoint of :class:`{cls.__name__}`, recorded under create_graph.",
        })  # fmt: skip

    @staticmethod
    def forward(ctx, x, params):
        ctx.params, ctx.x_shape = params, x.shape
        return ctx._fn.array_map(x, params)

    @staticmethod
    def backward(ctx, g):
        op = ctx._fn
        if type(g) is np.ndarray:
            return op.array_adjoint(g, ctx.params, ctx.x_shape)
        return op.adjoint.apply(g, params=ctx.params, x_shape=ctx.x_shape)

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


class LinearAdjoint(Function):
    """Base of the node that applies ``A^T`` of the :class:`LinearOp` ``op`` under
    ``create_graph``; its backward is ``op`` again."""

    op: type[LinearOp]

    @staticmethod
    def forward(ctx, g, params, x_shape):
        ctx.params = params
        return ctx._fn.op.array_adjoint(g, params, x_shape)

    @staticmethod
    def backward(ctx, h):
        op = ctx._fn.op
        if type(h) is np.ndarray:
            return op.array_map(h, ctx.params)
        return op.apply(h, params=ctx.params)

    jvp = staticmethod(linear_jvp)  # linear: the adjoint applied to the tangent
