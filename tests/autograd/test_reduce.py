"""Tests of autograd/ops/reduce.py: forward vs NumPy, gradients vs finite differences and vs
PyTorch's conventions (ties, zeros), stability, dtypes and error messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import testing


def t64(values, requires_grad=True):
    return autograd.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def grad_of(fn, values):
    x = t64(values)
    fn(x).sum().backward()
    return np.zeros(x.shape) if x.grad is None else x.grad.numpy()  # None: a zero gradient


def torch_grad_of(torch, fn, values):
    x = torch.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    fn(x).sum().backward()
    return np.zeros(x.shape) if x.grad is None else x.grad.numpy()  # None: a zero gradient


def central_difference(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d sum(fn(x)) / dx by central differences (float64)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[i] += eps
        lo[i] -= eps
        g[i] = (np.sum(fn(hi)) - np.sum(fn(lo))) / (2 * eps)
    return g


# ---------------------------------------------------------------- dims, keepdim, aliases
@given(data=st.data())
def test_forward_matches_numpy_with_dims_and_aliases(data):
    shape = data.draw(testing.shapes(min_dims=1))
    x = data.draw(testing.arrays(shape, np.float32))
    dim = data.draw(testing.dims(len(shape)))
    keep = data.draw(st.booleans())
    t = autograd.tensor(x)
    pairs = [
        ("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("amax", np.amax),
        ("amin", np.amin), ("all", np.all), ("any", np.any),
    ]  # fmt: skip
    for name, ref in pairs:
        expect = ref(x, axis=dim, keepdims=keep)
        by_dim = getattr(autograd, name)(t, dim=dim, keepdim=keep)
        by_axis = getattr(t, name)(axis=dim, keepdims=keep)
        for got in (by_dim, by_axis):
            assert got.shape == np.shape(expect), name
            np.testing.assert_allclose(got.numpy(), expect, rtol=1e-5, atol=1e-6, err_msg=name)
    for name, ref in (("var", np.var), ("std", np.std)):
        got = getattr(t, name)(dim, keepdim=keep, correction=0)
        np.testing.assert_allclose(got.numpy(), ref(x, axis=dim, keepdims=keep), atol=1e-5)
    # NumPy functions on a Tensor dispatch to the same ops
    np.testing.assert_allclose(np.sum(t, axis=dim).numpy(), np.sum(x, axis=dim), rtol=1e-5)


def test_dim_empty_tuple_reduces_all_but_axis_empty_tuple_reduces_none():
    x = autograd.ones(2, 3)
    assert x.sum(dim=()).shape == ()  # PyTorch
    assert x.sum(axis=()).shape == (2, 3)  # NumPy
    assert float(x.sum(dim=())) == 6.0


@pytest.mark.parametrize(
    "op", ["sum", "mean", "prod", "amax", "amin", "logsumexp", "norm", "all", "any"]
)
def test_zero_dim_inputs(op):
    x = autograd.tensor(2.5, requires_grad=op not in ("all", "any"))
    for kwargs in ({}, {"dim": 0}, {"dim": -1, "keepdim": True}):
        y = getattr(autograd, op)(x, **kwargs)
        assert y.shape == ()
    if x.requires_grad:
        getattr(autograd, op)(x).backward()
        assert x.grad.shape == ()


def test_zero_dim_max_min_argmax_cumsum_var():
    x = autograd.tensor(2.5, requires_grad=True)
    assert float(x.max()) == 2.5
    v, i = x.max(0)
    assert v.shape == () and int(i) == 0
    assert int(x.argmax()) == 0 and int(x.argmin(0)) == 0
    assert x.cumsum(0).shape == () and x.cumprod(0).shape == ()
    assert math.isnan(float(x.var()))  # one element, correction 1: 0 / 0 as in PyTorch
    assert float(x.var(correction=0)) == 0.0


def test_keepdim_shapes_match_torch(torch):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t, tt = autograd.tensor(x), torch.tensor(x)
    for dim in (0, -1, (0, 2)):
        for keep in (False, True):
            for name in ("sum", "mean", "amax", "logsumexp", "var", "std"):
                a = getattr(t, name)(dim, keepdim=keep)
                b = getattr(tt, name)(dim, keepdim=keep)
                assert a.shape == tuple(b.shape), (name, dim, keep)
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)
    assert t.norm(dim=1, keepdim=True).shape == tuple(tt.norm(dim=1, keepdim=True).shape)


# ------------------------------------------------------------------------------- dtypes
def test_integer_sums_and_products_are_int64(torch):
    for values, dtype in (([1, 2, 3], np.int32), ([True, False, True], np.bool_)):
        x = autograd.tensor(np.array(values, dtype=dtype))
        tx = torch.tensor(np.array(values, dtype=dtype))
        for name in ("sum", "prod", "cumsum", "cumprod"):
            args = (0,) if name.startswith("cum") else ()
            a, b = getattr(x, name)(*args), getattr(tx, name)(*args)
            assert a.dtype == autograd.int64, name
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = autograd.tensor([1.0, 2.0])
    assert x.sum(dtype=autograd.float64).dtype == autograd.float64
    assert autograd.tensor([1, 2]).mean(dtype=autograd.float32).dtype == autograd.float32


def test_all_any_argmax_dtypes(torch):
    x = autograd.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert x.all().dtype == autograd.bool_ and not bool(x.all())
    np.testing.assert_array_equal(x.any(1).numpy(), [True, True])
    u8 = autograd.tensor(np.array([1, 0], dtype=np.uint8))
    assert u8.all().dtype == np.uint8  # PyTorch keeps uint8 here
    ties = autograd.tensor([[1.0, 3.0, 3.0], [5.0, 5.0, 0.0]])
    tt = torch.tensor(ties.numpy())
    for name in ("argmax", "argmin"):
        for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
            a = getattr(ties, name)(**kwargs)
            b = getattr(tt, name)(**kwargs)
            assert a.dtype == autograd.int64
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not ties.argmax(1).requires_grad


# ------------------------------------------------------------------ gradient conventions
def test_max_min_without_dim_split_ties_evenly(torch):
    values = [[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]]
    for op in ("max", "min", "amax", "amin"):
        ours = grad_of(lambda x, op=op: getattr(x, op)(), values)
        theirs = torch_grad_of(torch, lambda x, op=op: getattr(x, op)(), values)
        np.testing.assert_allclose(ours, theirs, err_msg=op)
    np.testing.assert_allclose(
        grad_of(lambda x: x.max(), values), [[0, 1 / 3, 1 / 3], [1 / 3, 0, 0]]
    )


def test_max_min_with_dim_send_gradient_to_first_index(torch):
    values = [[1.0, 3.0, 3.0], [0.0, 0.0, 2.0]]
    for op in ("max", "min"):
        for dim in (0, 1, -1):
            for keep in (False, True):
                ours = t64(values)
                v, i = getattr(ours, op)(dim, keepdim=keep)
                theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
                tv, ti = getattr(theirs, op)(dim, keepdim=keep)
                np.testing.assert_array_equal(i.numpy(), ti.numpy())
                assert i.dtype == autograd.int64
                (v * t64(np.arange(v.numel()).reshape(v.shape) + 1, False)).sum().backward()
                tw = torch.arange(tv.numel(), dtype=torch.float64).reshape(tv.shape) + 1
                (tv * tw).sum().backward()
                np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_amax_over_dims_splits_ties_evenly(torch):
    values = [[[2.0, 2.0], [1.0, 2.0]], [[0.0, 5.0], [5.0, 5.0]]]
    for dim in (0, (1, 2), (0, 2), -1):
        for op in ("amax", "amin"):
            ours = grad_of(lambda x, op=op, dim=dim: getattr(x, op)(dim), values)
            theirs = torch_grad_of(torch, lambda x, op=op, dim=dim: getattr(x, op)(dim), values)
            np.testing.assert_allclose(ours, theirs, err_msg=f"{op} {dim}")


def test_max_of_two_tensors_is_maximum():
    a, b = autograd.tensor([1.0, 5.0]), autograd.tensor([3.0, 2.0])
    np.testing.assert_array_equal(autograd.max(a, b).numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(a.min(b).numpy(), [1.0, 2.0])


def test_max_returns_named_tuple():
    out = autograd.tensor([[1.0, 4.0]]).max(dim=1)
    assert isinstance(out, autograd.ops.MinMax)
    values, indices = out
    assert out.values is values and out.indices is indices


@pytest.mark.parametrize(
    "values",
    [[0.0, 2.0, 3.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [[1.0, 0.0], [2.0, 4.0]], [[0.0, 0.0]]],
)
def test_prod_gradient_with_zeros(torch, values):
    for dim in (None, 0, -1):

        def fn(x, dim=dim):
            return x.prod() if dim is None else x.prod(dim)

        np.testing.assert_allclose(grad_of(fn, values), torch_grad_of(torch, fn, values))
        np.testing.assert_allclose(
            grad_of(fn, values),
            central_difference(lambda a, d=dim: np.prod(a, axis=d), np.array(values)),
        )


@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, -2.0], [3.0, 2.0, 0.0]])
def test_cumprod_gradient_with_zeros(torch, values):
    w = np.arange(1.0, len(values) + 1)

    def fn(x):
        return x.cumprod(0) * (t64(w, False) if isinstance(x, autograd.Tensor) else torch.tensor(w))

    np.testing.assert_allclose(grad_of(fn, values), torch_grad_of(torch, fn, values))
    np.testing.assert_allclose(
        grad_of(fn, values), central_difference(lambda a: np.cumprod(a) * w, np.array(values))
    )


def test_cumsum_gradient_with_create_graph_keeps_an_infinite_entry_to_itself(torch):
    # d log(cumsum(x)) / dx at x = [0, -2, -2]: the first output's gradient is inf (1 / 0);
    # the inputs after it do not reach that output, as in the plain backward and PyTorch.
    x = t64([0.0, -2.0, -2.0])
    (g,) = autograd.grad(autograd.log(x.cumsum(0)).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [np.inf, -0.75, -0.25])
    (gg,) = autograd.grad(g[1:].sum(), x)
    tx = torch.tensor([0.0, -2.0, -2.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.log(tx.cumsum(0)).sum(), tx, create_graph=True)
    (tgg,) = torch.autograd.grad(tg[1:].sum(), tx)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy())


def test_cumprod_along_a_dim_of_size_one_passes_the_gradient_at_inf(torch):
    x = t64([[-np.inf, 2.0]])
    (ours,) = autograd.grad(x.cumprod(0), x, t64([[3.0, 4.0]], False))
    tx = torch.tensor([[-np.inf, 2.0]], dtype=torch.float64, requires_grad=True)
    (theirs,) = torch.autograd.grad(tx.cumprod(0), tx, torch.tensor([[3.0, 4.0]]).double())
    np.testing.assert_array_equal(ours.numpy(), [[3.0, 4.0]])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_cumprod_gradient_leaves_out_outputs_a_zero_cuts_off(torch):
    # Outputs from a zero on do not depend on the inputs before it, nor does any output depend
    # on the inputs after the first zero: their derivatives are exactly 0, so a NaN or inf
    # gradient of those outputs stays out, as in PyTorch.
    x = [[0.5, -2.0, 0.0, 3.0, 0.0, 2.0], [0.0, 2.0, 3.0, 0.0, 5.0, 1.0]]
    g = [[1.0, 2.0, 1.0, 4.0, math.nan, math.inf], [1.0, 2.0, 1.0, math.nan, 1.0, math.inf]]
    xt = t64(x)
    (ours,) = autograd.grad(xt.cumprod(1), xt, t64(g, False))
    expected = [[-3.0, 1.0, -13.0, 0.0, 0.0, 0.0], [11.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    np.testing.assert_array_equal(ours.numpy(), expected)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (theirs,) = torch.autograd.grad(tx.cumprod(1), tx, torch.tensor(g, dtype=torch.float64))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", ["prod", "cumprod"])
def test_second_derivative_with_zeros_matches_torch(torch, name):
    values = [[0.0, 2.0, 3.0], [0.0, 0.0, 1.5]]
    fn = (lambda x: x.prod(1)) if name == "prod" else (lambda x: x.cumprod(1))
    x = t64(values)
    (g,) = autograd.grad(fn(x).sum(), x, create_graph=True)
    (gg,) = autograd.grad((g * g).sum(), x)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(fn(tx).sum(), tx, create_graph=True)
    (tgg,) = torch.autograd.grad((tg * tg).sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy())
    np.testing.assert_allclose(gg.numpy(), tgg.numpy())


def test_norm_subgradients_match_torch(torch):
    cases = [
        ([0.0, 0.0], 2), ([0.0, 0.0], "fro"), ([0.0, 1.0, -1.0], 1), ([-3.0, 3.0, 1.0], math.inf),
        ([-1.0, 1.0, 3.0], -math.inf), ([0.0, 1.0, 2.0], 3), ([0.0, 1.0, 2.0], 0.5),
        ([0.0, 0.0], 3), ([0.0, 1.0, 2.0], 0),
    ]  # fmt: skip
    for values, p in cases:
        ours = grad_of(lambda x, p=p: autograd.norm(x, p=p), values)
        theirs = torch_grad_of(torch, lambda x, p=p: torch.norm(x, p=p), values)
        np.testing.assert_allclose(ours, theirs, err_msg=f"p={p}")
        np.testing.assert_allclose(
            autograd.norm(t64(values, False), p=p).numpy(),
            torch.norm(torch.tensor(values, dtype=torch.float64), p=p),
        )


def test_std_of_constant_has_zero_gradient_like_torch(torch):
    ours = grad_of(lambda x: x.std(), [[2.0, 2.0, 2.0]])
    theirs = torch_grad_of(torch, lambda x: x.std(), [[2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(ours, theirs)


# One element per group, correction 1: 0 / 0 whatever the input. The flag marks the cases where
# PyTorch's second derivative differs from the math (see the torch test below).
NO_DOF = [
    (lambda x: x.var(), 2.0, True),
    (lambda x: x.var(), [2.0], True),
    (lambda x: x.var(0), [[2.0, -3.0]], False),
    (lambda x: x.var(0, keepdim=True), [2.0], False),
    (lambda x: x.std(0), [[2.0, -3.0]], False),
    (lambda x: x.std(), [2.0], False),
]


def _first_and_second(lib, fn, values):
    """fn's value, d/dx of sum(1.5 fn(x) + x^3) and d/dx of the sum of that gradient."""
    grad = autograd.grad if lib is autograd else lib.autograd.grad
    x = lib.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    y = fn(x)
    (g,) = grad((1.5 * y).sum() + (x * x * x).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    return y.detach().numpy(), g.detach().numpy(), h.numpy()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_var_std_without_degrees_of_freedom_are_nan():
    # The value is NaN for every input, so its derivatives of every order are NaN: the first
    # and second derivatives agree with central differences of the value and of the first
    # derivative (NaN - NaN), whether the reduction is over all dims or over one.
    eps = 1e-6
    for fn, values, _ in NO_DOF:
        y, g, h = _first_and_second(autograd, fn, values)
        assert np.isnan(y).all() and np.isnan(g).all() and np.isnan(h).all()
        x = np.asarray(values, dtype=np.float64)
        for k in range(x.size):
            step = np.zeros(x.size)
            step[k] = eps
            step = step.reshape(x.shape)
            plus, minus = (_first_and_second(autograd, fn, x + d) for d in (step, -step))
            assert np.isnan((plus[0] - minus[0]) / (2 * eps)).all()  # vs g
            assert np.isnan((plus[1] - minus[1]) / (2 * eps)).all()  # vs h


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
def test_var_std_without_degrees_of_freedom_against_torch(torch):
    for fn, values, torch_differs in NO_DOF:
        ours = _first_and_second(autograd, fn, values)
        theirs = _first_and_second(torch, fn, values)
        for a, b in zip(ours[:2], theirs[:2]):  # NaN values and first derivatives
            np.testing.assert_array_equal(a, b)
        if not torch_differs:
            np.testing.assert_array_equal(ours[2], theirs[2])
        else:
            # PyTorch is wrong here: its var() over all dims (var_backward's "dof <= 0" branch)
            # returns the NaN gradient as a constant, so its second derivative misses the NaN
            # and is that of x^3 alone -- unlike its own var(0) of the same values, and unlike
            # finite differences. We follow the math; tests/fuzz runs PyTorch's var(0) instead.
            assert np.isnan(ours[2]).all() and np.isfinite(theirs[2]).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_norm_at_zero_first_and_second_derivatives_like_torch(torch):
    # The subgradient at a zero norm is 0; differentiated again it is NaN, as PyTorch's (the
    # Hessian (I - u u^T) / |x| is unbounded there) -- not the 1 of g * x / (0 + 1).
    for values, fn in [
        (0.0, lambda x: x.norm()),
        ([[0.0, 0.0], [3.0, 4.0]], lambda x: x.norm(dim=1)),
    ]:
        ours = _first_and_second(autograd, fn, values)
        theirs = _first_and_second(torch, fn, values)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert np.isnan(ours[2][0]).all() and np.isfinite(ours[2][1]).all()


def test_std_of_constant_group_second_derivative_like_torch(torch):
    # std's gradient at a constant group is 0 by convention; it is selected, so it stays 0 when
    # differentiated again (as PyTorch's masked_fill), instead of leaking (x - mean) / 1.
    values = [[[-2.0, 1.0], [-2.0, 3.0]], [[-2.0, 1.0], [-2.0, 1.0]]]
    for fn in (lambda x: x.std(0), lambda x: x.std((0, 1)), lambda x: x.std(-1, keepdim=True)):
        ours = _first_and_second(autograd, fn, values)
        theirs = _first_and_second(torch, fn, values)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    x = t64([2.0, 2.0, 2.0])
    (g,) = autograd.grad(x.std(), x, create_graph=True)
    (h,) = autograd.grad((g * autograd.tensor([1.0, -2.0, 0.5])).sum(), x)
    np.testing.assert_array_equal(h.numpy(), [0.0, 0.0, 0.0])


def test_var_correction_larger_than_n_like_torch(torch):
    import warnings

    for values in ([1.0, 2.0], [1.0, 1.0]):
        for c in (2, 3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expect = torch.tensor(values).var(correction=c).item()
            got = float(autograd.tensor(values).var(correction=c))
            assert (math.isnan(got) and math.isnan(expect)) or got == expect
    x = autograd.tensor([1.0, 2.0, 4.0])
    assert float(x.var(unbiased=False)) == pytest.approx(float(x.var(correction=0)))
    assert float(x.var(0, True)) == pytest.approx(7 / 3)


def test_mean_backward_through_engine_unbroadcast():
    # the engine un-broadcasts with g.sum(axis=..., keepdims=...): exercised by a broadcast add
    a = autograd.ones(3, 1, requires_grad=True)
    b = autograd.ones(4, requires_grad=True)
    (a + b).mean().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 4 / 12))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 3 / 12))


def test_grad_of_reductions_is_writable_and_detached():
    x = autograd.ones(2, 3, requires_grad=True)
    x.sum().backward()
    x.grad.numpy()[0, 0] = 7.0  # the engine copied the broadcast view
    assert x.grad.numpy()[0, 0] == 7.0


# -------------------------------------------------------------------------------- stability
def test_logsumexp_is_stable_in_float32(torch):
    values = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=np.float32)
    x = autograd.tensor(values, requires_grad=True)
    y = autograd.logsumexp(x, dim=1)
    y.sum().backward()
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    tx = torch.tensor(values, requires_grad=True)
    ty = torch.logsumexp(tx, 1)
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)
    neg_inf = autograd.logsumexp(autograd.tensor([-np.inf, -np.inf]), 0)
    assert float(neg_inf) == -np.inf


def test_logsumexp_of_integers_is_float():
    y = autograd.logsumexp(autograd.tensor([1, 2]), 0)
    assert y.dtype == autograd.float32
    assert float(y) == pytest.approx(math.log(math.e + math.e**2), rel=1e-6)


# ----------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.sum(3), lambda x: x.mean(-4), lambda x: x.prod(2), lambda x: x.max(5),
        lambda x: x.amin((0, 3)), lambda x: x.argmax(2), lambda x: x.var(3), lambda x: x.std(9),
        lambda x: x.logsumexp(2), lambda x: x.norm(dim=7), lambda x: x.cumsum(2),
        lambda x: x.cumprod(-3), lambda x: x.all(2), lambda x: x.any(4),
    ],
)  # fmt: skip
def test_dim_out_of_range_names_op_and_dim(call):
    x = autograd.ones(2, 3)
    with pytest.raises(ValueError, match=r"^\w+: dim -?\d+ is out of range"):
        call(x)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="mean: .*floating point.*int64"):
        autograd.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match="var: expected a floating point"):
        autograd.tensor([1, 2]).var()
    with pytest.raises(TypeError, match="norm: expected a floating point"):
        autograd.tensor([1, 2]).norm()
    with pytest.raises(ValueError, match="max: cannot reduce an empty tensor"):
        autograd.ones(0).max()
    with pytest.raises(ValueError, match="amax: cannot reduce dim 0 of size 0"):
        autograd.ones(0, 3).amax(0)
    assert autograd.ones(0, 3).max(1).values.shape == (0,)
    with pytest.raises(TypeError, match="sum: got both dim=0 and its alias axis=1"):
        autograd.ones(2, 3).sum(0, axis=1)
    with pytest.raises(TypeError, match="max: dim must be a single int"):
        autograd.ones(2, 3).max(dim=(0, 1))
    with pytest.raises(ValueError, match="sum: dim .* repeats a dimension"):
        autograd.ones(2, 3).sum((0, 0))
    with pytest.raises(ValueError, match="norm: .*nuclear"):
        autograd.ones(2, 3).norm(p="nuc")
    with pytest.raises(TypeError, match="cumsum: missing the required argument dim"):
        autograd.ones(2).cumsum()
    with pytest.raises(TypeError, match="var: give either unbiased or correction"):
        autograd.ones(2).var(unbiased=True, correction=0)
    x = autograd.ones(3, requires_grad=True)
    with pytest.raises(TypeError, match="sum: dim must be an int"):
        x.sum(dim="0")
    assert x.grad is None


@pytest.mark.parametrize("shape, dim", [((), None), ((1,), 0), ((2, 1), 1)])
def test_prod_of_one_element_sends_no_second_derivative_to_its_input(torch, shape, dim):
    # The product of one element is that element: its gradient is a constant, so the zero it
    # would send back must not meet the infinite slope of (x - inf) ** 2 and make a NaN.
    def run(lib):
        x = lib.full(shape, -2.0, dtype=lib.float64).requires_grad_()
        y = (x - float("inf")) ** 2
        p = y.prod() if dim is None else y.prod(dim)
        (g,) = lib.autograd.grad(p.sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return g.detach().numpy(), h.numpy()

    g, h = run(autograd)
    np.testing.assert_array_equal(g, np.full(shape, -np.inf))
    np.testing.assert_array_equal(h, np.full(shape, 2.0))
    if shape == ():  # PyTorch's rule for a 0-d input; for the others it divides inf by inf
        for o, t in zip((g, h), run(torch), strict=True):
            np.testing.assert_array_equal(o, t)
