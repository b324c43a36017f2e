"""Graph introspection as the tutorials teach it: grad_fn names, next_functions, node hooks;
and the autograd.grad / Function conveniences ported programs use."""

import numpy as np
import pytest

import autograd


def _walk(fn, depth=0, seen=None):
    """(depth, name) of every node below ``fn``, depth first, as tutorials print them
    (PyTorch's leaf node is ``torch::autograd::AccumulateGrad``; numbagrad's ``AccumulateGrad``)."""
    out = [(depth, fn.name().rsplit("::", 1)[-1])]
    for nxt, _ in fn.next_functions:
        if nxt is not None:
            out += _walk(nxt, depth + 1)
    return out


def test_names_and_next_functions_match_torch(torch):
    def build(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0], requires_grad=True)
        return ((x * w).exp() + x).sum()

    ours, theirs = _walk(build(autograd).grad_fn), _walk(build(torch).grad_fn)
    assert ours == theirs
    y = build(autograd)
    assert repr(y).endswith("grad_fn=<SumBackward0>)")
    leaf = y.grad_fn.next_functions[0][0].next_functions[1][0]
    assert leaf.name() == "AccumulateGrad" and leaf.variable.requires_grad


def test_node_hooks_match_torch(torch):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        seen = []
        y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
        y.grad_fn.register_hook(lambda gi, go: seen.append(go[0].detach().numpy().copy()))
        y.sum().backward()
        return x.grad.detach().numpy(), seen

    (g1, s1), (g2, s2) = run(autograd), run(torch)
    np.testing.assert_allclose(g1, g2)
    np.testing.assert_allclose(s1[0], s2[0])


def test_node_metadata_and_handle_removal():
    x = autograd.ones(2, requires_grad=True)
    y = x * 2
    y.grad_fn.metadata["tag"] = "scale"
    assert y.grad_fn.metadata == {"tag": "scale"}
    h = y.grad_fn.register_prehook(lambda go: (go[0] * 0,))
    h.remove()
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="a hook must be callable"):
        y.grad_fn.register_hook(3)


def test_node_hook_returning_the_wrong_count_is_named():
    x = autograd.ones(2, requires_grad=True)
    y = x.exp()
    y.grad_fn.register_hook(lambda gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="on ExpBackward0 returned 2 gradients, expected 1"):
        y.sum().backward()


def test_backward_may_return_trailing_nones_for_optional_arguments():
    class LinearFunction(autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b=None):
            ctx.save_for_backward(x, w)
            return x @ w.T + (0 if b is None else b)

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g @ w, g.T @ x, None

    x = autograd.ones(3, 2, requires_grad=True)
    w = autograd.ones(4, 2, requires_grad=True)
    LinearFunction.apply(x, w).sum().backward()
    assert x.grad.shape == (3, 2) and w.grad.tolist() == [[3.0, 3.0]] * 4

    class TooMany(autograd.Function):
        forward = staticmethod(lambda ctx, x: x * 2)
        backward = staticmethod(lambda ctx, g: (g * 2, g))

    with pytest.raises(RuntimeError, match="TooMany.backward returned 2 gradients"):
        TooMany.apply(autograd.ones(1, requires_grad=True)).sum().backward()


def test_array_function_gradient_count_is_checked():
    # Array-mode Functions (the library's own path) are held to the same rule: one gradient per
    # input, extra Nones (optional arguments not passed) dropped, anything else an error.
    from autograd.extend import ArrayFunction

    class Scale(ArrayFunction):
        forward = staticmethod(lambda ctx, x: x * 3)
        backward = staticmethod(lambda ctx, g: (g * 3, None, None))

    class TooMany(ArrayFunction):
        forward = staticmethod(lambda ctx, x: x * 2)
        backward = staticmethod(lambda ctx, g: (g * 2, g))

    class TooFew(ArrayFunction):
        forward = staticmethod(lambda ctx, x, y: x * y)
        backward = staticmethod(lambda ctx, g: g)

    x = autograd.ones(2, requires_grad=True)
    Scale.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="TooMany.backward returned 2 gradients, but forward "):
        TooMany.apply(autograd.ones(1, requires_grad=True)).sum().backward()
    y = autograd.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="TooFew.backward returned 1 gradients, but forward "):
        TooFew.apply(autograd.ones(1, requires_grad=True), y).sum().backward()


def test_grad_only_inputs_and_materialize_grads():
    x = autograd.ones(2, requires_grad=True)
    unused = autograd.ones(3, requires_grad=True)
    (g,) = autograd.grad((x * 2).sum(), x, only_inputs=True)
    assert g.tolist() == [2.0, 2.0]
    g, z = autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    assert z.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="is_grads_batched=True is not supported"):
        autograd.grad((x * 2).sum(), x, is_grads_batched=True)


def test_generator_takes_a_device():
    g = autograd.Generator(device="cpu").manual_seed(3)
    assert g.initial_seed() == 3
    with pytest.raises(RuntimeError, match="Generator: numbagrad only runs on the CPU"):
        autograd.Generator(device="cuda")
