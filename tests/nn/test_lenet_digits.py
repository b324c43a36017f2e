"""End to end: a LeNet-style CNN reaches >= 97% test accuracy on scikit-learn's 8x8 digits.

Conv -> BatchNorm -> ReLU -> MaxPool (twice), Dropout, Linear layers, trained with Adam on a
fixed seed and a fixed stratified train/test split.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

sklearn_datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")


def _lenet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 4x4 -> 2x2
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(32 * 2 * 2, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def test_lenet_reaches_97_percent_on_digits():
    import optim

    digits = sklearn_datasets.load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8) in [0, 1]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = model_selection.train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y
    )
    autograd.manual_seed(0)
    model = _lenet()
    opt = optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    batch = 32
    for _epoch in range(12):
        model.train()
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            if len(idx) < 2:  # BatchNorm needs more than one sample per channel
                continue
            logits = model(autograd.from_numpy(x_train[idx]))
            loss = F.cross_entropy(logits, autograd.from_numpy(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with autograd.no_grad():
        pred = model(autograd.from_numpy(x_test)).argmax(dim=1).numpy()
    accuracy = (pred == y_test).mean()
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f}"
    # eval mode is deterministic (running BatchNorm statistics, no dropout)
    with autograd.no_grad():
        again = model(autograd.from_numpy(x_test)).argmax(dim=1).numpy()
    np.testing.assert_array_equal(pred, again)
