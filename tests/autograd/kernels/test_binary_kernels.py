"""The broadcast arithmetic kernels: NumPy's results bit for bit (inf, NaN, signed zeros,
division by zero included) on every broadcast they take, split between any number of parts;
NumPy's ufuncs for what they leave; and the ops that use them, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.kernels import _jit, binary
from autograd.kernels._jit import run_parallel

UFUNCS = {binary.ADD: np.add, binary.SUB: np.subtract, binary.MUL: np.multiply,
          binary.DIV: np.divide}  # fmt: skip

# Broadcasts: one run, a row vector, a column, both sides repeating, a scalar-like operand,
# leading axes added, size-1 axes between, three merged axes left.
SHAPES = [
    ((64, 96), (64, 96)),
    ((64, 96), (96,)),
    ((96,), (64, 96)),
    ((64, 96), (64, 1)),
    ((64, 1), (64, 96)),
    ((32, 1, 24), (1, 16, 24)),
    ((32, 16, 1), (1, 16, 24)),
    ((8, 16, 40), (1,)),
    ((1, 1), (8, 16, 40)),
    ((4, 1, 8, 1, 30), (4, 6, 8, 1, 30)),
    ((5, 3, 1, 1), (3, 70, 2)),
    ((2, 3, 4, 5), (5,)),
]

EDGES = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-45, -3e38, 3e38]


def _operands(a_shape: tuple, b_shape: tuple, dtype: type, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(a_shape).astype(dtype)
    b = rng.standard_normal(b_shape).astype(dtype)
    for x in (a, b):
        flat = x.reshape(-1)
        flat[: min(len(EDGES), flat.size // 3)] = EDGES[: flat.size // 3]
    b.reshape(-1)[-1:] = 0.0  # a division by zero
    return a, b


def _walk(a: np.ndarray, b: np.ndarray) -> tuple:
    shape, walk = binary.plan(a.shape, b.shape)
    return shape, walk


def _same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape and got.flags.c_contiguous
    # Bit for bit: signed zeros and NaN where NumPy has them.
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", sorted(UFUNCS))
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_kernels_give_numpys_values_bit_for_bit(dtype, op, shapes, parts):
    a, b = _operands(*shapes, dtype)
    shape, walk = _walk(a, b)
    out = np.empty(int(np.prod(shape)), dtype)
    with np.errstate(all="ignore"):
        want = UFUNCS[op](a, b)
    binary._KERNELS[op].serial(a.reshape(-1), b.reshape(-1), out, *walk, parts)
    _same(out.reshape(shape), want)


@pytest.mark.parametrize("op", sorted(UFUNCS))
def test_parallel_code_gives_the_serial_values(op):
    a, b = _operands((300, 1, 70), (1, 40, 70), np.float32, seed=3)
    shape, walk = _walk(a, b)
    threads = _jit.get_num_threads()
    out = np.empty(int(np.prod(shape)), np.float32)
    run_parallel(binary._KERNELS[op], a.reshape(-1), b.reshape(-1), out, *walk, threads)
    with np.errstate(all="ignore"):
        _same(out.reshape(shape), UFUNCS[op](a, b))


def test_plans_merge_axes_that_step_as_one():
    assert binary.plan((128, 1, 64), (1, 32, 64)) == (
        (128, 32, 64),
        (128, 32, 64, 64, 0, 1, 0, 64, 1),
    )
    # (2, 3, 4) against (4,): the first two axes merge for both operands.
    assert binary.plan((2, 3, 4), (4,)) == ((2, 3, 4), (1, 6, 4, 0, 4, 1, 0, 0, 1))
    # Size-1 axes are dropped; every axis merges for operands of one shape.
    assert binary.plan((2, 1, 3), (2, 1, 3)) == ((2, 1, 3), (1, 1, 6, 0, 0, 1, 0, 0, 1))
    assert binary.plan((3, 4), (5, 4)) is None  # no broadcast
    assert binary.plan((2, 1, 3, 1, 5), (1, 4, 1, 6, 1)) is None  # five axes remain


def _counting(monkeypatch: pytest.MonkeyPatch) -> list:
    """The kernels in use (not NumPy standing in), each call counted in the list returned."""
    calls: list = []

    def counted(kernel):
        def call(*args):
            calls.append(kernel)
            return kernel(*args)

        return call

    for family in binary._FAMILIES:
        monkeypatch.setattr(family, "ready", True)
    monkeypatch.setattr(binary, "_KERNELS", tuple(counted(k) for k in binary._KERNELS))
    return calls


def test_binary_computes_a_broadcast_with_short_runs(monkeypatch):
    calls = _counting(monkeypatch)
    a, b = _operands((128, 1, 64), (1, 32, 64), np.float32)
    with np.errstate(all="ignore"):
        for op, ufunc in UFUNCS.items():
            _same(binary.binary(op, a, b), ufunc(a, b))
    assert len(calls) == 4


def test_binary_takes_one_run_of_a_megabyte_or_more(monkeypatch):
    calls = _counting(monkeypatch)
    a, b = _operands((512, 512), (512, 512), np.float32)
    with np.errstate(all="ignore"):
        _same(binary.binary(binary.ADD, a, b), a + b)
    assert len(calls) == 1


def test_numpy_stands_in_while_the_kernels_are_cold(monkeypatch):
    calls = _counting(monkeypatch)
    family = binary._FAMILIES[binary.SUB]
    monkeypatch.setattr(family, "ready", False)
    monkeypatch.setattr(family, "seconds", 0.0)
    monkeypatch.setattr(_jit, "_has_machine_code", lambda kernel, probe_disk: False)
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 1.0)  # the tests' own setting is 0
    a, b = _operands((128, 1, 64), (1, 32, 64), np.float64)
    with np.errstate(all="ignore"):
        _same(binary.binary(binary.SUB, a, b), a - b)
    assert not calls


@pytest.mark.parametrize(
    "a, b",
    [
        (np.ones((64, 128), np.float32), np.ones((64, 128), np.float32)),  # one run, small
        (np.ones((8, 16), np.float32), np.ones(16, np.float32)),  # few values
        (np.ones((64, 256), np.float32), np.ones(256, np.float32)),  # few runs
        (np.ones((256, 128), np.float32), np.ones(128, np.float64)),  # two dtypes
        (np.ones((256, 128), np.float16), np.ones(128, np.float16)),
        (np.ones((128, 256), np.float32).T, np.ones(128, np.float32)),  # strided
        (np.ones((256, 128), np.float32), 2.0),  # a number
        (np.ones((2, 1, 30, 1, 50)), np.ones((1, 40, 1, 6, 1))),  # five axes remain
        (np.ones((256, 128)), np.ones((3, 128))),  # no broadcast: NumPy raises
    ],
    ids=["one-run", "few", "few-runs", "dtypes", "float16", "strided", "number", "axes",
         "mismatch"],
)  # fmt: skip
def test_binary_leaves_to_numpy_what_it_does_not_take(a, b):
    assert binary.binary(binary.MUL, a, b) is None


def test_ops_use_the_kernels_forward_and_backward(monkeypatch):
    calls = _counting(monkeypatch)
    rng = np.random.default_rng(5)
    a_np = rng.standard_normal((300, 1, 16)).astype(np.float32)
    b_np = (rng.standard_normal((1, 32, 16)) + 4).astype(np.float32)
    g_np = rng.standard_normal((300, 32, 16)).astype(np.float32)
    for name, fn in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                     ("div", np.divide)]:  # fmt: skip
        a = autograd.tensor(a_np, requires_grad=True)
        b = autograd.tensor(b_np, requires_grad=True)
        y = getattr(autograd, name)(a, b)
        _same(y.detach().numpy(), fn(a_np, b_np))
        y.backward(autograd.tensor(g_np))
        if name == "mul":
            np.testing.assert_allclose(
                a.grad.numpy(), (g_np * b_np).sum(1, keepdims=True), 1e-5, 1e-5
            )
            np.testing.assert_allclose(
                b.grad.numpy(), (g_np * a_np).sum(0, keepdims=True), 1e-5, 1e-5
            )
        if name == "div":
            np.testing.assert_allclose(
                a.grad.numpy(), (g_np / b_np).sum(1, keepdims=True), 1e-5, 1e-5
            )
    # add, sub: forward; mul: forward and both gradients; div: forward and a's gradient.
    assert len(calls) == 1 + 1 + 3 + 2
