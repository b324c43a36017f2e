"""PyTorch's autograd tutorials, "A Gentle Introduction to torch.autograd" and "Automatic
Differentiation with torch.autograd", as a script: requires_grad, backward with an external
gradient, accumulation and zeroing, retain_graph, retain_grad on non-leaves, hooks on tensors,
no_grad / enable_grad / set_grad_enabled / inference_mode, detach, freezing parameters,
torch.autograd.grad with create_graph for second derivatives.
"""

import numpy as np
import torch
import torch.nn as nn


def gentle_introduction():
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    print(9 * a**2 == a.grad)
    print(-2 * b == b.grad)

    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    print(f"Does `a` require gradients?: {(x + y).requires_grad}")
    print(f"Does `b` require gradients?: {(x + z).requires_grad}")

    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))
    for param in model.parameters():
        param.requires_grad = False
    model[2] = nn.Linear(8, 3)  # a new head, trainable by default
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    print("trainable", trainable)
    optimizer = torch.optim.SGD(model[2].parameters(), lr=1e-2, momentum=0.9)
    print("optimizer tensors", sum(len(g["params"]) for g in optimizer.param_groups))


def autodiff_basics():
    rng = np.random.default_rng(0)
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.from_numpy(rng.standard_normal((5, 3)).astype(np.float32)).requires_grad_()
    b = torch.from_numpy(rng.standard_normal(3).astype(np.float32)).requires_grad_()
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    print("loss", loss.item())
    print("has grad_fn", z.grad_fn is not None, loss.grad_fn is not None)
    loss.backward()
    print(w.grad)
    print(b.grad)

    z = torch.matmul(x, w) + b
    print(z.requires_grad)
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    print(z.requires_grad)
    z_det = (torch.matmul(x, w) + b).detach()
    print(z_det.requires_grad)

    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"First call\n{inp.grad}")
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nSecond call\n{inp.grad}")
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nCall after zeroing gradients\n{inp.grad}")


def vector_jacobian_product():
    x = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    print(x.grad)
    print(x.requires_grad, (x**2).requires_grad)
    with torch.no_grad():
        print((x**2).requires_grad)
    print(x.is_leaf, y.is_leaf)


def hooks_and_non_leaves():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.clone()))
    h = x.exp()
    h.retain_grad()
    double = h.register_hook(lambda g: g * 2)
    out = (h * torch.tensor([1.0, 0.5, 0.25])).sum()
    out.backward()
    print("h.grad", h.grad)
    print("x.grad", x.grad)
    print("hook saw", seen[0])
    handle.remove()
    double.remove()
    x.grad = None
    x.exp().sum().backward()
    print("after removing hooks", x.grad, len(seen))


@torch.no_grad()
def evaluate(model, x):
    return model(x)


def grad_modes():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    print("decorated no_grad", evaluate(lambda t: t * w, torch.ones(2)).requires_grad)
    with torch.no_grad():
        with torch.enable_grad():
            print("enable_grad inside no_grad", (w * 2).requires_grad)
    torch.set_grad_enabled(False)
    print("set_grad_enabled(False)", (w * 2).requires_grad)
    torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        print("as a context manager", (w * 2).requires_grad)
    print("is_grad_enabled", torch.is_grad_enabled())
    with torch.inference_mode():
        y = w * 2
    print("inference_mode", y.requires_grad)


def higher_order():
    x = torch.tensor([0.3, 1.2, -0.7], requires_grad=True)
    y = (x**3 + torch.sin(x)).sum()
    (dy,) = torch.autograd.grad(y, x, create_graph=True)
    print("dy/dx", dy)
    (d2y,) = torch.autograd.grad(dy.sum(), x)
    print("d2y/dx2", d2y)
    u = torch.tensor(2.0, requires_grad=True)
    v = torch.tensor(3.0, requires_grad=True)
    f = u**2 * v + v**3
    gu, gv = torch.autograd.grad(f, (u, v), create_graph=True)
    (guv,) = torch.autograd.grad(gu, v, retain_graph=True)
    print("grads", gu.item(), gv.item(), "mixed", guv.item())
    unused = torch.tensor(1.0, requires_grad=True)
    print("allow_unused", torch.autograd.grad(f, (u, unused), allow_unused=True)[1])


if __name__ == "__main__":
    gentle_introduction()
    autodiff_basics()
    vector_jacobian_product()
    hooks_and_non_leaves()
    grad_modes()
    higher_order()
