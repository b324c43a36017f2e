"""A character-level GPT in the style of minGPT/nanoGPT: token and position embeddings,
causal self-attention written by hand (with a registered mask buffer), LayerNorm, a weight-tied
head, AdamW with weight decay on matrices only, and ``generate()`` with top-k sampling. A second
model uses ``nn.TransformerEncoder`` with a causal mask instead of the hand-written blocks.
"""

import argparse
import math

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F

TEXT = (
    "the quick brown fox jumps over the lazy dog. "
    "a journey of a thousand miles begins with a single step. "
    "all that glitters is not gold. "
) * 4


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        assert n_embd % n_head == 0
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head
        mask = torch.tril(torch.ones(block_size, block_size))
        self.register_buffer("bias", mask.view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd)
        )

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer=2, n_head=2, n_embd=32):
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying

    def forward(self, idx, targets=None):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, greedy=False):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size :]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if greedy:
                _, idx_next = torch.topk(logits, k=1, dim=-1)
            else:
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


class EncoderLM(nn.Module):
    """The same task on nn.TransformerEncoder, masked to look only backwards."""

    def __init__(self, vocab_size, block_size, n_embd=32, n_head=2, n_layer=2):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, n_embd)
        self.pos = nn.Parameter(torch.zeros(1, block_size, n_embd))
        layer = nn.TransformerEncoderLayer(
            n_embd, n_head, dim_feedforward=64, dropout=0.0, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=n_layer)
        self.head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        t = idx.size(1)
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        x = self.tok(idx) + self.pos[:, :t]
        return self.head(self.encoder(x, mask=mask))


def init_weights(model, seed):
    rng = np.random.default_rng(seed)
    state = {}
    for name, value in model.state_dict().items():
        if name.endswith("bias") and value.dim() == 4:  # the causal-mask buffer
            state[name] = value
        elif "ln" in name or "norm" in name:
            state[name] = torch.ones_like(value) if name.endswith("weight") else value * 0
        else:
            w = 0.02 * rng.standard_normal(tuple(value.shape))
            state[name] = torch.from_numpy(w.astype(np.float32))
    model.load_state_dict(state)


def get_batch(data, block_size, batch_size, rng):
    ix = rng.integers(0, len(data) - block_size, size=batch_size)
    x = np.stack([data[i : i + block_size] for i in ix])
    y = np.stack([data[i + 1 : i + 1 + block_size] for i in ix])
    return torch.from_numpy(x), torch.from_numpy(y)


def configure_optimizer(model, lr, weight_decay):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--block-size", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    chars = sorted(set(TEXT))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for ch, i in stoi.items()}
    data = np.array([stoi[c] for c in TEXT], dtype=np.int64)

    model = GPT(len(chars), args.block_size)
    init_weights(model, seed=0)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"gpt parameters {n_params}")
    optimizer = configure_optimizer(model, lr=3e-3, weight_decay=0.1)
    rng = np.random.default_rng(0)
    first = last = None
    model.train()
    for step in range(args.steps):
        xb, yb = get_batch(data, args.block_size, args.batch_size, rng)
        _, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        first = loss.item() if first is None else first
        last = loss.item()
        if step % 5 == 0 or step == args.steps - 1:
            print(f"gpt step {step} loss {loss.item():.8e}")
    assert last < first

    model.eval()
    context = torch.tensor([[stoi["t"], stoi["h"]]], dtype=torch.long)
    greedy = model.generate(context, 12, greedy=True)[0].tolist()
    print("greedy", repr("".join(itos[i] for i in greedy)))
    sampled = model.generate(context, 20, temperature=0.8, top_k=5)
    assert sampled.shape == (1, 22)
    assert all(0 <= i < len(chars) for i in sampled[0].tolist())
    print(f"sampled {sampled.size(1)} tokens")

    encoder_lm = EncoderLM(len(chars), args.block_size)
    init_weights(encoder_lm, seed=1)
    optimizer = torch.optim.Adam(encoder_lm.parameters(), lr=3e-3)
    for step in range(args.steps // 2):
        xb, yb = get_batch(data, args.block_size, args.batch_size, rng)
        logits = encoder_lm(xb)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), yb.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 5 == 0:
            print(f"encoder step {step} loss {loss.item():.8e}")


if __name__ == "__main__":
    main()
