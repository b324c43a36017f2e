"""The main job: a LeNet-style CNN on scikit-learn's bundled handwritten digits (no download).

The same model, initial weights, optimizer (Adam), learning-rate schedule and batches are run in
numbagrad and, when it is installed, in PyTorch; the report gives both test accuracies, both
times and their ratio. The full run trains :data:`TRAIN_REPEATS` times per engine, the engines
taking turns, and reports each one's median time (``--quick``: once each).

Then the first run as a new user meets it: the same training in a fresh process per engine, import
included, ours on an empty Numba kernel cache (a fresh ``NUMBA_CACHE_DIR``), where the kernels it
uses are compiled on the way or stood in for by NumPy paths; once more on the cache that run
filled. The difference of the two is what the first run paid, and the one-time compile that a
worker process does after it (waited for, outside the run's time) has its own row.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ._timing import TorchSide, row


def load_digits_split(seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits as (N, 1, 8, 8) float32 in [0, 1], split 80/20 with a fixed seed."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = len(y) // 5
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def build_model(nn: Any) -> Any:
    """LeNet-style: conv-bn-relu-pool twice, dropout, two linear layers (same code in both)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(32 * 2 * 2, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def _batches(n: int, batch_size: int, epochs: int, seed: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [np.array_split(rng.permutation(n), max(1, n // batch_size)) for _ in range(epochs)]


def train(lib: str, data: tuple, init_state: dict | None, epochs: int, progress: bool) -> dict:
    """Train with ``lib`` ("numbagrad" or "torch"); returns accuracy, seconds, loss curve."""
    xtr, ytr, xte, yte = data
    if lib == "torch":
        import torch
        import torch.nn as tnn

        torch.manual_seed(0)
        model = build_model(tnn)
        if init_state is not None:
            model.load_state_dict({k: torch.from_numpy(v) for k, v in init_state.items()})
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
        as_tensor, loss_fn, no_grad = torch.from_numpy, tnn.functional.cross_entropy, torch.no_grad
    else:
        import autograd
        import nn
        import optim

        autograd.manual_seed(0)
        model = build_model(nn)
        opt = optim.Adam(model.parameters(), lr=3e-3)
        sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
        as_tensor, no_grad = autograd.from_numpy, autograd.no_grad
        loss_fn = nn.functional.cross_entropy
    x_train, y_train = as_tensor(xtr), as_tensor(ytr)
    curve = []
    bar = _progress(epochs, lib) if progress else None
    start = time.perf_counter()
    for epoch_batches in _batches(len(ytr), 64, epochs, seed=1):
        model.train()
        total, count, correct = 0.0, 0, 0
        for idx in epoch_batches:
            ids = as_tensor(idx)
            xb, yb = x_train[ids], y_train[ids]
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
            correct += int((out.argmax(dim=1) == yb).sum().item())
        sched.step()
        curve.append(total / count)
        if bar is not None:
            bar.set_postfix(loss=f"{curve[-1]:.3f}", acc=f"{correct / count:.3f}")
            bar.update(1)
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    model.eval()
    with no_grad():
        pred = model(as_tensor(xte)).argmax(dim=1).numpy()
    return {"accuracy": float((pred == yte).mean()), "seconds": seconds, "curve": curve}


def _progress(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=f"{desc:>9}", unit="epoch", leave=True)


_FIRST_RUN_CODE = """
import json, time
import bench.train as b
data = b.load_digits_split()  # the same for both engines: loaded before the clock starts
start = time.perf_counter()
engine = __import__("torch" if {lib!r} == "torch" else "autograd")
engine.set_num_threads({threads})
imported = time.perf_counter() - start
b.train({lib!r}, data, None, {epochs}, progress=False)
total = time.perf_counter() - start
if {lib!r} != "torch":  # kernels compiled after the run, for the next one (waited for here)
    from autograd.kernels import _elsewhere
    _elsewhere.hand_over()
    _elsewhere.wait()
after = time.perf_counter() - start - total
print(json.dumps({{"total": total, "import": imported, "after": after}}))
"""


def fresh_train(lib: str, epochs: int, threads: int, cache_dir: str | None = None) -> dict:
    """Seconds of import + ``epochs`` epochs of training in a fresh process (``"total"``, and
    ``"import"`` alone), with Numba's kernel cache in ``cache_dir`` when given."""
    env = {**os.environ, "AUTOGRAD_COMPILE_ELSEWHERE": "1"}  # as a user runs it
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    code = _FIRST_RUN_CODE.format(lib=lib, threads=threads, epochs=epochs)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_run_rows(epochs: int, threads: int, with_torch: bool) -> list[dict]:
    """The first run on an empty kernel cache, the run after it, and the compile between them."""
    with tempfile.TemporaryDirectory() as cache:
        cold = fresh_train("numbagrad", epochs, threads, cache)
        warm = fresh_train("numbagrad", epochs, threads, cache)
    theirs = fresh_train("torch", epochs, threads) if with_torch else None
    torch_ms = None if theirs is None else theirs["total"] * 1e3
    torch_import = None if theirs is None else theirs["import"] * 1e3
    what = f"LeNet {epochs} epochs in a fresh process, import included"
    return [
        row(f"first run: {what}, empty kernel cache", cold["total"] * 1e3, torch_ms,
            import_ms=cold["import"] * 1e3, torch_import_ms=torch_import),
        row("  of which stand-in paths while kernels are not compiled (first run - next run)",
            (cold["total"] - warm["total"]) * 1e3, None),
        row("  after it: the one-time compile, by a worker process, for the next run",
            cold["after"] * 1e3, None),
        row(f"next run: {what}, kernel cache filled", warm["total"] * 1e3, torch_ms,
            import_ms=warm["import"] * 1e3, torch_import_ms=torch_import),
    ]  # fmt: skip


def torch_run(torch: Any, epochs: int) -> dict:
    """:func:`train` in PyTorch from numbagrad's initial weights (in
    :class:`~bench._timing.TorchSide`'s process)."""
    import autograd
    import nn

    autograd.manual_seed(0)
    init = {k: v.numpy().copy() for k, v in build_model(nn).state_dict().items()}
    return train("torch", load_digits_split(), init, epochs, progress=True)


#: Trainings per engine in the full run, alternating between the engines; the row reports
#: each engine's median (the host's speed moves by several percent from one second to the next).
TRAIN_REPEATS = 3


def run(quick: bool = False, threads: int = 2) -> dict:
    """Train in both engines; rows for the report plus the loss curves for the chart."""
    data = load_digits_split()
    epochs = 8 if quick else 20
    repeats = 1 if quick else TRAIN_REPEATS
    runs: dict[str, list[dict]] = {"numbagrad": [], "PyTorch": []}
    with TorchSide(threads) as side:
        if not side.available:
            print("PyTorch is not installed; `pip install torch==2.13.0` to compare against it.")
        for i in range(repeats):  # the engines take turns
            runs["numbagrad"].append(train("numbagrad", data, None, epochs, progress=i == 0))
            if side.available:
                runs["PyTorch"].append(side.call("bench.train", "torch_run", epochs))
    medians = {}
    for lib, done in runs.items():
        if done:
            seconds = [r["seconds"] for r in done]
            medians[lib] = statistics.median(seconds)
            each = ", ".join(f"{t:.2f}" for t in seconds)
            print(f"{lib + ':':10} test accuracy {done[0]['accuracy']:.4f} in {each} s")
    ours, theirs = runs["numbagrad"][0], runs["PyTorch"][0] if runs["PyTorch"] else None
    rows = []
    curves = {"numbagrad": ours["curve"]}
    if theirs is not None:
        ratio = medians["numbagrad"] / medians["PyTorch"]
        print(f"time ratio numbagrad / PyTorch (medians of {repeats}): {ratio:.2f}")
        curves["PyTorch"] = theirs["curve"]
    rows.append(
        row(
            f"LeNet on digits, {epochs} epochs (train)",
            medians["numbagrad"] * 1e3,
            None if theirs is None else medians["PyTorch"] * 1e3,
            acc_ours=ours["accuracy"],
            acc_torch=None if theirs is None else theirs["accuracy"],
        )
    )
    rows += first_run_rows(epochs, threads, theirs is not None)
    return {"rows": rows, "curves": curves}
