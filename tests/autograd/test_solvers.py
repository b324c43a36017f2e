"""linalg.solve_triangular, triangular_solve, cholesky_solve and linalg.lstsq beyond the
registry's checks: lstsq's drivers and result fields, broadcasting, and named errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag

RNG = np.random.default_rng(0)


def _fields_vs_torch(
    torch, a, b, fields=("solution", "residuals", "rank", "singular_values"), **kwargs
):
    mine = ag.linalg.lstsq(ag.tensor(a), ag.tensor(b), **kwargs)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), **kwargs)
    for name in fields:
        x, y = getattr(mine, name), getattr(theirs, name)
        assert x.shape == tuple(y.shape), f"{name}: {x.shape} vs torch's {tuple(y.shape)}"
        assert x.dtype == np.dtype(str(y.dtype).removeprefix("torch.")), name
        np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-10, err_msg=name)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((5, 3), (5, 2)), ((5, 3), (5,)), ((2, 5), (2, 3)), ((2, 4, 3), (2, 4, 1)),
     ((2, 4, 3), (2, 4)), ((3, 3), (3, 2))],
)  # fmt: skip
def test_lstsq_fields_match_torch(driver, a_shape, b_shape):
    torch = pytest.importorskip("torch")
    _fields_vs_torch(torch, RNG.standard_normal(a_shape), RNG.standard_normal(b_shape),
                     driver=driver)  # fmt: skip


def test_lstsq_rank_uses_rcond():
    torch = pytest.importorskip("torch")
    a = np.diag([1.0, 1e-3, 0.5])[:, :2]
    # the solution differs here: PyTorch's drivers also truncate it (see lstsq's docstring)
    _fields_vs_torch(torch, a, RNG.standard_normal((3, 1)), ("rank", "singular_values"),
                     rcond=1e-2, driver="gelsd")  # fmt: skip


def test_lstsq_only_solution_is_differentiable():
    a = ag.tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    out = ag.linalg.lstsq(a, ag.tensor(RNG.standard_normal((4, 1))), driver="gelsd")
    assert out.solution.requires_grad
    assert not out.residuals.requires_grad and not out.singular_values.requires_grad


def test_solve_triangular_left_false_and_broadcast_vs_torch():
    torch = pytest.importorskip("torch")
    a = np.tril(RNG.standard_normal((2, 3, 3))) + 4 * np.eye(3)
    b = RNG.standard_normal((4, 3))
    for upper, unit in ((False, False), (True, True)):
        mine = ag.linalg.solve_triangular(ag.tensor(a), ag.tensor(b), upper=upper, left=False,
                                          unitriangular=unit)  # fmt: skip
        theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=upper,
                                               left=False, unitriangular=unit)  # fmt: skip
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


def test_solve_triangular_reads_only_its_triangle():
    a = ag.tensor([[2.0, 99.0], [1.0, 4.0]], requires_grad=True)
    x = ag.linalg.solve_triangular(a, ag.tensor([[2.0], [5.0]]), upper=False)
    np.testing.assert_allclose(x.detach().numpy(), [[1.0], [1.0]])
    x.sum().backward()
    assert a.grad.numpy()[0, 1] == 0.0


def test_triangular_solve_returns_a_copy_of_A():
    a = ag.tensor([[2.0, 1.0], [0.0, 4.0]])
    x, coeff = ag.triangular_solve(ag.tensor([[3.0], [4.0]]), a, transpose=True)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a.numpy().T, [[3.0], [4.0]]))
    coeff.add_(1.0)
    assert a.numpy()[0, 0] == 2.0


def test_cholesky_solve_method_and_upper():
    spd = np.array([[4.0, 2.0], [2.0, 5.0]])
    b = ag.tensor([[1.0], [2.0]], dtype=ag.float64)
    u = ag.tensor(np.linalg.cholesky(spd).T)
    np.testing.assert_allclose(b.cholesky_solve(u, upper=True).numpy(), np.linalg.solve(spd, b))


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: ag.linalg.solve_triangular(ag.eye(2), ag.ones(2), upper=True), ValueError,
         "B must have at least 2 dimensions"),
        (lambda: ag.linalg.solve_triangular(ag.eye(2), ag.ones(3, 1), upper=True), ValueError,
         "B needs 2 rows"),
        (lambda: ag.linalg.solve_triangular(ag.eye(2), ag.ones(2, 1), upper=1), TypeError,
         "upper must be a bool"),
        (lambda: ag.linalg.solve_triangular(ag.eye(2), ag.ones(2, 1, dtype=ag.float64),
                                            upper=True), TypeError, "dtype"),
        (lambda: ag.cholesky_solve(ag.ones(3, 1), ag.eye(2)), ValueError, "B needs 2 rows"),
        (lambda: ag.cholesky_solve(ag.ones(2, 1), ag.ones(2, 3)), ValueError, "square"),
        (lambda: ag.triangular_solve(ag.ones(3), ag.eye(3)), ValueError, "input must have"),
        (lambda: ag.linalg.lstsq(ag.ones(3, 2), ag.ones(4, 1)), ValueError, "B needs 3 rows"),
        (lambda: ag.linalg.lstsq(ag.ones(3, 2), ag.ones(2, 3, 1)), ValueError,
         "number of dimensions"),
        (lambda: ag.linalg.lstsq(ag.ones(3, 2), ag.ones(3, 1), driver="gelsx"), ValueError,
         "driver must be one of"),
        (lambda: ag.linalg.lstsq(ag.ones(3, 2, dtype=ag.int64), ag.ones(3, 1)), TypeError,
         "floating point"),
    ],
)  # fmt: skip
def test_errors_name_the_argument(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
