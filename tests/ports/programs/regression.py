"""Tabular regression written the way device-agnostic training scripts are: ``torch.device``
chosen at start-up, model and batches moved with ``.to(device)``, standardized features, an
MLP with BatchNorm1d, AdamW with a warm-up ``LambdaLR`` chained into cosine annealing
(``SequentialLR``), ``ReduceLROnPlateau`` on a second run, gradients clipped with
``clip_grad_norm_`` (its returned norm logged), and the best weights kept with ``copy.deepcopy``.
"""

import argparse
import copy

import numpy as np
import torch
import torch.nn as nn
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset


def make_data(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, d)).astype(np.float32)
    y = np.sin(x[:, 0]) * 3 + x[:, 1] ** 2 - x[:, 2] * x[:, 3] + 0.1 * rng.standard_normal(n)
    return x, y.astype(np.float32)[:, None]


class MLP(nn.Module):
    def __init__(self, d, hidden=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d, hidden, bias=False),  # BatchNorm1d cancels a bias here
            nn.BatchNorm1d(hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x):
        return self.net(x)


def numpy_init(model, seed):
    rng = np.random.default_rng(seed)
    state = model.state_dict()
    for name, value in state.items():
        if name.endswith("weight") and value.dim() == 2:
            w = rng.standard_normal(tuple(value.shape)) / np.sqrt(value.shape[1])
            state[name] = torch.from_numpy(w.astype(np.float32))
        elif name.endswith("bias") and name.replace("bias", "weight") in state:
            state[name] = torch.from_numpy(0.1 * rng.standard_normal(tuple(value.shape)))
    model.load_state_dict(state)


def evaluate(model, loader, device):
    model.eval()
    se, n = 0.0, 0
    with torch.inference_mode():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            pred = model(xb)
            se += nn.functional.mse_loss(pred, yb, reduction="sum").item()
            n += yb.numel()
    return se / n


def train(args, device, plateau):
    x, y = make_data(512, 6, seed=0)
    x_val, y_val = make_data(256, 6, seed=1)
    mean, std = x.mean(0), x.std(0)
    x, x_val = (x - mean) / std, (x_val - mean) / std
    train_loader = DataLoader(TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=64)
    val_loader = DataLoader(TensorDataset(torch.tensor(x_val), torch.tensor(y_val)), batch_size=256)

    model = MLP(x.shape[1]).to(device)
    numpy_init(model, seed=2)
    criterion = nn.SmoothL1Loss(beta=0.5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
    if plateau:
        scheduler = lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=0.5, patience=0, threshold=0.1
        )
    else:
        warmup = lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda e: (e + 1) / 3)
        cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs - 3, eta_min=1e-4)
        scheduler = lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[3])
    tag = "plateau" if plateau else "cosine"

    best_loss, best_state = float("inf"), None
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=args.clip)
            optimizer.step()
            running += loss.item() * xb.size(0)
        val_mse = evaluate(model, val_loader, device)
        if plateau:
            scheduler.step(val_mse)
        else:
            scheduler.step()
        lr = optimizer.param_groups[0]["lr"]
        print(
            f"{tag} epoch {epoch} train {running / len(train_loader.dataset):.8e} "
            f"val mse {val_mse:.8e} last grad norm {norm.item():.8e} lr {lr:.8e}"
        )
        if val_mse < best_loss:
            best_loss, best_state = val_mse, copy.deepcopy(model.state_dict())

    model.load_state_dict(best_state)
    final = evaluate(model, val_loader, device)
    assert final == best_loss
    var = float(np.var(y_val))
    print(f"{tag} best val mse {final:.8e} r2 {1 - final / var:.6f}")
    print(f"{tag} running var mean {model.net[1].running_var.mean().item():.8e}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--no-cuda", action="store_true")
    args = parser.parse_args()
    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    print("device", device)
    train(args, device, plateau=False)
    train(args, device, plateau=True)


if __name__ == "__main__":
    main()
