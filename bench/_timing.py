"""Timing helpers shared by the benchmark modules: medians after warm-up, ratios to PyTorch."""

from __future__ import annotations

import gc
import resource
import statistics
import time
from collections.abc import Callable
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
