"""Freed array memory stays in the process: repeated steps do not fault it back in (glibc)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the tuning applies to glibc's allocator only",
)

# A step's pattern: several 1 MiB arrays alive at once, then all freed; page faults per step.
_STEPS = """
import resource, sys
import numpy as np
import autograd
from autograd import _malloc

def step():
    arrays = [np.ones(1 << 18, np.float32) for _ in range(8)]
    return sum(float(a[0]) for a in arrays)

for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
print(_malloc._tuned, faults)
"""


def _run(**env: str) -> tuple[bool, float]:
    clean = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_MALLOC_TUNING"}
    out = subprocess.run(
        [sys.executable, "-c", _STEPS], env={**clean, **env}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    tuned, faults = out.stdout.split()
    return tuned == "True", float(faults)


def test_repeated_steps_reuse_their_memory_instead_of_faulting_it_in():
    # The best of three processes: on a shared machine the kernel's own memory reclaim now and
    # then takes a process's idle pages back (a run of 140-230 faults a step among runs of 22).
    runs = [_run() for _ in range(3)]
    assert all(tuned for tuned, _ in runs)
    assert min(faults for _, faults in runs) < 64  # 8 MiB a step is 2 048 pages


def test_the_tuning_can_be_turned_off_and_the_users_settings_stand():
    tuned, faults = _run(AUTOGRAD_MALLOC_TUNING="0")
    assert not tuned
    assert faults > 1000  # glibc hands the freed top of the heap back at every step
    assert not _run(MALLOC_TRIM_THRESHOLD_="1048576")[0]
    assert not _run(GLIBC_TUNABLES="glibc.malloc.trim_threshold=1048576")[0]
