"""Kernel tests run a parallel kernel's own machine code on large arrays from the first call."""

from __future__ import annotations

import pytest

from autograd.kernels import _jit


@pytest.fixture(autouse=True)
def _parallel_kernels_at_once(monkeypatch):
    monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", 0.0)
