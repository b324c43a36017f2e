"""``save`` / ``load``: checkpoints in the safetensors format, so loading a file never runs code.

What programs save goes in: state dicts of modules and optimizers, and nested dicts, lists and
tuples of tensors, NumPy arrays, numbers, strings, ``None`` and bools. Each tensor is stored
under its dotted path (``"state.0.exp_avg"``); when the object is more than a flat dict of
tensors, its structure, with every non-tensor value, goes as JSON into the metadata entry
``"numbagrad.tree"``. A flat state dict is a plain safetensors file, read by the ``safetensors``
package (and PyTorch's ``safetensors.torch``), which in turn writes files that load here.

Saving to a path never loses the previous file: the new one is written beside it under a
temporary name, flushed to disk, then renamed over it in one step.
"""

from __future__ import annotations

import contextlib
import io
import json
import mmap as _mmap
import os
import secrets
import stat
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import numpy as np

from . import _safetensors as st
from ._checkpoint_tree import TREE_KEY, Flattener, Rebuilder, is_flat
from .device import check_device, device
from .tensor import Tensor

__all__ = ["save", "load"]


def save(obj: Any, f: str | os.PathLike | BinaryIO, metadata: dict[str, str] | None = None) -> None:
    """Save ``obj`` (a state dict, a tensor, or nested containers of them) to a safetensors file.

    Parameters
    ----------
    obj : object
        Tensors, NumPy arrays, numbers, strings, ``None``, bools, dtypes, devices, ``Size``, and
        dicts (str or int keys), lists and tuples of them. A Module or an optimizer is not
        saved whole: save its ``state_dict()``.
    f : str, PathLike or binary file object
        A path: written atomically (to a temporary file beside it, flushed and fsynced, then
        renamed over it), so a crash or kill mid-save leaves the previous file intact. A file
        object (``io.BytesIO``, ``open(p, "wb")``): written at its current position.
    metadata : dict of str to str, optional
        Extra entries for the file's ``__metadata__``.

    Raises
    ------
    TypeError
        For a value that cannot be stored (naming where it is), a Module or an optimizer
        (saying to save its ``state_dict()``), or a text-mode file.
    ValueError
        For an object beyond what :func:`load` accepts (nested more than 64 containers deep,
        e.g. a list holding itself; more than 100,000 tensors; a structure of more than
        2,000,000 values).

    Notes
    -----
    Tensors sharing storage are stored once, and load back sharing it. A tensor that requires
    grad loads back as a leaf that requires grad; a Parameter loads back as a plain tensor
    (``load_state_dict`` copies it into the module's parameter).

    Examples
    --------
    >>> import io, autograd
    >>> buf = io.BytesIO()
    >>> autograd.save({"w": autograd.ones(2), "step": 3}, buf)
    >>> _ = buf.seek(0)
    >>> autograd.load(buf)
    {'w': tensor([1., 1.]), 'step': 3}
    """
    flat = Flattener()
    tree = flat.flatten(obj, [])
    if len(flat.arrays) > st.MAX_TENSORS:
        raise ValueError(
            f"save: the object holds {len(flat.arrays)} tensors and arrays, over the limit of "
            f"{st.MAX_TENSORS} that load accepts; concatenate small ones into larger tensors"
        )
    meta = {"format": "pt"}
    if metadata is not None:
        if not isinstance(metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise TypeError(f"save: metadata must map str to str, got {metadata!r}")
        if TREE_KEY in metadata:
            raise ValueError(f"save: the metadata key {TREE_KEY!r} is reserved")
        meta.update(metadata)
    if not is_flat(obj, tree, list(flat.arrays)):
        try:
            text = json.dumps(tree, separators=(",", ":"))
        except ValueError as e:  # an int too long for str()
            raise ValueError(f"save: a value cannot be written as JSON ({e})") from None
        if st.count_json_values(text) > st.MAX_JSON_VALUES:
            raise ValueError(
                f"save: the object's structure holds over {st.MAX_JSON_VALUES} values, more "
                "than load accepts; store long lists of numbers as tensors"
            )
        meta[TREE_KEY] = text
    arrays, entries = [], []
    for name, arr in flat.arrays.items():
        code = st.CODES[arr.dtype.newbyteorder("=")]
        shape = list(arr.shape)  # before ascontiguousarray, which turns 0-d into 1-d
        arr = np.ascontiguousarray(arr.astype(st.DTYPES[code], copy=False))
        arrays.append(arr)
        entries.append((name, code, shape, arr.nbytes))
    raw = st.header_bytes(entries, meta)
    if len(raw) > st.MAX_HEADER_BYTES or st.count_json_values(raw) > st.MAX_JSON_VALUES:
        raise ValueError(
            f"save: the header would be {len(raw)} bytes with up to {st.count_json_values(raw)} "
            f"JSON values, over the limits load accepts ({st.MAX_HEADER_BYTES} bytes, "
            f"{st.MAX_JSON_VALUES} values)"
        )
    if isinstance(f, (str, os.PathLike)):
        _write_atomic(os.fspath(f), raw, arrays)
        return
    if isinstance(f, io.TextIOBase) or not callable(getattr(f, "write", None)):
        raise TypeError(
            f"save: f must be a path or a binary file object (open(path, 'wb'), io.BytesIO), "
            f"got {type(f).__name__}"
        )
    st.write(f, raw, arrays)


def _write_atomic(path: str, raw: bytes, arrays: list[np.ndarray]) -> None:
    """Write to a temporary file in the target's directory, fsync, then ``os.replace``."""
    target = os.path.realpath(path)  # through a symlink, as open(path, "wb") would write
    directory, base = os.path.split(target)
    while True:
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as e:  # name the file asked for, not the temporary one
            raise type(e)(
                e.errno,
                f"save: cannot write {path!r} (creating a file in {directory!r}): {e.strerror}",
            ) from None
    try:
        with open(fd, "wb") as out:
            with contextlib.suppress(OSError):  # keep the old file's permissions
                os.chmod(out.fileno(), stat.S_IMODE(os.stat(target).st_mode))
            st.write(out, raw, arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# ------------------------------------------------------------------------------------ loading
def _name(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


def _tensor_mapper(map_location: Any) -> Callable[[Tensor], Tensor] | None:
    """Check ``map_location`` (every tensor is stored on the CPU) and return a function to apply."""
    if map_location is None or isinstance(map_location, (str, int, device)):
        check_device(map_location, "map_location")
        return None
    if isinstance(map_location, Mapping):
        check_device(map_location.get("cpu"), "map_location['cpu']")
        return None
    if callable(map_location):

        def apply(t: Tensor) -> Tensor:
            out = map_location(t, "cpu")
            if out is None:
                return t
            if not isinstance(out, Tensor):
                raise TypeError(
                    f"load: map_location(tensor, 'cpu') must return a Tensor or None, got "
                    f"{type(out).__name__}"
                )
            return out

        return apply
    raise TypeError(
        "load: map_location must be None, a device ('cpu'), a dict of locations, or a function "
        f"(tensor, location) -> tensor, got {type(map_location).__name__}"
    )


def load(
    f: str | os.PathLike | BinaryIO,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = True,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load an object saved by :func:`save`, or any safetensors file, validating it first.

    Parameters
    ----------
    f : str, PathLike or binary file object
        A path, or a file object read from its current position to its end.
    map_location : None, "cpu", device, dict or callable, optional
        Where tensors go; every device but the CPU raises ``RuntimeError``. A dict maps stored
        locations (here always ``"cpu"``) to devices; a callable ``fn(tensor, "cpu")`` returns
        the tensor to use (or ``None`` to keep it), as PyTorch's ``fn(storage, location)``.
    pickle_module : None
        PyTorch's argument; numbagrad never unpickles, so only ``None`` is accepted.
    weights_only : bool or None
        Accepted for PyTorch's signature; loading is always as safe as PyTorch's
        ``weights_only=True``, because the format holds data only.
    mmap : bool, optional
        Map the file instead of reading it (only for a path): tensors are copy-on-write views
        of the file, so memory is used only for what is touched or changed.

    Returns
    -------
    object
        What was saved; a plain safetensors file gives an ``OrderedDict`` of its tensors in
        file order.

    Raises
    ------
    ValueError
        For a malformed file, naming it and the problem, before more than its header is read:
        shorter than 8 bytes; a header over 100 MiB, or beyond the end of the file; a header or
        structure that is not JSON, repeats a key, is nested too deeply, or holds more than
        2,000,000 values; more than 100,000 tensors; an entry with an unknown dtype, a shape
        that is not at most 64 non-negative ints, or offsets that disagree with it; tensors that
        overlap, leave bytes of the data section uncovered, or stop before its end; a structure
        node that is unknown, malformed, nested more than 64 containers deep, or names a tensor
        that is missing (or leaves a tensor unused). A PyTorch pickle checkpoint is recognized
        and named as such. Time and memory are thus bounded by the file's size and these limits.
    RuntimeError
        For a ``map_location`` that is not the CPU.

    Examples
    --------
    >>> import io, autograd
    >>> buf = io.BytesIO()
    >>> autograd.save({"state": {0: {"step": 2, "m": autograd.zeros(1)}}, "lr": 0.1}, buf)
    >>> _ = buf.seek(0)
    >>> autograd.load(buf, map_location="cpu")
    {'state': {0: {'step': 2, 'm': tensor([0.])}}, 'lr': 0.1}
    """
    if pickle_module is not None or pickle_load_args:
        extra = ["pickle_module"] * (pickle_module is not None) + sorted(pickle_load_args)
        raise TypeError(
            f"load: unsupported arguments {extra}: numbagrad checkpoints are safetensors files "
            "and never use pickle"
        )
    for argname, value in (("weights_only", weights_only), ("mmap", mmap)):
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"load: {argname} must be a bool, got {type(value).__name__}")
    mapper = _tensor_mapper(map_location)
    name = _name(f)
    try:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as fh:
                meta, arrays = _read(fh, os.fstat(fh.fileno()).st_size, bool(mmap))
        else:
            if mmap:
                raise ValueError("load: f must be a file path in order to use mmap=True")
            if not callable(getattr(f, "read", None)):
                raise TypeError(
                    f"load: f must be a path or a binary file object, got {type(f).__name__}"
                )
            if isinstance(f, io.TextIOBase):
                raise TypeError("load: f must be opened in binary mode ('rb'), not text mode")
            if not (callable(getattr(f, "seekable", None)) and f.seekable()):
                f = io.BytesIO(f.read())  # a pipe or socket: read it whole
            start = f.tell()
            size = f.seek(0, io.SEEK_END) - start
            f.seek(start)
            if size == 0 and start > 0:
                raise st.FormatError(
                    f"nothing to read at position {start}, the end of the stream (call "
                    "f.seek(0) after writing to it)"
                )
            meta, arrays = _read(f, size, False)
        return _build(meta, arrays, mapper)
    except st.FormatError as e:
        raise ValueError(f"load: {name} is not a valid safetensors file: {e}") from None


def _read(f: BinaryIO, size: int, use_mmap: bool) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    header, data_start = st.read_header(f, size)
    meta = st.check_metadata(header)
    entries = st.check_entries(header, size - data_start)
    if use_mmap:
        mapped = _mmap.mmap(f.fileno(), 0, access=_mmap.ACCESS_COPY)
        return meta, st.view_arrays(mapped, data_start, entries)
    return meta, st.read_arrays(f, entries)


def _build(meta: dict[str, str], arrays: dict[str, np.ndarray], mapper: Callable | None) -> Any:
    def make(arr: np.ndarray, requires_grad: bool = False) -> Tensor:
        t = Tensor._make(arr, requires_grad)
        return t if mapper is None else mapper(t)

    if TREE_KEY not in meta:
        return OrderedDict((name, make(arr)) for name, arr in arrays.items())
    tree = st.parse_json(meta[TREE_KEY], f"the {TREE_KEY} metadata")
    rebuilt = Rebuilder(arrays, make)
    out = rebuilt.node(tree, 0)
    unused = set(arrays) - rebuilt.used
    if unused:
        raise st.FormatError(
            f"tensor {sorted(unused)[0]!r} is not referenced by the {TREE_KEY} metadata"
        )
    return out
