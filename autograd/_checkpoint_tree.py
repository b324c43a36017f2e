"""How ``save`` stores an object's structure: a JSON tree whose tensors are named leaves.

A tensor becomes ``{"__tensor__": name}`` (with ``"requires_grad": true`` when it does), a NumPy
array ``{"__ndarray__": name}``; containers and the values JSON lacks are tagged the same way:
``{"__dict__": [[key, node], ...]}`` (``"__odict__"`` for an OrderedDict), ``{"__list__": [...]}``,
``{"__tuple__": [...]}``, ``{"__float__": "nan"}``, ``{"__dtype__": "float32"}``,
``{"__device__": "cpu"}``, ``{"__size__": [2, 3]}``; None, bools, ints, finite floats and strings
are themselves. Reading checks every node, so a malformed tree is a clear error, never a crash.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import _safetensors as st
from . import dtypes as _dt
from .device import device
from .size import Size
from .tensor import Tensor

TREE_KEY = "numbagrad.tree"
MAX_DEPTH = 64  # containers nested in one saved object
_ROOT_TENSOR = "tensor"  # the name of a tensor saved on its own
_TAGS = frozenset(
    ["__tensor__", "__ndarray__", "__dict__", "__odict__", "__list__", "__tuple__", "__float__",
     "__dtype__", "__device__", "__size__"]
)  # fmt: skip


# ------------------------------------------------------------------------------------- saving
class Flattener:
    """Turns an object into a JSON-able tree, collecting its arrays under unique names."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.name_of: dict[int, str] = {}  # id of a stored array -> its name (shared storage)

    def store(self, arr: np.ndarray, path: list[str]) -> str:
        name = self.name_of.get(id(arr))
        if name is not None:
            return name
        base = ".".join(path) or _ROOT_TENSOR
        name, i = base, 0
        while name in self.arrays or name == "__metadata__":
            i += 1
            name = f"{base}#{i}"
        self.arrays[name] = arr
        self.name_of[id(arr)] = name
        return name

    def flatten(self, obj: Any, path: list[str]) -> Any:
        if len(path) > MAX_DEPTH:
            raise ValueError(
                f"save: the object is nested more than {MAX_DEPTH} containers deep at "
                f"{_where(path)} (a container that holds itself?)"
            )
        if isinstance(obj, Tensor):
            node: dict[str, Any] = {"__tensor__": self.store(obj.numpy(force=True), path)}
            if obj.requires_grad:
                node["requires_grad"] = True
            return node
        if isinstance(obj, np.ndarray):
            if obj.dtype.newbyteorder("=") not in st.CODES:
                raise TypeError(
                    f"save: the NumPy array at {_where(path)} has dtype {obj.dtype}; supported: "
                    f"{', '.join(sorted(str(d) for d in st.CODES))}"
                )
            return {"__ndarray__": self.store(obj, path)}
        if isinstance(obj, Mapping):
            items = []
            for k, v in obj.items():
                if not isinstance(k, (str, int)) or isinstance(k, bool):
                    raise TypeError(
                        f"save: mapping keys must be str or int, got {type(k).__name__} ({k!r}) "
                        f"at {_where(path)}"
                    )
                items.append([k, self.flatten(v, [*path, str(k)])])
            return {"__odict__" if isinstance(obj, OrderedDict) else "__dict__": items}
        if isinstance(obj, Size):
            return {"__size__": list(obj)}
        if isinstance(obj, (list, tuple)):
            kind = "__list__" if isinstance(obj, list) else "__tuple__"
            return {kind: [self.flatten(v, [*path, str(i)]) for i, v in enumerate(obj)]}
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(float(obj))}
        if isinstance(obj, np.generic):
            return self.flatten(obj.item(), path)
        if isinstance(obj, device):
            return {"__device__": str(obj)}
        if isinstance(obj, np.dtype) and obj in _dt._SUPPORTED:
            return {"__dtype__": obj.name}
        if callable(getattr(obj, "state_dict", None)):
            raise TypeError(
                f"save: cannot store a {type(obj).__name__} object at {_where(path)}; save its "
                "state_dict() instead, and restore it with load_state_dict(load(f))"
            )
        raise TypeError(
            f"save: cannot store a {type(obj).__name__} at {_where(path)}; only tensors, NumPy "
            "arrays, numbers, strings, None, and dicts/lists/tuples of them can be saved (no "
            "pickle)"
        )


def _where(path: list[str]) -> str:
    text = ".".join(path)
    return (
        (repr(text) if len(text) <= 60 else repr("..." + text[-57:])) if path else "the top level"
    )


def is_flat(obj: Any, tree: Any, names: list[str]) -> bool:
    """Whether ``obj`` is a state dict: an OrderedDict of distinct, no-grad tensors stored under
    their own keys. Such a file needs no tree, and loads back as an OrderedDict (as any plain
    safetensors file does); every other object keeps its exact types through the tree."""
    if not isinstance(obj, OrderedDict) or len(names) != len(obj):
        return False
    return names == list(obj) and all(
        isinstance(k, str) and node == {"__tensor__": k} for k, node in tree["__odict__"]
    )


class Rebuilder:
    """Rebuilds a saved object from its tree, checking every node."""

    def __init__(self, arrays: dict[str, np.ndarray], make: Callable) -> None:
        self.arrays = arrays
        self.make = make
        self.made: dict[tuple[str, bool], Any] = {}
        self.used: set[str] = set()

    def bad(self, why: str) -> st.FormatError:
        return st.FormatError(f"{TREE_KEY} metadata: {why}")

    def node(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.bad(f"the structure is nested more than {MAX_DEPTH} containers deep")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict):
            raise self.bad(f"unexpected {type(node).__name__} where a value or a tagged node goes")
        tags = [k for k in node if k in _TAGS]
        extra = set(node) - set(tags) - ({"requires_grad"} if tags == ["__tensor__"] else set())
        if len(tags) != 1 or extra:
            raise self.bad(f"unknown node with keys {sorted(node)[:5]}")
        tag = tags[0]
        value = node[tag]
        if tag in ("__tensor__", "__ndarray__"):
            return self.tensor(tag, value, node.get("requires_grad", False))
        if tag in ("__dict__", "__odict__"):
            return self.mapping(tag, value, depth)
        if tag in ("__list__", "__tuple__"):
            if not isinstance(value, list):
                raise self.bad(f"{tag} must hold a list, got {type(value).__name__}")
            items = [self.node(v, depth + 1) for v in value]
            return items if tag == "__list__" else tuple(items)
        return self.scalar(tag, value)

    def tensor(self, tag: str, name: Any, requires_grad: Any) -> Any:
        if not isinstance(name, str) or name not in self.arrays:
            raise self.bad(f"refers to a missing tensor {name!r}")
        if not isinstance(requires_grad, bool):
            raise self.bad(f"requires_grad of tensor {name!r} must be a bool")
        arr = self.arrays[name]
        self.used.add(name)
        if tag == "__ndarray__":
            return arr
        if requires_grad and arr.dtype.kind != "f":
            raise self.bad(f"tensor {name!r} of dtype {arr.dtype} cannot require grad")
        key = (name, requires_grad)
        if key not in self.made:
            self.made[key] = self.make(arr, requires_grad)
        return self.made[key]

    def mapping(self, tag: str, pairs: Any, depth: int) -> dict:
        if not isinstance(pairs, list):
            raise self.bad(f"{tag} must hold a list of [key, value] pairs")
        out: dict = OrderedDict() if tag == "__odict__" else {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.bad(f"{tag} entries must be [key, value] pairs, got {pair!r:.60}")
            k, v = pair
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise self.bad(f"dict keys must be str or int, got {type(k).__name__}")
            if k in out:
                raise self.bad(f"the dict key {k!r} appears twice")
            out[k] = self.node(v, depth + 1)
        return out

    def scalar(self, tag: str, value: Any) -> Any:
        if tag == "__float__":
            if value not in ("nan", "inf", "-inf"):
                raise self.bad(f"__float__ must be 'nan', 'inf' or '-inf', got {value!r:.60}")
            return float(value)
        if tag == "__dtype__":
            if not isinstance(value, str) or value not in _dt._NAMES:
                raise self.bad(f"unknown dtype {value!r:.60}")
            return _dt.to_dtype(value)
        if tag == "__device__":
            try:
                return device(value)
            except (RuntimeError, TypeError):
                raise self.bad(f"invalid device {value!r:.60}") from None
        if not isinstance(value, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in value
        ):
            raise self.bad(f"__size__ must hold a list of ints, got {value!r:.60}")
        return Size(value)
