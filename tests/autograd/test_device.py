"""autograd.device: construction, equality, hashing and printing as torch.device; every device=
argument and .to(...) accepts CPU devices and rejects others clearly; Module.to(device)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd
import nn

CPU_SPECS = [("cpu",), ("cpu", 0), ("cpu:0",), ("cpu", 3), ("cpu:12",)]
OTHER_SPECS = [("cuda",), ("cuda", 1), ("cuda:0",), ("mps",), ("meta",), ("xpu:2",)]


@pytest.mark.parametrize("spec", CPU_SPECS + OTHER_SPECS)
def test_device_attributes_and_printing_match_torch(torch, spec):
    ours, ref = autograd.device(*spec), torch.device(*spec)
    assert (ours.type, ours.index) == (ref.type, ref.index)
    assert str(ours) == str(ref)
    assert repr(ours) == repr(ref)


def test_device_equality_and_hash_match_torch(torch):
    specs = CPU_SPECS + OTHER_SPECS
    for a in specs:
        for b in specs:
            ours = autograd.device(*a) == autograd.device(*b)
            assert ours == (torch.device(*a) == torch.device(*b)), (a, b)
            if ours:
                assert hash(autograd.device(*a)) == hash(autograd.device(*b))
    # as in PyTorch, a device never equals a string: compare str(d) or d.type
    for name in ("cpu", "cpu:0"):
        assert (autograd.device(name) == name) == (torch.device(name) == name)
        assert (autograd.device(name) != name) == (torch.device(name) != name)
    assert autograd.device("cpu") == autograd.device(autograd.device("cpu"))
    assert {autograd.device("cpu"): 1}[autograd.device("cpu")] == 1


def test_device_survives_pickle_and_copy():
    d = autograd.device("cpu", 0)
    assert pickle.loads(pickle.dumps(d)) == d
    assert copy.deepcopy(d) == d and copy.copy(d) == d


@pytest.mark.parametrize(
    "args,error,match",
    [
        (("gpu",), RuntimeError, "unknown device type 'gpu'"),
        (("CPU",), RuntimeError, "unknown device type 'CPU'"),
        (("",), RuntimeError, "unknown device type ''"),
        (("cpu:-1",), RuntimeError, "invalid device string 'cpu:-1'"),
        (("cpu:x",), RuntimeError, "invalid device string 'cpu:x'"),
        (("cpu:00",), RuntimeError, "invalid device string 'cpu:00'"),
        (("cpu", -1), RuntimeError, "non-negative, got -1"),
        (("cpu:0", 1), RuntimeError, "already holds an index"),
        (("cpu", 1.0), TypeError, "index must be an int, got float"),
        (("cpu", True), TypeError, "index must be an int, got bool"),
        ((0,), RuntimeError, "accelerator"),
        ((1.5,), TypeError, "got float"),
    ],
)
def test_device_rejects_bad_input_as_torch_does(torch, args, error, match):
    with pytest.raises(error, match=match):
        autograd.device(*args)
    with pytest.raises((RuntimeError, TypeError)):
        torch.device(*args)


def test_tensor_device_and_is_cuda(torch):
    x = autograd.ones(2)
    assert x.device == autograd.device("cpu") and repr(x.device) == repr(torch.ones(2).device)
    assert x.is_cuda is False and x.is_cuda == torch.ones(2).is_cuda
    assert x.cpu() is x


def test_cuda_method_raises_clearly():
    with pytest.raises(RuntimeError, match=r"cuda\(\): numbagrad runs on the CPU only"):
        autograd.ones(2).cuda()
    with pytest.raises(RuntimeError, match="CPU only"):
        autograd.ones(2).cuda(0)


@pytest.mark.parametrize("dev", ["cpu", "cpu:0", autograd.device("cpu"), autograd.device("cpu", 1)])
def test_every_device_argument_accepts_cpu_devices(dev):
    assert autograd.zeros(2, device=dev).device == autograd.device("cpu")
    assert autograd.tensor([1.0], device=dev).tolist() == [1.0]
    assert autograd.Tensor(2, device=dev).shape == (2,)
    assert autograd.FloatTensor([1], device=dev).dtype == np.float32
    assert autograd.ones(2).new_zeros(3, device=dev).shape == (3,)
    x = autograd.ones(2)
    assert x.to(dev) is x and x.to(device=dev) is x


@pytest.mark.parametrize(
    "dev", ["cuda", "cuda:0", "mps", "meta", autograd.device("cuda"), autograd.device("mps", 0)]
)
def test_every_device_argument_rejects_other_devices(dev):
    label = str(dev).split(":")[0]
    for make in (
        lambda: autograd.zeros(2, device=dev),
        lambda: autograd.tensor([1.0], device=dev),
        lambda: autograd.arange(3, device=dev),
        lambda: autograd.Tensor(2, device=dev),
        lambda: autograd.LongTensor([1], device=dev),
        lambda: autograd.ones(1).new_ones(2, device=dev),
        lambda: autograd.ones(1).to(dev),
        lambda: autograd.ones(1).to(device=dev),
        lambda: autograd.ones(1).to(dev, autograd.float64),
    ):
        with pytest.raises(RuntimeError, match=f"CPU only, got device=.*{label}"):
            make()


def test_check_device_rejects_non_devices_with_type_error():
    with pytest.raises(TypeError, match="expected a device .* got float"):
        autograd.zeros(1, device=1.5)
    with pytest.raises(RuntimeError, match="accelerator"):
        autograd.zeros(1, device=0)
    with pytest.raises(RuntimeError, match="not a valid device"):
        autograd.zeros(1, device="gpu")


def test_device_context_manager():
    with autograd.device("cpu"):
        assert autograd.ones(1).device == autograd.device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        with autograd.device("cuda"):
            pass


def test_to_forms_match_torch(torch):
    x = autograd.tensor([1.5, -2.0])
    ref = torch.tensor([1.5, -2.0])
    cases = [
        ((autograd.float64,), (torch.float64,), {}),
        (("cpu", autograd.float64), ("cpu", torch.float64), {}),
        ((autograd.device("cpu"), autograd.int64), (torch.device("cpu"), torch.int64), {}),
        ((), (), {"dtype": autograd.float16}),
        ((autograd.zeros(1, dtype=autograd.int32),), (torch.zeros(1, dtype=torch.int32),), {}),
        ((autograd.float64, False, True), (torch.float64, False, True), {}),
    ]
    for args, targs, kwargs in cases:
        tkwargs = {k: getattr(torch, str(v)) for k, v in kwargs.items()}
        out, expected = x.to(*args, **kwargs), ref.to(*targs, **tkwargs)
        assert str(out.dtype) == str(expected.dtype).removeprefix("torch."), args
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_to_returns_self_unless_copy(torch):
    x = autograd.ones(2, requires_grad=True)
    assert x.to(autograd.float32) is x and x.to("cpu") is x
    y = x.to(copy=True)
    assert y is not x and y.grad_fn is not None  # a differentiable copy, as in PyTorch
    assert not np.shares_memory(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_to_bad_arguments():
    x = autograd.ones(2)
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        x.to(dtype=autograd.float64, layout="strided")
    with pytest.raises(TypeError, match="positional arguments"):
        x.to(autograd.float64, False, False, 1)
    with pytest.raises(TypeError, match="unknown dtype"):
        x.to("bogus")


def test_layers_take_device_objects():
    assert nn.Linear(2, 3, device=autograd.device("cpu")).weight.shape == (3, 2)
    assert nn.LSTM(2, 3, device=autograd.device("cpu", 0)).hidden_size == 3
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(2, 3, device=autograd.device("cuda"))


def test_module_to_device_and_cpu():
    m = nn.Linear(2, 3)
    w = m.weight
    assert m.to(autograd.device("cpu")) is m and m.weight is w
    assert m.to("cpu:0") is m and m.cpu() is m
    assert m.to(autograd.device("cpu"), autograd.float64).weight.dtype == np.float64
    assert m.to(device=autograd.device("cpu")) is m
    for dev in ("cuda", autograd.device("cuda"), autograd.device("mps")):
        with pytest.raises(RuntimeError, match="CPU only"):
            m.to(dev)
    assert m.weight.dtype == np.float64  # unchanged by the failed calls
