"""The README's Python examples run as written (they are the first code a newcomer tries)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 3


def test_readme_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("hypothesis")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for block in BLOCKS:
        exec(compile(block.replace("/tmp/model.safetensors", str(tmp_path / "m.safetensors")),
                     "README.md", "exec"), namespace)  # fmt: skip
    # The property test defined in the README must pass when run.
    namespace["test_softplus_matches_numpy_and_finite_differences"]()
    assert namespace["accuracy"] > 0.9
