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
    sd["grad"] = nn.Parameter(autograd.ones(2))
    path = tmp_path / "all.safetensors"
    nn.save(sd, path)
    back = nn.load(path)
    assert list(back) == list(sd)  # order preserved
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        np.testing.assert_array_equal(back[k].numpy(), v.numpy(force=True), err_msg=k)
        assert not back[k].requires_grad
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
    with pytest.raises(ValueError, match="same name 'a.b'"):
        nn.save({"a.b": autograd.zeros(1), "a": {"b": autograd.zeros(1)}}, tmp_path / "x")
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


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda p: p.write_bytes(b"\x01\x02"), "shorter than the 8-byte"),
        (lambda p: p.write_bytes(b""), "shorter than the 8-byte"),
        (lambda p: _write(p, b"{}", length=2**62), "exceeds the"),
        (lambda p: _write(p, b"{}", length=1000), "larger than the rest of the file"),
        (lambda p: _write(p, b"{not json"), "not valid JSON"),
        (lambda p: _write(p, b"\xff\xfe{}"), "not valid JSON"),
        (lambda p: _write(p, b"[1, 2]"), "must be a JSON object"),
        (lambda p: _write(p, _valid_header(), b"\0" * 8), "outside the data section"),
        (
            lambda p: _write(
                p, {"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, b"\0" * 16
            ),
            "need 12",
        ),  # fmt: skip
        (
            lambda p: _write(
                p, {"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4
            ),
            "invalid shape",
        ),  # fmt: skip
        (
            lambda p: _write(
                p, {"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, b"\0" * 4
            ),
            "outside the data section",
        ),  # fmt: skip
        (
            lambda p: _write(
                p, {"w": {"dtype": "F32", "shape": [1], "data_offsets": "0-4"}}, b"\0" * 4
            ),
            "invalid data_offsets",
        ),  # fmt: skip
        (
            lambda p: _write(
                p, {"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8
            ),
            "unsupported dtype",
        ),  # fmt: skip
        (lambda p: _write(p, {"w": [1]}), "must be an object"),
        (
            lambda p: _write(
                p,
                {
                    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                },
                b"\0" * 12,
            ),
            "overlap",
        ),  # fmt: skip
        (lambda p: _write(p, {"__metadata__": {"x": 1}}), "__metadata__"),
        (lambda p: _write(p, {"__metadata__": {"numbagrad.tree": "{oops"}}), "tree"),
        (
            lambda p: _write(p, {"__metadata__": {"numbagrad.tree": '{"__tensor__": "gone"}'}}),
            "missing tensor",
        ),  # fmt: skip
    ],
)
def test_malformed_files_raise_value_error(tmp_path, make, match):
    p = tmp_path / "bad.safetensors"
    make(p)
    with pytest.raises(ValueError, match=match) as info:
        nn.load(p)
    assert "bad.safetensors" in str(info.value) and "not a valid safetensors file" in str(
        info.value
    )


def test_truncated_real_file(tmp_path):
    p = tmp_path / "m.safetensors"
    nn.save(TwoLayer().state_dict(), p)
    data = p.read_bytes()
    for cut in (4, 20, len(data) - 1):
        (tmp_path / "cut").write_bytes(data[:cut])
        with pytest.raises(ValueError, match="not a valid safetensors file"):
            nn.load(tmp_path / "cut")


def test_huge_header_in_a_huge_sparse_file_is_rejected_before_reading(tmp_path):
    p = tmp_path / "sparse.safetensors"
    with open(p, "wb") as f:
        f.write(struct.pack("<Q", 200 * 1024 * 1024))
        f.truncate(300 * 1024 * 1024)  # sparse: takes no disk space
    with pytest.raises(ValueError, match="exceeds the"):
        nn.load(p)


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
