"""Indexing ops (autograd/ops/index.py): every index kind against NumPy and PyTorch, repeated
indices, in-place writes, masked ops, integer-valued results and bad-input errors. Sampled
forward, gradcheck and PyTorch checks of the registered ops run in test_registry_ops.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_reference import grad_vs_torch

import autograd as ag
from autograd.ops import _index_samples as index_samples
from autograd.ops import index as index_ops


def _a(*shape):
    return np.random.default_rng(0).standard_normal(shape)


# ------------------------------------------------------------------------------ getitem
INDICES = [
    (1,),
    (-1, slice(None, None, 2)),
    (slice(None, None, -1),),
    (slice(3, 0, -2), Ellipsis, 1),
    (None, Ellipsis, None),
    (Ellipsis, [0, 0, 2, -1]),
    ([[0, 1], [1, 1]],),
    ([0, 2, 2], [1, 1, -1]),
    (slice(1, None), None, [2, 2]),
    ([1, 0], slice(None), [2, 2]),  # advanced indices split by a slice: new dims go first
    (np.array([True, False, True, True]),),
    (np.array([[True, False, True]] * 4),),
    (Ellipsis, np.array([True, False, True])),
    (True,),
]


def _torchify(torch, index):
    def conv(p):
        if isinstance(p, list):
            return torch.tensor(p)
        if isinstance(p, np.ndarray):
            return torch.from_numpy(p)
        return p

    return tuple(conv(p) for p in index)


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_getitem_matches_numpy(index):
    a = _a(4, 3, 5)[..., :3]  # a non-contiguous input
    np.testing.assert_array_equal(ag.tensor(a)[index].numpy(), a[index])


@pytest.mark.parametrize("index", [i for i in INDICES if not any(
    isinstance(p, slice) and (p.step or 1) < 0 for p in i)], ids=repr)  # fmt: skip
def test_getitem_gradient_vs_torch(torch, index):
    grad_vs_torch(torch, lambda x: x[index], lambda x: x[_torchify(torch, index)], _a(4, 3, 3))


@pytest.mark.parametrize("index", [(slice(None, None, -1),), (slice(3, 0, -2), Ellipsis, 1)])
def test_negative_steps_gradient(index):
    x = ag.tensor(_a(4, 3), requires_grad=True)
    assert ag.gradcheck(lambda t: t[index], (x,))
    assert ag.gradgradcheck(lambda t: t[index], (x,))


def test_repeated_indices_accumulate():
    x = ag.tensor(np.zeros((3, 2)), requires_grad=True)
    x[[0, 0, 2, 0]].backward(ag.ones(4, 2, dtype=ag.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [[3, 3], [0, 0], [1, 1]])


@given(
    st.integers(1, 40),
    st.integers(1, 6),
    st.lists(st.integers(-6, 5), min_size=1, max_size=50),
)
def test_fast_scatter_paths_match_add_at(n, c, cols):
    cols = np.array([k % c for k in cols])
    rows = np.arange(len(cols)) % n
    g = np.random.default_rng(len(cols)).standard_normal(len(cols))
    for index in ((rows, cols), (rows,), (rows, cols, slice(None))):
        shape = (n, c, 2)
        out = ag.tensor(np.zeros(shape))[index].shape
        gg = np.random.default_rng(0).standard_normal(out)
        expected = np.zeros(shape)
        np.add.at(expected, index, gg)
        got = index_ops._scatter_index(gg, shape, index, index_ops._INTS)
        np.testing.assert_allclose(got, expected, atol=1e-12)
    assert g.shape == (len(cols),)


def test_gradient_of_an_empty_pick():
    x = ag.tensor(np.zeros((2, 0)), requires_grad=True)
    x[[0, 1, 1]].backward(ag.tensor(np.zeros((3, 0))))
    assert x.grad.shape == (2, 0)


def test_nll_by_indexing_gradient(torch):
    logp = _a(64, 10)
    target = np.random.default_rng(3).integers(0, 10, 64)
    grad_vs_torch(
        torch,
        lambda x: x[ag.arange(64), ag.tensor(target)],
        lambda x: x[torch.arange(64), torch.from_numpy(target)],
        logp,
    )


def test_embedding_style_rows(torch):
    ids = np.random.default_rng(4).integers(0, 7, 300)  # long enough for the sorted path
    grad_vs_torch(torch, lambda w: w[ag.tensor(ids)], lambda w: w[torch.from_numpy(ids)], _a(7, 5))


def test_index_with_tensors_and_0d_int_tensor():
    x = ag.tensor(_a(3, 4))
    mask = x > 0
    np.testing.assert_array_equal(x[mask].numpy(), x.numpy()[x.numpy() > 0])
    y = x[ag.tensor(1)]
    assert y.shape == (4,) and y._base is x  # a 0-d integer tensor indexes like an int
    assert x[0, 0].shape == () and x[0, 0]._base is x
    assert x[[]].shape == (0, 4)


def test_basic_index_is_view_and_advanced_is_copy():
    x = ag.tensor(_a(3, 4))
    v = x[1:, ::2]
    assert np.shares_memory(v.numpy(), x.numpy()) and v._vc is x._vc
    c = x[[0, 1]]
    assert not np.shares_memory(c.numpy(), x.numpy()) and c._base is None


def test_iteration_over_rows():
    x = ag.tensor(_a(3, 2))
    assert [r.shape for r in x] == [(2,)] * 3


def test_getitem_errors():
    x = ag.zeros(3, 4)
    with pytest.raises(
        IndexError, match=r"getitem: index 7 is out of bounds for dim 1 with size 4"
    ):
        x[:, 7]
    with pytest.raises(
        IndexError, match=r"getitem: index 3 is out of bounds for dim 0 with size 3"
    ):
        x[[0, 3]]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[ag.tensor([True, False])]
    with pytest.raises(IndexError, match="getitem: only integers.*float32"):
        x[ag.tensor([0.5])]
    with pytest.raises(IndexError, match="getitem"):
        x[1.5]


# ------------------------------------------------------- PyTorch's placement of indexed dims
def test_int_and_index_separated_by_a_slice_hand_computed():
    a = np.arange(18.0).reshape(2, 3, 3)
    # An int is a select applied first: x[0, :, [0, 1, 2]] is x[0][:, [0, 1, 2]] == x[0].
    np.testing.assert_array_equal(ag.tensor(a)[0, :, [0, 1, 2]].numpy(), a[0])
    b = np.arange(24.0).reshape(2, 3, 4)
    y = ag.tensor(b)[0, :, [1, 2]]
    assert y.shape == (3, 2)
    np.testing.assert_array_equal(y.numpy(), [[1, 2], [5, 6], [9, 10]])
    assert ag.tensor(b)[:, 0, None, [1, 2]].shape == (2, 1, 2)
    assert ag.tensor(b)[0, None, [1, 2]].shape == (1, 2, 4)
    assert ag.tensor(b)[:, [0, 1], ..., [1, 2]].shape == (2, 2)  # an empty Ellipsis
    assert ag.tensor(b)[0, :, True].shape == (3, 1, 4)
    assert ag.tensor(b)[ag.tensor(1), :, [0, 2]].shape == (3, 2)


def test_int_and_index_gradient_and_setitem_hand_computed():
    x = ag.tensor(np.zeros((2, 3, 4)), requires_grad=True)
    y = x[1, :, [3, 0]]
    g = np.arange(6.0).reshape(3, 2)
    y.backward(ag.tensor(g))
    expected = np.zeros((2, 3, 4))
    expected[1, :, 3], expected[1, :, 0] = g[:, 0], g[:, 1]
    np.testing.assert_array_equal(x.grad.numpy(), expected)

    z = ag.zeros(2, 3, 4)
    z[1, :, [3, 0]] = ag.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(z.numpy()[1, :, 3], [1, 3, 5])
    np.testing.assert_array_equal(z.numpy()[1, :, 0], [2, 4, 6])
    assert z.numpy()[0].sum() == 0 and z.numpy()[1, :, 1:3].sum() == 0

    # The value's gradient comes back in the indexed shape (3, 2).
    w = ag.tensor(np.zeros((2, 3, 4)))
    v = ag.tensor(np.ones((3, 2)), requires_grad=True)
    u = w * 1.0
    u[1, :, [3, 0]] = v
    (u * ag.tensor(np.arange(24.0).reshape(2, 3, 4))).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [[15, 12], [19, 16], [23, 20]])


def test_second_order_through_split_index():
    x = ag.tensor(_a(2, 3, 4), requires_grad=True)
    mask = np.array([True, False, True, True])
    assert ag.gradgradcheck(lambda t: t[1, :, [3, 0, 3]] ** 2, (x,))
    assert ag.gradgradcheck(lambda t: t[0, :, mask] ** 2, (x,))


def test_split_index_errors_name_the_input_dim():
    x = ag.zeros(2, 3, 4)
    with pytest.raises(IndexError, match="getitem: index 4 is out of bounds for dim 2 with size 4"):
        x[0, :, [1, 4]]
    with pytest.raises(IndexError, match="setitem_: index -5 is out of bounds for dim 2"):
        x[0, :, [-5]] = 1.0
    with pytest.raises(IndexError, match="boolean index did not match indexed tensor along dim 2"):
        x[0, :, ag.tensor([True, False])]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 3"):
        x[0, :, [1], 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., 0, ..., [1]]
    assert x._version == 0


@st.composite
def _index_forms(draw, unique=False):
    """A shape and an index mixing ints, slices, None, Ellipsis, bools, masks and integer
    tensors or lists; with ``unique`` no element is picked twice (for writes)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    kinds = draw(st.lists(st.sampled_from(["int", "slice", "full", "ints", "mask"]),
                          min_size=len(shape), max_size=len(shape)))  # fmt: skip
    mask_at = kinds.index("mask") if "mask" in kinds else None
    kinds = [k if k != "mask" or d == mask_at else "ints" for d, k in enumerate(kinds)]
    int_dims = [d for d, k in enumerate(kinds) if k == "ints"]
    mask = None
    if mask_at is not None:
        width = draw(st.integers(1, 2)) if mask_at + 1 < len(shape) else 1
        if width == 2:
            kinds[mask_at + 1] = "masked"
            int_dims = [d for d in int_dims if d != mask_at + 1]
        mshape = shape[mask_at : mask_at + width]
        flat = draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)),
                             max_size=int(np.prod(mshape))))  # fmt: skip
        mask = np.array(flat, dtype=bool).reshape(mshape)
        m = int(mask.sum())
    elif unique and int_dims:
        m = draw(st.integers(0, min(shape[d] for d in int_dims)))
    else:
        m = draw(st.integers(0, 3))
    parts = []
    for d, (k, n) in enumerate(zip(kinds, shape)):
        if k == "int":
            i = draw(st.integers(-n, n - 1))
            parts.append(draw(st.sampled_from([i, ("0-d", i)])))
        elif k == "slice":
            lo, hi = draw(st.integers(-n, n)), draw(st.integers(-n, n))
            parts.append(slice(lo, hi, draw(st.integers(1, 2))))
        elif k == "full":
            parts.append(slice(None))
        elif k == "mask":
            parts.append(("mask", mask))
        elif k == "ints":
            first = unique and mask is None and d == int_dims[0]
            vals = draw(st.lists(st.integers(-n, n - 1), min_size=m, max_size=m, unique=first))
            if unique and first:  # -1 and n - 1 are the same element
                vals = [v % n for v in vals]
            form = draw(st.sampled_from(["list", "array", "tensor"]))
            if not unique and draw(st.integers(0, 3)) == 0:
                vals = vals[:1]  # one index broadcasts against the others
            parts.append((form, np.array(vals, dtype=np.int64)))
    for _ in range(draw(st.integers(0, 2))):
        extra = draw(st.sampled_from([None, True, Ellipsis]))
        if extra is Ellipsis and any(p is Ellipsis for p in parts):
            continue
        parts.insert(draw(st.integers(0, len(parts))), extra)
    return shape, parts


def _as_ours(parts):
    out = []
    for p in parts:
        if isinstance(p, tuple):
            form, value = p
            if form == "0-d":
                value = ag.tensor(value)
            elif form == "list":
                value = value.tolist()
            elif form in ("tensor", "mask"):
                value = ag.tensor(value)
            p = value
        out.append(p)
    return tuple(out)


def _as_torch(torch, parts):
    return tuple(torch.tensor(np.asarray(p[1])) if isinstance(p, tuple) else p for p in parts)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_index_forms())
def test_getitem_forms_vs_torch(torch, form):
    shape, parts = form
    x = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = _as_ours(parts), _as_torch(torch, parts)
    assert ag.tensor(x)[ours].shape == tuple(torch.from_numpy(x)[theirs].shape)
    grad_vs_torch(torch, lambda t: t[ours], lambda t: t[theirs], x)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_index_forms(unique=True))
def test_setitem_forms_vs_torch(torch, form):
    shape, parts = form
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    ours, theirs = _as_ours(parts), _as_torch(torch, parts)
    v = rng.standard_normal(tuple(torch.from_numpy(x)[theirs].shape))

    def write(idx):
        def fn(t, value):
            y = t * 1.0
            y[idx] = value
            return y * y

        return fn

    grad_vs_torch(torch, write(ours), write(theirs), x, v)


@given(_index_forms())
def test_getitem_forms_vs_reference(form):
    shape, parts = form
    x = np.random.default_rng(0).standard_normal(shape)
    plain = tuple(p[1] if isinstance(p, tuple) else p for p in parts)
    expected = index_samples._ref_getitem(x, plain)
    np.testing.assert_array_equal(ag.tensor(x)[_as_ours(parts)].numpy(), expected)


# ------------------------------------------------------------------------------ setitem_
def test_setitem_without_grad():
    x = ag.zeros(3, 4)
    x[0] = 1.0
    x[:, 1] = ag.tensor([1.0, 2.0, 3.0])
    x[x > 2.5] = -1.0
    x[[2, 2], [3, 0]] = ag.tensor(5.0)
    expected = np.zeros((3, 4))
    expected[0] = 1
    expected[:, 1] = [1, 2, 3]
    expected[expected > 2.5] = -1
    expected[[2, 2], [3, 0]] = 5
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == 4


def test_setitem_gradients_vs_torch(torch):
    def ours(x, v):
        y = x * 1.0
        y[1:, ::2] = v
        return y * y

    def theirs(x, v):
        y = x * 1.0
        y[1:, ::2] = v
        return y * y

    grad_vs_torch(torch, ours, theirs, _a(3, 4), _a(2))  # v broadcast over rows


def test_setitem_on_leaf_requiring_grad_is_refused():
    x = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x[0] = 1.0
    with ag.no_grad():
        x[0] = 1.0
    assert x.detach().numpy()[0] == 1.0


def test_setitem_saved_tensor_detected():
    x = ag.tensor(_a(3), requires_grad=True)
    y = x * 1.0
    z = y * y  # saves y
    y[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward(ag.ones(3, dtype=ag.float64))


def test_setitem_errors_leave_tensor_unchanged():
    x = ag.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"setitem_: .*shape \(4,\)"):
        x[0] = ag.ones(4)
    with pytest.raises(IndexError, match="setitem_: index 5 is out of bounds for dim 0"):
        x[5] = 1.0
    assert x._version == 0 and not x.numpy().any()


def test_setitem_value_gradient_with_repeats():
    x = ag.tensor(_a(3, 2))
    v = ag.tensor(_a(2), requires_grad=True)
    y = x * 1.0
    y[[0, 2]] = v
    y.backward(ag.ones(3, 2, dtype=ag.float64))
    np.testing.assert_array_equal(v.grad.numpy(), [2.0, 2.0])


# --------------------------------------------------------------------------- masked ops
def test_masked_fill_vs_torch(torch):
    mask = np.array([True, False, True])
    grad_vs_torch(
        torch,
        lambda x, v: ag.masked_fill(x, mask, v),
        lambda x, v: torch.masked_fill(x, torch.from_numpy(mask), v),
        _a(2, 3), np.array(0.7),
    )  # fmt: skip
    grad_vs_torch(
        torch,
        lambda x: ag.masked_select(x, mask),
        lambda x: torch.masked_select(x, torch.from_numpy(mask)),
        _a(2, 3),
    )  # fmt: skip


def test_masked_fill_keeps_dtype_and_broadcasts_input():
    x = ag.tensor([1, 2, 3])
    assert x.masked_fill(ag.tensor([True, False, True]), 1.7).tolist() == [1, 2, 1]
    y = ag.zeros(3).masked_fill(ag.ones(2, 3, dtype=ag.bool), 1.0)
    assert y.shape == (2, 3) and y.dtype == np.float32


def test_masked_fill_in_place():
    x = ag.zeros(2, 3)
    x.masked_fill_(ag.tensor([True, False, True]), 2.0)
    np.testing.assert_array_equal(x.numpy(), [[2, 0, 2], [2, 0, 2]])
    assert x._version == 1
    w = ag.tensor(_a(2, 3), requires_grad=True)
    y = w * 1.0
    y.masked_fill_(y > 0, 0.0)
    y.backward(ag.ones(2, 3, dtype=ag.float64))
    np.testing.assert_array_equal(w.grad.numpy(), (w.detach().numpy() <= 0).astype(float))


def test_masked_errors():
    x = ag.zeros(2, 3)
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor"):
        x.masked_fill(ag.tensor([1, 0, 1]), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(2,\) does not broadcast"):
        x.masked_fill(ag.tensor([True, False]), 0.0)
    with pytest.raises(ValueError, match="masked_fill: value must be a number or a 0-d tensor"):
        x.masked_fill(ag.tensor([True, False, True]), ag.ones(3))
    with pytest.raises(ValueError, match="masked_select: mask of shape"):
        x.masked_select(ag.tensor([True, False]))


# ------------------------------------------------------------------------ integer results
def test_nonzero_and_one_hot(torch):
    a = np.array([[0, 1, 0], [2, 0, 3]])
    np.testing.assert_array_equal(
        ag.nonzero(ag.tensor(a)).numpy(), torch.nonzero(torch.tensor(a)).numpy()
    )
    for ours, theirs in zip(
        ag.nonzero(ag.tensor(a), as_tuple=True), torch.nonzero(torch.tensor(a), as_tuple=True)
    ):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ag.nonzero(ag.tensor(1.0)).shape == (1, 0)
    labels = np.array([[0, 3], [1, 1]])
    oh = ag.one_hot(ag.tensor(labels))
    assert oh.dtype == np.int64 and not oh.requires_grad
    np.testing.assert_array_equal(
        oh.numpy(), torch.nn.functional.one_hot(torch.tensor(labels)).numpy()
    )
    assert ag.one_hot(ag.tensor([1]), 5).shape == (1, 5)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative, got -1"):
        ag.one_hot(ag.tensor([0, -1]))
    with pytest.raises(
        ValueError, match="one_hot: class value 3 is out of range for num_classes=2"
    ):
        ag.one_hot(ag.tensor([3]), 2)
    with pytest.raises(TypeError, match="one_hot: tensor must hold integer"):
        ag.one_hot(ag.tensor([1.0]))
    with pytest.raises(ValueError, match="empty"):
        ag.one_hot(ag.tensor([], dtype=ag.int64))


def test_second_order_through_indexing():
    x = ag.tensor(_a(3, 4), requires_grad=True)
    for fn in (
        lambda t: t[[0, 0, 2], [1, 1, 3]] ** 2,
        lambda t: ag.gather(t, 1, np.array([[0, 0], [3, 1], [2, 2]])) ** 2,
        lambda t: ag.index_select(t, 1, np.array([1, 1, 0])) ** 2,
        lambda t: t.masked_fill(t > 0, 0.0) ** 2,
        lambda t: t[t > 0] ** 2,
    ):
        assert ag.gradgradcheck(fn, (x,))


def test_a_row_of_a_tensor_without_grad_is_a_view_an_in_place_op_can_rebase():
    # ``xs[t]`` on a tensor that records nothing: still a view sharing the version counter,
    # and a differentiable value written into it reaches the base's history.
    x = ag.zeros(3, 2)
    row = x[-1]
    assert row.shape == (2,) and row.grad_fn is None and not row.requires_grad
    row.add_(1)
    np.testing.assert_array_equal(x.numpy(), [[0, 0], [0, 0], [1, 1]])
    assert x._version == row._version == 1
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    x[0].copy_(w * 3)
    assert x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [18.0, 36.0])


@pytest.mark.parametrize("index", [3, -4])
def test_an_int_index_out_of_range_names_the_dim_and_size(index):
    with pytest.raises(IndexError, match="dim 0 with size 3"):
        ag.zeros(3, 2)[index]
