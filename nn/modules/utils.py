"""``torch.nn.modules.utils``: the argument helpers custom layers import (``_single``,
``_pair``, ``_triple``, ``_quadruple``, ``_ntuple``).

Examples
--------
>>> from nn.modules.utils import _pair, _triple
>>> _pair(3), _triple((1, 2, 3))
((3, 3), (1, 2, 3))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__: list[str] = []


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple]:
    """A function turning a scalar into an ``n``-tuple of it; an iterable becomes a tuple as is.

    Examples
    --------
    >>> _ntuple(2)(5), _ntuple(2)([1, 2])
    ((5, 5), (1, 2))
    """

    def parse(x: Any) -> tuple:
        if isinstance(x, Iterable):  # strings too, as in PyTorch
            return tuple(x)
        return (x,) * n

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")
