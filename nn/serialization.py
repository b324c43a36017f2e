"""Checkpoints in the safetensors format: no pickle, so loading a file never runs code.

Layout (https://github.com/huggingface/safetensors): 8 bytes little-endian header length ``n``,
``n`` bytes of JSON header ``{name: {"dtype", "shape", "data_offsets": [begin, end]}, ...,
"__metadata__": {str: str}}``, then the raw little-endian tensor bytes. Files written here are
read by the ``safetensors`` package (and PyTorch's ``safetensors.torch``) and the other way round.

Nested state (an optimizer's ``{"state": {0: {"exp_avg": t}}, "param_groups": [...]}``) is
flattened: each tensor is stored under its dotted path (``"state.0.exp_avg"``) and the structure
with every non-tensor value goes, as JSON, into the metadata entry ``"numbagrad.tree"``.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["save", "load"]

MAX_HEADER_BYTES = 100 * 1024 * 1024
_TREE_KEY = "numbagrad.tree"

_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}  # fmt: skip
_CODES = {dt.newbyteorder("="): code for code, dt in _DTYPES.items()}


# ------------------------------------------------------------------------------------- saving
def _flatten(obj: Any, path: list[str], tensors: dict[str, np.ndarray]) -> Any:
    """Move every tensor of ``obj`` into ``tensors`` and return the JSON-able skeleton."""
    if isinstance(obj, Tensor):
        name = ".".join(path)
        if name in tensors:
            raise ValueError(
                f"save: two tensors would be stored under the same name {name!r} (keys that "
                "contain '.' collide with nested keys)"
            )
        tensors[name] = obj.numpy(force=True)
        return {"__tensor__": name}
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
        return _flatten(autograd.from_numpy(obj), path, tensors)
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(
                    f"save: mapping keys must be str or int, got {type(k).__name__} at "
                    f"{'.'.join(path) or '<root>'}"
                )
            items.append([k, _flatten(v, [*path, str(k)], tensors)])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        kind = "__list__" if isinstance(obj, list) else "__tuple__"
        return {kind: [_flatten(v, [*path, str(i)], tensors) for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, np.generic):
        return _flatten(obj.item(), path, tensors)
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {'.'.join(path) or '<root>'}; only "
        "tensors, numbers, strings, None, and dicts/lists/tuples of them are supported (no pickle)"
    )


def save(obj: Mapping[str, Any], path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write a state dict (of a model, an optimizer, or a dict of them) to a safetensors file.

    Parameters
    ----------
    obj : Mapping
        Keys are strings (ints allowed in nested dicts); values are tensors, numbers, strings,
        None, or nested dicts/lists/tuples of them.
    path : str or PathLike
    metadata : dict of str to str, optional
        Extra entries for the file's ``__metadata__``.

    Examples
    --------
    >>> import os, tempfile, autograd, nn
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> nn.save({"w": autograd.ones(2), "step": 3}, path)
    >>> nn.load(path)
    {'w': tensor([1., 1.]), 'step': 3}
    """
    if not isinstance(obj, Mapping):
        hint = "; save module.state_dict() instead" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: expected a Mapping (a state dict), got {type(obj).__name__}{hint}")
    tensors: dict[str, np.ndarray] = {}
    tree = _flatten(obj, [], tensors)
    meta = {"format": "pt"}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("save: metadata must map str to str")
            meta[k] = v
    flat_tensors = all(
        isinstance(v, Tensor) or (isinstance(v, np.ndarray) and v.dtype.kind in "biuf")
        for v in obj.values()
    ) and all(isinstance(k, str) for k in obj)
    if not flat_tensors or list(tensors) != list(obj):
        meta[_TREE_KEY] = json.dumps(tree, separators=(",", ":"))
    _write(tensors, meta, path)


def _write(tensors: dict[str, np.ndarray], meta: dict[str, str], path: Any) -> None:
    header: dict[str, Any] = {"__metadata__": meta}
    arrays = []
    offset = 0
    for name, arr in tensors.items():
        code = _CODES.get(arr.dtype.newbyteorder("="))
        if code is None:
            raise TypeError(f"save: tensor {name!r} has unsupported dtype {arr.dtype}")
        shape = list(arr.shape)  # before ascontiguousarray, which turns 0-d into 1-d
        arr = np.ascontiguousarray(arr.astype(_DTYPES[code], copy=False))
        header[name] = {"dtype": code, "shape": shape,
                        "data_offsets": [offset, offset + arr.nbytes]}  # fmt: skip
        offset += arr.nbytes
        arrays.append(arr)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the data section starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for arr in arrays:
            f.write(memoryview(arr.reshape(-1).view(np.uint8)))


# ------------------------------------------------------------------------------------ loading
def _bad(path: Any, why: str) -> ValueError:
    return ValueError(f"load: {os.fspath(path)!s} is not a valid safetensors file: {why}")


def _read_header(f: Any, path: Any, size: int) -> tuple[dict, int]:
    if size < 8:
        raise _bad(path, f"file is {size} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > MAX_HEADER_BYTES:
        raise _bad(path, f"header length {n} exceeds the {MAX_HEADER_BYTES}-byte limit")
    if n > size - 8:
        raise _bad(
            path, f"header length {n} is larger than the rest of the file ({size - 8} bytes)"
        )
    raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(path, f"header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise _bad(path, f"header must be a JSON object, got {type(header).__name__}")
    return header, 8 + n


def _check_entries(
    header: dict, data_size: int, path: Any
) -> list[tuple[str, np.dtype, tuple, int, int]]:
    entries = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict):
            raise _bad(path, f"entry {name!r} must be an object")
        code, shape, offs = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if code not in _DTYPES:
            raise _bad(path, f"tensor {name!r} has unsupported dtype {code!r}")
        if not isinstance(shape, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
        ):
            raise _bad(path, f"tensor {name!r} has an invalid shape {shape!r}")
        if (
            not isinstance(offs, list) or len(offs) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offs)
        ):  # fmt: skip
            raise _bad(path, f"tensor {name!r} has invalid data_offsets {offs!r}")
        begin, end = offs
        if not 0 <= begin <= end <= data_size:
            raise _bad(
                path,
                f"tensor {name!r} data_offsets [{begin}, {end}] are outside the data section of "
                f"{data_size} bytes (truncated file?)",
            )
        dt = _DTYPES[code]
        if end - begin != dt.itemsize * math.prod(shape):
            raise _bad(
                path,
                f"tensor {name!r}: data_offsets span {end - begin} bytes but dtype {code} and "
                f"shape {shape} need {dt.itemsize * math.prod(shape)}",
            )
        entries.append((name, dt, tuple(shape), begin, end))
    spans = sorted((b, e, n) for n, _, _, b, e in entries if e > b)
    for (_, e1, n1), (b2, _, n2) in zip(spans, spans[1:]):
        if b2 < e1:
            raise _bad(path, f"tensors {n1!r} and {n2!r} overlap")
    return entries


def _rebuild(node: Any, tensors: dict[str, Tensor], path: Any) -> Any:
    if isinstance(node, dict):
        if "__tensor__" in node:
            name = node["__tensor__"]
            if name not in tensors:
                raise _bad(path, f"metadata refers to a missing tensor {name!r}")
            return tensors[name]
        if "__dict__" in node:
            return {k: _rebuild(v, tensors, path) for k, v in node["__dict__"]}
        if "__list__" in node:
            return [_rebuild(v, tensors, path) for v in node["__list__"]]
        if "__tuple__" in node:
            return tuple(_rebuild(v, tensors, path) for v in node["__tuple__"])
        if "__float__" in node:
            return float(node["__float__"])
        raise _bad(path, f"unknown node in {_TREE_KEY} metadata: {sorted(node)}")
    if isinstance(node, list):
        raise _bad(path, f"unexpected list in {_TREE_KEY} metadata")
    return node


def load(path: str | os.PathLike, map_location: Any = None) -> Any:
    """Read a safetensors file written by :func:`save` or by ``safetensors`` / PyTorch.

    The header is validated before any tensor data is read: a truncated file, a header length
    beyond the file (or over 100 MB), invalid JSON, or offsets outside the data section raise
    ``ValueError``. Nested state saved by :func:`save` is rebuilt; otherwise a dict of tensors
    in file order is returned.

    Examples
    --------
    >>> import os, tempfile, autograd, nn
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> nn.save({"state": {0: {"step": 2, "m": autograd.zeros(1)}}, "lr": 0.1}, path)
    >>> nn.load(path)
    {'state': {0: {'step': 2, 'm': tensor([0.])}}, 'lr': 0.1}
    """
    if map_location not in (None, "cpu"):
        raise RuntimeError(
            f"load: numbagrad only runs on the CPU, got map_location={map_location!r}"
        )
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        header, data_start = _read_header(f, path, size)
        meta = header.get("__metadata__", {})
        if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
            raise _bad(path, "__metadata__ must map strings to strings")
        entries = _check_entries(header, size - data_start, path)
        tensors: dict[str, Tensor] = OrderedDict()
        for name, dt, shape, begin, end in entries:
            buf = bytearray(end - begin)
            f.seek(data_start + begin)
            if f.readinto(buf) != end - begin:
                raise _bad(path, f"could not read the bytes of tensor {name!r}")
            arr = np.frombuffer(buf, dtype=dt).reshape(shape)
            if not dt.isnative:
                arr = arr.astype(dt.newbyteorder("="))
            tensors[name] = autograd.from_numpy(arr)
    if _TREE_KEY not in meta:
        return tensors
    try:
        tree = json.loads(meta[_TREE_KEY])
    except json.JSONDecodeError as e:
        raise _bad(path, f"{_TREE_KEY} metadata is not valid JSON ({e})") from None
    return _rebuild(tree, tensors, path)
