"""A data pipeline in the style real training scripts build: a map-style ``Dataset`` of
variable-length token sequences, a padding ``collate_fn``, ``DataLoader(num_workers=2)`` over a
``RandomSampler``, a ``WeightedRandomSampler`` that balances rare classes, a length-bucketing
``Sampler`` wrapped in a ``BatchSampler``, a ``Subset``, and an ``IterableDataset`` sharded
across workers with ``get_worker_info``.

Each epoch accumulates the gradient over every batch and steps once, so the loss does not
depend on the order the random sampler draws.
"""

import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    WeightedRandomSampler,
    get_worker_info,
)

PAD = 0


class SequenceDataset(Dataset):
    """Token sequences whose label is whether token 1 appears more often than token 2."""

    def __init__(self, n, vocab=12, min_len=3, max_len=12, seed=0):
        rng = np.random.default_rng(seed)
        self.sequences = []
        self.labels = []
        for _ in range(n):
            length = int(rng.integers(min_len, max_len + 1))
            seq = rng.integers(1, vocab, length)
            self.sequences.append(seq)
            label = int((seq == 1).sum() > (seq == 2).sum()) + int((seq == 3).sum() > 1)
            self.labels.append(label)

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, idx):
        seq = torch.as_tensor(self.sequences[idx], dtype=torch.long)
        return {"tokens": seq, "label": self.labels[idx]}


def pad_collate(batch):
    lengths = torch.tensor([len(item["tokens"]) for item in batch])
    padded = torch.full((len(batch), int(lengths.max())), PAD, dtype=torch.long)
    for i, item in enumerate(batch):
        padded[i, : len(item["tokens"])] = item["tokens"]
    labels = torch.tensor([item["label"] for item in batch], dtype=torch.long)
    return padded, lengths, labels


class BucketSampler(Sampler):
    """Indices sorted by sequence length, so batches hold sequences of similar length."""

    def __init__(self, dataset):
        self.order = np.argsort([len(s) for s in dataset.sequences], kind="stable").tolist()

    def __iter__(self):
        return iter(self.order)

    def __len__(self):
        return len(self.order)


class Stream(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
        else:
            per_worker = int(math.ceil((self.end - self.start) / float(info.num_workers)))
            lo = self.start + info.id * per_worker
            hi = min(lo + per_worker, self.end)
        return iter(range(lo, hi))


class MeanPoolClassifier(nn.Module):
    def __init__(self, vocab=12, dim=16, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.fc = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, classes))

    def forward(self, tokens, lengths):
        mask = (tokens != PAD).unsqueeze(-1).float()
        pooled = (self.embed(tokens) * mask).sum(1) / lengths.unsqueeze(1).float()
        return self.fc(pooled)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    train_set = SequenceDataset(96, seed=0)
    val_set = SequenceDataset(40, seed=1)
    counts = np.bincount(train_set.labels, minlength=3)
    print("class counts", counts.tolist())

    model = MeanPoolClassifier()
    rng = np.random.default_rng(2)
    state = {}
    for k, v in model.state_dict().items():
        w = 0.5 * rng.standard_normal(tuple(v.shape)).astype(np.float32)
        if k == "embed.weight":
            w[PAD] = 0.0
        state[k] = torch.from_numpy(w)
    model.load_state_dict(state)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

    generator = torch.Generator().manual_seed(0)
    train_loader = DataLoader(
        train_set,
        batch_size=16,
        sampler=RandomSampler(train_set, generator=generator),
        num_workers=args.workers,
        collate_fn=pad_collate,
        persistent_workers=True,
    )
    bucketed = DataLoader(
        val_set,
        batch_sampler=BatchSampler(BucketSampler(val_set), batch_size=8, drop_last=False),
        collate_fn=pad_collate,
    )
    for epoch in range(args.epochs):
        model.train()
        optimizer.zero_grad()
        total, seen = 0.0, 0
        for tokens, lengths, labels in train_loader:
            loss = F.cross_entropy(model(tokens, lengths), labels, reduction="sum")
            (loss / len(train_set)).backward()
            total += loss.item()
            seen += len(labels)
        optimizer.step()
        assert seen == len(train_set)
        model.eval()
        with torch.no_grad():
            val = [F.cross_entropy(model(t, n), y).item() for t, n, y in bucketed]
        print(f"epoch {epoch} train loss {total / seen:.8e} first bucket {val[0]:.8e}")
        print(f"epoch {epoch} val loss {sum(val) / len(val):.8e}")
    print("bucket widths", [t.shape[1] for t, _, _ in bucketed])

    # Rebalance the classes: each sample weighted by the inverse of its class frequency.
    weights = 1.0 / counts[train_set.labels]
    sampler = WeightedRandomSampler(weights.tolist(), num_samples=300, replacement=True)
    drawn = np.bincount([train_set.labels[i] for i in sampler], minlength=3)
    assert drawn.sum() == 300 and drawn.min() > 60, drawn
    print("weighted draws", len(sampler))

    # A labelled subset evaluated in order, with a fixed per-class report.
    hard = Subset(val_set, [i for i, y in enumerate(val_set.labels) if y == 2])
    loader = DataLoader(hard, batch_size=4, sampler=SequentialSampler(hard), collate_fn=pad_collate)
    with torch.no_grad():
        preds = torch.cat([model(t, n).argmax(1) for t, n, _ in loader])
    print(f"class-2 subset {len(hard)} predicted as {preds.tolist()}")

    # An iterable dataset split between workers: every element read exactly once.
    stream = DataLoader(Stream(3, 40), batch_size=5, num_workers=args.workers)
    values = torch.cat(list(stream))
    print("stream", int(values.sum()), len(values), sorted(values.tolist()) == list(range(3, 40)))


if __name__ == "__main__":
    main()
