"""The Tensor API: dtypes, conversion, Python protocols, printing, in-place rules, promotion."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd


# ------------------------------------------------------------------------ dtype inference
@pytest.mark.parametrize(
    "data, dtype",
    [
        ([1, 2], np.int64),
        ([1.0, 2], np.float32),
        ([True, False], np.bool_),
        (3, np.int64),
        (3.5, np.float32),
        ([[1, 2], [3, 4]], np.int64),
        (np.array([1.0], dtype=np.float64), np.float64),
        (np.array([1], dtype=np.int32), np.int32),
    ],
)
def test_dtype_inference(data, dtype):
    assert autograd.tensor(data).dtype == dtype


def test_explicit_dtype_by_name_and_object():
    assert autograd.tensor([1, 2], dtype="float64").dtype == np.float64
    assert autograd.tensor([1, 2], dtype=autograd.float32).dtype == np.float32
    assert autograd.tensor([1.5], dtype=autograd.long).tolist() == [1]


def test_unknown_dtype_name_errors():
    with pytest.raises(TypeError, match="float128"):
        autograd.tensor([1.0], dtype="float128")


def test_ragged_nested_list_errors():
    with pytest.raises(ValueError, match="ragged"):
        autograd.tensor([[1, 2], [3]])


def test_non_numeric_data_errors():
    with pytest.raises(TypeError):
        autograd.tensor(["a", "b"])


def test_tensor_copies_data():
    a = np.array([1.0, 2.0])
    t = autograd.tensor(a)
    a[0] = 99
    assert t.tolist() == [1.0, 2.0]


def test_from_numpy_shares_memory():
    a = np.array([1.0, 2.0])
    t = autograd.from_numpy(a)
    a[0] = 99
    assert t.tolist() == [99.0, 2.0]
    t.numpy()[1] = -1
    assert a[1] == -1


# --------------------------------------------------------------------------------- repr
@pytest.mark.parametrize(
    "make, text",
    [
        (lambda: autograd.tensor([1.0, 2.0], requires_grad=True),
         "tensor([1., 2.], requires_grad=True)"),
        (lambda: autograd.tensor(3.5), "tensor(3.5000)"),
        (lambda: autograd.tensor([1.5, 2.0]), "tensor([1.5000, 2.0000])"),
        (lambda: autograd.tensor([1, 2]), "tensor([1, 2])"),
        (lambda: autograd.tensor([True]), "tensor([True])"),
        (lambda: autograd.tensor([True, False]), "tensor([ True, False])"),
        (lambda: autograd.tensor([1.0], dtype=autograd.float64),
         "tensor([1.], dtype=autograd.float64)"),
        (lambda: autograd.tensor([1.0], requires_grad=True) * 2,
         "tensor([2.], grad_fn=<MulBackward0>)"),
        (lambda: autograd.zeros(0), "tensor([])"),
    ],
)  # fmt: skip
def test_repr_like_pytorch(make, text):
    assert repr(make()) == text


_NAN, _INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "values",
    [
        [_NAN, _INF, 1.0], [_NAN, 1.5, -_INF], [-_INF, 1.0, -1.0], [_NAN, 12345.0, 3.0],
        [_NAN, 1e9, 1.0], [0.0, 1.5e9, _NAN], [1.0, 5000.0], [1.5, 12345.0], [0.0, _NAN],
        [-0.0, 2.0], [0.0, 10.0], [0.25, 2.5e-5], [2.0, 2e8], [[_NAN, 1.0], [2.0, -_INF]],
        [0.0, 0.0], [_NAN], [-3.25], [1e-3, 0.5, 100.0],
    ],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # 1e9 made float16
def test_float_repr_matches_torch(torch, values, dtype):
    ours = repr(autograd.tensor(values, dtype=getattr(autograd, dtype)))
    theirs = repr(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert ours.replace("autograd.", "torch.") == theirs


# ------------------------------------------------------------------------ Python protocols
def test_len_iter_bool_item_tolist():
    t = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2
    rows = list(t)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    assert bool(autograd.tensor([1.0])) and not bool(autograd.tensor(0.0))
    assert autograd.tensor([[7]]).item() == 7 and isinstance(autograd.tensor(2.5).item(), float)
    assert autograd.tensor(2.5).tolist() == 2.5


def test_protocol_errors():
    with pytest.raises(TypeError, match="0-d"):
        len(autograd.tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(autograd.tensor(1.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(autograd.ones(2))
    with pytest.raises(RuntimeError, match="2 elements"):
        autograd.ones(2).item()


def test_numpy_refuses_requires_grad_and_detach_shares():
    x = autograd.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    d.numpy()[0] = 5
    assert x.detach().tolist() == [5.0, 1.0]
    assert np.asarray(x).shape == (2,)


def test_clone_copies_and_keeps_history():
    x = autograd.ones(2, requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None
    with autograd.no_grad():
        c.add_(1)
    assert x.detach().tolist() == [1.0, 1.0]


def test_conversions():
    x = autograd.tensor([1.7, -2.2])
    assert x.double().dtype == np.float64
    assert x.float().dtype == np.float32
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2]
    assert x.int().dtype == np.int32
    assert x.to(autograd.float64).dtype == np.float64
    assert x.to(dtype="float64").dtype == np.float64
    assert x.to("cpu") is x
    assert x.type() == "autograd.FloatTensor"
    assert x.type(autograd.float64).dtype == np.float64
    assert autograd.tensor([1]).type() == "autograd.LongTensor"


def test_to_float64_is_differentiable():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    y.backward(autograd.ones(2, dtype=autograd.float64))
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 3.0]


def test_size_numel_dim_contiguous():
    x = autograd.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.numel() == 6 and x.dim() == 2 and x.ndim == 2
    assert x.is_contiguous()
    t = x.T
    assert t.shape == (3, 2) and not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c.tolist() == t.tolist()


def test_size_out_of_range_dim():
    with pytest.raises(ValueError, match="dim 2"):
        autograd.zeros(2, 3).size(2)


def test_T_and_mT():
    x = autograd.arange(6).reshape(2, 3)
    assert x.T.tolist() == [[0, 3], [1, 4], [2, 5]]
    b = autograd.zeros(4, 2, 3)
    assert b.mT.shape == (4, 3, 2)


def test_device():
    assert autograd.zeros(2, device="cpu").device == autograd.device("cpu")
    with pytest.raises(RuntimeError, match="cuda"):
        autograd.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        autograd.tensor([1.0], device="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        autograd.ones(2).to("cuda")


def test_requires_grad_on_int_tensor_errors():
    with pytest.raises(RuntimeError, match="floating"):
        autograd.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating"):
        autograd.tensor([1, 2]).requires_grad_()


def test_requires_grad_only_changes_on_leaves():
    x = autograd.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    assert y.is_leaf is False and x.is_leaf is True


def test_grad_setter_checks_shape():
    x = autograd.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="shape"):
        x.grad = autograd.ones(3)
    x.grad = autograd.zeros(2)
    assert x.grad.tolist() == [0.0, 0.0]


def test_pickle_and_deepcopy_roundtrip():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad
    z = copy.deepcopy(x)
    z.detach().numpy()[0] = 9
    assert x.detach().tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------------- backward API
def test_backward_on_non_scalar_without_gradient_errors():
    x = autograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="implicitly created only for outputs with one"):
        (x * 2).backward()


def test_broadcast_failure_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        autograd.zeros(2, 3) + autograd.zeros(4)
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        autograd.mul(autograd.zeros(2), autograd.zeros(3))


# ---------------------------------------------------------------------------------- in-place
@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.add_(1.0), lambda t: t.sub_(1.0), lambda t: t.mul_(2.0),
        lambda t: t.div_(2.0), lambda t: t.zero_(), lambda t: t.fill_(3.0),
        lambda t: t.clamp_(0.0, 0.5), lambda t: t.exp_(),
    ],
)  # fmt: skip
def test_inplace_bumps_version(op):
    t = autograd.ones(2)
    v = t._version
    assert op(t) is t
    assert t._version == v + 1


def test_inplace_values():
    t = autograd.tensor([1.0, 2.0])
    t.add_(autograd.tensor([1.0, 1.0]), alpha=2).mul_(3)
    assert t.tolist() == [9.0, 12.0]


def test_inplace_on_leaf_requiring_grad_raises_and_leaves_it_unchanged():
    x = autograd.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.add_(1.0)
    assert x.detach().tolist() == [1.0, 1.0] and x._version == 0
    with autograd.no_grad():
        x.add_(1.0)
    assert x.detach().tolist() == [2.0, 2.0]


def test_inplace_on_non_leaf_is_recorded():
    x = autograd.ones(2, requires_grad=True)
    y = x * 2
    y.mul_(3.0)
    y.backward(autograd.ones(2))
    assert x.grad.tolist() == [6.0, 6.0]


def test_float_into_int_tensor_inplace_errors():
    t = autograd.tensor([1, 2])
    with pytest.raises(RuntimeError, match="cast"):
        t.add_(1.5)
    assert t.tolist() == [1, 2]


# -------------------------------------------------------------------------------- promotion
def test_int_tensor_plus_python_float_is_float32():
    assert (autograd.tensor([1, 2]) + 1.5).dtype == np.float32


def test_float32_times_python_float_stays_float32():
    assert (autograd.tensor([1.0, 2.0]) * 2.5).dtype == np.float32
    assert (2.5 * autograd.tensor([1.0, 2.0])).dtype == np.float32


def test_float64_stays_float64_with_python_scalars():
    x = autograd.tensor([1.0], dtype=autograd.float64)
    assert (x * 2).dtype == np.float64 and (x + 1.5).dtype == np.float64


def test_int_division_is_float32():
    out = autograd.tensor([1, 2]) / autograd.tensor([2, 2])
    assert out.dtype == np.float32 and out.tolist() == [0.5, 1.0]
    assert (autograd.tensor([3]) / 2).dtype == np.float32


def test_int_tensor_plus_python_int_stays_int64():
    assert (autograd.tensor([1, 2]) + 3).dtype == np.int64


def test_int_tensor_plus_float_tensor_takes_float_dtype():
    assert (autograd.tensor([1, 2]) + autograd.tensor([1.0, 2.0])).dtype == np.float32


def test_float32_plus_float64_tensor_is_float64():
    a = autograd.tensor([1.0])
    b = autograd.tensor([1.0], dtype=autograd.float64)
    assert (a + b).dtype == np.float64


def test_bool_plus_int_is_int():
    assert (autograd.tensor([True]) + autograd.tensor([2])).dtype == np.int64


def test_ndarray_times_tensor_gives_tensor():
    out = np.array([1.0, 2.0], dtype=np.float32) * autograd.tensor([2.0, 2.0])
    assert isinstance(out, autograd.Tensor)


def test_torch_promotion_agrees(torch):
    cases = [
        (np.array([1, 2]), 1.5), (np.array([1.0, 2.0], np.float32), 2.5),
        (np.array([1, 2]), np.array([1.0], np.float32)),
        (np.array([True]), np.array([2])), (np.array([1, 2]), 3),
    ]  # fmt: skip
    for a, b in cases:
        ours = autograd.tensor(a) + (autograd.tensor(b) if isinstance(b, np.ndarray) else b)
        theirs = torch.tensor(a) + (torch.tensor(b) if isinstance(b, np.ndarray) else b)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (a, b)
