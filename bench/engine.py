"""Engine overhead benchmarks: import time, a chain of 200 small elementwise
ops, a 64-256-256-10 MLP step, and peak memory over many MLP steps."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np

from ._timing import median_ms, row, try_torch


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


def _chain(lib: Any, n_ops: int) -> Any:
    """One step of ``n_ops`` small elementwise ops and their backward, with ``lib`` (autograd
    or torch)."""
    x = lib.randn(16, requires_grad=True)

    def step() -> None:
        y = x
        for _ in range(n_ops // 4):
            y = ((y * 0.9 + 0.1).tanh() - 0.05) * 1.01
        y.sum().backward()
        x.grad = None

    return step


def _mlp(lib: Any, is_torch: bool, batch: int = 64) -> tuple:
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

    def step() -> None:
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        logp = h.log_softmax(dim=1)
        loss = -logp[rows, target].mean()
        loss.backward()
        for p in params:
            p.grad = None

    return step, params


def run(quick: bool = False, threads: int = 2) -> list[dict]:
    """Rows of (name, ours_ms, torch_ms, ratio) for the engine-overhead benchmarks."""
    import autograd as ag

    torch = try_torch(threads)
    ag.set_num_threads(threads)
    repeat = 10 if quick else 30
    rows = [row("import autograd (fresh process)", import_time_ms(), None)]
    ours = median_ms(_chain(ag, 200), repeat)
    theirs = median_ms(_chain(torch, 200), repeat) if torch else None
    rows.append(row("chain of 200 elementwise ops, fwd+bwd", ours, theirs))
    step, _ = _mlp(ag, False)
    ours = median_ms(step, repeat * 3)
    theirs = median_ms(_mlp(torch, True)[0], repeat * 3) if torch else None
    rows.append(row("MLP 64-256-256-10 step (batch 64), fwd+bwd", ours, theirs))
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
