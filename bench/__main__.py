"""``python -m bench``: train LeNet on the bundled digits, then benchmark ops against PyTorch.

With no arguments it runs every section and writes ``bench/results/report.md`` and
``bench/results/report.png``. ``--quick`` keeps the whole run under about 90 seconds.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

SECTIONS = {
    "train": "bench.train",
    "engine": "bench.engine",
    "ops": "bench.ops",
    "optim": "bench.optim_step",
    "distributed": "bench.distributed",
}
RESULTS = Path(__file__).resolve().parent / "results"


def _fmt(v: object, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}" if abs(v) < 1e4 else f"{v:.3g}"
    return str(v)


def table(rows: list[dict]) -> str:
    """A Markdown table of result rows (name, ours_ms, torch_ms, ratio, and any extras)."""
    keys = ["name", "ours_ms", "torch_ms", "ratio"]
    for r in rows:
        keys += [k for k in r if k not in keys]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(k)) for k in keys) + " |")
    return "\n".join(lines)


def summary_table(rows_by_section: dict[str, list[dict]]) -> str:
    """One Markdown table of every timed row that has a PyTorch ratio, across sections."""
    lines = ["| section | benchmark | ours / PyTorch |", "|---|---|---:|"]
    for section, rows in rows_by_section.items():
        for r in rows:
            if r.get("ratio") is not None and r.get("torch_ms") is not None:
                lines.append(f"| {section} | {r['name']} | {r['ratio']:.2f} |")
    if len(lines) == 2:
        lines.append("| - | PyTorch not installed: `pip install torch==2.13.0` | - |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short run (about 90 s on 2 cores)")
    parser.add_argument(
        "--only",
        choices=sorted(SECTIONS),
        action="append",
        help="run only this section (repeatable)",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="threads for both engines (default 2)"
    )
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")

    # The processes the sections start leave no kernel-compiling worker behind to run beside
    # the next timing (the first-run rows ask for one, and wait for it).
    os.environ["AUTOGRAD_COMPILE_ELSEWHERE"] = "0"
    import autograd
    from autograd.kernels import _jit

    autograd.set_num_threads(args.threads)
    # Rows in this process are steady state: parallel kernels run on large arrays from the first
    # call instead of after their serial twins' first second, and no path stands in for kernels
    # not compiled yet (fresh-process rows keep both rules).
    _jit.PARALLEL_COMPILE_AFTER_SECONDS = 0.0
    _jit.STAND_IN_SECONDS = 0.0
    chosen = args.only or list(SECTIONS)
    report = [
        "# numbagrad benchmark report",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')} · {platform.machine()} · {platform.python_version()} "
        f"· threads={args.threads}{' · quick' if args.quick else ''}",
        "",
        "Times are medians after warm-up; ratio = ours / PyTorch in the same run (lower is better)",
    ]
    all_rows: dict[str, list[dict]] = {}
    extras: dict[str, object] = {}
    for name in chosen:
        module = importlib.import_module(SECTIONS[name])
        print(f"\n== {name} ==", flush=True)
        result = module.run(quick=args.quick, threads=args.threads)
        if isinstance(result, dict):  # the train section also returns curves for the chart
            extras[name] = result
            rows = result["rows"]
        else:
            rows = result
        all_rows[name] = rows
        print(table(rows), flush=True)
        report += ["", f"## {name}", "", table(rows)]
    summary = summary_table(all_rows)
    print("\n== all ratios to PyTorch (ours / PyTorch, lower is better) ==\n" + summary, flush=True)
    report[5:5] = ["", "## All ratios to PyTorch", "", summary]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report.md").write_text("\n".join(report) + "\n")
    try:
        from .chart import draw

        draw(all_rows, extras, RESULTS / "report.png")
        print(f"\nwrote {RESULTS / 'report.md'} and {RESULTS / 'report.png'}")
    except ImportError as e:  # matplotlib is in the [bench] extra
        print(f"\nwrote {RESULTS / 'report.md'} (no chart: {e}; pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
