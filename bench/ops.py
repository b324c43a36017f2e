"""Op benchmarks: convolutions, pooling and matmul, forward + backward, float32.

Each row times ``y = op(x, w...); y.backward(g)`` with the input and weight requiring grad, and
reports the median, the ratio ours/PyTorch and GFLOP/s where the FLOPs are defined (a
convolution's or matmul's backward is two products the size of the forward, so fwd+bwd counts
3x the forward's FLOPs). A sweep of 3x3 stride-1 convolutions over common layer sizes
(:func:`sweep_shapes`) is summarized by its min, median and max ratio. Matmul rows also give
``np.matmul``'s GFLOP/s on the same products, timed in blocks alternating with ours. PyTorch
runs the same steps in its own process, in blocks alternating with ours too (see
:class:`TorchWorker`). Then: peak RSS of the 64->64
convolution in a fresh process per engine; three conv steps on the Numba threading layer
``autograd`` chooses (``omp`` with a short spin where Numba has GNU OpenMP) and on the other
one, each in a fresh process (full runs only: the layer choice of
``autograd/kernels/_jit.py``, checked); the cold compile time of the first conv2d call (empty
Numba cache) and the warm start (first call in a fresh process with the cache present).

On a shared machine the PyTorch column is the noisier one: its OpenMP threads wait for each
other at every parallel region, so one busy core can slow it many times over; compare runs
made while the machine is otherwise idle.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._timing import row

ROOT = Path(__file__).resolve().parent.parent

# name, op, x shape, weight shape or None, kwargs; conv2d weights are (O, C/groups, kh, kw),
# conv_transpose2d weights (C_in, C_out/groups, kh, kw).
CASES: list[tuple[str, str, tuple, tuple | None, dict]] = [
    ("conv2d b64 1->32 28x28 k3 p1", "conv2d", (64, 1, 28, 28), (32, 1, 3, 3), {"padding": 1}),
    ("conv2d b64 32->64 14x14 k3 p1", "conv2d", (64, 32, 14, 14), (64, 32, 3, 3), {"padding": 1}),
    ("conv2d b64 16->32 4x4 k3 p1", "conv2d", (64, 16, 4, 4), (32, 16, 3, 3), {"padding": 1}),
    ("conv2d b32 64->64 32x32 k3 p1", "conv2d", (32, 64, 32, 32), (64, 64, 3, 3), {"padding": 1}),
    ("conv2d depthwise b32 64ch 32x32 k3 p1", "conv2d", (32, 64, 32, 32), (64, 1, 3, 3),
     {"padding": 1, "groups": 64}),
    ("conv2d 1x1 b32 64->128 32x32", "conv2d", (32, 64, 32, 32), (128, 64, 1, 1), {}),
    ("conv_transpose2d b32 64->32 16x16 k4 s2 p1", "conv_transpose2d", (32, 64, 16, 16),
     (64, 32, 4, 4), {"stride": 2, "padding": 1}),
    ("max_pool2d 2x2 on 32x32x32x32", "max_pool2d", (32, 32, 32, 32), None, {"kernel_size": 2}),
    ("avg_pool2d 2x2 on 32x32x32x32", "avg_pool2d", (32, 32, 32, 32), None, {"kernel_size": 2}),
    ("adaptive_avg_pool2d to 1 on 32x32x32x32", "adaptive_avg_pool2d", (32, 32, 32, 32), None,
     {"output_size": 1}),
]  # fmt: skip

MATMUL_SIZES = (256, 1024, 2048)


def sweep_shapes(n: int, seed: int = 0, max_flops: float = 1.5e9) -> list[tuple[int, ...]]:
    """``n`` distinct 3x3 stride-1 "same" convolutions ``(batch, c_in, c_out, px)`` drawn with a
    fixed seed from common layer sizes: batch 1-128, 8-256 channels (c_out half, equal to or
    twice c_in), 7-64 px; at most ``max_flops`` forward FLOPs each, so a full run stays short.

    The kernels are not tuned for these shapes: they sample the space the sweep stands for.

    Examples
    --------
    >>> sweep_shapes(2)
    [(64, 64, 64, 12), (4, 8, 8, 7)]
    """
    rng = np.random.default_rng(seed)
    shapes: list[tuple[int, ...]] = []
    while len(shapes) < n:
        batch = int(rng.choice([1, 2, 4, 8, 16, 32, 64, 128]))
        c_in = int(rng.choice([8, 16, 32, 64, 128, 256]))
        c_out = int(min(256, max(8, c_in * rng.choice([0.5, 1, 1, 2]))))
        px = int(rng.choice([7, 8, 12, 14, 16, 24, 28, 32, 48, 56, 64]))
        shape = (batch, c_in, c_out, px)
        if 18.0 * batch * c_out * px * px * c_in <= max_flops and shape not in shapes:
            shapes.append(shape)
    return shapes


SWEEP_FULL, SWEEP_QUICK = 11, 5  # odd: the median row is one shape


def sweep_case(shape: tuple[int, ...]) -> tuple[str, str, tuple, tuple, dict]:
    """The CASES entry of one sweep shape (its name is also its key for :func:`make_step`)."""
    batch, c_in, c_out, px = shape
    name = f"conv2d 3x3 sweep b{batch} {c_in}->{c_out} {px}x{px} p1"
    return name, "conv2d", (batch, c_in, px, px), (c_out, c_in, 3, 3), {"padding": 1}


def conv_flops(op: str, x_shape: tuple, w_shape: tuple, y_shape: tuple) -> float:
    """Forward multiply-adds x 2 of a (transposed) convolution."""
    if op == "conv2d":
        return 2.0 * np.prod(y_shape) * np.prod(w_shape[1:])
    # A transposed conv is the input-gradient of the conv from its output to its input.
    return 2.0 * np.prod(x_shape) * np.prod(w_shape[1:])


def _inputs(lib: Any, x_shape: tuple, w_shape: tuple | None, op: str) -> tuple:
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(x_shape).astype(np.float32), requires_grad=True)
    if w_shape is None:
        return x, None, None
    fan_in = np.prod(w_shape[1:])
    w = (rng.standard_normal(w_shape) / np.sqrt(fan_in)).astype(np.float32)
    c_out = w_shape[0] if op == "conv2d" else w_shape[1]
    b = lib.tensor(np.zeros(c_out, np.float32), requires_grad=True)
    return x, lib.tensor(w, requires_grad=True), b


def _step(lib: Any, functional: Any, op: str, x_shape: tuple, w_shape: tuple | None,
          kwargs: dict) -> tuple[Callable[[], None], tuple]:  # fmt: skip
    x, w, b = _inputs(lib, x_shape, w_shape, op)
    fn = getattr(functional, op)
    args = (x,) if w is None else (x, w, b)
    y_shape = tuple(fn(*args, **kwargs).shape)
    g = lib.tensor(np.random.default_rng(1).standard_normal(y_shape).astype(np.float32))
    leaves = [t for t in args if t is not None]

    def step() -> None:
        y = fn(*args, **kwargs)
        y.backward(g)
        for t in leaves:
            t.grad = None

    return step, y_shape


def _matmul_step(lib: Any, n: int) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.standard_normal((n, n)).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal((n, n)).astype(np.float32), requires_grad=True)
    g = lib.tensor(rng.standard_normal((n, n)).astype(np.float32))

    def step() -> None:
        (a @ b).backward(g)
        a.grad = b.grad = None

    return step


def _np_matmul_step(n: int) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    a, b, g = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(3))

    def step() -> None:  # the three products of matmul's forward + backward
        np.matmul(a, b)
        np.matmul(g, b.T)
        np.matmul(a.T, g)

    return step


def _fresh(code: str, env: dict | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


# VmHWM, not getrusage: ru_maxrss survives exec, so a child would report its parent's peak.
_RSS_CODE = """
import numpy as np, bench.ops as b
lib = __import__({lib!r})
functional = lib.nn.functional if {lib!r} == "torch" else lib
lib.set_num_threads({threads})
step, _ = b._step(lib, functional, "conv2d", (32, 64, 32, 32), (64, 64, 3, 3), {{"padding": 1}})
for _ in range(3):
    step()
hwm = [v for v in open("/proc/self/status") if v.startswith("VmHWM:")][0]
print(int(hwm.split()[1]) / 1024)
"""

_FIRST_CALL_CODE = """
import time, numpy as np, autograd as ag
ag.set_num_threads({threads})
x = ag.tensor(np.ones((2, 3, 8, 8), np.float32), requires_grad=True)
w = ag.tensor(np.ones((4, 3, 3, 3), np.float32), requires_grad=True)
t = time.perf_counter()
ag.conv2d(x, w, padding=1).sum().backward()
print(time.perf_counter() - t)
"""


_LAYER_CODE = """
import statistics, time, numba, autograd as ag, bench.ops as b
from autograd.kernels import _jit
_jit.PARALLEL_COMPILE_AFTER_SECONDS = 0.0  # steady state: parallel kernels from the first call
_jit.STAND_IN_SECONDS = 0.0  # ... and every path's own kernels
ag.set_num_threads({threads})
step = b.make_step(ag, {key!r})
times = []
for _ in range(3):
    time.sleep(b._PAUSE_S)
    times += b._block(step, 7)
assert numba.threading_layer() == {layer!r}
print(statistics.median(times))
"""

# The threading-layer check (see autograd/kernels/_jit.py): a step that is Numba only, and two
# that alternate Numba kernels with OpenBLAS GEMMs, where OpenMP's spinning threads were measured
# to fight OpenBLAS's.
LAYER_CASES = [
    "conv2d b64 1->32 28x28 k3 p1",
    "conv2d b64 32->64 14x14 k3 p1",
    "conv_transpose2d b32 64->32 16x16 k4 s2 p1",
]


def ag_layer() -> str:
    """The Numba threading layer ``autograd`` chooses on this machine (see
    ``autograd/kernels/_jit.py``): ``omp`` where Numba has GNU OpenMP, else ``workqueue``."""
    import numba

    import autograd

    autograd.get_num_threads()  # the choice is made when the kernels' thread pool starts
    return numba.config.THREADING_LAYER


def layer_ms(layer: str, key: str, threads: int, override: bool = True) -> float | None:
    """Median ms of a case's step in a fresh process on Numba threading layer ``layer``: set
    through ``NUMBA_THREADING_LAYER`` (``override``), or the one ``autograd`` chooses itself.

    None when that layer cannot be loaded on this machine (``omp`` needs an OpenMP runtime).
    """
    code = _LAYER_CODE.format(threads=threads, key=key, layer=layer)
    try:
        return float(_fresh(code, {"NUMBA_THREADING_LAYER": layer} if override else {}))
    except subprocess.CalledProcessError:
        return None


def peak_rss_mib(lib: str, threads: int) -> float:
    """Peak RSS (MiB) of a fresh process running three 64->64 conv fwd+bwd steps."""
    return float(_fresh(_RSS_CODE.format(lib=lib, threads=threads)))


def first_conv_ms(threads: int, cache_dir: str | None) -> float:
    """Wall time of the first conv2d fwd+bwd in a fresh process (import excluded)."""
    env = None if cache_dir is None else {"NUMBA_CACHE_DIR": cache_dir}
    return float(_fresh(_FIRST_CALL_CODE.format(threads=threads), env)) * 1e3


# Untimed calls before each timed block, for at least this long (and at least one call). Both
# engines start every block from a machine left idle by the pause before it, and on these
# virtual machines the first ~50 ms of two-thread work after an idle spell run at up to half
# speed (measured: three or four 32->64 conv steps at ~15 ms, then ~8 ms; a pause spent
# spinning instead of sleeping shows no such start).
_WARMUP_S = 0.1


def _block(fn: Callable[[], Any], n: int) -> list[float]:
    """Times (ms) of ``n`` calls of ``fn`` after untimed warm-up calls (``_WARMUP_S``)."""
    start = time.perf_counter()
    fn()
    while time.perf_counter() - start < _WARMUP_S:
        fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def _matmul_forward(lib: Any, n: int) -> Callable[[], Any]:
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    if lib is np:
        return lambda: np.matmul(a, b)
    ta, tb = lib.tensor(a), lib.tensor(b)
    return lambda: lib.matmul(ta, tb)


def make_step(lib: Any, key: str) -> Callable[[], Any]:
    """The timed step for a case name of CASES, ``"matmul N"`` or ``"matmul N forward"``."""
    if key.startswith("matmul"):
        n = int(key.split()[1])
        return _matmul_forward(lib, n) if key.endswith("forward") else _matmul_step(lib, n)
    functional = lib.nn.functional if lib.__name__ == "torch" else lib
    cases = CASES + [sweep_case(shape) for shape in sweep_shapes(SWEEP_FULL)]
    _, op, x_shape, w_shape, kwargs = next(c for c in cases if c[0] == key)
    return _step(lib, functional, op, x_shape, w_shape, kwargs)[0]


_TORCH_WORKER = """
import json, sys, bench.ops as b
from bench._timing import try_torch
torch = try_torch({threads})
print("ready" if torch is not None else "absent", flush=True)
steps = {{}}
for line in sys.stdin:
    key, n = line.rstrip("\\n").split("|")
    if key not in steps:
        steps[key] = b.make_step(torch, key)
    print(json.dumps(b._block(steps[key], int(n))), flush=True)
"""


class TorchWorker:
    """PyTorch in its own process, timing the same steps on request.

    Its own process, because PyTorch's OpenMP threads and our OpenBLAS/Numba threads each spin
    for a while after a parallel call: timing one engine right after the other in one process
    was measured here to slow whichever ran second by up to 10x. Requests alternate with our
    own blocks, so both engines see the same machine load.
    """

    def __init__(self, threads: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _TORCH_WORKER.format(threads=threads)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.alive = self.proc.stdout.readline().strip() == "ready"  # type: ignore[union-attr]

    def block(self, key: str, n: int) -> list[float]:
        self.proc.stdin.write(f"{key}|{n}\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait()


def paired(ours: Callable[[], Any], key: str, worker: TorchWorker | None, n: int,
           rounds: int, local: Callable[[], Any] | None = None,
           ) -> tuple[float, float | None, float | None]:  # fmt: skip
    """Medians (ms) of our step, PyTorch's and ``local``'s (a NumPy reference, if any).

    The steps are timed in alternating blocks, so slow spells of the machine reach all of them.
    A pause before each block lets the other engine's worker threads stop spinning (Intel
    OpenMP spins for 200 ms after a parallel region by default).
    """
    per_block = max(1, -(-n // rounds))
    mine: list[float] = []
    theirs: list[float] = []
    reference: list[float] = []
    for _ in range(rounds):
        if worker is not None:
            time.sleep(_PAUSE_S)
        mine += _block(ours, per_block)
        if local is not None:
            if worker is not None:
                time.sleep(_PAUSE_S)  # the same start as the other two blocks
            reference += _block(local, per_block)
        if worker is not None:
            time.sleep(_PAUSE_S)
            theirs += worker.block(key, per_block)
    return (
        statistics.median(mine),
        statistics.median(theirs) if theirs else None,
        statistics.median(reference) if reference else None,
    )


_PAUSE_S = 0.25


def sweep_rows(worker: TorchWorker | None, n: int, repeat: int, rounds: int) -> list[dict]:
    """The 3x3 stride-1 sweep (:func:`sweep_shapes`), fwd+bwd, each shape timed as the other
    rows; summarized as three rows, the shapes of min, median and max ratio to PyTorch (without
    PyTorch, of our min, median and max GFLOP/s)."""
    import autograd as ag

    timed = []
    for shape in sweep_shapes(n):
        name, op, x_shape, w_shape, kwargs = sweep_case(shape)
        ours, theirs, _ = paired(make_step(ag, name), name, worker, repeat, rounds)
        y_shape = (x_shape[0], w_shape[0], x_shape[2], x_shape[3])
        gflops = 3 * conv_flops(op, x_shape, w_shape, y_shape) / ours * 1e-6
        r = row(name.replace("conv2d 3x3 sweep ", ""), ours, theirs, gflops=gflops)
        print(f"  {r['name']}: {ours:.2f} ms, ratio {_fmt_ratio(r['ratio'])}", flush=True)
        timed.append(r)
    key = (lambda r: r["ratio"]) if worker is not None else (lambda r: -r["gflops"])
    timed.sort(key=key)
    rows = []
    for label, r in (("min", timed[0]), ("median", timed[len(timed) // 2]), ("max", timed[-1])):
        rows.append({**r, "name": f"conv2d 3x3 s1 sweep of {n} shapes, {label}: {r['name']}"})
    return rows


def _fmt_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def run(quick: bool = False, threads: int = 2) -> list[dict]:
    """Rows for the op benchmarks (see the module docstring)."""
    import autograd as ag

    ag.set_num_threads(threads)
    repeat, rounds = (6, 2) if quick else (21, 3)
    # PyTorch is never imported in this process (see TorchWorker); only looked for.
    worker = None
    if importlib.util.find_spec("torch") is not None:
        worker = TorchWorker(threads)
        if not worker.alive:
            worker.close()
            worker = None
    rows = []
    try:
        for name, op, x_shape, w_shape, kwargs in CASES:
            ours, theirs, _ = paired(make_step(ag, name), name, worker, repeat, rounds)
            extra = {}
            if w_shape is not None:
                y = getattr(ag, op)(ag.zeros(*x_shape), ag.zeros(*w_shape), **kwargs)
                extra["gflops"] = 3 * conv_flops(op, x_shape, w_shape, y.shape) / ours * 1e-6
            rows.append(row(name + ", fwd+bwd", ours, theirs, **extra))
        rows += sweep_rows(worker, SWEEP_QUICK if quick else SWEEP_FULL, repeat, rounds)
        for n in MATMUL_SIZES:
            flops = 2.0 * n**3
            for key, local, work in [
                (f"matmul {n}", _np_matmul_step(n), 3 * flops),
                (f"matmul {n} forward", _matmul_forward(np, n), flops),
            ]:
                # A 256 step takes ~0.5 ms, so it affords many more calls; 2048 fwd+bwd ~0.2 s.
                reps = 10 * repeat if n == 256 else 3 if key == "matmul 2048" else repeat
                ours, theirs, np_ms = paired(make_step(ag, key), key, worker, reps, rounds, local)
                what = "forward" if key.endswith("forward") else "fwd+bwd"
                rows.append(row(f"matmul {n}x{n} @ {n}x{n}, {what}", ours, theirs,
                                gflops=work / ours * 1e-6,
                                np_gflops=work / np_ms * 1e-6))  # fmt: skip
    finally:
        if worker is not None:
            worker.close()
    torch_rss = peak_rss_mib("torch", threads) if worker is not None else None
    if not quick:
        chosen = ag_layer()
        other = "workqueue" if chosen == "omp" else "omp"
        for key in LAYER_CASES:
            ours = layer_ms(chosen, key, threads, override=False)
            theirs = layer_ms(other, key, threads)
            if ours is not None:
                rows.append(row(f"{key}, fwd+bwd, fresh process: {chosen} layer (ours) vs {other}",
                                ours, None, other_layer_ms=theirs))  # fmt: skip
    rows.append(row("peak RSS (MiB), fresh process, conv2d b32 64->64 32x32 fwd+bwd",
                    peak_rss_mib("autograd", threads), torch_rss))  # fmt: skip
    # The same fresh cache directory twice: the first process compiles into it, the second
    # loads from it.
    with tempfile.TemporaryDirectory() as cache:
        cold = first_conv_ms(threads, cache)
        warm = first_conv_ms(threads, cache)
    rows.append(row("cold compile: first conv2d fwd+bwd, empty Numba cache (ms)", cold, None))
    rows.append(row("warm start: first conv2d fwd+bwd, cache present (ms)", warm, None))
    return rows
