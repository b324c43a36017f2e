"""Random programs run in numbagrad and in PyTorch, statement by statement.

A program is a list of Python statements over the names ``T`` (the tensor library: ``autograd``
or ``torch``) and ``F`` (``nn.functional`` or ``torch.nn.functional``); statement ``k`` binds
``v{k}``. The same text runs under both libraries, so a failure prints as a program anyone can
paste and run (:func:`render`).

Steps are drawn one at a time from templates that fit the values computed so far (their shapes
and dtypes, read off numbagrad's run): elementwise ops, broadcasting binary ops with tensors,
0-d tensors and Python numbers (type promotion), reductions over drawn dims, views, indexing,
in-place ops on clones and on views of clones, matmul, convolution and pooling, and losses.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

import autograd
import nn
import optim


def import_library() -> None:
    """Import every module of ``autograd``, ``nn`` and ``optim``.

    Hypothesis draws some numbers from the constants it finds in the project's loaded modules,
    so the programs drawn -- even derandomized, as in CI -- would otherwise depend on which
    modules the tests that ran before happened to import: after tests/distributed (which
    imports ``optim``) CI drew other programs than the fuzz tests alone, and a failure there
    did not reproduce when run alone.
    """
    for package in (autograd, nn, optim):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)


import_library()

# --------------------------------------------------------------------------- values and text
KINKS = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)


@dataclass
class Program:
    """Inputs (created by the first statements) and the statements that follow."""

    lines: list[str] = field(default_factory=list)
    grad_inputs: list[str] = field(default_factory=list)  # names of leaves that require grad


def literal(a: np.ndarray) -> str:
    """``a`` as text both libraries turn into the same tensor."""
    dtype = {"f": f"T.float{a.dtype.itemsize * 8}", "i": "T.int64", "b": "T.bool"}[a.dtype.kind]
    body = (
        np.array2string(
            a, separator=", ", threshold=10**6, floatmode="unique", max_line_width=10**6
        )
        .replace("nan", "float('nan')")
        .replace("inf", "float('inf')")
    )
    if a.ndim == 0:
        body = repr(a.item()) if a.dtype.kind != "f" or np.isfinite(a) else f"float('{a.item()}')"
    if a.size == 0:
        return f"T.zeros({a.shape}, dtype={dtype})"
    return f"T.tensor({body}, dtype={dtype})"


def render(program: Program) -> str:
    """The program as a script for either library (set ``T`` and ``F`` first)."""
    head = [
        "# import autograd as T; import nn.functional as F     (numbagrad)",
        "# import torch as T; import torch.nn.functional as F  (PyTorch)",
    ]
    return "\n".join(head + program.lines)


# ------------------------------------------------------------------------------- drawing
@st.composite
def arrays(draw: Any, shape: tuple, dtype: str) -> np.ndarray:
    n = int(np.prod(shape))
    if dtype == "int64":
        return np.array(draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n)),
                        dtype=np.int64).reshape(shape)  # fmt: skip
    special = st.sampled_from([np.inf, -np.inf, np.nan]) if draw(st.integers(0, 9)) == 0 else None
    element = st.one_of(
        st.sampled_from(KINKS),
        st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3)),
        *((special,) if special is not None else ()),
    )
    vals = draw(st.lists(element, min_size=n, max_size=n))
    return np.array(vals, dtype=dtype).reshape(shape)


SHAPES = st.one_of(
    st.just(()),
    st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple),
    st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(3, 5), st.integers(3, 5)),
)


def draw_inputs(draw: Any, program: Program) -> None:
    """1-3 inputs: drawn shapes and dtypes, some laid out as non-contiguous views of a leaf."""
    n = draw(st.integers(1, 3))
    base_shape = draw(SHAPES)
    for k in range(n):
        shape = base_shape if k and draw(st.booleans()) else draw(SHAPES)
        if k and draw(st.booleans()) and len(shape):  # a broadcasting partner
            shape = tuple(1 if draw(st.booleans()) else s for s in shape)[draw(st.integers(0, 1)) :]
        dtype = draw(st.sampled_from(["float64", "float64", "float32", "int64"]))
        a = draw(arrays(shape, dtype))
        grad = dtype != "int64" and draw(st.booleans())
        layout = draw(st.sampled_from(["plain", "plain", "transposed", "strided"]))
        if layout == "transposed" and a.ndim >= 2:
            storage, view = np.ascontiguousarray(np.swapaxes(a, -1, -2)), ".transpose(-1, -2)"
        elif layout == "strided" and a.ndim >= 1:
            storage, view = np.repeat(a, 2, axis=-1), "[..., ::2]"
        else:
            storage, view = a, ""
        text = literal(storage)
        if grad:
            leaf = f"v{len(program.lines)}"
            program.lines.append(f"{leaf} = {text}.requires_grad_()")
            program.grad_inputs.append(leaf)
            if not view:
                continue
            text = leaf
        program.lines.append(f"v{len(program.lines)} = {text}{view}")


@dataclass
class Meta:
    """What a template needs to know about a value: its name, shape and dtype kind."""

    name: str
    shape: tuple
    kind: str  # "f", "i" or "b"


# The sign of an exact zero is not compared. Where it is decided, PyTorch's choice depends on its
# kernel or loop, and IEEE 754 leaves it open: a sum of products that is exactly zero (matmul:
# a GEMM accumulating from +0 gives +0, a single product -2 * 0 gives -0, by the shapes),
# max/min of -0 and +0 (PyTorch keeps the first, NumPy's loops either), relu/clamp of -0.
# Only a division by it shows it (1 / -0 = -inf): the templates that divide by a value
# (reciprocal, rsqrt, x / y) read it plus 0, which is +0 for either zero and changes nothing
# else (values, dtypes, derivatives).
UNARY = [
    "T.exp({x})", "T.expm1({x})", "T.log({x})", "T.log1p({x})", "T.sqrt({x})",
    "T.rsqrt({x} + 0)", "T.reciprocal({x} + 0)",
    "T.sin({x})", "T.cos({x})", "T.tanh({x})", "T.sigmoid({x})", "T.erf({x})", "T.relu({x})",
    "T.abs({x})", "T.neg({x})", "T.sign({x})", "T.floor({x})", "T.round({x})", "T.square({x})",
    "F.softplus({x})", "F.gelu({x})", "F.elu({x})", "F.leaky_relu({x}, 0.1)",
    "F.relu6({x})", "F.hardtanh({x})", "F.silu({x})", "F.logsigmoid({x})", "{x}.clamp(-0.5, 1.0)",
    "{x}.clamp(min=0.0)", "{x} ** 2", "{x} ** 3", "{x}.abs() ** 0.5", "2.0 ** {x}", "1.5 - {x}",
    "{x} / 2", "{x} % 1.5", "{x}.clone()",
]  # fmt: skip
INT_UNARY = ["{x} + 1", "{x} * 2", "{x} // 2", "T.abs({x})", "-{x}", "{x} * 0.5", "{x} / 2"]
BINARY = [
    "{x} + {y}", "{x} - {y}", "{x} * {y}", "{x} / ({y} + 0)", "T.maximum({x}, {y})",
    "T.minimum({x}, {y})", "T.where({x} > 0, {x}, {y})", "{x} * {y} + {x}", "{x}.abs() ** {y}",
    "{x} % {y}",
]  # fmt: skip
REDUCE_ALL = ["{x}.sum()", "{x}.mean()", "{x}.prod()", "{x}.amax()", "{x}.norm()", "{x}.var()"]
REDUCE_DIM = [
    "{x}.sum({d}, keepdim={k})", "{x}.mean({d})", "{x}.prod({d})", "{x}.amax({d}, keepdim={k})",
    "{x}.max({d}).values", "{x}.min({d}, keepdim={k}).values", "{x}.var({d})", "{x}.std({d})",
    "T.logsumexp({x}, {d})", "{x}.cumsum({d})", "{x}.cumprod({d})", "T.softmax({x}, {d})",
    "T.log_softmax({x}, {d})",
]  # fmt: skip
SHAPE_OPS = [
    "{x}.reshape(-1)", "{x}.flatten()", "{x}.unsqueeze({d1})", "{x}.squeeze()",
    "{x}.transpose({d}, {e})", "{x}.flip({d})", "{x}.roll(1, {d})", "{x}.contiguous()",
    "{x}.permute({perm})", "T.cat([{x}, {x}], {d})", "T.stack([{x}, {x} * 2], {d1})",
]  # fmt: skip
INDEX = [
    "{x}[0]", "{x}[-1]", "{x}[..., ::2]", "{x}[[0, 0]]", "{x}[{x} > 0]", "{x}[..., [0]]",
    "{x}[:, [0, -1]]", "{x}[0, ..., [0]]", "{x}[None, 0]",
]  # fmt: skip
INPLACE = [
    "{v}.add_({y})", "{v}.mul_(2.5)", "{v}.sub_({y})", "{v}.clamp_(-1.0, 1.0)", "{v}.relu_()",
    "{v}.zero_()", "{v}.fill_(0.5)", "{v}[0] = 1.5", "{v}[0].mul_(3.0)", "{v}.exp_()",
    "{v}.copy_({y})", "{v}[..., :1].add_(1.0)",
]  # fmt: skip
LOSSES = [
    "F.mse_loss({x}, {c})", "F.l1_loss({x}, {c})", "F.smooth_l1_loss({x}, {c})",
    "F.binary_cross_entropy_with_logits({x}, {c}.clamp(0, 1))", "F.huber_loss({x}, {c})",
]  # fmt: skip


def _dims(draw: Any, ndim: int) -> int:
    return draw(st.integers(-ndim, ndim - 1))


def draw_step(draw: Any, program: Program, values: list[Meta]) -> None:
    """Append one statement that fits the values computed so far."""
    floats = [v for v in values if v.kind == "f"]
    ints = [v for v in values if v.kind == "i"]
    kinds = ["unary", "binary", "reduce", "shape", "index", "inplace", "loss", "matmul", "conv"]
    kind = draw(st.sampled_from(kinds)) if floats else "int"
    name = f"v{len(program.lines)}"
    if kind == "int" or (kind == "unary" and ints and draw(st.booleans())):
        x = draw(st.sampled_from(ints or values))
        text = draw(st.sampled_from(INT_UNARY)).format(x=x.name)
        program.lines.append(f"{name} = {text}")
        return
    x = draw(st.sampled_from(floats))
    nd = len(x.shape)
    if kind == "unary":
        text = draw(st.sampled_from(UNARY)).format(x=x.name)
    elif kind == "binary":
        partners = [v for v in values if _broadcasts(v.shape, x.shape)]
        other = draw(st.sampled_from(["value", "scalar", "int_scalar", "zero_d64", "int_tensor"]))
        if other == "value" and partners:
            y = draw(st.sampled_from(partners)).name
        elif other == "scalar":
            y = repr(draw(st.sampled_from([0.5, -2.0, 3.0, 0.0])))
        elif other == "int_scalar":
            y = repr(draw(st.sampled_from([2, -1, 0])))
        elif other == "zero_d64":
            y = literal(np.array(draw(st.sampled_from([0.5, -1.5])), dtype=np.float64))
        else:
            y = literal(np.array(draw(arrays(x.shape[-1:], "int64"))))
        # torch.maximum/minimum take tensors only; numbagrad also takes numbers (a superset)
        templates = BINARY if y.startswith(("v", "T.")) else [t for t in BINARY if "imum" not in t]
        text = draw(st.sampled_from(templates)).format(x=x.name, y=y)
    elif kind == "reduce" and nd:
        text = draw(st.sampled_from(REDUCE_DIM)).format(
            x=x.name, d=_dims(draw, nd), k=draw(st.booleans())
        )
    elif kind == "reduce":
        text = draw(st.sampled_from(REDUCE_ALL)).format(x=x.name)
    elif kind == "shape" and nd:
        perm = tuple(draw(st.permutations(range(nd))))
        text = draw(st.sampled_from(SHAPE_OPS)).format(
            x=x.name, d=_dims(draw, nd), e=_dims(draw, nd), d1=draw(st.integers(-nd - 1, nd)),
            perm=perm,
        )  # fmt: skip
    elif kind == "index" and nd and x.shape[0] > 0:
        options = [t for t in INDEX if nd >= 2 or ", " not in t]
        if x.shape[-1] == 0:
            options = [t for t in options if "[0]]" not in t]
        text = draw(st.sampled_from(options)).format(x=x.name)
    elif kind == "inplace" and nd and x.shape[0] > 0:
        partners = [v for v in floats if _broadcasts(v.shape, x.shape, into=True)]
        y = draw(st.sampled_from(partners)).name if partners else "0.5"
        op = draw(st.sampled_from(INPLACE)).format(v=name, y=y)
        program.lines.append(f"{name} = {x.name}.clone(); {op}")
        return
    elif kind == "loss":
        c = literal(draw(arrays(x.shape, "float64" if draw(st.booleans()) else "float32")))
        text = draw(st.sampled_from(LOSSES)).format(x=x.name, c=f"{c}.to({x.name}.dtype)")
    elif kind == "matmul" and nd:
        w = literal(draw(arrays((x.shape[-1], 2), "float64")))
        text = f"{x.name} @ {w}.to({x.name}.dtype)"
    elif kind == "conv" and nd == 4 and min(x.shape[2:]) >= 3 and x.shape[1] > 0:
        w = literal(draw(arrays((2, x.shape[1], 2, 2), "float64")))
        text = draw(st.sampled_from([
            f"F.conv2d({x.name}, {w}.to({x.name}.dtype), padding=1)",
            f"F.max_pool2d({x.name}, 2)", f"F.avg_pool2d({x.name}, 2, 1)",
            f"F.conv2d({x.name}, {w}.to({x.name}.dtype), stride=2)",
        ]))  # fmt: skip
    else:
        text = draw(st.sampled_from(UNARY)).format(x=x.name)
    program.lines.append(f"{name} = {text}")


def _broadcasts(a: tuple, b: tuple, into: bool = False) -> bool:
    try:
        out = np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return out == tuple(b) if into else True


# ------------------------------------------------------------------------------- running
def namespace(lib: str) -> dict:
    if lib == "autograd":
        return {"T": autograd, "F": nn.functional}
    import torch

    return {"T": torch, "F": torch.nn.functional}


def meta_of(name: str, value: Any) -> Meta | None:
    if not isinstance(value, autograd.Tensor):
        return None
    return Meta(name, tuple(value.shape), value.dtype.kind if value.dtype.kind in "fb" else "i")


def draw_program(draw: Any) -> Program:
    """Inputs, then 3-8 drawn statements; a statement numbagrad refuses is kept, and ends the
    program (the differential comparison checks that PyTorch refuses it too)."""
    program = Program()
    draw_inputs(draw, program)
    env = namespace("autograd")
    for line in program.lines:
        exec(line, env)  # noqa: S102
    for _ in range(draw(st.integers(3, 8))):
        values = [m for m in (meta_of(k, v) for k, v in env.items() if k.startswith("v")) if m]
        draw_step(draw, program, values)
        try:
            exec(program.lines[-1], env)  # noqa: S102
        except Exception:  # noqa: BLE001 - a refusal is part of the program
            break
    return program
