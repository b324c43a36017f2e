"""Data-parallel training on 1 and 2 processes (``mpiexec``), against PyTorch's DDP on gloo.

``run`` launches this module under ``mpiexec -n 1`` and ``-n 2`` (one thread per process), once
with numbagrad and once with PyTorch, and reads what rank 0 measured:

- step time and samples/s of DistributedDataParallel training for LeNet (the main job's model,
  ``bench/train.py``) and a ~10M-parameter MLP, batch 64 per process;
- all-reduce time and bus bandwidth (``2 (N-1)/N * bytes / time``, the data a ring moves) by
  message size;
- the share of a step spent waiting for communication: with DDP's overlap (buckets reduced while
  backward runs), and without (the same gradients reduced in one call after backward), each
  against the step without any communication (``no_sync``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ._timing import row

BATCH = 64  # per process
SIZES = [2**12, 2**16, 2**20, 2**24, 2**26]  # all-reduce message sizes in bytes
ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------- in each process
def _mlp(nn: Any) -> Any:
    """784-2048-2048-2048-10: 10.0M parameters (40 MB of float32 gradients)."""
    return nn.Sequential(
        nn.Linear(784, 2048), nn.ReLU(), nn.Linear(2048, 2048), nn.ReLU(),
        nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 10),
    )  # fmt: skip


def _lenet(nn: Any) -> Any:
    from .train import build_model

    return build_model(nn)


MODELS = {"LeNet": (_lenet, (1, 8, 8)), "MLP 10M": (_mlp, (784,))}


class _Ours:
    """numbagrad's side of the measurements."""

    def __init__(self) -> None:
        import autograd
        import autograd.distributed as dist
        import nn
        import optim

        autograd.set_num_threads(1)
        dist.init_process_group("mpi")
        self.ag, self.dist, self.nn, self.optim = autograd, dist, nn, optim
        self.rank, self.size = dist.get_rank(), dist.get_world_size()

    def tensor(self, array: np.ndarray) -> Any:
        return self.ag.from_numpy(array)  # autograd.from_numpy or torch.from_numpy

    def ddp(self, model: Any) -> Any:
        return self.nn.parallel.DistributedDataParallel(model)

    def loss(self, out: Any, y: Any) -> Any:
        return self.nn.functional.cross_entropy(out, y)

    def average(self, flat: Any) -> None:
        self.dist.all_reduce(flat, op=self.dist.ReduceOp.AVG)

    def allreduce_grads(self, params: list) -> None:
        """Average every gradient in one all-reduce after backward (no overlap)."""
        flat = self.ag.cat([p.grad.reshape(-1) for p in params])
        self.average(flat)
        offset = 0
        with self.ag.no_grad():
            for p in params:
                n = p.numel()
                p.grad.copy_(flat[offset : offset + n].view(p.shape))
                offset += n

    def buffer(self, nbytes: int) -> Any:
        return self.ag.ones(nbytes // 4)

    def allreduce(self, buf: Any) -> None:
        self.dist.group.WORLD.allreduce(buf).wait()  # DDP's path: no cross-rank argument check

    def barrier(self) -> None:
        self.dist.barrier()


class _Torch(_Ours):
    """PyTorch's side: the same steps with torch.nn.parallel.DistributedDataParallel on gloo."""

    def __init__(self, port: int) -> None:
        import torch
        import torch.distributed as dist

        torch.set_num_threads(1)
        self.rank, self.size = int(os.environ["PMI_RANK"]), int(os.environ["PMI_SIZE"])
        dist.init_process_group(
            "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=self.rank, world_size=self.size
        )
        self.ag, self.dist, self.nn, self.optim = torch, dist, torch.nn, torch.optim

    def average(self, flat: Any) -> None:
        self.dist.all_reduce(flat)  # gloo has no AVG
        flat /= self.size

    def allreduce(self, buf: Any) -> None:
        self.dist.all_reduce(buf)


def _median_ms(fn: Any, steps: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _measure(lib: _Ours, steps: int) -> dict:
    rng = np.random.default_rng(lib.rank)
    found: dict = {"size": lib.size, "models": {}, "allreduce_ms": {}}
    for name, (build, shape) in MODELS.items():
        found["models"][name] = _time_model(lib, build, shape, rng, steps)
    if lib.size > 1:
        for nbytes in SIZES:
            found["allreduce_ms"][nbytes] = _time_allreduce(lib, nbytes)
    return found


def _time_model(lib: _Ours, build: Any, shape: tuple, rng: Any, steps: int) -> dict:
    """Median step time (ms) with DDP's overlap, without communication, and reduced after."""
    lib.ag.manual_seed(0)
    model = lib.ddp(build(lib.nn))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = lib.optim.SGD(params, lr=1e-3)
    x = lib.tensor(rng.random((BATCH, *shape)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, BATCH))

    def forward_backward() -> None:
        opt.zero_grad()
        lib.loss(model(x), y).backward()

    def overlapped() -> None:
        forward_backward()
        opt.step()

    def compute_only() -> None:
        with model.no_sync():
            forward_backward()
        opt.step()

    def reduced_after() -> None:
        with model.no_sync():
            forward_backward()
        lib.allreduce_grads(params)
        opt.step()

    times = {}
    for mode, fn in (("overlap", overlapped), ("compute", compute_only), ("after", reduced_after)):
        lib.barrier()
        times[mode] = _median_ms(fn, steps)
    return times


def _time_allreduce(lib: _Ours, nbytes: int) -> float:
    buf = lib.buffer(nbytes)
    lib.barrier()
    reps = max(5, min(200, (2**24 // nbytes) * 5))
    return _median_ms(lambda: lib.allreduce(buf), reps)


def _worker(lib_name: str, out: str, steps: int, port: int) -> None:
    lib = _Ours() if lib_name == "numbagrad" else _Torch(port)
    found = _measure(lib, steps)
    if lib.rank == 0:
        Path(out).write_text(json.dumps(found))
    lib.barrier()
    if lib_name == "torch":
        # gloo's threads can abort the interpreter's teardown ("terminate called without an
        # active exception"); the results are written, so leave without it.
        sys.stdout.flush()
        os._exit(0)
    lib.dist.destroy_process_group()


# ------------------------------------------------------------------------------ the driver
def _mpiexec() -> str | None:
    sibling = Path(sys.executable).with_name("mpiexec")
    if sibling.exists():
        return str(sibling)
    from shutil import which

    return which("mpiexec")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(lib: str, n: int, steps: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [_mpiexec(), "-n", str(n), sys.executable, "-m", "bench.distributed", "--worker",
               lib, out, "--steps", str(steps), "--port", str(_free_port())]  # fmt: skip
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
        return json.loads(Path(out).read_text())


def _share(times: dict, mode: str) -> float:
    """Fraction of the step spent on communication (time beyond the step without any)."""
    return max(0.0, times[mode] - times["compute"]) / times[mode]


def _bus_gbs(nbytes: int, ms: float, n: int) -> float:
    return 2 * (n - 1) / n * nbytes / (ms * 1e-3) / 1e9


def run(quick: bool = False, threads: int = 1) -> list[dict]:
    """Rows for the report: DDP steps on 1 and 2 processes, all-reduce bandwidth, wait shares."""
    import importlib.util

    if _mpiexec() is None or importlib.util.find_spec("mpi4py") is None:
        print("distributed: needs mpiexec and mpi4py (pip install -e '.[distributed]'); skipped")
        return []
    has_torch = importlib.util.find_spec("torch") is not None
    steps = 8 if quick else 25
    ours = {n: _launch("numbagrad", n, steps) for n in (1, 2)}
    theirs = {n: _launch("torch", n, steps) for n in (1, 2)} if has_torch else {}
    rows = []
    for name in MODELS:
        for n in (1, 2):
            t = ours[n]["models"][name]["overlap"]
            tt = theirs[n]["models"][name]["overlap"] if theirs else None
            rows.append(
                row(f"DDP {name} step, {n} process{'es' if n > 1 else ''} (1 thread each, "
                    f"batch {BATCH} per process)", t, tt,
                    samples_per_s=n * BATCH / t * 1e3,
                    samples_per_s_torch=None if tt is None else n * BATCH / tt * 1e3)
            )  # fmt: skip
    for nbytes in SIZES:
        t = ours[2]["allreduce_ms"][str(nbytes)]
        tt = theirs[2]["allreduce_ms"][str(nbytes)] if theirs else None
        rows.append(
            row(f"all-reduce {_human(nbytes)} float32, 2 processes", t, tt,
                bus_GB_s=_bus_gbs(nbytes, t, 2),
                bus_GB_s_torch=None if tt is None else _bus_gbs(nbytes, tt, 2))
        )  # fmt: skip
    for name in MODELS:
        times = ours[2]["models"][name]
        extra = {}
        if theirs:
            extra = {"torch_wait_share_overlap": _share(theirs[2]["models"][name], "overlap")}
        rows.append(
            row(
                f"{name}, 2 processes: share of the step waiting on communication",
                times["overlap"],
                None,
                compute_only_ms=times["compute"],
                reduced_after_backward_ms=times["after"],
                wait_share_overlap=_share(times, "overlap"),
                wait_share_no_overlap=_share(times, "after"),
                **extra,
            )
        )
    return rows


def _human(nbytes: int) -> str:
    for unit, size in (("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= size:
            return f"{nbytes // size} {unit}"
    return f"{nbytes} B"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="one process of the distributed benchmark")
    parser.add_argument("--worker", nargs=2, metavar=("LIB", "OUT"), required=True)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--port", type=int, default=29500)
    args = parser.parse_args()
    _worker(args.worker[0], args.worker[1], args.steps, args.port)
