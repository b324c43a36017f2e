"""A variational autoencoder in the style of PyTorch's VAE example, on scikit-learn's 8x8
digits: an MLP encoder to (mu, logvar), the reparameterization trick, a sigmoid decoder, and
the loss BCE(sum) + KL divergence; Adam, train and test epochs, then sampling from the prior.

The training noise comes from a NumPy generator handed to ``reparameterize`` so that runs are
reproducible anywhere; without it the model draws with ``torch.randn_like`` as usual.
"""

import argparse

import numpy as np
import torch
import torch.utils.data
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, d=64, hidden=48, latent=4):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, d)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, noise=None):
        std = torch.exp(0.5 * logvar)
        if noise is None:
            eps = torch.randn_like(std)
        else:
            eps = torch.from_numpy(noise.standard_normal(tuple(std.shape)).astype(np.float32))
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, noise=None):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar, noise) if self.training else mu
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    # 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2), Kingma and Welling, appendix B
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def main():
    parser = argparse.ArgumentParser(description="VAE digits example")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()

    digits = load_digits()
    data = (digits.data / 16.0).astype(np.float32)
    train_data = torch.utils.data.TensorDataset(torch.from_numpy(data[:640]))
    test_data = torch.utils.data.TensorDataset(torch.from_numpy(data[640:896]))
    train_loader = torch.utils.data.DataLoader(train_data, batch_size=args.batch_size)
    test_loader = torch.utils.data.DataLoader(test_data, batch_size=128)

    device = torch.device("cpu")
    model = VAE().to(device)
    rng = np.random.default_rng(0)
    for p in model.parameters():
        with torch.no_grad():
            w = 0.2 * rng.standard_normal(tuple(p.shape))
            p.copy_(torch.from_numpy(w.astype(np.float32)))
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    noise = np.random.default_rng(1)

    for epoch in range(1, args.epochs + 1):
        model.train()
        train_loss = 0
        for batch_idx, (data,) in enumerate(train_loader):
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data, noise)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            if batch_idx % 5 == 0:
                print(f"train epoch {epoch} batch {batch_idx} loss {loss.item() / len(data):.8e}")
        print(f"epoch {epoch} average loss {train_loss / len(train_loader.dataset):.8e}")

        model.eval()
        test_loss = 0
        with torch.no_grad():
            for (data,) in test_loader:
                recon, mu, logvar = model(data)
                test_loss += loss_function(recon, data, mu, logvar).item()
        print(f"epoch {epoch} test loss {test_loss / len(test_loader.dataset):.8e}")

    with torch.no_grad():
        sample = model.decode(torch.randn(16, 4)).cpu()
        assert sample.shape == (16, 64) and 0 <= sample.min() and sample.max() <= 1
        print("samples", tuple(sample.view(16, 1, 8, 8).shape))


if __name__ == "__main__":
    main()
