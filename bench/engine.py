"""Engine overhead benchmarks: import time, a chain of 200 small elementwise ops, a
64-256-256-10 MLP step, a hand-written LSTM over 20 time steps, a small two-conv CNN training
step, a transformer encoder layer's step (attention block), the cost per op of recording graphs
of 1 000 to 50 000 ops (garbage collector on, as a user runs), and peak memory over many MLP
steps."""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ._timing import TorchSide, median_ms, row

# (batch, hidden) of the LSTM rows; the quick run keeps the first and the third.
LSTM_SIZES = [(8, 64), (32, 128), (128, 256), (16, 512)]
LSTM_STEPS = 20
LSTM_INPUTS = 32
_COMPILED = "forward through autograd.compile (PyTorch eager)"
# (batch, sequence length, model width) of the attention block rows (4 heads, feed-forward 4x).
ATTENTION_SIZES = [(8, 32, 64), (32, 32, 128)]
GRAPH_SIZES = (1_000, 10_000, 50_000)


def import_time_ms() -> float:
    """Median wall time of ``import autograd`` in a fresh interpreter (nothing compiled)."""
    code = "import time; t=time.perf_counter(); import autograd; print(time.perf_counter()-t)"
    times = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip()) * 1e3)
    return sorted(times)[1]


def _chain(lib: Any, n_ops: int, compiled: bool = False) -> Any:
    """One step of ``n_ops`` small elementwise ops and their backward, with ``lib`` (autograd
    or torch); ``compiled``: the ops through ``autograd.compile``."""
    x = lib.randn(16, requires_grad=True)

    def loss(y: Any) -> Any:
        for _ in range(n_ops // 4):
            y = ((y * 0.9 + 0.1).tanh() - 0.05) * 1.01
        return y.sum()

    if compiled:
        loss = lib.compile(loss)

    def step() -> None:
        loss(x).backward()
        x.grad = None

    return step


def _mlp(lib: Any, is_torch: bool, batch: int = 64, compiled: bool = False) -> tuple:
    rng = np.random.default_rng(0)
    sizes = [(64, 256), (256, 256), (256, 10)]
    params = []
    for fan_in, fan_out in sizes:
        w = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)
        b = np.zeros(fan_out, np.float32)
        params += [lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)]
    x = lib.tensor(rng.standard_normal((batch, 64)).astype(np.float32))
    target = lib.tensor(rng.integers(0, 10, batch))
    rows = lib.arange(batch)

    def loss(h: Any, target: Any) -> Any:
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        logp = h.log_softmax(dim=1)
        return -logp[rows, target].mean()

    if compiled:
        loss = lib.compile(loss)

    def step() -> None:
        loss(x, target).backward()
        for p in params:
            p.grad = None

    return step, params


def _lstm(
    lib: Any, batch: int, hidden: int, steps: int = LSTM_STEPS, compiled: bool = False
) -> Callable[[], None]:
    """One fwd+bwd of an LSTM written by hand (matmuls, chunk, sigmoid, tanh, products) over
    ``steps`` time steps of a fixed input sequence, loss = mean of the last hidden state squared;
    ``compiled``: the forward through ``autograd.compile``."""
    rng = np.random.default_rng(0)
    scale = 1 / np.sqrt(hidden)

    def param(*shape: int) -> Any:
        w = rng.uniform(-scale, scale, shape).astype(np.float32)
        return lib.tensor(w, requires_grad=True)

    w_ih, w_hh, b = param(LSTM_INPUTS, 4 * hidden), param(hidden, 4 * hidden), param(4 * hidden)
    xs = lib.tensor(rng.standard_normal((steps, batch, LSTM_INPUTS)).astype(np.float32))
    zeros = lib.tensor(np.zeros((batch, hidden), np.float32))
    params = (w_ih, w_hh, b)

    def loss(xs: Any) -> Any:
        h = c = zeros
        for t in range(steps):
            gates = xs[t] @ w_ih + h @ w_hh + b
            i, f, g, o = gates.chunk(4, dim=1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
        return (h * h).mean()

    if compiled:
        loss = lib.compile(loss)

    def step() -> None:
        loss(xs).backward()
        for p in params:
            p.grad = None

    return step


def build_cnn(nn: Any) -> Any:
    """conv(3->16)-relu-pool, conv(16->32)-relu-pool, linear(2048->10), for 32x32 RGB images."""
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 10),
    )


def _cnn(torch: Any | None, batch: int = 32) -> Callable[[], None]:
    """One SGD(momentum) training step of :func:`build_cnn` with cross-entropy, in numbagrad
    (``torch`` None) or in PyTorch from numbagrad's initial weights."""
    import autograd
    import nn

    autograd.manual_seed(0)
    ours = build_cnn(nn)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    if torch is None:
        import optim

        model, opt = ours, optim.SGD(ours.parameters(), lr=0.01, momentum=0.9)
        xb, yb, loss_fn = autograd.tensor(x), autograd.tensor(y), nn.functional.cross_entropy
    else:
        model = build_cnn(torch.nn)
        state = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
        model.load_state_dict(state)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        xb, yb, loss_fn = torch.tensor(x), torch.tensor(y), torch.nn.functional.cross_entropy

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    return step


def _attention(torch: Any | None, batch: int, seq: int, width: int) -> Callable[[], None]:
    """One fwd+bwd of ``nn.TransformerEncoderLayer(width, 4, 4 * width)`` (no dropout, batch
    first) on a fixed ``(batch, seq, width)`` input, loss = mean of the output squared; in
    numbagrad (``torch`` None) or in PyTorch from numbagrad's initial weights."""
    import autograd
    import nn

    autograd.manual_seed(0)

    def layer(lib_nn: Any) -> Any:
        return lib_nn.TransformerEncoderLayer(
            width, 4, dim_feedforward=4 * width, dropout=0.0, batch_first=True
        )

    ours = layer(nn)
    x = np.random.default_rng(0).standard_normal((batch, seq, width)).astype(np.float32)
    if torch is None:
        model, xb = ours, autograd.tensor(x)
    else:
        model = layer(torch.nn)
        state = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
        model.load_state_dict(state)
        xb = torch.tensor(x)
    params = list(model.parameters())

    def step() -> None:
        y = model(xb)
        (y * y).mean().backward()
        for p in params:
            p.grad = None

    return step


def record_us_per_op(lib: Any, n_ops: int, repeat: int) -> float:
    """Median time (us) per op of recording a chain of ``n_ops`` small elementwise ops.

    The garbage collector stays on, as a user runs: what it costs while a large graph is alive
    is the subject. Each graph is differentiated and dropped after its timing, untimed.
    """
    x = lib.randn(16, requires_grad=True)
    gc.collect()
    times = []
    for _ in range(repeat + 1):  # the first is a warm-up
        t0 = time.perf_counter()
        y = x
        for _ in range(n_ops // 5):
            y = ((y * 0.9 + 0.1).tanh() - 0.05) * 1.01
        times.append(time.perf_counter() - t0)
        y.sum().backward()
        x.grad = y = None
    return statistics.median(times[1:]) / n_ops * 1e6


def graph_size_rows(torch: TorchSide | None, quick: bool) -> list[dict]:
    """Per-op cost of recording graphs of ``GRAPH_SIZES`` ops, ours and PyTorch's (in its own
    process); ``vs_1k`` is our cost per op relative to the 1 000-op graph (flat in the size of
    the graph: ~1)."""
    import autograd as ag

    rows = []
    first = None
    for n in GRAPH_SIZES:
        repeat = max(3 if quick else 5, (30_000 if quick else 100_000) // n)
        ours = record_us_per_op(ag, n, repeat)
        theirs = torch.call("bench.engine", "record_us_per_op", n, repeat) if torch else None
        first = first or ours
        rows.append(
            row(
                f"record a chain of {n} elementwise ops (gc on)",
                ours * n * 1e-3,
                None if theirs is None else theirs * n * 1e-3,
                us_per_op=ours,
                torch_us_per_op=theirs,
                vs_1k=ours / first,
            )
        )
    return rows


def time_step(lib: Any, builder: str, args: list, repeat: int, pick: int | None = None) -> float:
    """Median ms of the step ``builder(lib, *args)`` makes (item ``pick`` of what it returns);
    ``builder`` names one of this module's step builders. Both engines' rows go through it, the
    PyTorch ones in :class:`~bench._timing.TorchSide`'s process."""
    step = globals()[builder](lib, *args)
    return median_ms(step if pick is None else step[pick], repeat)


def run(quick: bool = False, threads: int = 2) -> list[dict]:
    """Rows of (name, ours_ms, torch_ms, ratio) for the engine-overhead benchmarks."""
    import autograd as ag

    ag.set_num_threads(threads)
    with TorchSide(threads) as side:
        torch = side if side.available else None

        def both(builder: str, args: list, repeat: int, pick: int | None = None) -> tuple:
            ours = time_step(ag, builder, args, repeat, pick)
            if torch is None:
                return ours, None
            return ours, torch.call("bench.engine", "time_step", builder, args, repeat, pick)

        repeat = 10 if quick else 30
        rows = [row("import autograd (fresh process)", import_time_ms(), None)]
        ours, theirs = both("_chain", [200], repeat)
        rows.append(row("chain of 200 elementwise ops, fwd+bwd", ours, theirs))
        # The same steps with the forward through autograd.compile (against PyTorch's eager step).
        compiled = time_step(ag, "_chain", [200, True], repeat)
        rows.append(row(f"  the same, {_COMPILED}", compiled, theirs))
        ours, theirs = both("_mlp", [False], repeat * 3, pick=0)
        rows.append(row("MLP 64-256-256-10 step (batch 64), fwd+bwd", ours, theirs))
        compiled = time_step(ag, "_mlp", [False, 64, True], repeat * 3, pick=0)
        rows.append(row(f"  the same, {_COMPILED}", compiled, theirs))
        for batch, hidden in LSTM_SIZES[::2] if quick else LSTM_SIZES:
            reps = max(5, repeat * 64 // hidden)
            ours, theirs = both("_lstm", [batch, hidden], reps)
            name = f"LSTM by hand, {LSTM_STEPS} steps, batch {batch} hidden {hidden}, fwd+bwd"
            rows.append(row(name, ours, theirs))
            compiled = time_step(ag, "_lstm", [batch, hidden, LSTM_STEPS, True], reps)
            rows.append(row(f"  the same, {_COMPILED}", compiled, theirs))
        ours = median_ms(_cnn(None), repeat)
        theirs = torch.call("bench.engine", "time_step", "_cnn", [], repeat) if torch else None
        rows.append(row("CNN conv16-conv32-linear step (batch 32, 32x32 RGB), SGD", ours, theirs))
        for batch, seq, width in ATTENTION_SIZES[:1] if quick else ATTENTION_SIZES:
            args = [batch, seq, width]
            ours = median_ms(_attention(None, *args), repeat)
            theirs = (
                torch.call("bench.engine", "time_step", "_attention", args, repeat)
                if torch
                else None
            )
            name = f"transformer encoder layer step (batch {batch}, {seq} tokens, width {width})"
            rows.append(row(name, ours, theirs))
        rows += graph_size_rows(torch, quick)
    steps = 200 if quick else 1000
    ours_early, ours_late = rss_over_steps("autograd", steps)
    theirs_late = rss_over_steps("torch", steps)[1] if torch else None
    rows.append(
        row(
            f"peak RSS MiB after {steps} MLP steps (ours vs torch)",
            ours_late,
            theirs_late,
            ours_after_10_steps=ours_early,
        )
    )
    return rows


def rss_over_steps(lib_name: str, steps: int) -> tuple[float, float]:
    """Peak RSS (MiB) of a fresh process after 10 and after ``steps`` MLP steps with ``lib_name``.

    Read from ``/proc/self/status`` (VmHWM): ``ru_maxrss`` is inherited from the parent process.
    Equal numbers mean memory stays flat: nothing the graph saved outlives its step.
    """
    code = (
        "import bench.engine as e\n"
        "def hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM'):\n"
        "            return int(line.split()[1]) / 1024\n"
        f"lib = __import__({lib_name!r})\n"
        "if hasattr(lib, 'set_num_threads'): lib.set_num_threads(2)\n"
        f"step, _ = e._mlp(lib, {lib_name == 'torch'})\n"
        "for _ in range(10): step()\n"
        "early = hwm()\n"
        f"for _ in range({steps}): step()\n"
        "print(early, hwm())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    early, late = out.stdout.strip().splitlines()[-1].split()
    return float(early), float(late)
