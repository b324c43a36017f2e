"""A user's autograd.Function behaves as PyTorch's: Tensors in forward and backward, grad mode off
in forward, create_graph, mark_dirty, mark_non_differentiable, set_materialize_grads,
needs_input_grad, save_for_backward, identity outputs, jvp and setup_context.

Each Function is written once, against a module that is either ``autograd`` or ``torch``, and the
two runs are compared when PyTorch is installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gradcheck_functions import cube, double

import autograd
import autograd.forward_ad as fwAD
from autograd.ops.arithmetic import Mul
from autograd.port import port_source

TUTORIAL = Path(__file__).resolve().parents[1] / "ports" / "programs" / "custom_function.py"


def _libs():
    torch = pytest.importorskip("torch")
    return autograd, torch


def _np(t):
    return t.detach().numpy()


def _tensor(lib, values, requires_grad=True):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def tutorial(lib) -> dict:
    """The names the tutorials' PyTorch program (run by tests/ports) defines: as written for
    torch, or with its imports rewritten by the porting tool for autograd."""
    source = TUTORIAL.read_text()
    if lib is autograd:
        source, findings = port_source(source)
        assert not findings
    namespace = {"__name__": TUTORIAL.stem}
    exec(compile(source, str(TUTORIAL), "exec"), namespace)
    return namespace


def my_relu(lib):
    return tutorial(lib)["MyReLU"]


def test_tutorial_relu_runs_on_tensors_as_in_pytorch():
    x = _tensor(autograd, [-1.0, 0.5, 2.0, -3.0])
    y = my_relu(autograd).apply(x)
    (y * autograd.arange(4.0, dtype=autograd.float64)).sum().backward()
    assert y.tolist() == [0.0, 0.5, 2.0, 0.0]
    assert x.grad.tolist() == [0.0, 1.0, 2.0, 0.0]
    assert y.grad_fn.name() == "MyReLUBackward" == type(y.grad_fn).__name__


def test_tutorial_relu_matches_torch():
    results = []
    for lib in _libs():
        x = _tensor(lib, [[-1.0, 0.5], [2.0, -3.0]])
        y = my_relu(lib).apply(x)
        (y * y).sum().backward()
        results.append((_np(y), _np(x.grad), y.grad_fn.name()))
    (ya, ga, na), (yt, gt, nt) = results
    np.testing.assert_array_equal(ya, yt)
    np.testing.assert_array_equal(ga, gt)
    assert na == nt


def test_forward_gets_the_tensors_with_grad_mode_off_and_backward_gets_tensors():
    seen = {}

    class Probe(autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            seen["forward"] = (x, autograd.is_grad_enabled(), k)
            ctx.save_for_backward(x)
            return x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen["backward"] = (type(g), x, autograd.is_grad_enabled())
            return g * 2, None

    x = _tensor(autograd, [1.0, 2.0])
    y = Probe.apply(x, 2.0)
    assert seen["forward"][0] is x and seen["forward"][1] is False and seen["forward"][2] == 2.0
    assert y.requires_grad and y.grad_fn.needs_input_grad == (True, False)
    y.sum().backward()
    g_type, saved_x, enabled = seen["backward"]
    assert g_type is autograd.Tensor and saved_x is x and enabled is False
    assert x.grad.tolist() == [2.0, 2.0]


def test_without_inputs_requiring_grad_the_output_has_no_history():
    y = cube(autograd).apply(_tensor(autograd, [2.0], requires_grad=False))
    assert y.grad_fn is None and not y.requires_grad and y.tolist() == [8.0]
    with autograd.no_grad():
        assert cube(autograd).apply(_tensor(autograd, [2.0])).grad_fn is None


def test_backward_written_with_tensor_ops_is_differentiable_under_create_graph():
    results = []
    for lib in _libs():
        x = _tensor(lib, [0.5, -2.0, 3.0])
        (g,) = lib.autograd.grad(cube(lib).apply(x).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        results.append((_np(g), _np(gg)))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])
    np.testing.assert_allclose(results[0][1], 6 * np.array([0.5, -2.0, 3.0]))


def double_in_place(lib):
    class DoubleInPlace(double(lib)):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

    return DoubleInPlace


def test_mark_dirty_makes_the_modified_input_the_output():
    results = []
    for lib in _libs():
        a = _tensor(lib, [1.0, -2.0])
        b = a * 1.5
        out = double_in_place(lib).apply(b)
        assert out is b
        (out * out).sum().backward()
        results.append((_np(b), _np(a.grad), b.grad_fn.name()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2] == "DoubleInPlaceBackward"


def test_mark_dirty_on_a_leaf_that_requires_grad_is_refused():
    a = _tensor(autograd, [1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        double_in_place(autograd).apply(a)
    with pytest.raises(TypeError, match="mark_dirty: argument 0 must be a Tensor, got int"):
        autograd.Function._node(autograd.Function, ()).mark_dirty(3)


def sort_with_indices(lib):
    base = tutorial(lib)["SortWithIndices"]

    class SortWithIndices(base):
        @staticmethod
        def backward(ctx, g_values, g_idx):
            assert g_idx is not None and not g_idx.any()  # a zero gradient for the indices
            return base.backward(ctx, g_values, g_idx)

    return SortWithIndices


def test_mark_non_differentiable_outputs_do_not_require_grad():
    results = []
    for lib in _libs():
        x = _tensor(lib, [3.0, -1.0, 2.0])
        values, idx = sort_with_indices(lib).apply(x)
        assert values.requires_grad and not idx.requires_grad and idx.grad_fn is None
        (values * lib.arange(3.0, dtype=lib.float64)).sum().backward()
        results.append((_np(values), _np(idx), _np(x.grad)))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def pair(lib, materialize):
    class Pair(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            total = 0
            if g1 is not None:
                total = total + 2 * g1
            if g2 is not None:
                total = total + 3 * g2
            return total

    return Pair


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(materialize):
    results = []
    for lib in _libs():
        x = _tensor(lib, [1.0, 2.0])
        _, second = pair(lib, materialize).apply(x)
        node = second.grad_fn
        second.sum().backward()
        results.append((node.seen, _np(x.grad)))
    assert results[0][0] == results[1][0] == (materialize is False, False)
    np.testing.assert_array_equal(results[0][1], results[1][1])
    with pytest.raises(TypeError, match="set_materialize_grads: expected a bool, got int"):
        autograd.Function._node(autograd.Function, ()).set_materialize_grads(1)


def test_needs_input_grad_names_which_inputs_want_a_gradient():
    seen = []
    for lib in _libs():

        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, w, bias=None):
                seen.append(ctx.needs_input_grad)
                return x * k * w

            @staticmethod
            def backward(ctx, g):
                return g, None, None, None

        Scale.apply(_tensor(lib, [1.0]), 2.0, _tensor(lib, [1.0], requires_grad=False), None)
    assert seen[0] == seen[1] == (True, False, False, False)


def test_save_for_backward_inputs_outputs_and_none():
    results = []
    for lib in _libs():

        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, unused):
                y = x.exp()
                ctx.save_for_backward(x, y, None)
                return y

            @staticmethod
            def backward(ctx, g):
                x, y, nothing = ctx.saved_tensors
                assert nothing is None and y.grad_fn is ctx and y.requires_grad
                return g * y, None

        x = _tensor(lib, [0.0, 1.0])
        y = Exp.apply(x, None)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)  # through the saved output
        results.append((_np(g), _np(gg)))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])


def test_save_for_backward_refuses_what_is_not_a_tensor():
    class Bad(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="argument 1 is of type int"):
        Bad.apply(_tensor(autograd, [1.0]))


def test_a_saved_input_modified_in_place_makes_backward_raise():
    x = _tensor(autograd, [1.0, 2.0])
    h = x * 1.0
    y = cube(autograd).apply(h)
    with autograd.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_saved_tensors_are_freed_after_backward():
    y = cube(autograd).apply(_tensor(autograd, [1.0]))
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def identity(lib):
    class Identity(double(lib)):
        """Returns its input as it is; the backward rule stays Double's (``2 * g``), so the
        gradient shows that the rule ran."""

        @staticmethod
        def forward(ctx, x):
            return x

    return Identity


def test_an_input_returned_as_it_is_comes_out_as_a_new_tensor_sharing_storage():
    results = []
    for lib in _libs():
        x = _tensor(lib, [1.0, 2.0])
        y = identity(lib).apply(x)
        assert y is not x and y.grad_fn is not None and y.data_ptr() == x.data_ptr()
        y.sum().backward()
        results.append((_np(x.grad), y.grad_fn.name()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def mul_jvp(lib):
    class MulFn(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_forward(x, y)
            return x * y

        @staticmethod
        def jvp(ctx, tx, ty):
            x, y = ctx.saved_tensors
            return tx * y + x * ty

    return MulFn


def test_jvp_gives_forward_mode_with_zeros_for_inputs_without_a_tangent():
    results = []
    for lib in _libs():
        fw = fwAD if lib is autograd else lib.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(_tensor(lib, [1.0, 2.0], False), _tensor(lib, [1.0, 0.5], False))
            out = mul_jvp(lib).apply(x, _tensor(lib, [3.0, 4.0], False))
            results.append(_np(fw.unpack_dual(out).tangent))
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], [3.0, 2.0])


def test_setup_context_style():
    results = []
    for lib in _libs():

        class Square(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x * x

            @staticmethod
            def setup_context(ctx, inputs, output):
                (x,) = inputs
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = _tensor(lib, [3.0, -1.0])
        Square.apply(x).sum().backward()
        results.append(_np(x.grad))
    np.testing.assert_array_equal(results[0], results[1])


def test_node_names_and_reprs_follow_pytorch():
    y = cube(autograd).apply(_tensor(autograd, [1.0]))
    assert y.grad_fn.name() == "CubeBackward" == type(y.grad_fn).__name__
    assert repr(y.grad_fn).startswith("<autograd.function.CubeBackward object at 0x")
    assert "grad_fn=<CubeBackward>" in repr(y)
    z = y * 2
    assert repr(z.grad_fn).startswith("<MulBackward0 object at 0x")


def test_library_primitives_keep_the_array_path():
    # Every Function in autograd.ops takes arrays; a user's subclass of Function takes Tensors.
    seen = []

    class Probe(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(type(x))
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    Probe.apply(autograd.ones(1))
    assert Mul._array_mode and not Probe._array_mode and seen == [autograd.Tensor]
    assert not (autograd.ones(1, requires_grad=True) * 2).grad_fn._tensor_mode
