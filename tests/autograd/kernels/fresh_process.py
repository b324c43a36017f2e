"""Run a snippet in a fresh Python process with its own Numba disk cache (tests of caching)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def run_json(code: str, tmp_path: Path, *args: str) -> Any:
    """Run ``code`` with ``tmp_path`` and ``args`` as its arguments, the repository and
    ``tmp_path`` importable and the kernel cache in ``tmp_path / "cache"``; return the JSON value
    its last output line holds."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


DOUBLE = """
@jit
def double(a):
    return 2 * a
"""


def uncached_kernel() -> Any:
    """A kernel defined in no file: no disk cache, so nothing is compiled until it is called
    (a :class:`~autograd.kernels._jit.StandIn` family of it stays cold)."""
    from autograd.kernels import _jit

    namespace: dict = {"jit": _jit.jit}
    exec(DOUBLE, namespace)  # noqa: S102
    return namespace["double"]


def use_twins(family_owner: Any, twin: bool, monkeypatch: Any) -> None:
    """Make ``family_owner._KERNELS`` run its NumPy twins (a family never compiled: cold for an
    hour of stand-in work) when ``twin``, else its kernels."""
    from autograd.kernels import _jit

    if twin:
        monkeypatch.setattr(family_owner, "_KERNELS", _jit.StandIn(uncached_kernel()))
        monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    else:
        monkeypatch.setattr(family_owner._KERNELS, "ready", True)
