"""PyTorch's module paths (``nn.modules.*``, ``nn.parameter``, ``nn.utils.rnn``...) resolve to
our classes, and the base classes programs subclass behave as PyTorch's."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import autograd
import nn

# (module path under ``nn``, name) pairs found in PyTorch programs' imports
PATHS = [
    ("modules.module", "Module"), ("modules.linear", "Linear"), ("modules.linear", "Identity"),
    ("modules.conv", "Conv2d"), ("modules.conv", "Conv3d"), ("modules.conv", "_ConvNd"),
    ("modules.activation", "ReLU"), ("modules.activation", "MultiheadAttention"),
    ("modules.batchnorm", "BatchNorm2d"), ("modules.batchnorm", "_BatchNorm"),
    ("modules.batchnorm", "_NormBase"), ("modules.rnn", "LSTM"), ("modules.rnn", "RNNBase"),
    ("modules.transformer", "TransformerEncoderLayer"), ("modules.transformer", "Transformer"),
    ("modules.container", "Sequential"), ("modules.container", "ModuleList"),
    ("modules.loss", "_Loss"), ("modules.loss", "_WeightedLoss"),
    ("modules.loss", "CrossEntropyLoss"), ("modules.pooling", "MaxPool2d"),
    ("modules.pooling", "_MaxPoolNd"), ("modules.pooling", "_AvgPoolNd"),
    ("modules.dropout", "_DropoutNd"), ("modules.normalization", "LayerNorm"),
    ("modules.sparse", "Embedding"), ("modules.flatten", "Flatten"),
    ("modules.upsampling", "Upsample"), ("modules.utils", "_pair"), ("modules", "Linear"),
    ("parameter", "Parameter"), ("parameter", "Buffer"), ("init", "xavier_uniform_"),
    ("functional", "conv3d"), ("utils.rnn", "pack_padded_sequence"),
    ("utils.rnn", "PackedSequence"), ("utils", "clip_grad_norm_"),
    ("utils.clip_grad", "clip_grad_norm_"), ("utils.convert_parameters", "parameters_to_vector"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "name"), PATHS)
def test_pytorch_import_paths_resolve(torch, path, name):
    ours = getattr(importlib.import_module(f"nn.{path}"), name)
    theirs = getattr(importlib.import_module(f"torch.nn.{path}"), name)
    assert callable(ours) and callable(theirs)
    if hasattr(nn, name):  # a public class is the very same object at both paths
        assert ours is getattr(nn, name)


def test_attribute_paths_work_after_import_nn():
    assert nn.modules.conv.Conv2d is nn.Conv2d
    assert nn.modules.batchnorm._BatchNorm is nn.BatchNorm1d.__mro__[1]
    assert nn.utils.rnn.pad_sequence is not None
    assert nn.parameter.Parameter is nn.Parameter


@pytest.mark.parametrize(
    "module",
    ["activation", "batchnorm", "container", "conv", "dropout", "flatten", "linear", "loss",
     "normalization", "pooling", "rnn", "sparse", "transformer", "upsampling"],
)  # fmt: skip
def test_each_modules_file_has_pytorchs_names_that_nn_has(torch, module):
    """Every class PyTorch lists in torch.nn.modules.<file> that we have (as nn.<name>) is
    importable from nn.modules.<file> too, and its __all__ lists only real names."""
    theirs = importlib.import_module(f"torch.nn.modules.{module}")
    ours = importlib.import_module(f"nn.modules.{module}")
    for name in theirs.__all__:
        if hasattr(nn, name):
            assert getattr(ours, name) is getattr(nn, name), name
    for name in ours.__all__:
        assert getattr(ours, name) is getattr(nn, name), name


def test_base_classes_cover_their_layers():
    from nn.modules.batchnorm import _BatchNorm, _NormBase
    from nn.modules.conv import _ConvNd
    from nn.modules.dropout import _DropoutNd
    from nn.modules.pooling import _AvgPoolNd, _MaxPoolNd
    from nn.modules.rnn import RNNBase

    assert all(isinstance(m, _ConvNd) for m in (nn.Conv1d(1, 1, 1), nn.ConvTranspose2d(1, 1, 1)))
    assert isinstance(nn.BatchNorm3d(2), _BatchNorm) and isinstance(nn.BatchNorm1d(2), _NormBase)
    assert not isinstance(nn.LayerNorm(2), _BatchNorm)
    assert isinstance(nn.Dropout2d(), _DropoutNd)
    assert all(isinstance(m, _AvgPoolNd) for m in (nn.AvgPool1d(2), nn.AvgPool3d(2)))
    assert isinstance(nn.MaxPool1d(2), _MaxPoolNd)
    assert all(isinstance(m, RNNBase) for m in (nn.RNN(1, 1), nn.LSTM(1, 1), nn.GRU(1, 1)))


def test_loss_base_classes_match_torch(torch):
    from nn.modules.loss import _Loss, _WeightedLoss

    def define(base):
        class Weighted(base):
            def forward(self, input, target):
                d = (input - target) ** 2 * self.weight
                return d.sum() if self.reduction == "sum" else d.mean()

        return Weighted

    w = np.array([1.0, 2.0, 3.0])
    ours = define(_WeightedLoss)(autograd.tensor(w), reduction="sum")
    theirs = define(torch.nn.modules.loss._WeightedLoss)(torch.tensor(w), reduction="sum")
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x, y = np.array([1.0, 0.0, 2.0]), np.zeros(3)
    o = ours(autograd.tensor(x), autograd.tensor(y))
    t = theirs(torch.tensor(x), torch.tensor(y))
    assert o.item() == pytest.approx(t.item())
    assert list(define(_WeightedLoss)().state_dict()) == list(
        define(torch.nn.modules.loss._WeightedLoss)().state_dict()
    )
    for kw in ({"size_average": False}, {"reduce": False}, {"size_average": True}):
        with pytest.warns(UserWarning):
            r_ours = _Loss(**kw).reduction
        with pytest.warns(UserWarning):
            r_theirs = torch.nn.modules.loss._Loss(**kw).reduction
        assert r_ours == r_theirs, kw
    assert _Loss().reduction == "mean"


def test_rnn_base_matches_torch_keys(torch):
    ours, theirs = nn.RNNBase("LSTM", 3, 4, num_layers=2), torch.nn.RNNBase("LSTM", 3, 4, 2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    out, (h, c) = ours(autograd.randn(5, 2, 3))
    assert out.shape == (5, 2, 4) and h.shape == c.shape == (2, 2, 4)
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.RNNBase("FOO", 3, 4)


def test_ntuple_helpers_match_torch(torch):
    from torch.nn.modules import utils as theirs

    from nn.modules import utils as ours

    for name in ("_single", "_pair", "_triple", "_quadruple"):
        for value in (3, (1, 2), [4, 5, 6], "ab"):
            assert getattr(ours, name)(value) == getattr(theirs, name)(value), (name, value)
