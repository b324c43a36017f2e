"""Module system: registration, iteration, modes, dtype moves, state_dict, hooks, repr."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn


class Affine(nn.Module):
    def __init__(self, n: int = 3) -> None:
        super().__init__()
        self.weight = nn.Parameter(autograd.ones(n))
        self.bias = nn.Parameter(autograd.zeros(n))
        self.register_buffer("count", autograd.zeros(1, dtype=autograd.int64))
        self.register_buffer("scratch", autograd.zeros(n), persistent=False)

    def forward(self, x):
        return x * self.weight + self.bias

    def extra_repr(self) -> str:
        return f"n={self.weight.shape[0]}"


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = Affine()
        self.body = nn.Sequential(Affine(), Affine())
        self.scale = nn.Parameter(autograd.full((1,), 2.0))

    def forward(self, x):
        return self.body(self.a(x)) * self.scale


# ------------------------------------------------------------------------------ registration
def test_setattr_routes_into_registries_in_order():
    m = Affine()
    assert list(m._parameters) == ["weight", "bias"]
    assert list(m._buffers) == ["count", "scratch"]
    assert "weight" not in m.__dict__
    assert m.weight is m._parameters["weight"]
    net = Net()
    assert list(net._modules) == ["a", "body"]
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "a.weight", "a.bias", "body.0.weight", "body.0.bias", "body.1.weight",
        "body.1.bias",
    ]  # fmt: skip


def test_assignment_rules():
    m = Affine()
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = autograd.ones(3)
    m.weight = None
    assert m.weight is None and [n for n, _ in m.named_parameters()] == ["bias"]
    with pytest.raises(TypeError, match="buffer 'count'"):
        m.count = 3
    m.count = autograd.ones(1)
    assert m.count.tolist() == [1.0]
    m.plain = 5
    assert m.plain == 5 and "plain" in m.__dict__
    # a name moves between registries when re-assigned with another kind
    m.thing = nn.Parameter(autograd.zeros(1))
    m.thing = None  # a None keeps the slot in _parameters
    assert "thing" in m._parameters
    del m.thing
    m.thing = Affine()
    assert "thing" in m._modules and "thing" not in m._parameters
    with pytest.raises(TypeError, match="child module 'thing'"):
        m.thing = 3
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        _ = m.missing


def test_assign_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(autograd.zeros(1))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_register_errors():
    m = nn.Module()
    m.x = 1
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("x", autograd.zeros(1))
    with pytest.raises(KeyError, match="must not contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="empty"):
        m.add_module("", nn.Module())
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.register_parameter("p", autograd.zeros(1))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("c", 3)
    w = autograd.ones(2, requires_grad=True)
    with pytest.raises(TypeError):
        m.register_parameter("q", w * 2)  # non-leaf, and not a Parameter either
    m.register_module("child", nn.Module())
    assert isinstance(m.child, nn.Module)


def test_delattr_and_dir():
    m = Affine()
    assert "weight" in dir(m) and "count" in dir(m)
    del m.weight
    del m.count
    assert [n for n, _ in m.named_parameters()] == ["bias"]
    assert [n for n, _ in m.named_buffers()] == ["scratch"]
    with pytest.raises(AttributeError):
        del m.nothing


def test_buffer_class_and_persistence():
    m = nn.Module()
    m.a = nn.Buffer(autograd.zeros(1))
    m.b = nn.Buffer(autograd.zeros(1), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["a", "b"]
    assert list(m.state_dict()) == ["a"]


# ----------------------------------------------------------------------------- iteration
def test_shared_parameters_and_modules_are_deduplicated():
    net = nn.Module()
    shared = Affine()
    net.first = shared
    net.second = shared
    net.tied = shared.weight
    assert [n for n, _ in net.named_modules()] == ["", "first"]
    assert len(list(net.named_modules(remove_duplicate=False))) == 3
    assert [n for n, _ in net.named_parameters()] == ["tied", "first.bias"]
    assert len(list(net.named_parameters(remove_duplicate=False))) == 5
    assert [n for n, _ in net.named_children()] == ["first"]
    # state_dict lists every name, like PyTorch
    assert list(net.state_dict()) == [
        "tied", "first.weight", "first.bias", "first.count", "second.weight", "second.bias",
        "second.count",
    ]  # fmt: skip


def test_named_members_prefix_and_recurse():
    net = Net()
    assert [n for n, _ in net.named_parameters(prefix="m", recurse=False)] == ["m.scale"]
    assert [n for n, _ in net.named_buffers(prefix="m")] == [
        "m.a.count", "m.a.scratch", "m.body.0.count", "m.body.0.scratch", "m.body.1.count",
        "m.body.1.scratch",
    ]  # fmt: skip
    assert len(list(net.buffers(recurse=False))) == 0
    assert [type(c).__name__ for c in net.children()] == ["Affine", "Sequential"]
    assert len(list(net.modules())) == 5
    assert net.get_submodule("body.1") is net.body[1]
    assert net.get_parameter("body.0.bias") is net.body[0].bias
    assert net.get_buffer("a.count") is net.a.count
    with pytest.raises(AttributeError, match="no submodule 'x'"):
        net.get_submodule("body.x")


def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("yes")


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(autograd.ones(3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.numpy().any() for p, g in zip(net.parameters(), grads))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    out = net(autograd.ones(3))
    assert not out.requires_grad


def test_apply_order():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Affine", "Affine", "Affine", "Sequential", "Net"]


def test_forward_missing():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


# --------------------------------------------------------------------------------- dtype
def test_to_double_keeps_parameter_identity_and_casts_grads():
    net = Net()
    params = list(net.parameters())
    net(autograd.ones(3)).sum().backward()
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    for p in net.parameters():
        assert p.dtype == autograd.float64 and isinstance(p, nn.Parameter) and p.requires_grad
        assert p.grad.dtype == autograd.float64
    assert net.a.count.dtype == autograd.int64  # integer buffers are left alone
    assert net.a.scratch.dtype == autograd.float64
    out = net(autograd.ones(3, dtype=autograd.float64))
    assert out.dtype == autograd.float64
    out.sum().backward()
    net.float()
    assert net.a.weight.dtype == autograd.float32
    assert net.to(autograd.float64, "cpu").scale.dtype == autograd.float64
    assert net.to(autograd.zeros(1)).scale.dtype == autograd.float32
    with pytest.raises(TypeError, match="floating point"):
        net.to(autograd.int64)
    with pytest.raises(RuntimeError, match="CPU"):
        net.to("cuda")


def test_deepcopy():
    net = Net()
    net.body[1].weight = net.a.weight  # tied
    other = copy.deepcopy(net)
    assert isinstance(other.a.weight, nn.Parameter)
    assert other.a.weight is other.body[1].weight
    assert other.a.weight is not net.a.weight
    with autograd.no_grad():
        other.a.weight.add_(1.0)
    assert net.a.weight.numpy(force=True).tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------------------- parameter
def test_parameter_basics():
    t = autograd.arange(3.0)
    p = nn.Parameter(t)
    assert isinstance(p, autograd.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor(")
    t.mul_(2.0)  # shares storage with the tensor it was built from
    assert p.detach().tolist() == [0.0, 2.0, 4.0]
    assert type(p * 2) is autograd.Tensor
    assert not nn.Parameter(autograd.zeros(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])


# ---------------------------------------------------------------------------- state dict
def test_state_dict_contents():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "scale", "a.weight", "a.bias", "a.count", "body.0.weight", "body.0.bias", "body.0.count",
        "body.1.weight", "body.1.bias", "body.1.count",
    ]  # fmt: skip
    assert not any(v.requires_grad for v in sd.values())
    assert not any(isinstance(v, nn.Parameter) for v in sd.values())
    assert sd["a.weight"].numpy() is net.a.weight.numpy(force=True) or np.shares_memory(
        sd["a.weight"].numpy(), net.a.weight.numpy(force=True)
    )
    kept = net.state_dict(keep_vars=True)
    assert kept["a.weight"] is net.a.weight
    assert list(net.state_dict(prefix="model.").keys())[0] == "model.scale"
    assert sd._metadata[""] == {"version": 1} and "body.0" in sd._metadata


def test_state_dict_round_trip():
    src, dst = Net(), Net()
    with autograd.no_grad():
        for i, p in enumerate(src.parameters()):
            p.copy_(autograd.randn(*p.shape))
            del i
        src.a.count.fill_(7)
    dst_params = list(dst.parameters())
    res = dst.load_state_dict(src.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    assert list(dst.parameters()) == dst_params  # same objects, values copied
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    x = autograd.randn(3)
    np.testing.assert_array_equal(src(x).detach().numpy(), dst(x).detach().numpy())
    # values are copies: changing the source later leaves the destination alone
    with autograd.no_grad():
        src.scale.fill_(100.0)
    assert dst.scale.detach().item() != 100.0


def test_load_state_dict_keeps_dtype_and_accepts_arrays():
    m = Affine()
    sd = {k: v.numpy().astype(np.float64) + 1 for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    assert m.weight.dtype == autograd.float32 and m.weight.detach().tolist() == [2.0] * 3
    assert m.count.dtype == autograd.int64 and m.count.tolist() == [1]


def test_strict_loading_reports_everything_and_loads_nothing():
    net = Net()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    sd = {k: v + 1 for k, v in net.state_dict().items()}
    del sd["a.bias"]
    sd["extra.thing"] = autograd.zeros(1)
    sd["body.0.weight"] = autograd.zeros(4)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "Net" in msg and '"a.bias"' in msg and '"extra.thing"' in msg
    assert "size mismatch for body.0.weight" in msg and "(4,)" in msg and "(3,)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)
    # strict=False tolerates key differences but never a shape mismatch
    with pytest.raises(RuntimeError, match="size mismatch"):
        net.load_state_dict(sd, strict=False)
    sd["body.0.weight"] = autograd.full((3,), 5.0)
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["a.bias"] and res.unexpected_keys == ["extra.thing"]
    assert res == (["a.bias"], ["extra.thing"])
    assert net.body[0].weight.detach().tolist() == [5.0] * 3
    with pytest.raises(TypeError, match="Mapping"):
        net.load_state_dict([("a", 1)])


def test_non_persistent_buffer_is_unexpected_in_checkpoint():
    m = Affine()
    sd = m.state_dict()
    sd["scratch"] = autograd.zeros(3)
    with pytest.raises(RuntimeError, match='Unexpected key.*"scratch"'):
        m.load_state_dict(sd)


def test_load_from_state_dict_override_can_upgrade_old_checkpoints():
    class Counter(nn.Module):
        _version = 2

        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(autograd.zeros(2))
            self.register_buffer("num_batches_tracked", autograd.tensor(5))

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args):
            key = prefix + "num_batches_tracked"
            if local_metadata.get("version", 1) < 2 and key not in state_dict:
                state_dict[key] = autograd.tensor(0)
            super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)

    outer = nn.Sequential(Counter())
    old = OrderedDict([("0.w", autograd.ones(2))])  # no metadata: treated as version 1
    outer.load_state_dict(old)
    assert outer[0].num_batches_tracked.item() == 0
    assert "0.num_batches_tracked" not in old  # the caller's dict is not modified
    new = outer.state_dict()
    assert new._metadata["0"] == {"version": 2}
    del new["0.num_batches_tracked"]
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        outer.load_state_dict(new)


def test_load_torch_state_dict_by_name(torch):
    class MyLinear(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(autograd.zeros(4, 3, dtype=autograd.float64))
            self.bias = nn.Parameter(autograd.zeros(4, dtype=autograd.float64))

        def forward(self, x):
            return x @ self.weight.T + self.bias

    ref = torch.nn.Sequential(torch.nn.Linear(3, 4).double())
    ours = nn.Sequential(MyLinear())
    ours.load_state_dict(ref.state_dict())
    x = np.random.randn(5, 3)
    np.testing.assert_allclose(
        ours(autograd.tensor(x)).detach().numpy(),
        ref(torch.tensor(x)).detach().numpy(),
        rtol=1e-12,
    )


# -------------------------------------------------------------------------------- hooks
def test_forward_hooks():
    m = Affine()
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre") or (args[0] + 1,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("post") or out * 10)
    h3 = m.register_forward_pre_hook(lambda mod, args: calls.append("first"), prepend=True)
    out = m(autograd.zeros(3))
    assert calls == ["first", "pre", "post"]
    assert out.detach().tolist() == [10.0] * 3  # (0 + 1) * 1 + 0, then * 10
    h1.remove()
    h1.remove()  # idempotent
    h3.remove()
    assert m(autograd.zeros(3)).detach().tolist() == [0.0] * 3
    h2.remove()
    assert m(autograd.ones(3)).detach().tolist() == [1.0] * 3


def test_forward_hooks_with_kwargs_and_context_manager():
    class KW(nn.Module):
        def forward(self, x, *, scale=1.0):
            return x * scale

    m = KW()

    def pre(mod, args, kwargs):
        return args, {**kwargs, "scale": 3.0}

    seen = []
    with m.register_forward_pre_hook(pre, with_kwargs=True):
        with m.register_forward_hook(lambda mod, a, kw, out: seen.append(kw), with_kwargs=True):
            assert m(autograd.ones(1), scale=2.0).tolist() == [3.0]
    assert seen == [{"scale": 3.0}]
    assert m(autograd.ones(1), scale=2.0).tolist() == [2.0]
    assert not m._forward_hooks and not m._forward_pre_hooks
    assert not m._forward_hooks_with_kwargs and not m._forward_pre_hooks_with_kwargs


def test_hooks_see_gradients_flow():
    m = Affine()
    m.register_forward_hook(lambda mod, args, out: out * 2)
    x = autograd.ones(3, requires_grad=True)
    m(x).sum().backward()
    assert x.grad.tolist() == [2.0] * 3


# --------------------------------------------------------------------------------- repr
def test_repr_matches_pytorch(torch):
    def build(base, seq, mlist):
        class Leaf(base):
            def __init__(self, n):
                super().__init__()
                self.n = n

            def extra_repr(self):
                return f"n={self.n}"

        class Holder(base):
            def __init__(self):
                super().__init__()
                self.first = Leaf(1)
                self.stack = seq(Leaf(2), seq(Leaf(3)), mlist([Leaf(4), Leaf(4), Leaf(5)]))
                self.empty = base()

        return Holder()

    ours = build(nn.Module, nn.Sequential, nn.ModuleList)
    ref = build(torch.nn.Module, torch.nn.Sequential, torch.nn.ModuleList)
    assert repr(ours) == repr(ref)
    assert repr(nn.Module()) == "Module()"
