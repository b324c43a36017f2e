"""A VAE and a policy-gradient bandit written with ``torch.distributions``.

The VAE's encoder returns a ``Normal`` posterior; training draws ``z = q.rsample()`` (the
reparameterization trick), the reconstruction term is ``Bernoulli(logits=...).log_prob`` and
the regularizer ``kl_divergence(q, prior)``. The bandit's policy is a ``Categorical`` over
arms; REINFORCE draws actions with ``sample()`` and weights ``log_prob`` by the advantage.

Values computed from fixed weights and data print in full. What follows a draw from the
library's own generator (``torch.manual_seed``) is printed on lines that begin with
"sampled": the two libraries' generators differ, so only those lines' text is comparable;
the program checks for itself that training improved the objective.
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Bernoulli, Categorical, Normal, kl_divergence


class VAE(nn.Module):
    def __init__(self, d=16, hidden=24, latent=3):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d, hidden), nn.Tanh())
        self.mu = nn.Linear(hidden, latent)
        self.log_sigma = nn.Linear(hidden, latent)
        self.dec = nn.Sequential(nn.Linear(latent, hidden), nn.Tanh(), nn.Linear(hidden, d))
        self.latent = latent

    def posterior(self, x):
        h = self.enc(x)
        return Normal(self.mu(h), self.log_sigma(h).exp())

    def prior(self, batch):
        return Normal(torch.zeros(batch, self.latent), torch.ones(batch, self.latent))

    def elbo(self, x, sample=True):
        q = self.posterior(x)
        z = q.rsample() if sample else q.mean
        log_lik = Bernoulli(logits=self.dec(z)).log_prob(x).sum(-1)
        kl = kl_divergence(q, self.prior(x.size(0))).sum(-1)
        return (log_lik - kl).mean(), log_lik.mean(), kl.mean()


def numpy_init(model, rng, scale=0.3):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy((scale * rng.standard_normal(tuple(p.shape))).astype("f4")))


def make_data(rng, n, d=16):
    prototypes = rng.uniform(size=(4, d)) < 0.5
    flips = rng.uniform(size=(n, d)) < 0.1
    return (prototypes[rng.integers(0, 4, n)] ^ flips).astype(np.float32)


def vae_part(args, rng):
    model = VAE()
    numpy_init(model, rng)
    x = torch.from_numpy(make_data(rng, 128))

    # Deterministic: the ELBO at the posterior mean, its gradient, entropies and densities.
    elbo, log_lik, kl = model.elbo(x, sample=False)
    (-elbo).backward()
    start = elbo.item()
    grad_norm = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in model.parameters()]))
    print(f"vae elbo at mean {elbo.item():.8e} log_lik {log_lik.item():.8e} kl {kl.item():.8e}")
    print(f"vae grad norm {grad_norm.item():.8e}")
    with torch.no_grad():
        q = model.posterior(x[:4])
        print(f"posterior entropy {q.entropy().sum(-1)}")
        print(f"prior log_prob of mean {model.prior(4).log_prob(q.mean).sum(-1)}")
        print(f"posterior stddev {q.stddev.mean().item():.8e} variance {q.variance.mean():.8e}")

    # rsample is pathwise: dz/dloc = 1 and dz/dscale = (z - loc) / scale.
    torch.manual_seed(0)
    loc = torch.zeros(5, requires_grad=True)
    scale = torch.full((5,), 2.0, requires_grad=True)
    z = Normal(loc, scale).rsample()
    z.sum().backward()
    pathwise = torch.allclose(scale.grad, (z.detach() - loc.detach()) / 2.0)
    print("rsample gradients", bool((loc.grad == 1).all()), pathwise)

    # Training draws z ~ q with rsample.
    torch.manual_seed(args.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for step in range(args.vae_steps):
        elbo, _, _ = model.elbo(x)
        loss = -elbo
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step % 20 == 0:
            print(f"sampled vae step {step} loss {loss.item():.4f}")
    model.eval()
    with torch.no_grad():
        trained, _, _ = model.elbo(x, sample=False)
    assert trained.item() > start + 1.0, (trained.item(), start)
    print(f"sampled vae elbo at mean after training {trained.item():.4f}")
    return trained


def bandit_part(args):
    torch.manual_seed(args.seed)
    rewards = torch.tensor([0.1, 0.5, 0.9, 0.3])
    logits = torch.zeros(4, requires_grad=True)
    optimizer = torch.optim.SGD([logits], lr=0.5)

    policy = Categorical(logits=logits)
    other = Categorical(probs=torch.tensor([0.1, 0.2, 0.3, 0.4]))
    print(f"uniform policy entropy {policy.entropy().item():.8e}")
    print(f"kl to other {kl_divergence(policy, other).item():.8e}")
    print(f"log_prob of each arm {policy.log_prob(torch.arange(4)).detach()}")

    for step in range(args.bandit_steps):
        policy = Categorical(logits=logits)
        actions = policy.sample((64,))
        assert actions.shape == (64,) and actions.dtype == torch.int64
        reward = rewards[actions] + 0.1 * torch.randn(64)
        advantage = reward - reward.mean()
        loss = -(policy.log_prob(actions) * advantage).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            print(f"sampled bandit step {step} mean reward {reward.mean().item():.4f}")
    probs = F.softmax(logits.detach(), dim=0)
    assert probs.argmax().item() == 2 and probs[2] > 0.5, probs
    print("bandit prefers arm", probs.argmax().item())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vae-steps", type=int, default=60)
    parser.add_argument("--bandit-steps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    vae_part(args, rng)
    bandit_part(args)


if __name__ == "__main__":
    main()
