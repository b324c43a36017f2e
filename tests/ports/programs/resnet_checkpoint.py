"""A small ResNet-style CNN: residual blocks of conv + ``BatchNorm2d`` run under activation
checkpointing (``torch.utils.checkpoint.checkpoint(..., use_reentrant=False)``), an upsampling
stem with ``F.interpolate(mode="bilinear")``, a weight-normalized classifier
(``nn.utils.parametrizations.weight_norm``), trained by AdamW with ``OneCycleLR``, then
evaluated, saved with ``torch.save(model.state_dict(), path)`` and reloaded.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import weight_norm
from torch.utils.checkpoint import checkpoint
from torch.utils.data import DataLoader, TensorDataset


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, num_classes=3, width=8, use_checkpoint=True):
        super().__init__()
        self.use_checkpoint = use_checkpoint
        self.stem = nn.Conv2d(1, width, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        self.layer1 = BasicBlock(width, width)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)
        self.fc = weight_norm(nn.Linear(2 * width, num_classes))

    def forward(self, x):
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        out = F.relu(self.bn(self.stem(x)))
        for layer in (self.layer1, self.layer2):
            if self.use_checkpoint and self.training:
                out = checkpoint(layer, out, use_reentrant=False)
            else:
                out = layer(out)
        out = F.adaptive_avg_pool2d(out, 1)
        return self.fc(out.view(out.size(0), -1))


def make_data(rng, n):
    """Three classes of 6x6 images: a horizontal bar, a vertical bar, a diagonal."""
    y = rng.integers(0, 3, n)
    x = 0.3 * rng.standard_normal((n, 1, 6, 6))
    rows = rng.integers(0, 6, n)
    for i in range(n):
        if y[i] == 0:
            x[i, 0, rows[i], :] += 1.0
        elif y[i] == 1:
            x[i, 0, :, rows[i]] += 1.0
        else:
            x[i, 0] += np.eye(6)
    return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y)


def numpy_init(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = int(np.prod(p.shape[1:]))
                w = rng.standard_normal(tuple(p.shape)) * np.sqrt(2.0 / fan_in)
                p.copy_(torch.from_numpy(w.astype(np.float32)))
            elif name.endswith("bias"):
                p.zero_()
        # weight_norm's magnitude g starts as the norm of each row of the direction v.
        fc = model.fc.parametrizations.weight
        fc.original0.copy_(torch.linalg.vector_norm(fc.original1, dim=1, keepdim=True))


def evaluate(model, loader):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            loss += F.cross_entropy(output, target, reduction="sum").item()
            correct += (output.argmax(1) == target).sum().item()
    n = len(loader.dataset)
    return loss / n, correct


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--checkpoint", default="resnet.pt")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    train_set = TensorDataset(*make_data(rng, 96))
    test_set = TensorDataset(*make_data(rng, 48))
    train_loader = DataLoader(train_set, batch_size=args.batch_size)
    test_loader = DataLoader(test_set, batch_size=48)

    model = ResNet()
    numpy_init(model, seed=1)
    print("parameters", sum(p.numel() for p in model.parameters() if p.requires_grad))
    print("state keys", [k for k in model.state_dict() if k.startswith("fc.")])

    # Checkpointing recomputes the blocks in backward: the gradients equal plain backward's.
    data, target = next(iter(train_loader))
    grads = []
    for use in (True, False):
        model.use_checkpoint = use
        model.zero_grad()
        F.cross_entropy(model(data), target).backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    same = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(*grads))
    print("checkpointed gradients match", same)
    model.use_checkpoint = True
    model.zero_grad(set_to_none=True)

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=2e-2, epochs=args.epochs, steps_per_epoch=len(train_loader)
    )
    for epoch in range(1, args.epochs + 1):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            output = model(data)
            loss = F.cross_entropy(output, target)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            if batch_idx % 2 == 0:
                print(f"epoch {epoch} batch {batch_idx} loss {loss.item():.8e}")
        test_loss, correct = evaluate(model, test_loader)
        lr = scheduler.get_last_lr()[0]
        print(f"epoch {epoch} test loss {test_loss:.8e} correct {correct}/48 lr {lr:.8e}")
    print(f"running mean {model.bn.running_mean.mean():.8e} var {model.bn.running_var.mean():.8e}")
    print(f"fc weight norms {torch.linalg.vector_norm(model.fc.weight.detach(), dim=1)}")

    torch.save(model.state_dict(), args.checkpoint)
    restored = ResNet()
    restored.load_state_dict(torch.load(args.checkpoint, weights_only=True))
    print("restored test loss {:.8e} correct {}/48".format(*evaluate(restored, test_loader)))


if __name__ == "__main__":
    main()
