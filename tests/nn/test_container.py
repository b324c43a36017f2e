"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from __future__ import annotations

from collections import OrderedDict

import pytest

import autograd
import nn


class AddN(nn.Module):
    def __init__(self, n: float) -> None:
        super().__init__()
        self.n = n
        self.w = nn.Parameter(autograd.tensor([float(n)]))

    def forward(self, x):
        return x + self.n

    def extra_repr(self) -> str:
        return f"n={self.n}"


def _ns(seq):
    return [m.n for m in seq]


# ----------------------------------------------------------------------------- Sequential
def test_sequential_forward_and_indexing():
    seq = nn.Sequential(AddN(1), AddN(2), AddN(3))
    assert seq(autograd.zeros(1)).tolist() == [6.0]
    assert len(seq) == 3 and seq[0].n == 1 and seq[-1].n == 3 and seq[-3].n == 1
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and _ns(sub) == [2, 3]
    assert list(sub._modules) == ["1", "2"]  # slicing keeps the names, as PyTorch
    assert _ns(seq[::-1]) == [3, 2, 1]
    assert _ns(iter(seq)) == [1, 2, 3]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    with pytest.raises(IndexError):
        seq[-4]
    with pytest.raises(TypeError, match="integers or slices"):
        seq["0"]


def test_sequential_mutation():
    seq = nn.Sequential(AddN(1))
    assert seq.append(AddN(2)) is seq
    seq.extend([AddN(3), AddN(4)])
    seq.insert(0, AddN(0))
    seq.insert(-1, AddN(3.5))
    assert _ns(seq) == [0, 1, 2, 3, 3.5, 4]
    assert list(seq._modules) == [str(i) for i in range(6)]
    seq[1] = AddN(10)
    assert seq[1].n == 10
    del seq[0]
    assert _ns(seq) == [10, 2, 3, 3.5, 4] and list(seq._modules) == ["0", "1", "2", "3", "4"]
    assert seq.pop(-1).n == 4
    del seq[1:3]
    assert _ns(seq) == [10, 3.5]
    seq.append(AddN(7))  # no name collision after deletions
    assert [n for n, _ in seq.named_parameters()] == ["0.w", "1.w", "2.w"]
    both = seq + nn.Sequential(AddN(8))
    assert _ns(both) == [10, 3.5, 7, 8]
    with pytest.raises(IndexError):
        seq.insert(10, AddN(0))
    with pytest.raises(TypeError):
        seq.insert(0, 3)


def test_sequential_from_ordered_dict_matches_torch_names(torch):
    seq = nn.Sequential(OrderedDict([("inc", AddN(1)), ("twice", AddN(2))]))
    assert list(seq.state_dict()) == ["inc.w", "twice.w"]
    assert seq.twice.n == 2 and seq[1].n == 2
    seq.append(AddN(3))
    ref = torch.nn.Sequential(
        OrderedDict([("inc", torch.nn.Identity()), ("twice", torch.nn.Identity())])
    )
    ref.append(torch.nn.Identity())
    assert list(seq._modules) == list(ref._modules)


def test_empty_sequential_is_identity():
    x = autograd.ones(2)
    assert nn.Sequential()(x) is x


# ----------------------------------------------------------------------------- ModuleList
def test_module_list():
    ml = nn.ModuleList([AddN(1), AddN(2)])
    ml.append(AddN(3))
    ml.extend([AddN(4)])
    ml += [AddN(5)]
    ml.insert(1, AddN(1.5))
    assert _ns(ml) == [1, 1.5, 2, 3, 4, 5] and len(ml) == 6
    assert list(ml._modules) == [str(i) for i in range(6)]
    assert isinstance(ml[1:3], nn.ModuleList) and _ns(ml[1:3]) == [1.5, 2]
    assert ml[-1].n == 5
    del ml[0]
    assert _ns(ml) == [1.5, 2, 3, 4, 5] and list(ml._modules)[0] == "0"
    assert ml.pop().n == 5
    ml[0] = AddN(9)
    assert ml[0].n == 9
    assert [n for n, _ in ml.named_parameters()] == ["0.w", "1.w", "2.w", "3.w"]
    assert _ns(ml + nn.ModuleList([AddN(0)])) == [9, 2, 3, 4, 0]
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(AddN(1))
    with pytest.raises(NotImplementedError):
        ml(autograd.zeros(1))
    with pytest.raises(IndexError):
        ml[10]


def test_module_list_in_a_model_registers_parameters():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList(AddN(i) for i in range(3))

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    net = Net()
    assert len(list(net.parameters())) == 3
    assert net(autograd.zeros(1)).tolist() == [3.0]


def test_module_list_repr_matches_torch(torch):
    class Same(torch.nn.Module):
        pass

    ours = nn.ModuleList([AddN(1), AddN(1), AddN(1), AddN(2), AddN(1)])

    class AddN_(torch.nn.Module):  # noqa: N801
        def __init__(self, n):
            super().__init__()
            self.n = n

        def extra_repr(self):
            return f"n={self.n}"

    AddN_.__name__ = "AddN"
    ref = torch.nn.ModuleList([AddN_(1), AddN_(1), AddN_(1), AddN_(2), AddN_(1)])
    assert repr(ours) == repr(ref)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"


# ----------------------------------------------------------------------------- ModuleDict
def test_module_dict():
    md = nn.ModuleDict({"a": AddN(1)})
    md["b"] = AddN(2)
    md.update([("c", AddN(3))])
    md.update(OrderedDict(d=AddN(4)))
    assert list(md) == ["a", "b", "c", "d"] and len(md) == 4 and "c" in md
    assert list(md.keys()) == ["a", "b", "c", "d"]
    assert [m.n for m in md.values()] == [1, 2, 3, 4]
    assert [k for k, _ in md.items()] == ["a", "b", "c", "d"]
    assert md.pop("a").n == 1 and "a" not in md
    del md["b"]
    assert [n for n, _ in md.named_parameters()] == ["c.w", "d.w"]
    with pytest.raises(KeyError, match="'zz'"):
        md["zz"]
    with pytest.raises(ValueError, match="pair"):
        md.update([AddN(1)])
    md.clear()
    assert len(md) == 0


# -------------------------------------------------------------------------- ParameterList
def test_parameter_list_matches_torch(torch):
    pl = nn.ParameterList([autograd.zeros(2), nn.Parameter(autograd.ones(3))])
    pl.append(autograd.ones(1))
    pl.extend([nn.Parameter(autograd.zeros(2, 2))])
    assert len(pl) == 4 and all(isinstance(p, nn.Parameter) for p in pl)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3"]
    assert list(pl.state_dict()) == ["0", "1", "2", "3"]
    assert pl[-1].shape == (2, 2) and len(pl[1:]) == 3
    p = nn.Parameter(autograd.full((2,), 5.0))
    pl[0] = p
    assert pl[0] is p
    ref = torch.nn.ParameterList(
        [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.ones(3))]
    )
    ours = nn.ParameterList([autograd.zeros(2), autograd.ones(3)])
    assert repr(ours) == repr(ref).replace("torch.float32", "autograd.float32")
    with pytest.raises(TypeError, match="iterable"):
        pl.extend(autograd.zeros(2))


def test_parameter_list_gradients():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([autograd.ones(2) * i for i in range(1, 4)])

        def forward(self, x):
            for w in self.ws:
                x = x * w
            return x

    net = Net()
    net(autograd.ones(2)).sum().backward()
    assert [p.grad.tolist() for p in net.ws] == [[6.0, 6.0], [3.0, 3.0], [2.0, 2.0]]


# -------------------------------------------------------------------------- ParameterDict
def test_parameter_dict():
    pd = nn.ParameterDict({"a": autograd.zeros(1)})
    pd["b"] = nn.Parameter(autograd.ones(2))
    pd.update([("c", autograd.ones(3))])
    assert list(pd) == ["a", "b", "c"] and "b" in pd and len(pd) == 3
    assert isinstance(pd["a"], nn.Parameter)
    assert list(pd.state_dict()) == ["a", "b", "c"]
    assert [k for k, _ in pd.items()] == ["a", "b", "c"]
    assert pd.get("zz") is None and pd.get("a") is pd["a"]
    assert pd.pop("a").shape == (1,)
    del pd["b"]
    assert list(pd) == ["c"] and [n for n, _ in pd.named_parameters()] == ["c"]
    with pytest.raises(KeyError):
        pd["a"]
    with pytest.raises(TypeError):
        pd[1] = autograd.zeros(1)
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


def test_nested_containers_state_dict_names_match_torch(torch):
    ours = nn.Sequential(
        nn.ModuleDict({"x": nn.ModuleList([nn.ParameterDict({"p": autograd.zeros(1)})])})
    )
    ref = torch.nn.Sequential(
        torch.nn.ModuleDict(
            {"x": torch.nn.ModuleList([torch.nn.ParameterDict({"p": torch.zeros(1)})])}
        )
    )
    assert list(ours.state_dict()) == list(ref.state_dict()) == ["0.x.0.p"]


@pytest.mark.parametrize(
    ("make", "name"), [(nn.ModuleDict, "ModuleDict"), (nn.ParameterDict, "ParameterDict")]
)
def test_update_with_a_bad_pair_names_the_container_and_changes_nothing(make, name):
    d = make()
    with pytest.raises(ValueError, match=rf"{name}\.update: element #0 should be a \(name, "):
        d.update([("only-a-name",)])
    assert len(d) == 0
