"""default_collate and default_convert: samples to batches, NumPy values to tensors."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["default_collate", "default_convert"]

_NOT_NUMERIC = "SaUO"  # NumPy dtype kinds that cannot become a tensor


def _is_numpy(value: Any) -> bool:
    return isinstance(value, (np.ndarray, np.generic)) and not isinstance(
        value, (np.str_, np.bytes_)
    )


def _rebuild_mapping(elem: Mapping, values: dict) -> Mapping:
    # Keep the mapping's own type (OrderedDict, defaultdict, ...) when it can be rebuilt.
    try:
        if isinstance(elem, MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _rebuild_sequence(elem: Sequence, values: list) -> Any:
    # Tuples become lists (as PyTorch); other sequences keep their type when it can be rebuilt.
    if isinstance(elem, tuple):
        return values
    try:
        if isinstance(elem, MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _map_structure(fn: Callable[[Any], Any], data: Any) -> Any:
    if isinstance(data, Mapping):
        return _rebuild_mapping(data, {key: fn(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(fn(d) for d in data))
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [fn(d) for d in data])
    return data


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars into tensors, inside mappings and sequences too.

    What a :class:`DataLoader` without automatic batching (``batch_size=None``) applies to each
    sample, as PyTorch's ``default_convert``: tensors and Python values are kept, tuples come
    back as lists, arrays of strings or objects are left alone.

    Examples
    --------
    >>> import numpy as np, nn
    >>> nn.data.default_convert((np.array([1, 2]), 3, "s"))
    [tensor([1, 2]), 3, 's']
    """
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if isinstance(data, np.ndarray) and data.dtype.kind in _NOT_NUMERIC:
            return data
        return autograd.from_numpy(np.asarray(data))
    return _map_structure(default_convert, data)


def _stack(tensors: list[Tensor]) -> Tensor:
    if any(t.requires_grad for t in tensors):
        return autograd.stack(tensors)
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(
            f"default_collate: stack expects each tensor to be equal size, got shapes "
            f"{sorted(shapes)}"
        )
    return autograd.from_numpy(np.stack([t.numpy() for t in tensors]))


def _type_error(found: object) -> TypeError:
    return TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {found}"
    )


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors and NumPy arrays are stacked along a new first dim; Python ints become an int64
    tensor, floats a float64 tensor, bools a bool tensor; strings are left as they are; mappings
    and sequences are collated field by field, keeping their type (tuples come back as lists,
    like PyTorch).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.data.default_collate([(autograd.zeros(2), 1), (autograd.ones(2), 0)])
    [tensor([[0., 0.],
            [1., 1.]]), tensor([1, 0])]
    >>> nn.data.default_collate([0.5, 1.5]).dtype
    dtype('float64')
    >>> nn.data.default_collate([{"x": 1}, {"x": 2}])
    {'x': tensor([1, 2])}
    """
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(list(batch))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in _NOT_NUMERIC:
            raise _type_error(f"an array of dtype {elem.dtype}")
        return _stack([autograd.from_numpy(np.asarray(b)) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return autograd.from_numpy(np.array(batch))
    if isinstance(elem, float):
        return autograd.tensor(list(batch), dtype=autograd.float64)
    if isinstance(elem, int):  # bool included: a bool tensor
        return autograd.tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _rebuild_mapping(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError(
                "default_collate: each element in list of batch should be of equal size"
            )
        return _rebuild_sequence(elem, [default_collate(list(s)) for s in zip(*batch)])
    raise _type_error(type(elem).__name__)
