"""The layer files' shared helpers (``nn/layers/_util.py``)."""

from __future__ import annotations

import autograd
import nn
from nn.layers._util import FunctionalLayer


class _Scaled(FunctionalLayer):
    _functional = staticmethod(lambda input, factor, inplace: input * factor)
    _options = ("factor", "inplace")

    def __init__(self, factor: float, inplace: bool = False) -> None:
        super().__init__()
        self.factor = factor
        self.inplace = inplace


def test_functional_layer_passes_its_options_as_keywords() -> None:
    seen = {}

    def record(input, **options):
        seen.update(options)
        return input

    class Recorder(_Scaled):
        _functional = staticmethod(record)

    Recorder(3.0, inplace=True)(autograd.ones(2))
    assert seen == {"factor": 3.0, "inplace": True}


def test_functional_layer_forward_and_repr() -> None:
    assert _Scaled(2.0)(autograd.tensor([1.0, -1.0])).tolist() == [2.0, -2.0]
    assert repr(_Scaled(2.0)) == "_Scaled(factor=2.0)"
    assert repr(_Scaled(2.0, inplace=True)) == "_Scaled(factor=2.0, inplace=True)"


def test_functional_layer_without_options() -> None:
    class Negate(FunctionalLayer):
        _functional = staticmethod(autograd.neg)

    assert Negate()(autograd.tensor([1.0])).tolist() == [-1.0]
    assert repr(Negate()) == "Negate()"


def test_training_is_passed_but_not_shown() -> None:
    class Drop(FunctionalLayer):
        _functional = staticmethod(nn.functional.dropout)
        _options = ("p", "training")

        def __init__(self) -> None:
            super().__init__()
            self.p = 1.0

    layer = Drop()
    assert layer(autograd.ones(3)).tolist() == [0.0, 0.0, 0.0]
    assert layer.eval()(autograd.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert repr(layer) == "Drop(p=1.0)"
