"""nn.save / nn.load: safetensors round trips, interop with safetensors/PyTorch, malformed files."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest

import autograd
import nn

DTYPES = [np.float16, np.float32, np.float64, np.int64, np.int32, np.int16, np.int8, np.uint8,
          np.bool_]  # fmt: skip


class TwoLayer(nn.Module):
    """Names match torch.nn.Sequential(Linear(4, 5), Tanh(), Linear(5, 2))."""

    def __init__(self, dtype=autograd.float32):
        super().__init__()
        self.layers = nn.ModuleDict()
        for i, (fi, fo) in ((0, (4, 5)), (2, (5, 2))):
            m = nn.Module()
            m.weight = nn.Parameter(autograd.randn(fo, fi, dtype=dtype))
            m.bias = nn.Parameter(autograd.randn(fo, dtype=dtype))
            self.layers[str(i)] = m

    def state_names(self, sd):
        return {k.removeprefix("layers."): v for k, v in sd.items()}

    def forward(self, x):
        h = x @ self.layers["0"].weight.T + self.layers["0"].bias
        h = h.tanh()
        return h @ self.layers["2"].weight.T + self.layers["2"].bias


def _torch_model(torch):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))


# ------------------------------------------------------------------------------ round trips
def test_round_trip_all_dtypes_and_shapes(tmp_path):
    sd = {}
    for i, dt in enumerate(DTYPES):
        arr = (np.arange(24).reshape(2, 3, 4) % 3).astype(dt)
        sd[f"t{i}.{np.dtype(dt).name}"] = autograd.from_numpy(arr)
    sd["scalar"] = autograd.tensor(3.5)
    sd["empty"] = autograd.zeros(0, 3)
    sd["strided"] = autograd.from_numpy(np.arange(12.0).reshape(3, 4).T)  # non-contiguous
    sd["param"] = nn.Parameter(autograd.ones(2))
    path = tmp_path / "all.safetensors"
    nn.save(sd, path)
    back = nn.load(path)
    assert list(back) == list(sd)  # order preserved
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        np.testing.assert_array_equal(back[k].detach().numpy(), v.detach().numpy(), err_msg=k)
        assert back[k].requires_grad is (k == "param") and back[k].is_leaf  # as torch.load
    back["t1.float32"].add_(1)  # loaded tensors are writable


def test_model_round_trip(tmp_path):
    a, b = TwoLayer(), TwoLayer()
    nn.save(a.state_dict(), tmp_path / "m.safetensors")
    b.load_state_dict(nn.load(tmp_path / "m.safetensors"))
    x = autograd.randn(3, 4)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def test_nested_optimizer_state_round_trip(tmp_path):
    state = {
        "state": {
            0: {"step": 3, "exp_avg": autograd.ones(2, 2), "exp_avg_sq": autograd.zeros(2, 2)},
            1: {"step": 3, "momentum_buffer": None,
                "max": autograd.tensor(2.0, dtype=autograd.float64)},
        },
        "param_groups": [
            {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
             "amsgrad": False, "params": [0, 1], "name": "all", "max_lr": math.inf}
        ],
    }  # fmt: skip
    path = tmp_path / "opt.safetensors"
    nn.save(state, path)
    back = nn.load(path)
    assert list(back) == ["state", "param_groups"]
    assert list(back["state"]) == [0, 1]  # int keys come back as ints
    assert back["state"][0]["step"] == 3 and back["state"][1]["momentum_buffer"] is None
    assert back["state"][0]["exp_avg"].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert back["state"][1]["max"].dtype == autograd.float64
    g = back["param_groups"][0]
    assert g["betas"] == (0.9, 0.999) and isinstance(g["betas"], tuple)
    assert g["params"] == [0, 1] and g["amsgrad"] is False and g["max_lr"] == math.inf
    assert g == state["param_groups"][0]
    # the tensors are stored under flattened names, readable by any safetensors reader
    from safetensors.numpy import load_file

    flat = load_file(str(path))
    assert sorted(flat) == ["state.0.exp_avg", "state.0.exp_avg_sq", "state.1.max"]


def test_save_combined_checkpoint(tmp_path):
    model = TwoLayer()
    ckpt = {"model": model.state_dict(), "epoch": 4, "history": [0.5, float("nan")]}
    nn.save(ckpt, tmp_path / "c.safetensors")
    back = nn.load(tmp_path / "c.safetensors")
    assert back["epoch"] == 4 and back["history"][0] == 0.5 and math.isnan(back["history"][1])
    TwoLayer().load_state_dict(back["model"])


def test_save_errors(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        nn.save(TwoLayer(), tmp_path / "x")
    with pytest.raises(TypeError, match="cannot store a object"):
        nn.save({"a": object()}, tmp_path / "x")
    with pytest.raises(TypeError, match="keys must be str or int"):
        nn.save({"a": {(1, 2): 3}}, tmp_path / "x")
    with pytest.raises(TypeError, match="metadata"):
        nn.save({"a": autograd.zeros(1)}, tmp_path / "x", metadata={"k": 1})


# ------------------------------------------------------------------------------- interop
def test_safetensors_numpy_interop(tmp_path):
    from safetensors.numpy import load_file, save_file

    arrays = {"w": np.random.randn(3, 2).astype(np.float32), "i": np.arange(5), "s": np.zeros(())}
    save_file(arrays, str(tmp_path / "np.safetensors"))
    back = nn.load(tmp_path / "np.safetensors")
    assert sorted(back) == sorted(arrays)
    for k, v in arrays.items():
        np.testing.assert_array_equal(back[k].numpy(), v)
        assert back[k].shape == v.shape
    nn.save({k: autograd.from_numpy(v) for k, v in arrays.items()}, tmp_path / "ours.safetensors")
    again = load_file(str(tmp_path / "ours.safetensors"))
    for k, v in arrays.items():
        np.testing.assert_array_equal(again[k], v)
        assert again[k].dtype == v.dtype and again[k].shape == v.shape


def test_torch_file_loads_into_our_model(torch, tmp_path):
    from safetensors.torch import save_file

    ref = _torch_model(torch).double()
    save_file(ref.state_dict(), str(tmp_path / "torch.safetensors"))
    ours = TwoLayer(autograd.float64)
    sd = nn.load(tmp_path / "torch.safetensors")
    ours.load_state_dict({"layers." + k: v for k, v in sd.items()})
    x = np.random.randn(6, 4)
    np.testing.assert_allclose(
        ours(autograd.tensor(x)).detach().numpy(), ref(torch.tensor(x)).detach().numpy(),
        rtol=1e-12, atol=1e-14,
    )  # fmt: skip


def test_our_file_loads_into_torch(torch, tmp_path):
    from safetensors.torch import load_file

    ours = TwoLayer()
    nn.save(ours.state_names(ours.state_dict()), tmp_path / "ours.safetensors")
    ref = _torch_model(torch)
    ref.load_state_dict(load_file(str(tmp_path / "ours.safetensors")))
    x = np.random.randn(6, 4).astype(np.float32)
    np.testing.assert_allclose(
        ours(autograd.tensor(x)).detach().numpy(), ref(torch.tensor(x)).detach().numpy(),
        rtol=1e-5, atol=1e-6,
    )  # fmt: skip


# ------------------------------------------------------------------------- malformed files
def _write(path, header, data=b"", length=None):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(raw) if length is None else length
    path.write_bytes(struct.pack("<Q", n) + raw + data)
    return path


def _valid_header(n=4):
    return {"w": {"dtype": "F32", "shape": [n], "data_offsets": [0, 4 * n]}}


def test_valid_handwritten_file(tmp_path):
    p = _write(tmp_path / "ok", _valid_header(), np.arange(4, dtype="<f4").tobytes())
    assert nn.load(p)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_load_rejects_other_devices(tmp_path):
    p = _write(tmp_path / "ok", _valid_header(), np.arange(4, dtype="<f4").tobytes())
    with pytest.raises(RuntimeError, match="CPU"):
        nn.load(p, map_location="cuda")
    assert nn.load(p, map_location="cpu")["w"].shape == (4,)


def test_torch_checkpoint_with_real_layers_both_ways(torch, tmp_path):
    from safetensors.torch import load_file, save_file

    def build(m):
        return m.Sequential(m.Linear(3, 4), m.BatchNorm1d(4), m.ReLU(), m.Linear(4, 2))

    torch.manual_seed(0)
    ref = build(torch.nn).double()
    ref(torch.randn(8, 3, dtype=torch.float64))  # moves the running stats and the counter
    ref.eval()
    save_file(ref.state_dict(), str(tmp_path / "t.safetensors"))
    ours = build(nn).double().eval()
    ours.load_state_dict(nn.load(tmp_path / "t.safetensors"))
    assert ours[1].num_batches_tracked.item() == 1
    x = np.random.randn(5, 3)
    expected = ref(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(autograd.tensor(x)).detach().numpy(), expected, rtol=1e-12)
    nn.save(ours.state_dict(), tmp_path / "ours.safetensors")
    again = build(torch.nn).double().eval()
    again.load_state_dict(load_file(str(tmp_path / "ours.safetensors")))
    np.testing.assert_allclose(again(torch.tensor(x)).detach().numpy(), expected, rtol=1e-12)


def test_nn_save_and_load_are_the_engines_functions():
    assert nn.save is autograd.save and nn.load is autograd.load


def _train(model, opt, sched, steps, x, y):
    for _ in range(steps):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        sched.step()


def test_resuming_from_a_checkpoint_continues_the_same_trajectory(tmp_path):
    import optim

    def build():
        autograd.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 1))
        opt = optim.AdamW(model.parameters(), lr=0.01, amsgrad=True)
        return model, opt, optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    x, y = autograd.randn(16, 3), autograd.randn(16, 1)
    straight = build()
    _train(*straight, 6, x, y)

    first = build()
    _train(*first, 3, x, y)
    model, opt, sched = first
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(), "epoch": 3}  # fmt: skip
    nn.save(ckpt, tmp_path / "ckpt.safetensors")

    resumed = build()
    back = nn.load(tmp_path / "ckpt.safetensors")
    resumed[0].load_state_dict(back["model"])
    resumed[1].load_state_dict(back["optimizer"])
    resumed[2].load_state_dict(back["scheduler"])
    assert back["epoch"] == 3
    _train(*resumed, 3, x, y)
    for (name, a), b in zip(straight[0].state_dict().items(), resumed[0].state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert resumed[1].param_groups[0]["lr"] == straight[1].param_groups[0]["lr"]
