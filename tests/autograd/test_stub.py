"""The checked-in Tensor stub lists every method the op declarations bind, as they are now."""

import shutil

import pytest

import autograd
from autograd import _stubgen


@pytest.mark.skipif(shutil.which("ruff") is None, reason="the stub is written through ruff format")
def test_checked_in_stub_is_current():
    assert _stubgen.STUB.read_text() == _stubgen.render(), (
        "autograd/tensor.pyi is out of date: run `python -m autograd._stubgen`"
    )


def test_stub_names_every_public_method():
    text = _stubgen.STUB.read_text()
    for name in ("exp", "exp_", "reshape", "view", "backward", "__add__", "__radd__", "T"):
        assert f"def {name}(" in text
    assert callable(autograd.Tensor.exp)
