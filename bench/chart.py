"""The report chart: training-loss curves of both engines and the ratio of every benchmark."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw(rows: dict[str, list[dict]], extras: dict, path: Path) -> None:
    """Write a PNG with loss curves (when the train section ran) and a bar chart of ratios."""
    ratios = [(r["name"], r["ratio"]) for rs in rows.values() for r in rs if r.get("ratio")]
    curves = extras.get("train", {}).get("curves", {})
    ncols = 2 if curves else 1
    fig, axes = plt.subplots(1, ncols, figsize=(7 * ncols, max(4, 0.35 * len(ratios) + 1.5)))
    axes = [axes] if ncols == 1 else list(axes)
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
