"""Timing helpers shared by the benchmark modules: medians after warm-up, ratios to PyTorch."""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def median_ms(
    fn: Callable[[], Any],
    repeat: int = 20,
    warmup: int = 3,
    min_time: float = 0.0,
    keep_gc: bool = False,
) -> float:
    """Median wall time of ``fn()`` in milliseconds, after ``warmup`` untimed calls.

    The cyclic garbage collector is off while timing unless ``keep_gc`` (for benchmarks whose
    subject is what the collector costs, timed as a user runs).
    """
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    gc_was = gc.isenabled()
    if not keep_gc:
        gc.disable()
    try:
        while len(times) < repeat or time.perf_counter() - start < min_time:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(times) * 1e3


def try_torch(threads: int) -> Any:
    """The torch module set to ``threads`` threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def row(name: str, ours_ms: float, torch_ms: float | None, **extra: Any) -> dict:
    """One result row: times in ms and the ratio ours/PyTorch (None without PyTorch)."""
    ratio = None if torch_ms is None else ours_ms / torch_ms
    return {"name": name, "ours_ms": ours_ms, "torch_ms": torch_ms, "ratio": ratio, **extra}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_TORCH_SIDE = """
import importlib, json, sys
from bench._timing import try_torch
torch = try_torch({threads})
print(json.dumps(torch is not None), flush=True)
for line in sys.stdin:
    module, name, args = json.loads(line)
    print(json.dumps(getattr(importlib.import_module(module), name)(torch, *args)), flush=True)
"""


class TorchSide:
    """PyTorch in a process of its own, running the benchmark's PyTorch timings on request.

    Both engines' OpenMP libraries answer to one name (``libgomp.so.1``): in one process the
    second to load uses the first's runtime, whose spin settings then slow it (this library's
    kernels on PyTorch's runtime ran a small CNN step 6.1 ms instead of 4.9, PyTorch on this
    library's runtime an MLP step 0.4 ms instead of 0.3). So each engine is timed in a process
    of its own. The main process imports PyTorch never.

    ``call(module, name, *args)`` returns ``module.name(torch, *args)`` (JSON in and out).
    """

    def __init__(self, threads: int) -> None:
        root = Path(__file__).resolve().parents[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _TORCH_SIDE.format(threads=threads)], cwd=root,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get(
                "PYTHONPATH", "")])},
        )  # fmt: skip
        self.available = bool(json.loads(self._read()))

    def _read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the PyTorch benchmark process ended early")
        return line

    def call(self, module: str, name: str, *args: Any) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps([module, name, list(args)]) + "\n")
        self.proc.stdin.flush()
        return json.loads(self._read())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)

    def __enter__(self) -> TorchSide:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
