"""Empty tensors through forward, backward and double backward.

Each case runs an op on inputs with a dimension of size 0 and backpropagates ones: the output
shape and the input gradients are written out by hand (mostly zeros: nothing flows through an
empty tensor), then compared with PyTorch when it is installed. A second derivative (the
gradient of the summed gradients) must not crash either.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn


def _i64(lib, shape):
    return lib.zeros(shape, dtype=lib.int64)


# name, fn(lib, F, *inputs), input shapes, output shape, expected gradients (None: zeros)
CASES = [
    ("getitem ints", lambda lib, F, x: x[[0, 1]], [(3, 0)], (2, 0), None),
    ("getitem slice", lambda lib, F, x: x[1:], [(3, 0)], (2, 0), None),
    ("einsum to scalar", lambda lib, F, x: lib.einsum("ij->", x), [(0, 3)], (), None),
    ("einsum over rows", lambda lib, F, x: lib.einsum("ij->j", x), [(0, 3)], (3,), None),
    ("einsum matmul", lambda lib, F, a, b: lib.einsum("ij,jk->ik", a, b), [(2, 0), (0, 3)],
     (2, 3), None),
    ("einsum batched", lambda lib, F, a, b: lib.einsum("bij,bjk->bik", a, b),
     [(2, 3, 0), (2, 0, 4)], (2, 3, 4), None),
    ("tensordot", lambda lib, F, a, b: lib.tensordot(a, b, dims=([1], [0])),
     [(2, 0, 3), (0, 4)], (2, 3, 4), None),
    ("prod dim 0", lambda lib, F, x: x.prod(0), [(3, 0)], (0,), None),
    ("prod dim 1", lambda lib, F, x: x.prod(1), [(3, 0)], (3,), None),
    ("prod of no rows", lambda lib, F, x: x.prod(0), [(0, 3)], (3,), None),
    ("cumprod along empty", lambda lib, F, x: x.cumprod(0), [(0, 3)], (0, 3), None),
    ("cumprod beside empty", lambda lib, F, x: x.cumprod(1), [(0, 3)], (0, 3), None),
    ("cumprod 1-d", lambda lib, F, x: x.cumprod(0), [(0,)], (0,), None),
    ("cumsum", lambda lib, F, x: x.cumsum(1), [(3, 0)], (3, 0), None),
    ("matmul k=0", lambda lib, F, a, b: a @ b, [(2, 0), (0, 3)], (2, 3), None),
    ("matmul n=0", lambda lib, F, a, b: a @ b, [(0, 2), (2, 3)], (0, 3), None),
    ("matmul stack k=0", lambda lib, F, a, b: a @ b, [(2, 3, 0), (0, 4)], (2, 3, 4), None),
    ("matmul empty stack", lambda lib, F, a, b: a @ b, [(0, 3, 2), (2, 4)], (0, 3, 4), None),
    ("matvec k=0", lambda lib, F, a, b: a @ b, [(3, 0), (0,)], (3,), None),
    ("linear in=0", lambda lib, F, x, w, b: F.linear(x, w, b), [(2, 0), (3, 0), (3,)], (2, 3),
     [None, None, np.full(3, 2.0)]),
    ("linear batch=0", lambda lib, F, x, w, b: F.linear(x, w, b), [(0, 4), (3, 4), (3,)],
     (0, 3), None),
    ("chunk of empty dim", lambda lib, F, x: x.chunk(2, 1)[1], [(3, 0)], (3, 0), None),
    ("glu of empty dim", lambda lib, F, x: F.glu(x, 1), [(2, 0)], (2, 0), None),
    ("glu of empty batch", lambda lib, F, x: F.glu(x, 1), [(0, 4)], (0, 2), None),
    ("cat with empty", lambda lib, F, a, b: lib.cat([a, b]), [(0, 3), (2, 3)], (2, 3),
     [None, np.ones((2, 3))]),
    ("cross_entropy empty batch",
     lambda lib, F, x: F.cross_entropy(x, _i64(lib, (0,)), reduction="sum"), [(0, 3)], (), None),
    ("cross_entropy empty extra dim",
     lambda lib, F, x: F.cross_entropy(x, _i64(lib, (2, 0)), reduction="sum"), [(2, 3, 0)], (),
     None),
    ("layer_norm empty batch", lambda lib, F, x: F.layer_norm(x, (3,)), [(0, 3)], (0, 3), None),
    ("batch_norm eval",
     lambda lib, F, x: F.batch_norm(x, lib.zeros(3, dtype=lib.float64),
                                   lib.ones(3, dtype=lib.float64), training=False),
     [(0, 3, 2)], (0, 3, 2), None),
    ("softmax", lambda lib, F, x: lib.softmax(x, 1), [(3, 0)], (3, 0), None),
    ("logsumexp of nothing", lambda lib, F, x: lib.logsumexp(x, 1), [(3, 0)], (3,), None),
    ("sum", lambda lib, F, x: x.sum(0), [(0, 3)], (3,), None),
]  # fmt: skip

IDS = [c[0] for c in CASES]


def _arrays(shapes):
    # Distinct non-zero values where there are any.
    return [np.arange(1.0, 1.0 + np.prod(s)).reshape(s) * (i + 1) for i, s in enumerate(shapes)]


def _ours(fn, shapes):
    xs = [autograd.tensor(a, requires_grad=True) for a in _arrays(shapes)]
    return xs, fn(autograd, nn.functional, *xs)


@pytest.mark.parametrize("name, fn, shapes, out_shape, expected", CASES, ids=IDS)
def test_empty_forward_backward(name, fn, shapes, out_shape, expected):
    xs, out = _ours(fn, shapes)
    assert out.shape == out_shape
    assert out.requires_grad
    grads = autograd.grad(out, xs, autograd.ones_like(out), create_graph=True, allow_unused=True)
    for i, (x, g) in enumerate(zip(xs, grads)):
        want = np.zeros(x.shape) if expected is None or expected[i] is None else expected[i]
        got = np.zeros(x.shape) if g is None else g.detach().numpy()
        assert got.shape == x.shape
        np.testing.assert_array_equal(got, want, err_msg=f"{name}: gradient of input {i}")
    total = [g.sum() for g in grads if g is not None and g.requires_grad]
    if total:  # the second derivative runs too
        second = autograd.grad(sum(total[1:], total[0]), xs, allow_unused=True)
        for x, g in zip(xs, second):
            assert g is None or g.shape == x.shape


@pytest.mark.parametrize("name, fn, shapes, out_shape, expected", CASES, ids=IDS)
def test_empty_matches_torch(name, fn, shapes, out_shape, expected, torch):
    xs, out = _ours(fn, shapes)
    ts = [torch.tensor(x.detach().numpy(), requires_grad=True) for x in xs]
    tout = fn(torch, torch.nn.functional, *ts)
    assert tuple(tout.shape) == out.shape
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy())
    mine = autograd.grad(out, xs, autograd.ones_like(out), allow_unused=True)
    theirs = torch.autograd.grad(tout, ts, torch.ones_like(tout), allow_unused=True)
    for i, (g, tg, x) in enumerate(zip(mine, theirs, xs)):
        g = np.zeros(x.shape) if g is None else g.numpy()
        tg = np.zeros(x.shape) if tg is None else tg.numpy()
        np.testing.assert_array_equal(g, tg, err_msg=f"{name}: gradient of input {i} vs torch")


def test_cat_keeps_an_empty_operand_that_requires_grad():
    e = autograd.zeros(0, requires_grad=True)
    y = autograd.cat([e, autograd.ones(2)])
    assert y.requires_grad
    y.sum().backward()
    assert e.grad is not None and e.grad.shape == (0,)
    z = autograd.cat([autograd.ones(2, 2), e, autograd.full((1, 2), 3.0)])  # legacy skip
    assert z.tolist() == [[1.0, 1.0], [1.0, 1.0], [3.0, 3.0]]


def test_chunk_of_empty_dim_gives_chunks_pieces():
    assert [p.shape for p in autograd.zeros(2, 0).chunk(3, 1)] == [(2, 0)] * 3
    assert [p.shape for p in autograd.zeros(2, 1).chunk(2, 1)] == [(2, 1)]
