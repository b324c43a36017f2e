"""Train a small CNN on scikit-learn's 8x8 digits in the style of PyTorch's MNIST example:
argparse options, train/test functions, a checkpoint written every epoch and ``--resume``.

    python mnist_cnn.py --epochs 2            # train from scratch, checkpoint each epoch
    python mnist_cnn.py --epochs 3 --resume   # continue from the checkpoint to epoch 3
"""

import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, dropout=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(2 * dropout)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def init_weights(model, seed):
    """Draw every parameter from a NumPy generator (scaled by fan-in), biases at zero."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, value in model.state_dict().items():
        shape = tuple(value.shape)
        if name.endswith("bias"):
            state[name] = torch.zeros(shape)
        else:
            scale = 1.0 / np.sqrt(np.prod(shape[1:]))
            state[name] = torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))
    model.load_state_dict(state)


def load_data(n_train, n_test):
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order], y[order]
    train = TensorDataset(torch.from_numpy(x[:n_train]), torch.from_numpy(y[:n_train]))
    test = TensorDataset(
        torch.from_numpy(x[n_train : n_train + n_test]),
        torch.from_numpy(y[n_train : n_train + n_test]),
    )
    return train, test


def train(args, model, device, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"train epoch {epoch} batch {batch_idx} loss {loss.item():.8e}")


def test(model, device, loader):
    model.eval()
    test_loss = 0.0
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(loader.dataset)
    print(f"test loss {test_loss:.8e} correct {correct}/{len(loader.dataset)}")
    return test_loss


def main():
    parser = argparse.ArgumentParser(description="digits CNN")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--test-batch-size", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--dropout", type=float, default=0.25)
    parser.add_argument("--log-interval", type=int, default=4)
    parser.add_argument("--n-train", type=int, default=256)
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--checkpoint", default="digits_cnn.pt")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--no-accel", action="store_true", help="disables accelerator")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save-model", default="digits_cnn_weights.pt")
    args = parser.parse_args()

    use_accel = not args.no_accel and torch.accelerator.is_available()
    torch.manual_seed(args.seed)
    if use_accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")

    train_kwargs = {"batch_size": args.batch_size}
    test_kwargs = {"batch_size": args.test_batch_size}
    if use_accel:
        accel_kwargs = {"num_workers": 1, "pin_memory": True, "shuffle": True}
        train_kwargs.update(accel_kwargs)
        test_kwargs.update(accel_kwargs)
    train_set, test_set = load_data(args.n_train, args.n_test)
    train_loader = DataLoader(train_set, **train_kwargs)
    test_loader = DataLoader(test_set, **test_kwargs)

    model = Net(args.dropout).to(device)
    init_weights(model, seed=1)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    start_epoch = 1
    if args.resume and os.path.exists(args.checkpoint):
        checkpoint = torch.load(args.checkpoint)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        start_epoch = checkpoint["epoch"] + 1
        print(f"resumed at epoch {start_epoch} lr {scheduler.get_last_lr()[0]:.8e}")

    for epoch in range(start_epoch, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
        torch.save(
            {
                "epoch": epoch,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
            },
            args.checkpoint,
        )

    if args.save_model:
        torch.save(model.state_dict(), args.save_model)
        reloaded = Net(args.dropout).to(device)
        reloaded.load_state_dict(torch.load(args.save_model, weights_only=True))
        test(reloaded, device, test_loader)


if __name__ == "__main__":
    main()
