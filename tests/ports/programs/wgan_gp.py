"""WGAN-GP on a 2-D mixture of Gaussians: a generator and a critic (MLPs), the critic trained
several times per generator step with a gradient penalty computed by
``torch.autograd.grad(..., create_graph=True)``, critic parameters frozen with
``requires_grad_(False)`` during the generator step. Noise comes from a NumPy generator.
"""

import argparse

import numpy as np
import torch
import torch.autograd as autograd
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, nz=4, hidden=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.Linear(nz, hidden),
            nn.ReLU(True),
            nn.Linear(hidden, hidden),
            nn.ReLU(True),
            nn.Linear(hidden, 2),
        )

    def forward(self, noise):
        return self.main(noise)


class Critic(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.Linear(2, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x):
        return self.main(x).view(-1)


def weights_from_numpy(module, rng):
    module.load_state_dict(
        {
            k: torch.from_numpy((rng.standard_normal(tuple(v.shape)) * 0.3).astype(np.float32))
            for k, v in module.state_dict().items()
        }
    )


def real_batch(rng, batch_size):
    centers = np.array([[2, 0], [-2, 0], [0, 2], [0, -2]], dtype=np.float32)
    points = centers[rng.integers(0, 4, batch_size)] + 0.1 * rng.standard_normal((batch_size, 2))
    return torch.from_numpy(points.astype(np.float32))


def calc_gradient_penalty(netD, real_data, fake_data, alpha, lam):
    interpolates = alpha * real_data + (1 - alpha) * fake_data
    interpolates.requires_grad_(True)
    disc_interpolates = netD(interpolates)
    gradients = autograd.grad(
        outputs=disc_interpolates,
        inputs=interpolates,
        grad_outputs=torch.ones(disc_interpolates.size()),
        create_graph=True,
        retain_graph=True,
    )[0]
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * lam


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=12)
    parser.add_argument("--critic-iters", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lam", type=float, default=0.1)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    netG, netD = Generator(), Critic()
    weights_from_numpy(netG, rng)
    weights_from_numpy(netD, rng)
    optimizerD = torch.optim.Adam(netD.parameters(), lr=1e-3, betas=(0.5, 0.9))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=1e-3, betas=(0.5, 0.9))

    def noise():
        return torch.from_numpy(rng.standard_normal((args.batch_size, 4)).astype(np.float32))

    for iteration in range(args.iters):
        for p in netD.parameters():
            p.requires_grad_(True)
        for _ in range(args.critic_iters):
            real = real_batch(rng, args.batch_size)
            netD.zero_grad()
            D_real = netD(real).mean()
            with torch.no_grad():
                fake = netG(noise())
            D_fake = netD(fake.detach()).mean()
            alpha = torch.from_numpy(rng.uniform(size=(args.batch_size, 1)).astype(np.float32))
            gradient_penalty = calc_gradient_penalty(netD, real, fake, alpha, args.lam)
            D_cost = D_fake - D_real + gradient_penalty
            D_cost.backward()
            optimizerD.step()
        Wasserstein_D = D_real - D_fake

        for p in netD.parameters():
            p.requires_grad_(False)
        netG.zero_grad()
        G = -netD(netG(noise())).mean()
        G.backward()
        optimizerG.step()
        print(
            f"iter {iteration} D_cost {D_cost.item():.8e} G_cost {G.item():.8e} "
            f"W_D {Wasserstein_D.item():.8e} GP {gradient_penalty.item():.8e}"
        )
    assert all(p.grad is not None for p in netG.parameters())


if __name__ == "__main__":
    main()
