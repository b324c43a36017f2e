"""Hypothesis strategies and op-checking helpers, for numbagrad's tests and for users' own.

Importing this module imports Hypothesis; nothing else in the library does.

Strategies draw shapes (0-d and size-1 dimensions included), arrays whose values hit the
non-differentiable points you name (``kinks``), tie masks and dims. :func:`check_op` checks an op
against a NumPy reference and its gradients with :func:`autograd.gradcheck` and
:func:`autograd.gradgradcheck` (and in forward mode, when its ops have forward-mode rules);
:func:`op_test` turns that into a Hypothesis test in one decorator. :func:`check_module` gradchecks
a Module with respect to its inputs and parameters over drawn input shapes.

Finite differences are meaningless at kinks and ties, so gradient checks draw their inputs inside
:func:`avoiding_kinks`: values then keep a distance from every kink and from each other, and tie
masks are empty. Kinks and ties are still worth drawing for forward checks and for comparisons
with another implementation, which follow a convention there (relu'(0) = 0, ...).

Examples
--------
A user property-tests a custom Function: forward against NumPy, backward against finite
differences, and the gradient of the backward too.

>>> import numpy as np
>>> import autograd
>>> from autograd import testing
>>> class Softsign(autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x / (1 + np.abs(x))
...     @staticmethod
...     def backward(ctx, g):
...         (x,) = ctx.saved_tensors
...         d = 1 + np.abs(x)
...         return g / (d * d)
>>> @testing.op_test(lambda x: x / (1 + np.abs(x)),
...                  testing.arrays(testing.shapes(), kinks=(0.0,)), max_examples=10)
... def test_softsign(x):
...     return Softsign.apply(x)
>>> test_softsign()

The same with Hypothesis directly:

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(testing.tensors(dtype=autograd.float64, requires_grad=True))
... def test_square(x):
...     assert autograd.gradcheck(lambda t: t * t, (x,))
>>> test_square()
"""

from ._testing_checks import (  # noqa: F401 - _copies and check_forward serve the registry tests
    OpCall,
    _copies,
    check_forward,
    check_op,
    op_test,
    ops_without_forward_rule,
)
from ._testing_modules import check_module
from ._testing_strategies import (
    KINK_MARGIN,
    arrays,
    avoiding_kinks,
    broadcastable_shapes,
    dims,
    shapes,
    tensors,
    tie_mask,
)

__all__ = [
    "shapes", "broadcastable_shapes", "arrays", "tie_mask", "tensors", "dims", "avoiding_kinks",
    "KINK_MARGIN", "OpCall", "check_op", "op_test", "check_module", "ops_without_forward_rule",
]  # fmt: skip
