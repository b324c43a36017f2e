"""Tests for autograd/ops/linalg.py: matmul, mm, bmm, dot, outer, einsum, tensordot."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
from autograd.ops.registry import REGISTRY

# The torch fixture only imports a module, so sharing it across drawn examples is safe.
torch_ok = settings(
    suppress_health_check=[
        *settings.default.suppress_health_check,
        HealthCheck.function_scoped_fixture,
    ]
)

OPS = ["matmul", "mm", "bmm", "dot", "outer", "einsum", "tensordot"]


def _call(name, sample, dtype=np.float64, requires_grad=True):
    """Run the op on the sample; return (output, the input tensors that require grad)."""
    args = []
    leaves = []
    for a in sample.args:
        if isinstance(a, np.ndarray):
            t = autograd.tensor(a.astype(dtype), requires_grad=requires_grad)
            args.append(t)
            leaves.append(t)
        else:
            args.append(a)
    return REGISTRY[name].fn(*args, **sample.kwargs), leaves


# ----------------------------------------------------------------------- registry-driven
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_forward_matches_numpy(name, dtype, data):
    info = REGISTRY[name]
    sample = info.sample(data.draw, np.dtype(dtype))
    out, _ = _call(name, sample, dtype, requires_grad=False)
    ref = info.ref(*sample.args, **sample.kwargs)
    assert out.dtype == dtype
    assert out.shape == np.shape(ref)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
@torch_ok
def test_gradients_match_torch(name, data, torch):
    info = REGISTRY[name]
    sample = info.sample(data.draw, np.dtype(np.float64))
    out, leaves = _call(name, sample)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(autograd.tensor(upstream))

    targs = [
        torch.tensor(a, requires_grad=True) if isinstance(a, np.ndarray) else a for a in sample.args
    ]
    tout = getattr(torch, name)(*targs, **sample.kwargs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    tout.backward(torch.tensor(upstream))
    tleaves = [t for t in targs if isinstance(t, torch.Tensor)]
    for ours, theirs in zip(leaves, tleaves):
        assert ours.grad.shape == tuple(theirs.grad.shape)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("check", [autograd.gradcheck, autograd.gradgradcheck])
@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_gradcheck_and_gradgradcheck(name, check, data):
    sample = REGISTRY[name].sample(data.draw, np.dtype(np.float64))
    _, leaves = _call(name, sample)
    fn = REGISTRY[name].fn
    positions = [i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray)]

    def f(*tensors):
        args = list(sample.args)
        for i, t in zip(positions, tensors):
            args[i] = t
        return fn(*args, **sample.kwargs)

    assert check(f, tuple(leaves))


# ------------------------------------------------------------------------------- matmul
@given(
    shapes=st.sampled_from(
        [
            ((3,), (3,)),
            ((2, 3), (3,)),
            ((3,), (3, 4)),
            ((3,), (2, 3, 4)),
            ((2, 2, 3), (3,)),
            ((5, 1, 2, 3), (4, 3, 2)),
            ((1, 2, 3), (6, 3, 1)),
            ((2, 3), (4, 3, 5)),
            ((0, 3), (3, 2)),
            ((2, 0), (0, 2)),
        ]
    )
)
@torch_ok
def test_matmul_shapes_and_grads_match_torch(shapes, torch):
    sa, sb = shapes
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal(sa), rng.standard_normal(sb)
    a = autograd.tensor(a_np, requires_grad=True)
    b = autograd.tensor(b_np, requires_grad=True)
    y = a @ b
    assert y.shape == np.matmul(a_np, b_np).shape
    g = rng.standard_normal(y.shape)
    y.backward(autograd.tensor(g))
    ta = torch.tensor(a_np, requires_grad=True)
    tb = torch.tensor(b_np, requires_grad=True)
    (ta @ tb).backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_matmul_linear_layer_grads_float32(torch):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((64, 256)).astype(np.float32)
    w_np = rng.standard_normal((256, 256)).astype(np.float32)
    x = autograd.tensor(x_np, requires_grad=True)
    w = autograd.tensor(w_np, requires_grad=True)
    y = x @ w
    assert y.dtype == np.float32
    y.backward(autograd.ones(*y.shape))
    tx, tw = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
    (tx @ tw).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), (tx @ tw).detach().numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize(
    "rows, depth, cols, taken",
    [
        (16, 2048, 512, True),  # the backward of h @ w_hh in a hidden-512 LSTM, batch 16
        (8, 256, 256, True),
        (32, 512, 128, True),
        (3, 4096, 64, True),  # x[None] @ w.T: rows 2..32 only
        (1, 2048, 512, False),  # a vector's product: the plain order is as fast
        (64, 256, 256, False),  # many rows
        (16, 64, 1024, False),  # shallow: the transposing copy costs more than it saves
        (8, 128, 128, False),  # small
    ],
)
def test_few_rows_times_transposed_weight(rows, depth, cols, taken):
    # x @ w.t() with few rows runs as (w @ x.t()).t() (see linalg._by_columns): same values,
    # C-contiguous like any product, and the gradients of both operands still right.
    from autograd.ops import linalg

    rng = np.random.default_rng(rows + depth + cols)
    x_np = rng.standard_normal((rows, depth)).astype(np.float32)
    w_np = rng.standard_normal((cols, depth)).astype(np.float32)
    assert linalg._by_columns(x_np, w_np.T) is taken
    x = autograd.tensor(x_np, requires_grad=True)
    w = autograd.tensor(w_np, requires_grad=True)
    y = x @ w.t()
    exact = x_np.astype(np.float64) @ w_np.T.astype(np.float64)
    tol = dict(rtol=1e-4, atol=1e-4 * np.sqrt(depth))
    assert y.detach().numpy().flags.c_contiguous and y.dtype == np.float32
    np.testing.assert_allclose(y.detach().numpy(), exact, **tol)
    g = rng.standard_normal((rows, cols)).astype(np.float32)
    y.backward(autograd.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), g.astype(np.float64) @ w_np, **tol)
    np.testing.assert_allclose(w.grad.numpy(), g.T.astype(np.float64) @ x_np, **tol)
    # A stack of few rows in all folds into one such product.
    stacked = autograd.tensor(x_np[None]) @ w.t()
    np.testing.assert_allclose(stacked.detach().numpy()[0], exact, **tol)


@pytest.mark.parametrize("bias_shape", [(128,), (1, 128), (1024, 1), (1024, 128), ()])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_addmm_with_the_bias_inside_the_gemm(bias_shape, dtype):
    # A large output takes its bias into the GEMM (linalg._bias_in_gemm): the same values as
    # bias + product, an inf or NaN in the bias kept, and every gradient right.
    from autograd.ops import linalg

    rng = np.random.default_rng(len(bias_shape))
    x_np = rng.standard_normal((1024, 64)).astype(dtype)
    w_np = rng.standard_normal((128, 64)).astype(dtype)
    b_np = rng.standard_normal(bias_shape).astype(dtype)
    if b_np.ndim:
        b_np.reshape(-1)[0] = np.inf
    assert linalg._bias_in_gemm(x_np, w_np.T) is linalg._blas.AVAILABLE
    x, w, b = (autograd.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    y = autograd.addmm(b, x, w.t())
    want = b_np.astype(np.float64) + x_np.astype(np.float64) @ w_np.T.astype(np.float64)
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), want, **tol)
    g = rng.standard_normal((1024, 128)).astype(dtype)
    y.backward(autograd.tensor(g))
    g64 = g.astype(np.float64)
    np.testing.assert_allclose(x.grad.numpy(), g64 @ w_np, **tol)
    np.testing.assert_allclose(w.grad.numpy(), g64.T @ x_np, rtol=tol["rtol"], atol=1e-3)
    gb = g64.reshape((1024, 128)).sum(axis=0) if bias_shape[-1:] == (128,) else None
    if bias_shape == (1024, 1):
        gb = g64.sum(axis=1, keepdims=True)
    elif bias_shape == (1024, 128):
        gb = g64
    elif bias_shape == ():
        gb = g64.sum()
    np.testing.assert_allclose(b.grad.numpy(), np.reshape(gb, bias_shape), rtol=1e-4, atol=1e-3)


def test_stack_gradient_keeps_pytorchs_layout():
    # PyTorch's bmm backward makes the gradient of k.transpose(1, 2) contiguous, so the one that
    # reaches k (a hook, autograd.grad) is transposed: strides (20, 1, 5) here, as in PyTorch.
    rng = np.random.default_rng(3)
    q_np, k_np = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    g = rng.standard_normal((2, 3, 5))
    q = autograd.tensor(q_np, requires_grad=True)
    k = autograd.tensor(k_np, requires_grad=True)
    seen = []
    k.register_hook(lambda grad: seen.append((grad.stride(), grad.is_contiguous())))
    (gk,) = autograd.grad(q @ k.transpose(1, 2), k, autograd.tensor(g))
    assert seen == [((20, 1, 5), False)]
    assert gk.stride() == (20, 1, 5)
    np.testing.assert_allclose(gk.numpy(), g.transpose(0, 2, 1) @ q_np, rtol=1e-12)


def test_by_columns_keeps_other_layouts_and_dtypes():
    from autograd.ops import linalg

    x = np.ones((16, 512), np.float32)
    w = np.ones((256, 512), np.float32)
    assert linalg._by_columns(x, w.T)
    assert not linalg._by_columns(x, np.ascontiguousarray(w.T))  # a row-major operand
    assert not linalg._by_columns(x.astype(np.float64), w.T.astype(np.float64))
    assert not linalg._by_columns(np.asfortranarray(x), w.T)  # the left one transposed


def test_matmul_second_derivative():
    a = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([[0.5, -1.0], [2.0, 1.0]], dtype=autograd.float64, requires_grad=True)
    y = a @ b
    (ga,) = autograd.grad(y, a, autograd.ones(2, 2, dtype=autograd.float64), create_graph=True)
    assert ga.requires_grad
    (gb,) = autograd.grad(ga, b, autograd.ones(2, 2, dtype=autograd.float64))
    # ga = 1 @ b^T, so d(sum ga)/db = 2 everywhere (each b[k, j] feeds two rows of ga).
    np.testing.assert_allclose(gb.numpy(), np.full((2, 2), 2.0))


def test_matmul_integers_have_no_grad():
    a = autograd.tensor([[1, 2], [3, 4]])
    y = a @ a
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.detach().numpy(), [[7, 10], [15, 22]])


def test_matmul_accepts_arrays_and_lists():
    w = autograd.tensor(np.eye(2), requires_grad=True)
    y = w @ [1.0, 2.0]  # Python data takes the tensor's float64
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.detach().numpy(), [1.0, 2.0])
    y2 = np.array([[1.0, 1.0]]) @ w
    assert isinstance(y2, autograd.Tensor) and y2.requires_grad


@pytest.mark.parametrize(
    "fn, sa, sb, match",
    [
        ("matmul", (3, 4), (5, 2), r"matmul: shapes \(3, 4\) and \(5, 2\) do not align: 4 != 5"),
        ("matmul", (3,), (4,), r"\(3,\) and \(4,\) do not align: 3 != 4"),
        ("matmul", (2, 3, 4), (3, 4, 5), r"batch dimensions \(2,\) and \(3,\)"),
        ("matmul", (), (3,), r"matmul: both arguments need at least 1 dimension"),
        ("matmul", (3,), (), r"at least 1 dimension"),
        ("mm", (3,), (3, 2), r"mm: expected 2-D matrices, got input with shape \(3,\)"),
        ("mm", (2, 3), (2, 3, 2), r"mm: expected 2-D matrices, got mat2 with shape \(2, 3, 2\)"),
        ("mm", (2, 3), (4, 2), r"mm: shapes \(2, 3\) and \(4, 2\) do not align: 3 != 4"),
        ("bmm", (2, 3), (3, 2), r"bmm: expected 3-D batches"),
        ("bmm", (2, 2, 3), (3, 3, 2), r"bmm: .*different batch sizes: 2 != 3"),
        ("bmm", (2, 2, 3), (2, 4, 2), r"bmm: .*do not align: 3 != 4"),
        ("dot", (2, 2), (2,), r"dot: expected 1-D vectors, got input with shape \(2, 2\)"),
        ("dot", (2,), (3,), r"dot: vectors of shapes \(2,\) and \(3,\) differ in length"),
        ("outer", (2, 2), (3,), r"outer: expected 1-D vectors, got input with shape \(2, 2\)"),
        ("outer", (2,), (), r"outer: expected 1-D vectors, got vec2 with shape \(\)"),
    ],
)
def test_bad_shapes(fn, sa, sb, match):
    a, b = autograd.ones(*sa), autograd.ones(*sb)
    with pytest.raises(ValueError, match=match):
        getattr(autograd, fn)(a, b)


@pytest.mark.parametrize("fn", ["matmul", "mm", "dot", "tensordot"])
def test_mixed_dtypes_are_refused(fn):
    a = autograd.ones(2, 2) if fn != "dot" else autograd.ones(2)
    b = a.to(autograd.float64)
    with pytest.raises(TypeError, match=f"{fn}: .*same dtype, got float32 and float64"):
        getattr(autograd, fn)(a, b)
    with pytest.raises(TypeError, match="same dtype"):
        getattr(autograd, fn)(a, autograd.tensor(np.ones(a.shape, dtype=np.int64)))


def test_bool_matmul_is_refused():
    a = autograd.tensor([[True, False]])
    with pytest.raises(TypeError, match="matmul: expected floating point or integer"):
        autograd.matmul(a, autograd.tensor([[True], [False]]))


def test_outer_promotes_like_mul():
    y = autograd.outer(autograd.ones(2), autograd.tensor([1, 2, 3]))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.detach().numpy(), [[1, 2, 3], [1, 2, 3]])
    assert autograd.ger is autograd.outer


def test_tensor_methods():
    a = autograd.tensor(np.arange(6.0).reshape(2, 3))
    b = autograd.tensor(np.arange(3.0))
    np.testing.assert_allclose(a.matmul(b).numpy(), [5.0, 14.0])
    np.testing.assert_allclose(b.dot(b).numpy(), 5.0)
    assert b.outer(b).shape == (3, 3)
    assert a.mm(autograd.ones(3, 2, dtype=autograd.float64)).shape == (2, 2)


# ------------------------------------------------------------------------------- einsum
@pytest.mark.parametrize(
    "equation, shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ii->i", [(3, 3)]),
        ("ii", [(3, 3)]),
        ("iij->ji", [(2, 2, 3)]),
        ("iii->i", [(2, 2, 2)]),
        ("i,i,i->", [(3,), (3,), (3,)]),
        ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]),
        ("...i,...i->i", [(2, 3), (2, 3)]),  # '...' left out of the output is summed (torch)
        ("b...,b...->b", [(2, 3, 4), (2, 1, 4)]),
        ("ij,jk->ik", [(2, 1), (3, 4)]),  # size-1 labels broadcast (torch)
        ("i,j", [(2,), (3,)]),
        ("ba,cb", [(2, 3), (4, 2)]),
        ("ij->", [(2, 3)]),
        ("->", [()]),
        ("i j , j k -> i k", [(2, 3), (3, 2)]),
        ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ],
)
def test_einsum_matches_torch(equation, shapes, torch):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = autograd.einsum(equation, *ours)
    ty = torch.einsum(equation, *theirs)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert autograd.gradcheck(lambda *ts: autograd.einsum(equation, *ts), tuple(ours))


def test_einsum_list_of_operands_and_numpy_dispatch():
    a = autograd.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = autograd.tensor(np.arange(3.0), requires_grad=True)
    y1 = autograd.einsum("ij,j->i", [a, b])
    y2 = np.einsum("ij,j->i", a, b)
    assert isinstance(y2, autograd.Tensor) and y2.requires_grad
    np.testing.assert_allclose(y1.detach().numpy(), y2.detach().numpy())
    np.testing.assert_allclose(y1.detach().numpy(), [5.0, 14.0])


def test_einsum_integers():
    y = autograd.einsum("ij->j", autograd.tensor([[1, 2], [3, 4]]))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.detach().numpy(), [4, 6])


@pytest.mark.parametrize(
    "equation, shapes, match",
    [
        ("ij,jk->ik", [(2, 3)], r"2 operand subscript\(s\) but 1 operand"),
        ("i1->i", [(2, 3)], r"invalid character '1'"),
        ("ij->i->j", [(2, 3)], r"more than one '->'"),
        ("ijk->i", [(2, 3)], r"term 'ijk' has 3 subscript\(s\) but operand 0 has shape \(2, 3\)"),
        ("ij,jk->ik", [(2, 3), (4, 2)], r"subscript 'j' has size 4 in operand 1"),
        ("ii->i", [(2, 3)], r"'i' is repeated in operand 0 .* different sizes"),
        ("ij->ik", [(2, 3)], r"output subscript 'k' .* appears in no input"),
        ("ij->ii", [(2, 2)], r"output subscript 'i' .* is repeated"),
        ("......->", [(2,)], r"more than one '...'"),
        ("ij->...", [(2, 2)], r"has '...' but no input has"),
    ],
)
def test_einsum_bad_equations(equation, shapes, match):
    with pytest.raises(ValueError, match=match):
        autograd.einsum(equation, *(autograd.ones(*s) for s in shapes))


def test_einsum_bad_types():
    with pytest.raises(TypeError, match="einsum: equation must be a str"):
        autograd.einsum(autograd.ones(2), autograd.ones(2))
    mixed = autograd.einsum("i,i", autograd.ones(2), autograd.ones(2, dtype=autograd.float64))
    assert mixed.dtype == autograd.float64  # promoted as by result_type
    with pytest.raises(ValueError, match="at least one operand"):
        autograd.einsum("i")


# ---------------------------------------------------------------------------- tensordot
@pytest.mark.parametrize(
    "sa, sb, dims",
    [
        ((2, 3, 4), (3, 4, 5), 2),
        ((2, 3), (3, 4), 1),
        ((2,), (3,), 0),
        ((2, 3, 4), (4, 3), ([1, 2], [1, 0])),
        ((2, 3), (3, 2), ([-1], [0])),
        ((2, 3), (4, 3), (1, 1)),
        ((3, 4), (3, 4), ([0, 1], [0, 1])),
    ],
)
def test_tensordot_matches_torch(sa, sb, dims, torch):
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal(sa), rng.standard_normal(sb)
    a = autograd.tensor(a_np, requires_grad=True)
    b = autograd.tensor(b_np, requires_grad=True)
    y = autograd.tensordot(a, b, dims=dims)
    tdims = ([dims[0]], [dims[1]]) if isinstance(dims, tuple) and isinstance(dims[0], int) else dims
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    ty = torch.tensordot(ta, tb, dims=tdims)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_tensordot_numpy_axes_alias_and_dispatch():
    a = autograd.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = autograd.tensor(np.arange(3.0))
    y = np.tensordot(a, b, axes=1)
    assert isinstance(y, autograd.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.detach().numpy(), [5.0, 14.0])
    y2 = autograd.tensordot(a, b, axes=([1], [0]))
    np.testing.assert_allclose(y2.detach().numpy(), [5.0, 14.0])


@pytest.mark.parametrize(
    "sa, sb, dims, exc, match",
    [
        ((2, 3), (4, 2), 1, ValueError, r"a dim 1 has size 3 .* b dim 0 has size 4"),
        ((2, 3), (3, 2), 3, ValueError, r"dims=3 must be in \[0, 2\]"),
        ((2, 3), (3, 2), ([0, 1], [0]), ValueError, "different lengths"),
        ((2, 3), (3, 2), ([0, 0], [0, 1]), ValueError, "repeat a dimension"),
        ((2, 3), (3, 2), ([5], [0]), ValueError, "tensordot: dim 5 is out of range"),
        ((2, 3), (3, 2), "x", TypeError, "tensordot: dims must be an int or a pair"),
    ],
)
def test_tensordot_bad_dims(sa, sb, dims, exc, match):
    with pytest.raises(exc, match=match):
        autograd.tensordot(autograd.ones(*sa), autograd.ones(*sb), dims=dims)
