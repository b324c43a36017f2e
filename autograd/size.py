"""``Size``: the tuple of dimension sizes that ``Tensor.size()`` returns, as ``torch.Size``."""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any, SupportsIndex

__all__ = ["Size"]


class Size(tuple):
    """A tuple of ints describing a shape, with ``numel()``; what ``Tensor.size()`` returns.

    It compares, hashes and indexes like the plain tuple (``Size([2, 3]) == (2, 3)``); slicing
    and concatenation keep the type. ``Tensor.shape`` stays a plain tuple (the faster path for
    code that reads shapes in a loop).

    Parameters
    ----------
    sizes : iterable of int, optional
        The dimension sizes (ints, or anything with ``__index__`` such as a 0-d integer tensor).

    Examples
    --------
    >>> import autograd
    >>> s = autograd.zeros(2, 3).size()
    >>> s, s.numel(), s == (2, 3)
    (autograd.Size([2, 3]), 6, True)
    >>> s[1:] + (4,)
    autograd.Size([3, 4])
    """

    __slots__ = ()

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        try:
            items = list(sizes)
        except TypeError:
            raise TypeError(
                f"Size: expected an iterable of ints, got {type(sizes).__name__}"
            ) from None
        for i, s in enumerate(items):
            if type(s) is int:
                continue
            try:
                items[i] = operator.index(s)
            except TypeError:
                raise TypeError(
                    f"Size: expected an iterable of ints, but item {i} is {type(s).__name__} "
                    f"({s!r})"
                ) from None
        return super().__new__(cls, items)

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``).

        Examples
        --------
        >>> import autograd
        >>> autograd.Size([2, 3, 4]).numel()
        24
        """
        return math.prod(self)

    def __repr__(self) -> str:
        return f"autograd.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key: Any) -> Any:
        item = super().__getitem__(key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n: SupportsIndex) -> Any:
        if not hasattr(n, "__index__"):
            return NotImplemented
        return Size(tuple(self) * operator.index(n))

    __rmul__ = __mul__

    def __reduce__(self) -> tuple:
        return (Size, (tuple(self),))
