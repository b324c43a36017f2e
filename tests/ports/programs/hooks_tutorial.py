"""Module and tensor hooks, the way people use them: forward hooks that capture intermediate
activations for feature extraction, a forward pre-hook that rewrites a module's input, a
forward hook that replaces the output, ``register_full_backward_hook`` to inspect and rescale
gradients, ``register_full_backward_pre_hook``, tensor hooks on parameters that clip gradients,
and removing hooks through their handles.
"""

import functools

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.pool = nn.AdaptiveAvgPool2d((2, 2))
        self.fc = nn.Linear(24, 3)

    def forward(self, x):
        x = F.relu(self.bn(self.conv1(x)))
        x = F.relu(self.conv2(x))
        x = self.pool(x).flatten(1)
        return self.fc(x)


def numpy_init(model, seed):
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        with torch.no_grad():
            w = 0.4 * rng.standard_normal(tuple(p.shape))
            p.copy_(torch.from_numpy(w.astype(np.float32)))


def summary(t):
    return f"{tuple(t.shape)} mean {t.mean().item():.8e} absmax {t.abs().max().item():.8e}"


def main():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((4, 1, 6, 6)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 3, 4))
    model = SmallCNN()
    numpy_init(model, seed=1)

    # Feature extraction: every leaf module's output, keyed by name.
    activations = {}

    def save_activation(name, module, input, output):
        activations[name] = output.detach()

    handles = [
        m.register_forward_hook(functools.partial(save_activation, name))
        for name, m in model.named_modules()
        if len(list(m.children())) == 0
    ]
    out = model(x)
    for name, act in activations.items():
        print(f"activation {name} {summary(act)}")
    for h in handles:
        h.remove()
    activations.clear()
    model(x)
    print("after remove", len(activations))

    # A pre-hook that scales the input, a forward hook that replaces the output.
    def scale_input(module, args):
        return (args[0] * 0.5,)

    def clamp_output(module, args, output):
        return output.clamp(min=-0.5, max=0.5)

    pre = model.conv1.register_forward_pre_hook(scale_input)
    post = model.fc.register_forward_hook(clamp_output)
    hooked = model(x)
    print(f"hooked output {summary(hooked)} clamped {bool(hooked.abs().max() <= 0.5)}")
    pre.remove()
    post.remove()
    print(f"unhooked output {summary(model(x))} same {torch.allclose(model(x), out)}")

    # Backward hooks: record gradient norms, then halve the gradient flowing into conv2.
    grad_log = []

    def log_grads(module, grad_input, grad_output):
        gi = grad_input[0]
        grad_log.append(
            (
                type(module).__name__,
                None if gi is None else f"{gi.norm().item():.8e}",
                f"{grad_output[0].norm().item():.8e}",
            )
        )

    def halve(module, grad_input, grad_output):
        return tuple(None if g is None else g * 0.5 for g in grad_input)

    def pre_backward(module, grad_output):
        grad_log.append(("pre", f"{grad_output[0].norm().item():.8e}"))

    hs = [model.fc.register_full_backward_hook(log_grads)]
    hs.append(model.conv2.register_full_backward_hook(log_grads))
    hs.append(model.conv2.register_full_backward_hook(halve))
    hs.append(model.fc.register_full_backward_pre_hook(pre_backward))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    for entry in grad_log:
        print("backward hook", *entry)
    print(f"conv1 weight grad with hooks {model.conv1.weight.grad.norm().item():.8e}")
    for h in hs:
        h.remove()
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    print(f"conv1 weight grad without hooks {model.conv1.weight.grad.norm().item():.8e}")

    # Tensor hooks on parameters: clip each gradient elementwise while it is computed.
    for p in model.parameters():
        p.register_hook(lambda grad: torch.clamp(grad, -0.05, 0.05))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for step in range(6):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        biggest = max(p.grad.abs().max().item() for p in model.parameters())
        optimizer.step()
        print(f"step {step} loss {loss.item():.8e} max |grad| {biggest:.8e}")
    assert biggest <= 0.05 + 1e-7


if __name__ == "__main__":
    main()
