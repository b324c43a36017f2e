"""PyTorch's "What is torch.nn really?" tutorial as a script, on scikit-learn's 8x8 digits:
logistic regression from scratch (hand-written log_softmax and NLL, manual SGD under no_grad),
then refactored step by step with F.cross_entropy, nn.Module and nn.Parameter, nn.Linear,
optim, TensorDataset, DataLoader, a fit() with validation, and finally a CNN built with
nn.Sequential, a Lambda layer and AdaptiveAvgPool2d, fed by a wrapped DataLoader.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

bs = 64
lr = 0.5
epochs = 2


def get_digits():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, y_train, x_valid, y_valid = map(
        torch.tensor, (x[:1000], y[:1000], x[1000:1400], y[1000:1400])
    )
    return x_train, y_train, x_valid, y_valid


def numpy_init(model, seed):
    rng = np.random.default_rng(seed)
    model.load_state_dict(
        {
            k: torch.from_numpy((rng.standard_normal(tuple(v.shape)) * 0.2).astype(np.float32))
            for k, v in model.state_dict().items()
        }
    )


def from_scratch(x_train, y_train):
    n, c = x_train.shape
    rng = np.random.default_rng(0)
    weights = torch.from_numpy(rng.standard_normal((c, 10)).astype(np.float32)) / math.sqrt(c)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    loss_func = nll
    xb, yb = x_train[0:bs], y_train[0:bs]
    print(f"scratch start loss {loss_func(model(xb), yb).item():.8e} acc {accuracy(model(xb), yb)}")
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
        print(f"scratch epoch {epoch} loss {loss.item():.8e}")
    print(f"scratch end loss {loss_func(model(xb), yb).item():.8e} acc {accuracy(model(xb), yb)}")
    return weights.detach(), bias.detach()


class Mnist_Logistic(nn.Module):
    def __init__(self, weights, bias):
        super().__init__()
        self.weights = nn.Parameter(weights.clone())
        self.bias = nn.Parameter(bias.clone())

    def forward(self, xb):
        return xb @ self.weights + self.bias


def refactored_module(x_train, y_train, weights, bias):
    n = x_train.shape[0]
    model = Mnist_Logistic(weights, bias)
    loss_func = F.cross_entropy
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            xb, yb = x_train[start_i : start_i + bs], y_train[start_i : start_i + bs]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()
        print(f"module epoch {epoch} loss {loss.item():.8e}")


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl, tag):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(f"{tag} epoch {epoch} val loss {val_loss:.8e}")


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x, y):
    return x.view(-1, 1, 8, 8), y


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield self.func(*b)


def main():
    x_train, y_train, x_valid, y_valid = get_digits()
    weights, bias = from_scratch(x_train, y_train)
    refactored_module(x_train, y_train, weights, bias)

    train_ds = TensorDataset(x_train, y_train)
    valid_ds = TensorDataset(x_valid, y_valid)
    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model = nn.Linear(64, 10)
    numpy_init(model, seed=1)
    opt = optim.SGD(model.parameters(), lr=lr)
    fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl, "linear")

    train_dl = WrappedDataLoader(train_dl, preprocess)
    valid_dl = WrappedDataLoader(valid_dl, preprocess)
    model = nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 8, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    numpy_init(model, seed=2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl, "cnn")


if __name__ == "__main__":
    main()
