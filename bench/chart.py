"""The report chart: training-loss curves of both engines, the data-parallel speed-up curve, and
the ratio of every benchmark."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

_DDP_ROW = re.compile(r"DDP (?P<model>.+) step, (?P<n>\d+) process")


def speedups(rows: list[dict]) -> dict[str, dict[int, float]]:
    """From the distributed section's rows: samples/s relative to one process, by engine and
    model (``{"numbagrad LeNet": {1: 1.0, 2: 1.7}, ...}``).

    Examples
    --------
    >>> speedups([{"name": "DDP m step, 1 process (...)", "samples_per_s": 10.0},
    ...           {"name": "DDP m step, 2 processes (...)", "samples_per_s": 15.0}])
    {'numbagrad m': {1: 1.0, 2: 1.5}}
    """
    rates: dict[str, dict[int, float]] = {}
    for r in rows:
        m = _DDP_ROW.match(r.get("name", ""))
        if not m:
            continue
        for engine, key in (("numbagrad", "samples_per_s"), ("PyTorch", "samples_per_s_torch")):
            if r.get(key):
                rates.setdefault(f"{engine} {m['model']}", {})[int(m["n"])] = r[key]
    return {
        label: {n: v / by_n[1] for n, v in sorted(by_n.items())}
        for label, by_n in rates.items()
        if 1 in by_n
    }


def draw(rows: dict[str, list[dict]], extras: dict, path: Path) -> None:
    """Write a PNG with loss curves (when the train section ran), the data-parallel speed-up
    (when the distributed section ran) and a bar chart of ratios."""
    ratios = [(r["name"], r["ratio"]) for rs in rows.values() for r in rs if r.get("ratio")]
    curves = extras.get("train", {}).get("curves", {})
    scaling = speedups(rows.get("distributed", []))
    ncols = 1 + bool(curves) + bool(scaling)
    fig, axes = plt.subplots(1, ncols, figsize=(7 * ncols, max(4, 0.35 * len(ratios) + 1.5)))
    axes = [axes] if ncols == 1 else list(axes)
    if scaling:
        ax = axes.pop(0)
        for label, by_n in scaling.items():
            ax.plot(list(by_n), list(by_n.values()), marker="o", label=label)
        top = max(n for by_n in scaling.values() for n in by_n)
        ax.plot([1, top], [1, top], "k:", lw=0.8, label="ideal")
        ax.set_xticks(sorted({n for by_n in scaling.values() for n in by_n}))
        ax.set_xlabel("processes (1 thread each)")
        ax.set_ylabel("speed-up in samples/s over 1 process")
        ax.set_title("Data-parallel training (DistributedDataParallel on MPI)")
        ax.legend(fontsize=7)
    if curves:
        ax = axes.pop(0)
        for label, losses in curves.items():
            ax.plot(range(1, len(losses) + 1), losses, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.set_title("LeNet on digits")
        ax.legend()
    ax = axes[0]
    if ratios:
        names = [n for n, _ in ratios]
        values = [v for _, v in ratios]
        colors = ["tab:green" if v <= 1 else "tab:orange" for v in values]
        ax.barh(range(len(values)), values, color=colors)
        ax.set_yticks(range(len(values)), names, fontsize=7)
        ax.axvline(1.0, color="k", lw=0.8)
        ax.invert_yaxis()
        ax.set_xlabel("numbagrad / PyTorch: time, or memory for RSS rows (lower is better)")
    else:
        ax.text(0.5, 0.5, "no PyTorch ratios (torch not installed)", ha="center", va="center")
        ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
