"""The safetensors file format: writing it, and reading it back with every field checked.

Layout (https://github.com/huggingface/safetensors): 8 bytes little-endian header length ``n``,
``n`` bytes of JSON header ``{name: {"dtype", "shape", "data_offsets": [begin, end]}, ...,
"__metadata__": {str: str}}``, then the raw little-endian tensor bytes. The tensors must cover
the data section exactly: no gap, no overlap, nothing after the last one.

A reader of untrusted files must bound what a file can make it do. The limits below are checked
before the costly step they protect: the header length before the header is read, the number of
JSON values (counted on the raw bytes) before it is parsed, the tensor count before any tensor is
read. Every violation is a ``ValueError`` naming the file and the problem.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any, BinaryIO

import numpy as np

MAX_HEADER_BYTES = 100 * 1024 * 1024  # the safetensors library's own limit
MAX_JSON_VALUES = 2_000_000  # values in one JSON document (the header, or the structure in it)
MAX_TENSORS = 100_000
MAX_NDIM = 64  # NumPy's limit

DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}  # fmt: skip
CODES = {dt.newbyteorder("="): code for code, dt in DTYPES.items()}


class FormatError(ValueError):
    """A malformed file; the caller adds which file and which function."""


def count_json_values(text: bytes | str) -> int:
    """An upper bound on the number of values a JSON document holds, without parsing it.

    Every value but the first follows ``[``, ``{``, ``,`` or ``:`` (characters inside strings
    only raise the bound), and ``count`` scans at memory speed without allocating.

    Examples
    --------
    >>> from autograd._safetensors import count_json_values
    >>> count_json_values('{"a": [1, 2]}')
    5
    """
    if isinstance(text, str):
        return 1 + sum(text.count(c) for c in ",:[{")
    return 1 + sum(text.count(c) for c in (b",", b":", b"[", b"{"))


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise FormatError(f"the key {k!r} appears twice in one JSON object")
            seen.add(k)
    return out


def parse_json(text: bytes | str, what: str) -> Any:
    """Parse JSON within the value-count limit, rejecting duplicate keys and deep nesting."""
    n = count_json_values(text)
    if n > MAX_JSON_VALUES:
        raise FormatError(
            f"{what} holds up to {n} JSON values, over the limit of {MAX_JSON_VALUES}"
        )
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")  # the format's encoding (json.loads would guess others)
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except RecursionError:
        raise FormatError(f"{what} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as e:  # JSONDecodeError, or an int too long
        if isinstance(e, FormatError):
            raise FormatError(f"{what}: {e}") from None
        raise FormatError(f"{what} is not valid JSON ({e})") from None


def header_bytes(entries: list[tuple[str, str, list[int], int]], meta: dict[str, str]) -> bytes:
    """The header for ``(name, dtype code, shape, nbytes)`` entries laid out in order."""
    header: dict[str, Any] = {"__metadata__": meta}
    offset = 0
    for name, code, shape, nbytes in entries:
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return raw + b" " * (-len(raw) % 8)  # the data section starts 8-byte aligned


def write(f: BinaryIO, raw_header: bytes, arrays: list[np.ndarray]) -> None:
    """Write the length, the header, then each (contiguous, little-endian) array's bytes."""
    f.write(struct.pack("<Q", len(raw_header)))
    f.write(raw_header)
    for arr in arrays:
        if arr.size:
            f.write(memoryview(arr.reshape(-1).view(np.uint8)))


def read_header(f: BinaryIO, size: int) -> tuple[dict[str, Any], int]:
    """Read and parse the header of a file of ``size`` bytes; return it and the data start."""
    if size < 8:
        raise FormatError(f"it is {size} bytes, shorter than the 8-byte header length")
    head = f.read(8)
    (n,) = struct.unpack("<Q", head)
    if n > MAX_HEADER_BYTES or n > size - 8:
        if head[:4] == b"PK\x03\x04" or (head[0] == 0x80 and 2 <= head[1] <= 5):
            raise FormatError(
                "it is a pickle checkpoint (as PyTorch's torch.save writes), and numbagrad "
                "reads only safetensors files, which never run code on load; in PyTorch, load "
                "it and write the tensors with safetensors.torch.save_file"
            )
        if n > MAX_HEADER_BYTES:
            raise FormatError(f"header length {n} exceeds the {MAX_HEADER_BYTES}-byte limit")
        raise FormatError(
            f"header length {n} is larger than the rest of the file ({size - 8} bytes)"
        )
    raw = f.read(n)
    if len(raw) != n:
        raise FormatError(f"the file ended inside the {n}-byte header")
    header = parse_json(raw, "header")
    if not isinstance(header, dict):
        raise FormatError(f"header must be a JSON object, got {type(header).__name__}")
    return header, 8 + n


def check_metadata(header: dict[str, Any]) -> dict[str, str]:
    """The ``__metadata__`` entry, which must map strings to strings."""
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise FormatError("__metadata__ must map strings to strings")
    return meta


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def check_entries(
    header: dict[str, Any], data_size: int
) -> list[tuple[str, np.dtype, tuple[int, ...], int, int]]:
    """Validate every tensor entry; return ``(name, dtype, shape, begin, end)`` by offset.

    The tensors must tile the data section: sorted by offset, each begins where the previous
    one ended, the first at 0 and the last at ``data_size``.
    """
    count = len(header) - ("__metadata__" in header)
    if count > MAX_TENSORS:
        raise FormatError(f"it holds {count} tensors, over the limit of {MAX_TENSORS}")
    entries = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict):
            raise FormatError(f"entry {name!r} must be an object")
        code, shape, offs = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if not isinstance(code, str) or code not in DTYPES:
            raise FormatError(f"tensor {name!r} has unsupported dtype {code!r}")
        if (
            not isinstance(shape, list) or len(shape) > MAX_NDIM
            or not all(_is_int(s) and s >= 0 for s in shape)
        ):  # fmt: skip
            raise FormatError(
                f"tensor {name!r} has an invalid shape {_short(shape)} (expected at most "
                f"{MAX_NDIM} non-negative ints)"
            )
        if not isinstance(offs, list) or len(offs) != 2 or not all(_is_int(o) for o in offs):
            raise FormatError(f"tensor {name!r} has invalid data_offsets {_short(offs)}")
        begin, end = offs
        if not 0 <= begin <= end <= data_size:
            raise FormatError(
                f"tensor {name!r} data_offsets [{begin}, {end}] are outside the data section of "
                f"{data_size} bytes (truncated file?)"
            )
        dt = DTYPES[code]
        need = dt.itemsize * math.prod(shape)
        if end - begin != need:
            raise FormatError(
                f"tensor {name!r}: data_offsets span {end - begin} bytes but dtype {code} and "
                f"shape {shape} need {need}"
            )
        entries.append((name, dt, tuple(shape), begin, end))
    entries.sort(key=lambda e: (e[3], e[4]))
    covered, last = 0, None
    for name, _, _, begin, end in entries:
        if begin < covered:
            raise FormatError(f"tensors {last!r} and {name!r} overlap")
        if begin > covered:
            raise FormatError(f"bytes {covered} to {begin} of the data section belong to no tensor")
        covered, last = end, name
    if covered != data_size:
        raise FormatError(
            f"the data section has {data_size - covered} bytes after the last tensor "
            f"(it is {data_size} bytes, the tensors cover {covered})"
        )
    return entries


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def read_arrays(
    f: BinaryIO, entries: list[tuple[str, np.dtype, tuple[int, ...], int, int]]
) -> dict[str, np.ndarray]:
    """Read each tensor's bytes in offset order (the data section follows the header)."""
    arrays = {}
    readinto = getattr(f, "readinto", None)
    for name, dt, shape, begin, end in entries:
        buf = bytearray(end - begin)
        if buf:
            got = readinto(buf) if readinto is not None else _read_into(f, buf)
            if got != len(buf):
                raise FormatError(f"the file ended inside the bytes of tensor {name!r}")
        arrays[name] = native(np.frombuffer(buf, dtype=dt).reshape(shape))
    return arrays


def _read_into(f: BinaryIO, buf: bytearray) -> int:
    data = f.read(len(buf))
    buf[: len(data)] = data
    return len(data)


def view_arrays(
    mapped: Any, data_start: int, entries: list[tuple[str, np.dtype, tuple[int, ...], int, int]]
) -> dict[str, np.ndarray]:
    """Arrays over a copy-on-write memory map of the file (misaligned ones are copied)."""
    arrays = {}
    for name, dt, shape, begin, end in entries:
        start = data_start + begin
        if end == begin:
            arr = np.empty(0, dt)
        else:
            arr = np.frombuffer(mapped, dtype=dt, count=(end - begin) // dt.itemsize, offset=start)
            if start % dt.itemsize:
                arr = arr.copy()
        arrays[name] = native(arr.reshape(shape))
    return arrays


def native(arr: np.ndarray) -> np.ndarray:
    """``arr`` in the machine's byte order (safetensors stores little-endian)."""
    return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))
