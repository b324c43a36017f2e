"""Custom autograd Functions, in the style of PyTorch's "Learning PyTorch with Examples" and
"Extending torch.autograd" tutorials: forward/backward with ctx, save_for_backward,
needs_input_grad, non-differentiable outputs, constants kept on ctx, a Function wrapped in an
nn.Module, and gradcheck/gradgradcheck in double precision.

The bodies are the tutorials' own: forward and backward receive tensors (``clamp``, ``clone``
and masked assignment, ``mm``/``t()``, ``expand_as``, ``unsqueeze``).
"""

import math

import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Function, gradcheck, gradgradcheck


class LegendrePolynomial3(Function):
    """P3(x) = (5x^3 - 3x) / 2, with its derivative written by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class SortWithIndices(Function):
    """Sorted values (differentiable) and the permutation (not differentiable)."""

    @staticmethod
    def forward(ctx, x):
        idx = x.argsort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return x[idx], idx

    @staticmethod
    def backward(ctx, grad_sorted, grad_idx):
        (idx,) = ctx.saved_tensors
        return grad_sorted[idx.argsort()]


class Linear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(output_features))
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return f"input_features={self.weight.shape[1]}, output_features={self.weight.shape[0]}"


def fit_legendre():
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 500, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    P3 = LegendrePolynomial3.apply
    for t in range(200):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 40 == 39:
            print(f"legendre step {t} loss {loss.item():.8e}")
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f"legendre y = {a.item():.6f} + {b.item():.6f} * P3({c.item():.6f} + {d.item():.6f} x)")


def train_two_layer_net():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((64, 10)).astype(np.float32))
    y = torch.from_numpy(rng.standard_normal((64, 3)).astype(np.float32))
    w1 = torch.from_numpy((0.3 * rng.standard_normal((10, 20))).astype(np.float32))
    w2 = torch.from_numpy((0.3 * rng.standard_normal((20, 3))).astype(np.float32))
    w1.requires_grad_()
    w2.requires_grad_()
    for t in range(30):
        relu = MyReLU.apply
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = MulConstant.apply((y_pred - y).pow(2).sum(), 0.5)
        if t % 10 == 0:
            print(f"relu net step {t} loss {loss.item():.8e}")
        loss.backward()
        with torch.no_grad():
            w1 -= 1e-3 * w1.grad
            w2 -= 1e-3 * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()


def train_custom_linear():
    rng = np.random.default_rng(1)
    model = nn.Sequential(Linear(4, 8), nn.Tanh(), Linear(8, 1, bias=False))
    print(model)
    model.load_state_dict(
        {
            k: torch.from_numpy((0.5 * rng.standard_normal(tuple(v.shape))).astype(np.float32))
            for k, v in model.state_dict().items()
        }
    )
    x = torch.from_numpy(rng.uniform(-1, 1, (32, 4)).astype(np.float32))
    target = (x[:, :1] * x[:, 1:2]).detach()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.MSELoss()
    for step in range(20):
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()
        if step % 5 == 0:
            print(f"custom linear step {step} loss {loss.item():.8e}")


def check_gradients():
    rng = np.random.default_rng(2)

    def double(*shape):
        return torch.from_numpy(rng.standard_normal(shape)).requires_grad_()

    input, weight, bias = double(5, 4), double(3, 4), double(3)
    print("gradcheck linear", gradcheck(LinearFunction.apply, (input, weight, bias), eps=1e-6))
    print("gradgradcheck linear", gradgradcheck(LinearFunction.apply, (input, weight, bias)))
    no_bias = lambda i, w: LinearFunction.apply(i, w, None)  # noqa: E731
    print("gradcheck linear without bias", gradcheck(no_bias, (input, weight)))
    print("gradcheck legendre", gradcheck(LegendrePolynomial3.apply, (double(6),)))
    print("gradgradcheck legendre", gradgradcheck(LegendrePolynomial3.apply, (double(6),)))
    print("gradcheck mul constant", gradcheck(lambda t: MulConstant.apply(t, 2.5), (double(4),)))

    x = torch.from_numpy(np.array([3.0, -1.0, 2.0, 0.5])).requires_grad_()
    values, idx = SortWithIndices.apply(x)
    print("sorted", values.tolist(), "indices", idx.tolist())
    print("indices require grad", idx.requires_grad)
    (values * torch.arange(4.0, dtype=torch.float64)).sum().backward()
    print("sort grad", x.grad.tolist())
    print("gradcheck sort", gradcheck(lambda t: SortWithIndices.apply(t)[0], (x,)))

    # needs_input_grad: a weight that does not require grad gets no gradient computed.
    frozen = weight.detach()
    out = LinearFunction.apply(input, frozen, bias)
    print("needs_input_grad", out.grad_fn is not None)
    out.sum().backward()
    print("frozen weight grad", frozen.grad)


if __name__ == "__main__":
    fit_legendre()
    train_two_layer_net()
    train_custom_linear()
    check_gradients()
