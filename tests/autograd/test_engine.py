"""The backward engine: ordering, accumulation, hooks, graph freeing, higher order, errors."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from gradcheck_functions import Double

import autograd
from autograd import Function


def t64(values, requires_grad=True):
    return autograd.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# ------------------------------------------------------------------------ basic backward
def test_deep_chain_does_not_recurse():
    x = autograd.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 0.0
    y.backward(autograd.ones(1))
    assert x.grad.tolist() == [1.0]


def test_diamond_graph_sums_both_paths():
    x = t64(3.0)
    a = x * 2
    y = a * a + a  # dy/dx = (2a + 1) * 2 = 26
    y.backward()
    assert x.grad.item() == 26.0


def test_leaf_grads_accumulate_across_backward_calls():
    x = t64([1.0, 2.0])
    (x * x).backward(t64([1.0, 1.0], False))
    first = x.grad.tolist()
    (x * x).backward(t64([1.0, 1.0], False))
    assert x.grad.tolist() == [2 * v for v in first]


def test_same_leaf_twice_in_one_op():
    x = t64(3.0)
    (x * x).backward()
    assert x.grad.item() == 6.0


def test_intermediate_grads_are_not_kept_without_retain_grad():
    x = t64(2.0)
    y = x * 3
    (y * y).backward()
    assert y.grad is None


def test_retain_grad_on_non_leaf():
    x = t64(2.0)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad
    (y * y).backward()
    assert y.grad.item() == 12.0
    assert x.grad.item() == 36.0


def test_backward_on_non_scalar_needs_gradient():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="gradient"):
        (x * 2).backward()


def test_backward_gradient_shape_checked():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        (x * 2).backward(autograd.ones(3, dtype=autograd.float64))


def test_backward_takes_one_gradient_as_any_array_and_names_what_it_cannot_read():
    x = t64([1.0, 2.0])
    y = x * 2
    y.backward(np.array([1.0, 0.5]), retain_graph=True)  # one output: the array is its gradient
    assert x.grad.tolist() == [2.0, 1.0]
    (x * 3).sum().backward(2.0)
    assert x.grad.tolist() == [8.0, 7.0]
    with pytest.raises(ValueError, match=r"got 2 gradients for 1 outputs \(a list or tuple"):
        y.backward([1.0, 0.5], retain_graph=True)  # a list holds one gradient per output
    for bad, what in [("1.5", "builtins.str"), (np.array([1j, 2.0]), "dtype complex128"),
                      (np.array([None, 1.0]), "dtype object")]:  # fmt: skip
        with pytest.raises(TypeError, match=f"tensors\\[0\\] must be a Tensor or an array of "
                           f"real numbers, got .*{what}"):  # fmt: skip
            y.backward(bad, retain_graph=True)
    assert x.grad.tolist() == [8.0, 7.0]  # nothing accumulated by the calls that failed
    autograd.backward([y], (g for g in [t64([1.0, 1.0])]))  # a sequence may be any iterable
    assert x.grad.tolist() == [10.0, 9.0]


def test_backward_takes_a_torch_tensor_as_an_array():
    torch = pytest.importorskip("torch")
    x = t64([1.0, 2.0])
    (x * x).backward(torch.tensor([1.0, 0.5], dtype=torch.float64))
    assert x.grad.tolist() == [2.0, 2.0]


def test_backward_without_grad_raises():
    x = t64([1.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).backward(autograd.ones(1))


def test_unbroadcast_sums_to_input_shape():
    a = t64([[1.0], [2.0]])  # (2, 1)
    b = t64([10.0, 20.0, 30.0])  # (3,)
    (a * b).backward(autograd.ones(2, 3, dtype=autograd.float64))
    assert a.grad.shape == (2, 1) and a.grad.tolist() == [[60.0], [60.0]]
    assert b.grad.shape == (3,) and b.grad.tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "g_shape, shape, by_gemv",
    [
        ((1024, 384), (384,), True),  # a bias's gradient
        ((1024, 384), (1, 384), True),
        ((8, 128, 24), (128, 24), True),
        ((8, 128, 24), (1, 1, 24), True),
        ((512, 4), (4,), True),
        ((4096, 1), (1,), False),  # one column: NumPy's pairwise sum, the more accurate there
        ((512, 4), (), False),
        ((1024, 384), (1024, 1), False),  # summed over a trailing axis: NumPy's sum
        ((8, 128, 24), (8, 1, 24), False),
        ((16, 8), (8,), False),  # too small to pay
    ],
)
def test_unbroadcast_sums_leading_axes(g_shape, shape, by_gemv, dtype):
    # Leading axes of a float32 gradient go through one GEMV (engine._leading_sums), others
    # and float64 through NumPy: the same sums either way, and a NaN or inf stays in its own
    # column.
    from autograd import engine

    rng = np.random.default_rng(len(g_shape) + len(shape))
    g = rng.standard_normal(g_shape).astype(dtype)
    g.reshape(-1, g_shape[-1])[3, 0] = np.nan
    g.reshape(-1, g_shape[-1])[5, -1] = np.inf
    assert (engine._leading_sums(g, shape) is not None) is (by_gemv and dtype == np.float32)
    out = engine.unbroadcast(g, shape)
    wide = g.astype(np.float64)
    extra = g.ndim - len(shape)
    want = wide.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, (s, w) in enumerate(zip(shape, want.shape)) if s == 1 and w != 1)
    want = want.sum(axis=axes, keepdims=True) if axes else want
    assert out.shape == shape and out.dtype == dtype
    np.testing.assert_allclose(out, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-3)


def test_scalar_parameter_gradient_keeps_pairwise_accuracy():
    # 65 536 gradients of 0.1 summed to a scalar bias: NumPy's pairwise sum (as PyTorch's
    # cascade) is within float32 rounding of the exact 6553.6; a running sum drifts to 6553.54.
    n = 1 << 16
    b = autograd.tensor(0.0, requires_grad=True)
    (0.1 * (autograd.zeros(n) + b)).sum().backward()
    assert abs(float(b.grad.numpy()) - 6553.6) < 2e-3


def test_bias_gradient_of_a_wide_batch():
    x = autograd.tensor(np.ones((1024, 64), np.float32), requires_grad=True)
    b = autograd.tensor(np.arange(64, dtype=np.float32), requires_grad=True)
    (x + b).backward(autograd.tensor(np.full((1024, 64), 0.5, np.float32)))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(64, 512.0, np.float32))


def test_gradient_of_0d_input_broadcast_to_1d_is_an_array():
    a = t64(0.0)
    b = t64([1e-4])
    ga, gb = autograd.grad([a + b], [a, b], [t64([1.0], False)])
    assert ga.shape == () and np.asarray(ga).shape == () and ga.item() == 1.0
    assert gb.tolist() == [1.0]


def test_grad_dtype_matches_leaf():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)  # float32
    (x * t64([1.0, 1.0], False).to(autograd.float32)).backward(autograd.ones(2))
    assert x.grad.dtype == np.float32


def test_backward_inputs_restricts_accumulation():
    a, b = t64(1.0), t64(2.0)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


# --------------------------------------------------------------------------------- hooks
def test_hook_on_leaf_modifies_grad_and_can_be_removed():
    x = t64([1.0, 2.0])
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return g * 10

    h = x.register_hook(hook)
    (x * 2).backward(t64([1.0, 1.0], False))
    assert seen == [[2.0, 2.0]] and x.grad.tolist() == [20.0, 20.0]
    h.remove()
    h.remove()  # idempotent
    x.grad = None
    (x * 2).backward(t64([1.0, 1.0], False))
    assert x.grad.tolist() == [2.0, 2.0] and len(seen) == 1


def test_hook_on_non_leaf_changes_what_flows_upstream():
    x = t64(2.0)
    y = x * 3
    y.register_hook(lambda g: g * 0 + 100)
    (y * 1).backward()
    assert x.grad.item() == 300.0


def test_hook_returning_none_observes_only():
    x = t64(2.0)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    (y * y).backward()
    assert seen == [12.0] and x.grad.item() == 36.0


def test_hook_wrong_shape_is_an_error():
    x = t64([1.0, 2.0])
    x.register_hook(lambda g: autograd.ones(3, dtype=autograd.float64))
    with pytest.raises(RuntimeError, match="hook"):
        (x * 2).backward(t64([1.0, 1.0], False))


def test_hook_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="doesn't require grad"):
        t64([1.0], requires_grad=False).register_hook(lambda g: g)


# --------------------------------------------------------------------------- graph freeing
def test_intermediate_array_dies_after_backward():
    class SaveScratch(Function):
        @staticmethod
        def forward(ctx, x):
            scratch = np.exp(x)
            ctx.save_for_backward(scratch)
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            (scratch,) = ctx.saved_tensors
            return g

    x = t64([1.0, 2.0])
    y = SaveScratch.apply(x)
    ref = weakref.ref(y.grad_fn._saved[0])
    y.backward(t64([1.0, 1.0], False))
    gc.collect()
    assert ref() is None  # freed although y (and its grad_fn) is still alive


def test_second_backward_raises_mentioning_retain_graph():
    x = t64(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = t64(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


# --------------------------------------------------------------------------- higher order
def test_second_and_third_derivative_of_cube():
    x = t64(2.0)
    (g1,) = autograd.grad(x**3, x, create_graph=True)
    (g2,) = autograd.grad(g1, x, create_graph=True)
    (g3,) = autograd.grad(g2, x)
    assert g1.item() == 12.0 and g2.item() == pytest.approx(12.0) and g3.item() == 6.0


def test_second_derivative_of_tanh():
    x = t64([0.3, -1.2])
    y = x.tanh()
    (g1,) = autograd.grad(y, x, t64([1.0, 1.0], False), create_graph=True)
    (g2,) = autograd.grad(g1, x, t64([1.0, 1.0], False))
    th = np.tanh(np.array([0.3, -1.2]))
    np.testing.assert_allclose(g1.detach().numpy(), 1 - th**2)
    np.testing.assert_allclose(g2.numpy(), -2 * th * (1 - th**2))


def test_create_graph_backward_leaves_differentiable_grad():
    x = t64(3.0)
    (x**2).backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = autograd.grad(x.grad, x)
    assert g2.item() == 2.0


def test_grad_does_not_touch_dot_grad():
    x = t64(3.0)
    autograd.grad(x * x, x)
    assert x.grad is None


def test_grad_allow_unused():
    x, y = t64(1.0), t64(2.0)
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad(x * 2, [x, y])
    gx, gy = autograd.grad(x * 2, [x, y], allow_unused=True)
    assert gx.item() == 2.0 and gy is None


def test_grad_of_non_leaf():
    x = t64(2.0)
    h = x * 3
    (gh,) = autograd.grad(h * h, h)
    assert gh.item() == 12.0


# ------------------------------------------------------------------------ version counter
def test_inplace_change_of_saved_tensor_is_detected_naming_the_op():
    x = t64([1.0, 2.0])
    a = x * 1.0
    y = a * a  # Mul saves a
    with autograd.no_grad():
        a.add_(1.0)
    with pytest.raises(RuntimeError, match="Mul") as info:
        y.backward(t64([1.0, 1.0], False))
    assert "in-place" in str(info.value) and "version" in str(info.value)


def test_inplace_change_of_saved_output_is_detected():
    x = t64([1.0, 2.0])
    y = x.exp()  # Exp saves its output
    with autograd.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="Exp"):
        y.backward(t64([1.0, 1.0], False))


def test_inplace_on_unsaved_tensor_is_fine():
    x = t64([1.0, 2.0])
    a = x * 2.0
    y = a + 1.0  # Add saves nothing
    with autograd.no_grad():
        a.add_(1.0)
    y.backward(t64([1.0, 1.0], False))
    assert x.grad.tolist() == [2.0, 2.0]


# -------------------------------------------------------------------------- anomaly mode
def test_detect_anomaly_names_op_and_line():
    x = t64([0.0, 1.0])
    with autograd.detect_anomaly():
        y = x.sqrt()  # the line to be reported
        with pytest.raises(RuntimeError) as info:
            y.backward(t64([1.0, 1.0], False))
    msg = str(info.value)
    assert "Sqrt" in msg and ("nan" in msg.lower() or "inf" in msg.lower())
    assert "test_engine.py" in msg and "y = x.sqrt()" in msg


def test_without_anomaly_mode_inf_passes_silently():
    x = t64([0.0, 1.0])
    x.sqrt().backward(t64([1.0, 1.0], False))
    assert np.isinf(x.grad.numpy()[0])


# ------------------------------------------------------------------------- Function rules
@pytest.mark.parametrize(
    ("rule", "values", "match"),
    [
        (lambda ctx, g: (g, g), [1.0], "BadRule.*2 gradients.*1 inputs"),
        (lambda ctx, g: np.ones((4,)), [1.0, 2.0], r"BadRule.*shape \(4,\).*\(2,\)"),
    ],
    ids=["number", "shape"],
)
def test_backward_returning_wrong_gradients_names_the_function(rule, values, match):
    class BadRule(Double):
        backward = staticmethod(rule)

    with pytest.raises(RuntimeError, match=match):
        BadRule.apply(t64(values)).backward(t64(np.ones(len(values)), False))


def test_needs_input_grad():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    Probe.apply(t64([1.0]), t64([2.0], False), 3.0)
    assert seen == [(True, False, False)]


def test_mark_non_differentiable():
    class SortLike(Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argsort().double()  # float, but an index: no gradient
            ctx.mark_non_differentiable(idx)
            return x * 1.0, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g

    vals, idx = SortLike.apply(t64([3.0, 1.0]))
    assert vals.requires_grad and not idx.requires_grad and idx.grad_fn is None
    vals.backward(t64([1.0, 1.0], False))


def test_multiple_outputs_only_one_used():
    class Split(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    x = t64([1.0])
    a, _ = Split.apply(x)
    a.backward(t64([1.0], False))  # the unused output's grad arrives as zeros
    assert x.grad.tolist() == [2.0]


def test_function_non_tensor_output_passes_through():
    # As in PyTorch: a non-Tensor output is returned as it is and gets no gradient slot.
    class Tagged(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, "tag"

        @staticmethod
        def backward(ctx, g, g_tag):
            assert g_tag is None
            return g * 2

    x = t64([1.0])
    y, tag = Tagged.apply(x)
    assert tag == "tag"
    y.sum().backward()
    assert x.grad.tolist() == [2.0]


def test_zero_dim_saved_output_is_wired_for_create_graph():
    # np.exp of a 0-d array is a NumPy scalar; it must still count as Exp's saved output.
    x = t64(0.5)
    (g,) = autograd.grad(x.exp(), x, create_graph=True)
    (gg,) = autograd.grad(g, x)
    assert gg.item() == pytest.approx(np.exp(0.5))


# ------------------------------------------------------------------ gradient layout
def _products(lib, x, w, b):
    """The forms a weight used transposed takes (``nn.Linear``'s among them)."""
    return [
        lib.addmm(b, x, w.t()),
        x @ w.t(),
        x.reshape(2, 2, 3) @ w.t(),
        lib.addmm(b, x, w.t(), beta=0.5, alpha=2.0),
    ]


@pytest.mark.parametrize("form", range(4))
def test_a_weight_used_transposed_gets_its_gradient_in_its_own_layout(form, torch):
    rng = np.random.default_rng(form)
    arrays = [rng.standard_normal(s) for s in ((4, 3), (5, 3), (5,))]
    seed = rng.standard_normal((4, 5))

    def run(lib, tensor):
        x, w, b = (tensor(a.copy()) for a in arrays)
        w.requires_grad_(True)
        b.requires_grad_(True)
        y = _products(lib, x, w, b)[form]
        (y * tensor(seed.reshape(y.shape))).sum().backward()
        return w.grad

    ours, theirs = run(autograd, autograd.tensor), run(torch, torch.tensor)
    assert ours.is_contiguous() and ours.stride() == theirs.stride() == (3, 1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_a_column_major_leaf_keeps_its_layout_in_its_gradient(torch):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((4, 3)), np.asfortranarray(rng.standard_normal((3, 5)))

    def run(lib):
        wt = lib.from_numpy(w.copy(order="F")).requires_grad_(True)
        (lib.from_numpy(x.copy()) @ wt).sum().backward()
        return wt.grad

    ours, theirs = run(autograd), run(torch)
    assert ours.stride() == theirs.stride() == (1, 3)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_a_gradient_taken_over_without_a_copy_is_shared_with_nothing():
    # The leaf's gradient is the transposed product itself when nothing else holds it; a
    # gradient retained on the transposed view holds it, so the leaf then gets its own copy.
    x = t64(np.arange(12.0).reshape(4, 3), requires_grad=False)
    w = t64(np.ones((5, 3)))
    wt = w.t()
    wt.retain_grad()
    (x @ wt).sum().backward()
    retained = wt.grad.numpy().copy()
    with autograd.no_grad():
        w.grad.add_(1.0)
    np.testing.assert_array_equal(wt.grad.numpy(), retained)
    np.testing.assert_array_equal(w.grad.numpy(), retained.T + 1.0)
    (x @ w.t()).sum().backward()  # accumulates in place into w.grad, never into wt.grad
    np.testing.assert_array_equal(wt.grad.numpy(), retained)
    np.testing.assert_array_equal(w.grad.numpy(), 2 * retained.T + 1.0)


# ------------------------------------------------------- gradients summed at one place
def test_a_weight_shared_by_every_step_sums_its_gradients():
    rng = np.random.default_rng(0)
    w0, h0 = rng.standard_normal((3, 3)) * 0.5, rng.standard_normal((2, 3))
    w = t64(w0)
    h = t64(h0, requires_grad=False)
    hs = [h0]
    for _ in range(5):
        h = (h @ w).tanh()
        hs.append(h.detach().numpy())
    h.sum().backward()
    expected, g = np.zeros((3, 3)), np.ones((2, 3))
    for k in range(5, 0, -1):  # backpropagation through time by hand
        g = g * (1 - hs[k] ** 2)
        expected += hs[k - 1].T @ g
        g = g @ w0.T
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)


def test_one_gradient_routed_to_two_leaves_is_not_summed_into_twice():
    # add's rule hands the same array to both inputs; p then receives a second gradient.
    p, q = t64([1.0, 2.0]), t64([3.0, 4.0])
    ((p + q) * t64([5.0, 7.0], requires_grad=False) + p * 3).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [8.0, 10.0])
    np.testing.assert_array_equal(q.grad.numpy(), [5.0, 7.0])
    with autograd.no_grad():
        q.grad.add_(1.0)
    np.testing.assert_array_equal(p.grad.numpy(), [8.0, 10.0])


def test_gradients_the_caller_passed_are_left_as_they_were():
    x = t64([1.0, 2.0])
    y = x * 2
    first, second = t64([1.0, 1.0], False), t64([10.0, 20.0], False)
    autograd.backward([y, y], [first, second])
    np.testing.assert_array_equal(x.grad.numpy(), [22.0, 42.0])
    np.testing.assert_array_equal(first.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(second.numpy(), [10.0, 20.0])


def test_retained_gradients_are_summed_into_only_as_retained_gradients():
    # The values PyTorch gives: autograd.grad adds to retained gradients too.
    x = t64([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = y * 3
    z.retain_grad()
    (z + y).sum().backward(retain_graph=True)
    np.testing.assert_array_equal(y.grad.numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(z.grad.numpy(), [1.0, 1.0])
    gy, gz = autograd.grad((z * z).sum() + y.sum(), [y, z])
    np.testing.assert_array_equal(gz.numpy(), [12.0, 24.0])
    np.testing.assert_array_equal(gy.numpy(), [37.0, 73.0])
    np.testing.assert_array_equal(z.grad.numpy(), [13.0, 25.0])
    np.testing.assert_array_equal(y.grad.numpy(), [41.0, 77.0])
