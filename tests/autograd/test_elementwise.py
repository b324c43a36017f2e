"""Elementwise ops at the points the registry sweep can't pin down: kinks, ties, NaN branches.

(Every registered op is also gradchecked and compared with PyTorch in test_registry_ops.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd


def t64(values, requires_grad=True):
    return autograd.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def grad_of(fn, *xs):
    out = fn(*xs)
    out.backward(autograd.ones_like(out))
    return [x.grad.tolist() for x in xs]


def test_where_does_not_leak_nan_upstream_gradient_into_the_untaken_branch():
    a, b = t64([1.0, 2.0, 3.0]), t64([4.0, 5.0, 6.0])
    cond = autograd.tensor([True, False, True])
    y = autograd.where(cond, a, b)
    y.backward(t64([np.nan, np.inf, 1.0], False))
    assert np.isnan(a.grad.numpy()[0]) and a.grad.tolist()[1:] == [0.0, 1.0]
    assert b.grad.tolist()[0] == 0.0 and np.isinf(b.grad.numpy()[1]) and b.grad.tolist()[2] == 0.0


def test_where_finite_untaken_branch_gives_clean_gradient():
    x = t64([-1.0, 4.0])
    y = autograd.where(x > 0, x * x, x.exp())
    y.backward(autograd.ones(2, dtype=autograd.float64))
    np.testing.assert_allclose(x.grad.numpy(), [np.exp(-1.0), 8.0])


def test_where_masked_input_pattern_avoids_nan():
    x = t64([-1.0, 0.0, 4.0])
    safe = autograd.where(x > 0, x, autograd.ones(3, dtype=autograd.float64))
    y = autograd.where(x > 0, safe.sqrt(), autograd.zeros(3, dtype=autograd.float64))
    y.backward(autograd.ones(3, dtype=autograd.float64))
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


def test_where_matches_torch_even_when_untaken_branch_is_nan(torch):
    vals = [-1.0, 4.0]
    x = t64(vals)
    with np.errstate(invalid="ignore"):
        autograd.where(x > 0, x.sqrt(), autograd.zeros(2, dtype=autograd.float64)).sum().backward()
    tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    torch.where(tx > 0, tx.sqrt(), torch.zeros(2, dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_where_second_order():
    x = t64([-1.0, 2.0])
    y = autograd.where(x > 0, x**3, x * 2)
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = autograd.grad(g.sum(), x)
    assert g.tolist() == [2.0, 12.0] and gg.tolist() == [0.0, 12.0]


def test_where_requires_bool_condition():
    with pytest.raises(TypeError, match="bool"):
        autograd.where(autograd.ones(2), autograd.ones(2), autograd.zeros(2))


def test_where_broadcast_error_names_shapes():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        autograd.where(autograd.ones(2) > 0, autograd.ones(3), autograd.zeros(3))


def test_relu_gradient_at_zero_is_zero():
    assert grad_of(autograd.relu, t64([-1.0, 0.0, 2.0])) == [[0.0, 0.0, 1.0]]


def test_abs_gradient_at_zero_is_zero():
    assert grad_of(autograd.abs, t64([-1.0, 0.0, 2.0])) == [[-1.0, 0.0, 1.0]]


def test_maximum_minimum_ties_split_the_gradient():
    a, b = t64([1.0, 2.0, 3.0]), t64([1.0, 5.0, 0.0])
    assert grad_of(autograd.maximum, a, b) == [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]]
    a, b = t64([1.0, 2.0, 3.0]), t64([1.0, 5.0, 0.0])
    assert grad_of(autograd.minimum, a, b) == [[0.5, 1.0, 0.0], [0.5, 0.0, 1.0]]


def test_clamp_boundaries_pass_the_gradient():
    x = t64([-2.0, -1.0, 0.0, 1.0, 2.0])
    assert grad_of(lambda t: autograd.clamp(t, -1.0, 1.0), x) == [[0.0, 1.0, 1.0, 1.0, 0.0]]


def test_clamp_tensor_bounds_get_gradients():
    x, lo, hi = t64([-2.0, 0.0, 2.0]), t64([-1.0, -1.0, -1.0]), t64([1.0, 1.0, 1.0])
    gx, glo, ghi = grad_of(lambda a, b, c: autograd.clamp(a, b, c), x, lo, hi)
    assert gx == [0.0, 1.0, 0.0] and glo == [1.0, 0.0, 0.0] and ghi == [0.0, 0.0, 1.0]


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="min and max"):
        autograd.clamp(autograd.ones(2))


def test_sign_floor_round_have_zero_gradient():
    for fn in (autograd.sign, autograd.floor, autograd.ceil, autograd.round, autograd.trunc):
        assert grad_of(fn, t64([-1.5, 0.0, 0.7])) == [[0.0, 0.0, 0.0]]


def test_round_half_to_even():
    assert autograd.round(autograd.tensor([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]


def test_sigmoid_is_stable_for_large_inputs():
    x = autograd.tensor([-1e4, 1e4])
    y = autograd.sigmoid(x)
    assert y.tolist() == [0.0, 1.0] and np.isfinite(y.numpy()).all()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sigmoid_matches_the_math_in_every_range(dtype):
    # Saturated, subnormal (sigmoid(-100) is about 3.7e-44), signed zero, inf and NaN, and a
    # shuffled mix of signs (the sign picks a formula per element), against float64 math.
    special = [-1e4, -100.0, -30.0, -1.0, -0.0, 0.0, 1.0, 30.0, 100.0, np.inf, -np.inf, np.nan]
    mixed = np.random.default_rng(0).standard_normal(1000) * 8
    x = np.concatenate([special, mixed]).astype(dtype)
    with np.errstate(over="ignore"):
        want = (1 / (1 + np.exp(-x.astype(np.float64)))).astype(dtype)
    got = autograd.sigmoid(autograd.tensor(x)).numpy()
    assert got.dtype == dtype
    # One rounding in the subnormal range is a large relative error: allow a few of those.
    tiny = np.finfo(dtype).smallest_subnormal
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dtype).eps, atol=4 * tiny)
    assert autograd.sigmoid(autograd.tensor(dtype(0.5))).shape == ()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("low", ["far_below_overflow", "overflow_bound", "moderate"])
def test_sigmoid_of_finite_inputs_matches_the_math_without_warnings(dtype, low):
    # Finite inputs from where exp(-x) overflows many times over, from just above that bound
    # (results near the subnormal range), or moderate ones: no overflow, not even a warning.
    bound = -float(np.log(np.finfo(dtype).max)) + 1.01
    lowest = {"far_below_overflow": 4 * bound, "overflow_bound": bound, "moderate": -8.0}[low]
    x = np.random.default_rng(1).uniform(lowest, 20.0, 2000)
    x = np.concatenate([[lowest, 0.0, -0.0], x]).astype(dtype)
    x64 = x.astype(np.float64)
    with np.errstate(over="ignore"):  # exp(x) / (1 + exp(x)) keeps subnormal float64 results
        want = np.where(x64 < 0, np.exp(x64) / (1 + np.exp(x64)), 1 / (1 + np.exp(-x64)))
    want = want.astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # not even a warning
        got = autograd.sigmoid(autograd.tensor(x)).numpy()
    tiny = np.finfo(dtype).smallest_subnormal
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dtype).eps, atol=4 * tiny)
    assert autograd.sigmoid(autograd.tensor(dtype(-0.5))).shape == ()


def test_int_inputs_to_float_ops_give_float32():
    assert autograd.exp(autograd.tensor([0, 1])).dtype == np.float32
    assert autograd.sqrt(autograd.tensor([4])).tolist() == [2.0]


def test_integer_abs_neg_keep_dtype():
    assert autograd.abs(autograd.tensor([-2, 3])).dtype == np.int64
    assert (-autograd.tensor([2])).tolist() == [-2]


def test_neg_of_bool_errors():
    with pytest.raises(TypeError, match="bool"):
        autograd.neg(autograd.tensor([True]))


def test_int_pow_negative_errors():
    with pytest.raises(RuntimeError, match="negative"):
        autograd.pow(autograd.tensor([2]), -1)


@pytest.mark.parametrize(
    "base, exp",
    [
        ([0.0, 0.0, 0.0, 2.0], [0.0, 1.0, 2.0, 0.0]),
        ([0.0, 0.0, 1.5], [3.0, 0.5, 2.0]),
    ],
)
def test_pow_gradient_conventions_at_zero_match_torch(torch, base, exp):
    a, b = t64(base), t64(exp)
    ga, gb = grad_of(autograd.pow, a, b)
    ta = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(exp, dtype=torch.float64, requires_grad=True)
    torch.pow(ta, tb).sum().backward()
    np.testing.assert_array_equal(ga, ta.grad.numpy())
    np.testing.assert_array_equal(gb, tb.grad.numpy())


def _pow_first_and_second_grads(lib, base, exp):
    x = lib.tensor(base, dtype=lib.float64, requires_grad=True)
    e = lib.tensor(exp, dtype=lib.float64, requires_grad=True)
    gx, ge = lib.autograd.grad((x**e).sum(), (x, e), create_graph=True)
    out = [gx.detach().numpy(), ge.detach().numpy()]
    for g in (gx, ge):
        out.extend(h.numpy() for h in lib.autograd.grad(g.sum(), (x, e)))
    return out


def test_pow_exponent_gradient_at_zero_base_follows_torch_at_second_order(torch):
    # d/db x**b = x**b * log(x) is selected to 0 at x == 0, b >= 0 (PyTorch's convention), after
    # log(x) is taken: differentiating that rule meets log(0) = -inf under a zero cotangent, so
    # PyTorch's second derivatives there are NaN (the true limits do not exist either); at
    # x == 0, b < 0 the first derivative is inf * -inf = -inf, not NaN.
    base, exp = [0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 1.0, 2.0, -1.0, 0.5]
    with np.errstate(divide="ignore", invalid="ignore"):
        ours = _pow_first_and_second_grads(autograd, base, exp)
    theirs = _pow_first_and_second_grads(torch, base, exp)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=0)


def test_pow_exponent_tangent_at_zero_base_matches_torch(torch):
    from autograd import forward_ad

    base, exp = [0.0, 0.0, 0.0, 2.0], [0.0, 1.0, -1.0, 0.5]
    with forward_ad.dual_level(), np.errstate(divide="ignore", invalid="ignore"):
        e = forward_ad.make_dual(t64(exp, False), t64([1.0] * 4, False))
        ours = forward_ad.unpack_dual(t64(base, False) ** e).tangent.numpy()
    tf = torch.autograd.forward_ad
    with tf.dual_level():
        te = tf.make_dual(
            torch.tensor(exp, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
        )
        theirs = tf.unpack_dual(torch.tensor(base, dtype=torch.float64) ** te).tangent.numpy()
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 0.5, -1.0])
def test_pow_scalar_exponent_at_zero_matches_torch(torch, exponent):
    x = t64([0.0, 1.0, 2.0])
    with np.errstate(divide="ignore"):
        (gx,) = grad_of(lambda t: t**exponent, x)
    tx = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (tx**exponent).sum().backward()
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-12, atol=0)


def test_scalar_base_pow(torch):
    x = t64([0.0, 1.0, 2.0])
    (gx,) = grad_of(lambda t: 2.0**t, x)
    tx = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (2.0**tx).sum().backward()
    np.testing.assert_allclose(gx, tx.grad.numpy())


def test_kink_gradients_match_torch(torch):
    vals = [-1.0, 0.0, 1.0]
    for name in ("relu", "abs", "sign", "sigmoid", "tanh"):
        x = t64(vals)
        (g,) = grad_of(getattr(autograd, name), x)
        tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
        getattr(torch, name)(tx).sum().backward()
        np.testing.assert_allclose(g, tx.grad.numpy(), err_msg=name)


def test_sqrt_gradient_at_zero_is_inf_like_torch():
    (g,) = grad_of(autograd.sqrt, t64([0.0]))
    assert g == [float("inf")]


def test_to_dtype_roundtrip_gradient():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = autograd.to_dtype(x, autograd.float64) * 2
    y.backward(autograd.ones(2, dtype=autograd.float64))
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0]


def test_scalar_fast_path_keeps_grad():
    x = t64([1.0, 2.0])
    y = 3 - x * 2 + 1 / (x + 1)
    y.backward(autograd.ones(2, dtype=autograd.float64))
    np.testing.assert_allclose(x.grad.numpy(), -2 - 1 / (np.array([1.0, 2.0]) + 1) ** 2)


def test_abs_gradient_at_nan_is_zero_with_and_without_create_graph(torch):
    # PyTorch's abs backward is grad * sgn(x), 0 at NaN; the recorded backward (create_graph)
    # and the plain one must agree.
    values = [float("nan"), -1.5, 0.0, 2.0]
    got = []
    for create_graph in (False, True):
        x = t64(values)
        (g,) = autograd.grad(x.abs().sum(), x, create_graph=create_graph)
        got.append(g.detach().numpy())
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    tx.abs().sum().backward()
    for g in got:
        np.testing.assert_array_equal(g, tx.grad.numpy())
        np.testing.assert_array_equal(g, [0.0, -1.0, 0.0, 1.0])


def test_remainder_gradients():
    x = t64([1.0, 2.5, -4.0])
    b = t64([1.5, -1.5, 0.7])
    y = x % b
    assert y.requires_grad
    (y + x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]  # 1 from the remainder, 1 from + x
    # -floor(x / b): floor(0.67) = 0, floor(-1.67) = -2, floor(-5.71) = -6
    assert b.grad.tolist() == [0.0, 2.0, 6.0]


def test_remainder_by_scalar_and_of_scalar():
    x = t64([1.0, 2.5])
    (x % 1.5).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    x.grad = None
    (7.0 % x).sum().backward()  # -floor(7 / x)
    assert x.grad.tolist() == [-7.0, -2.0]


def test_remainder_matches_torch(torch):
    a, b = np.array([1.25, -2.5, 4.75, 0.3]), np.array([1.5, -1.5, 2.0, -0.7])
    ours = [t64(a), t64(b)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    autograd.remainder(*ours).sum().backward()
    torch.remainder(*theirs).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


def test_remainder_divisor_gradient_uses_the_quotient_the_result_used(torch):
    # -2 / 0.03333333333333333 rounds to -60.0, but the exact quotient lies just below -60: the
    # result is -2 - b * -61 (about b, not 0), and its derivative in b is 61, not 60.
    import autograd.forward_ad as fwAD

    a, b = np.array([-2.0, 2.0, -2.0, 1.0]), np.array([0.03333333333333333, 0.1, np.inf, 0.3])
    ours = [t64(a), t64(b)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    autograd.remainder(*ours).sum().backward()
    torch.remainder(*theirs).sum().backward()
    assert ours[1].grad.numpy()[0] == 61.0
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())
    with fwAD.dual_level():
        dual = fwAD.make_dual(t64(b, requires_grad=False), t64(np.ones(4), requires_grad=False))
        tangent = fwAD.unpack_dual(autograd.remainder(t64(a, requires_grad=False), dual)).tangent
    np.testing.assert_array_equal(tangent.numpy(), ours[1].grad.numpy())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_remainder_second_derivative_is_zero_even_at_zero_by_zero(torch):
    # The quotient floor(a / b) in the gradient of b is a constant: its derivative is 0, also
    # at a = b = 0 where a / b's own derivative would be 0 / 0 (PyTorch: 0 there too).
    values = [0.0, 2.5, -4.0]
    results = []
    for lib, grad in ((autograd, autograd.grad), (torch, torch.autograd.grad)):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        (g,) = grad((x % x).sum() + (x * x).sum(), x, create_graph=True)
        (h,) = grad((g * lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)).sum(), x)
        results.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_array_equal(results[0][1], [2.0, -4.0, 1.0])  # from x * x alone
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_floor_divide_requires_grad_and_refuses_backward():
    x = t64([1.0, 2.5])
    y = x // 1.5
    assert y.requires_grad and y.tolist() == [0.0, 1.0]
    with pytest.raises(RuntimeError, match="floor_divide"):
        y.sum().backward()
    assert not (autograd.tensor([7, -7]) // 2).requires_grad


@pytest.mark.parametrize("mode, expected", [("floor", [0.0, -2.0]), ("trunc", [0.0, -1.0])])
def test_div_with_rounding_has_zero_gradient(mode, expected):
    x = t64([1.0, -2.5])
    y = autograd.div(x, 1.5, rounding_mode=mode)
    assert y.tolist() == expected
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="rounding_mode"):
        autograd.div(x, 1.5, rounding_mode="round")
