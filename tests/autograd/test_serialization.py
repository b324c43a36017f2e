"""autograd.save / autograd.load: what programs save round-trips (compared with torch.save /
torch.load), paths and file objects, atomic replacement (a killed save keeps the old file),
PyTorch's load arguments, and malformed files rejected with a named ValueError."""

from __future__ import annotations

import io
import json
import math
import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import tracemalloc
from collections import OrderedDict

import numpy as np
import pytest

import autograd
from autograd import _safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _round_trip(obj, **load_kwargs):
    buf = io.BytesIO()
    autograd.save(obj, buf)
    buf.seek(0)
    return autograd.load(buf, **load_kwargs)


def _plain(obj):
    """Tensors of either library (and arrays) as (dtype name, nested lists); containers kept."""
    if hasattr(obj, "detach") and hasattr(obj, "dtype"):
        return ("tensor", str(obj.dtype).split(".")[-1], obj.detach().numpy().tolist(),
                bool(obj.requires_grad))  # fmt: skip
    if isinstance(obj, np.ndarray):
        return ("array", str(obj.dtype), obj.tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, _plain(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(v) for v in obj])
    if isinstance(obj, float) and math.isnan(obj):
        return "nan"
    return obj


def _sample(ns):
    """The same checkpoint-like object built with autograd or with torch."""
    w = ns.arange(6.0).reshape(2, 3)
    return {
        "model": OrderedDict([("0.weight", w), ("0.bias", ns.zeros(3)), ("steps", ns.tensor(7))]),
        "optimizer": {
            "state": {0: {"step": ns.tensor(3.0), "exp_avg": ns.ones(2, 3)}},
            "param_groups": [
                {
                    "lr": 1e-3,
                    "betas": (0.9, 0.999),
                    "params": [0],
                    "foreach": None,
                    "amsgrad": False,
                    "name": "all",
                }
            ],  # fmt: skip
        },
        "epoch": 12,
        "history": [0.5, float("nan"), float("inf"), -0.0],
        "flags": (True, None, "text", -(2**62)),
        "leaf": ns.tensor([1.5, -2.0], requires_grad=True),
        "array": np.arange(4, dtype=np.int16),
        "empty": ns.zeros(0, 3, dtype=ns.int32),
        "scalar": ns.tensor(2.5, dtype=ns.float64),
    }


# ------------------------------------------------------------------------------ round trips
def test_round_trip_matches_torch_save_and_load(torch):
    ours = _round_trip(_sample(autograd))
    buf = io.BytesIO()
    torch.save(_sample(torch), buf)
    buf.seek(0)
    ref = torch.load(buf, weights_only=False)
    assert _plain(ours) == _plain(ref)
    assert isinstance(ours["model"], OrderedDict) and isinstance(ours["flags"], tuple)
    assert list(ours["optimizer"]["state"]) == [0]  # int keys stay ints
    assert ours["leaf"].is_leaf and ours["leaf"].requires_grad


def test_round_trip_of_every_dtype_and_layout():
    sd = {}
    for name in ("float16", "float32", "float64", "int64", "int32", "int16", "int8", "uint8"):
        sd[name] = autograd.from_numpy((np.arange(24).reshape(2, 3, 4) % 5).astype(name))
    sd["bool"] = autograd.tensor([[True, False]])
    sd["strided"] = autograd.from_numpy(np.arange(12.0).reshape(3, 4).T)
    sd["big_endian"] = autograd.from_numpy(np.arange(3, dtype=">f4").astype("<f4"))
    back = _round_trip(sd)
    assert list(back) == list(sd) and type(back) is dict
    assert type(_round_trip(OrderedDict(sd))) is OrderedDict
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    back["float32"].add_(1)  # loaded tensors are writable
    arrays = _round_trip({"be": np.arange(3, dtype=">i4"), "z": np.zeros((), np.float64)})
    assert arrays["be"].dtype == np.int32 and arrays["be"].tolist() == [0, 1, 2]
    assert isinstance(arrays["z"], np.ndarray) and arrays["z"].shape == ()


@pytest.mark.parametrize(
    "obj",
    [
        autograd.tensor([1.0, 2.0]),
        [autograd.ones(1), 2, "x"],
        (1, 2.5, None),
        3,
        "text",
        None,
        {},
        [],
        {"dtype": autograd.float64, "device": autograd.device("cpu", 0),
         "size": autograd.Size([2, 3]), "np_scalar": np.float32(0.5), "np_bool": np.bool_(True)},
    ],
)  # fmt: skip
def test_round_trip_of_any_supported_root(obj):
    back = _round_trip(obj)
    if isinstance(obj, dict) and "np_scalar" in obj:
        expected = {"dtype": np.dtype("float64"), "device": autograd.device("cpu", 0),
                    "size": autograd.Size([2, 3]), "np_scalar": 0.5, "np_bool": True}  # fmt: skip
        assert back == expected
        assert type(back["size"]) is autograd.Size and type(back["np_scalar"]) is float
    else:
        assert _plain(back) == _plain(obj)


def test_shared_storage_is_stored_once_and_shared_after_load():
    w = autograd.randn(64, 64)
    tied = {"encoder.weight": w.detach(), "decoder.weight": w.detach(), "same": [w, w]}
    buf = io.BytesIO()
    autograd.save(tied, buf)
    assert len(buf.getvalue()) < 64 * 64 * 4 * 1.2  # the data once, not three times
    buf.seek(0)
    back = autograd.load(buf)
    assert back["same"][0] is back["same"][1]  # one object saved twice loads as one, as pickle
    back["encoder.weight"].mul_(0)
    assert back["decoder.weight"].abs().sum().item() == 0


def test_keys_that_collide_as_dotted_names_are_kept_apart():
    a, b = autograd.zeros(1), autograd.ones(1)
    obj = {"a.b": a, "a": {"b": b}, "__metadata__": autograd.full((1,), 2.0)}
    back = _round_trip(obj)
    assert back["a.b"].tolist() == [0.0] and back["a"]["b"].tolist() == [1.0]
    assert back["__metadata__"].tolist() == [2.0]


def test_a_flat_state_dict_is_a_plain_safetensors_file(tmp_path):
    from safetensors import safe_open

    path = tmp_path / "flat.safetensors"
    autograd.save(OrderedDict(w=autograd.ones(2, 2), b=autograd.zeros(2)), path)
    with safe_open(str(path), framework="numpy") as f:
        assert sorted(f.keys()) == ["b", "w"]
        assert "numbagrad.tree" not in (f.metadata() or {})
    autograd.save(OrderedDict(w=autograd.ones(2, requires_grad=True)), path)
    with safe_open(str(path), framework="numpy") as f:
        assert "numbagrad.tree" in f.metadata()  # requires_grad needs the structure


# ------------------------------------------------------------------------- paths and files
def test_paths_and_file_objects(tmp_path):
    obj = {"w": autograd.arange(3.0), "n": 1}
    autograd.save(obj, str(tmp_path / "a"))
    autograd.save(obj, tmp_path / "b")
    with open(tmp_path / "c", "wb") as f:
        f.write(b"preamble")
        autograd.save(obj, f)
    for name in ("a", "b"):
        assert _plain(autograd.load(tmp_path / name)) == _plain(obj)
        assert _plain(autograd.load(str(tmp_path / name))) == _plain(obj)
    with open(tmp_path / "c", "rb") as f:
        f.seek(len(b"preamble"))  # a file object is read from its current position
        assert _plain(autograd.load(f)) == _plain(obj)
    with open(tmp_path / "a", "rb") as f:
        raw = f.read()
    assert _plain(autograd.load(io.BytesIO(raw))) == _plain(obj)


def test_load_from_a_non_seekable_stream(tmp_path):
    obj = {"w": autograd.arange(3.0)}
    autograd.save(obj, tmp_path / "a")
    raw = (tmp_path / "a").read_bytes()

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.data = io.BytesIO(raw)

        def readable(self):
            return True

        def readinto(self, b):
            chunk = self.data.read(min(len(b), 7))
            b[: len(chunk)] = chunk
            return len(chunk)

    assert _plain(autograd.load(Pipe())) == _plain(obj)


def test_save_and_load_reject_wrong_file_kinds(tmp_path):
    with open(tmp_path / "t", "w") as f:
        with pytest.raises(TypeError, match="binary file object"):
            autograd.save({"a": 1}, f)
    with open(tmp_path / "t") as f:
        with pytest.raises(TypeError, match="binary mode"):
            autograd.load(f)
    with pytest.raises(TypeError, match="f must be a path or a binary file object .*got int"):
        autograd.save({"a": 1}, 3)
    with pytest.raises(TypeError, match="f must be a path or a binary file object, got list"):
        autograd.load([])
    with pytest.raises(FileNotFoundError):
        autograd.load(tmp_path / "missing")
    with pytest.raises(ValueError, match="is 0 bytes, shorter than the 8-byte"):
        autograd.load(io.BytesIO())
    buf = io.BytesIO()
    autograd.save({"a": 1}, buf)
    with pytest.raises(ValueError, match=r"nothing to read at position \d+.*seek\(0\)"):
        autograd.load(buf)  # forgot buf.seek(0)


# ----------------------------------------------------------------------------- save errors
def test_save_errors_name_the_problem():
    import nn
    import optim

    model = nn.Linear(2, 2)
    cases = [
        (model, TypeError, "cannot store a Linear object at the top level; save its state_dict"),
        ({"opt": optim.SGD(model.parameters(), lr=0.1)}, TypeError, "SGD object at 'opt'.*state"),
        ({"a": [1, object()]}, TypeError, "cannot store a object at 'a.1'"),
        ({"a": {(1, 2): 3}}, TypeError, r"keys must be str or int, got tuple \(\(1, 2\)\) at 'a'"),
        ({True: 1}, TypeError, "keys must be str or int, got bool"),
        ({"c": np.zeros(2, np.complex64)}, TypeError, "array at 'c' has dtype complex64"),
        ({"s": {1, 2}}, TypeError, "cannot store a set"),
        ({"b": b"raw"}, TypeError, "cannot store a bytes"),
    ]
    for obj, error, match in cases:
        buf = io.BytesIO()
        with pytest.raises(error, match=match):
            autograd.save(obj, buf)
        assert buf.getvalue() == b""  # nothing written
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested more than 64 containers deep .*holds itself"):
        autograd.save(loop, io.BytesIO())
    with pytest.raises(TypeError, match="metadata must map str to str"):
        autograd.save({"a": 1}, io.BytesIO(), metadata={"k": 1})
    with pytest.raises(ValueError, match="reserved"):
        autograd.save({"a": 1}, io.BytesIO(), metadata={"numbagrad.tree": "x"})


def test_save_refuses_what_load_would_refuse(monkeypatch):
    monkeypatch.setattr(_safetensors, "MAX_TENSORS", 10)
    with pytest.raises(ValueError, match="11 tensors and arrays, over the limit of 10"):
        autograd.save([autograd.zeros(1) for _ in range(11)], io.BytesIO())
    monkeypatch.setattr(_safetensors, "MAX_JSON_VALUES", 100)
    with pytest.raises(ValueError, match="structure holds over 100 values"):
        autograd.save({"history": list(range(200))}, io.BytesIO())
    monkeypatch.undo()
    deep: list = [1]
    for _ in range(64):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than 64"):
        autograd.save(deep, io.BytesIO())
    assert _round_trip(deep[0]) == deep[0]  # 64 levels is the limit, and it loads back


def test_metadata_is_stored(tmp_path):
    from safetensors import safe_open

    autograd.save({"w": autograd.ones(1)}, tmp_path / "m", metadata={"author": "me"})
    with safe_open(str(tmp_path / "m"), framework="numpy") as f:
        assert f.metadata()["author"] == "me"


# --------------------------------------------------------------------------- atomic saving
def _leftovers(directory):
    return sorted(p for p in os.listdir(directory) if p.endswith(".tmp"))


def test_save_replaces_the_file_and_keeps_its_permissions(tmp_path):
    path = tmp_path / "ckpt"
    autograd.save({"v": autograd.tensor([1.0])}, path)
    os.chmod(path, 0o640)
    autograd.save({"v": autograd.tensor([2.0])}, path)
    assert autograd.load(path)["v"].tolist() == [2.0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert _leftovers(tmp_path) == []


def test_save_writes_through_a_symlink(tmp_path):
    (tmp_path / "run1").mkdir()
    target = tmp_path / "run1" / "ckpt"
    autograd.save({"v": autograd.tensor([1.0])}, target)
    link = tmp_path / "latest"
    link.symlink_to(target)
    autograd.save({"v": autograd.tensor([2.0])}, link)
    assert link.is_symlink() and autograd.load(target)["v"].tolist() == [2.0]


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt"
    autograd.save({"v": autograd.tensor([1.0])}, path)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        autograd.save({"v": autograd.tensor([2.0])}, path)
    monkeypatch.undo()
    assert autograd.load(path)["v"].tolist() == [1.0]
    assert _leftovers(tmp_path) == []
    with pytest.raises(FileNotFoundError, match=r"save: cannot write '.*missing/ckpt'"):
        autograd.save({"v": autograd.tensor([3.0])}, tmp_path / "missing" / "ckpt")
    (tmp_path / "dir").mkdir()
    with pytest.raises(OSError):
        autograd.save({"v": autograd.tensor([3.0])}, tmp_path / "dir")
    assert _leftovers(tmp_path) == [] and os.listdir(tmp_path / "dir") == []


def _start_saver(path, pause_in_fsync):
    code = f"""
        import os, sys, time
        import numpy as np
        import autograd
        if {pause_in_fsync!r}:
            def pause(fd):
                print("writing", flush=True)
                time.sleep(600)
            os.fsync = pause
        big = {{f"layer{{i}}": autograd.from_numpy(np.full(2_000_000, i, np.float32))
                for i in range(12)}}
        print("writing", flush=True)
        autograd.save(big, {str(path)!r})
        print("done", flush=True)
        time.sleep(600)
    """
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE, text=True
    )


def _old_checkpoint(path):
    old = {"w": autograd.arange(1000.0), "epoch": 3}
    autograd.save(old, path)
    return old


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_in_the_middle_of_a_save_the_old_checkpoint_loads_intact(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    old = _old_checkpoint(path)
    proc = _start_saver(path, pause_in_fsync=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert proc.stdout.readline().strip() == "writing"  # all data written, not yet renamed
        partial = _leftovers(tmp_path)
        assert len(partial) == 1 and os.path.getsize(tmp_path / partial[0]) > 90_000_000
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    back = autograd.load(path)
    assert back["epoch"] == 3 and back["w"].tolist() == old["w"].tolist()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_at_any_point_the_file_is_old_or_new_never_partial(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    _old_checkpoint(path)
    proc = _start_saver(path, pause_in_fsync=False)
    try:
        assert proc.stdout.readline().strip() == "writing"
        while not _leftovers(tmp_path) and proc.poll() is None:  # wait for the save to start
            pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    back = autograd.load(path)
    if "epoch" in back:
        assert back["epoch"] == 3 and back["w"].shape == (1000,)
    else:
        assert sorted(back) == sorted(f"layer{i}" for i in range(12))
        assert back["layer11"][-1].item() == 11.0


# ------------------------------------------------------------------------- load arguments
def test_map_location_forms(torch):
    obj = {"w": autograd.ones(2)}
    for loc in (None, "cpu", "cpu:0", autograd.device("cpu"), {"cuda:0": "cpu"},
                {"cpu": autograd.device("cpu")}):  # fmt: skip
        assert _round_trip(obj, map_location=loc)["w"].tolist() == [1.0, 1.0]
    seen = []
    back = _round_trip(obj, map_location=lambda storage, loc: seen.append(loc) or storage * 2)
    assert back["w"].tolist() == [2.0, 2.0] and seen == ["cpu"]
    assert _round_trip(obj, map_location=lambda s, loc: None)["w"].tolist() == [1.0, 1.0]
    for loc in ("cuda", "cuda:1", autograd.device("mps"), {"cpu": "cuda:0"}, 0):
        with pytest.raises(RuntimeError, match="CPU only|accelerator"):
            _round_trip(obj, map_location=loc)
    with pytest.raises(RuntimeError, match="CPU only"):
        _round_trip(obj, map_location=lambda s, loc: s.cuda())
    with pytest.raises(TypeError, match=r"map_location\(tensor, 'cpu'\) must return a Tensor"):
        _round_trip(obj, map_location=lambda s, loc: 5)
    with pytest.raises(TypeError, match="map_location must be"):
        _round_trip(obj, map_location=1.5)


def test_pytorch_load_arguments(tmp_path):
    obj = {"w": autograd.ones(2)}
    for wo in (True, False, None):
        assert _round_trip(obj, weights_only=wo)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="weights_only must be a bool, got str"):
        _round_trip(obj, weights_only="yes")
    with pytest.raises(TypeError, match=r"unsupported arguments \['pickle_module'\].*never use"):
        _round_trip(obj, pickle_module=json)
    with pytest.raises(TypeError, match=r"unsupported arguments \['encoding'\]"):
        _round_trip(obj, encoding="latin1")
    with pytest.raises(ValueError, match="f must be a file path in order to use mmap"):
        _round_trip(obj, mmap=True)


def test_mmap_gives_copy_on_write_views_of_the_file(tmp_path):
    path = tmp_path / "m"
    obj = {"a": autograd.arange(5.0), "b": autograd.tensor([[1, 2]], dtype=autograd.int16),
           "e": autograd.zeros(0), "nested": [autograd.tensor(3.0)]}  # fmt: skip
    autograd.save(obj, path)
    before = path.read_bytes()
    back = autograd.load(path, mmap=True)
    assert _plain(back) == _plain(obj)
    back["a"].add_(100)  # writable, and the file is not changed
    assert back["a"][0].item() == 100.0 and path.read_bytes() == before
    assert autograd.load(path)["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_pytorch_pickle_checkpoints_are_named(torch, tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "zip.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name in ("zip.pt", "legacy.pt"):
        with pytest.raises(ValueError, match=f"{name} is not a valid .*pickle checkpoint"):
            autograd.load(tmp_path / name)


def test_torch_safetensors_files_load(torch, tmp_path):
    from safetensors.torch import save_file

    save_file({"w": torch.arange(6.0).reshape(2, 3), "i": torch.tensor([1, 2])}, tmp_path / "t")
    back = autograd.load(tmp_path / "t")
    assert back["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and back["i"].tolist() == [1, 2]


# ------------------------------------------------------------------------- malformed files
def _file(header, data=b"", length=None):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(raw) if length is None else length
    return struct.pack("<Q", n) + raw + data


def _entry(dtype="F32", shape=(1,), offsets=(0, 4)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def _tree(tree, tensors=None, data=b""):
    header = {"__metadata__": {"numbagrad.tree": json.dumps(tree)}}
    header.update(tensors or {})
    return _file(header, data)


W4 = {"w": _entry()}  # one float32 tensor, 4 bytes of data
DEEP = 900

MALFORMED = {
    "too short": (b"\x01\x02", "shorter than the 8-byte"),
    "empty": (b"", "shorter than the 8-byte"),
    "header over the limit": (_file(b"{}", length=2**62), "exceeds the"),
    "header past the end": (_file(b"{}", length=1000), "larger than the rest of the file"),
    "header ends early": (struct.pack("<Q", 20) + b"{}" + b" " * 10, "larger than the rest"),
    "not json": (_file(b"{not json"), "header is not valid JSON"),
    "not utf-8": (_file(b"\xff\xfe{}"), "header is not valid JSON"),
    "utf-16": (_file('{"__metadata__": {}}'.encode("utf-16")), "header is not valid JSON"),
    "not an object": (_file(b"[1, 2]"), "must be a JSON object, got list"),
    "duplicate header key": (
        _file(
            b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": '
            b'{"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}',
            b"\0" * 8,
        ),
        "the key 'w' appears twice",
    ),  # fmt: skip
    "duplicate entry field": (
        _file(
            b'{"w": {"dtype": "F32", "dtype": "F64", "shape": [1], "data_offsets": [0, 4]}}',
            b"\0" * 4,
        ),
        "the key 'dtype' appears twice",
    ),  # fmt: skip
    "header nested deep": (_file(b'{"w": ' + b"[" * DEEP + b"]" * DEEP + b"}"), "must be an"),
    "header nested very deep": (_file(b'{"w": ' + b"[" * 10**5 + b"]" * 10**5 + b"}"), "deep"),
    "data past the end": (_file(W4, b""), "outside the data section"),
    "size disagrees": (_file({"w": _entry(shape=[3], offsets=[0, 16])}, b"\0" * 16), "need 12"),
    "negative size": (_file({"w": _entry(shape=[-1])}, b"\0" * 4), "invalid shape"),
    "float size": (_file({"w": _entry(shape=[1.0])}, b"\0" * 4), "invalid shape"),
    "too many dims": (_file({"w": _entry(shape=[1] * 65)}, b"\0" * 4), "at most 64"),
    "offsets reversed": (_file({"w": _entry(offsets=[4, 0])}, b"\0" * 4), "outside the data"),
    "offsets not a pair": (_file({"w": _entry(offsets=[0])}, b"\0" * 4), "invalid data_offsets"),
    "offsets a string": (
        _file({"w": {"dtype": "F32", "shape": [1], "data_offsets": "0-4"}}, b"\0" * 4),
        "invalid data_offsets",
    ),
    "unknown dtype": (_file({"w": _entry("C64", offsets=[0, 8])}, b"\0" * 8), "unsupported dtype"),
    "entry not an object": (_file({"w": [1]}), "entry 'w' must be an object"),
    "overlap": (
        _file(
            {"a": _entry(shape=[2], offsets=[0, 8]), "b": _entry(shape=[2], offsets=[4, 12])},
            b"\0" * 12,
        ),
        "tensors 'a' and 'b' overlap",
    ),  # fmt: skip
    "gap": (
        _file({"a": _entry(offsets=[0, 4]), "b": _entry(offsets=[8, 12])}, b"\0" * 12),
        "bytes 4 to 8 of the data section belong to no tensor",
    ),
    "trailing data": (_file(W4, b"\0" * 12), "8 bytes after the last tensor"),
    "data and no tensor": (_file({}, b"\0" * 4), "4 bytes after the last tensor"),
    "metadata not strings": (_file({"__metadata__": {"x": 1}}), "__metadata__ must map"),
    "tree not json": (_file({"__metadata__": {"numbagrad.tree": "{oops"}}), "tree metadata is"),
    "tree missing tensor": (_tree({"__tensor__": "gone"}), "refers to a missing tensor 'gone'"),
    "tree unused tensor": (_tree(1, W4, b"\0" * 4), "tensor 'w' is not referenced"),
    "tree dict not a list": (_tree({"__dict__": 5}), "__dict__ must hold a list"),
    "tree dict pair short": (_tree({"__dict__": [[1]]}), r"entries must be \[key, value\] pairs"),
    "tree dict key list": (_tree({"__dict__": [[[1], 2]]}), "dict keys must be str or int"),
    "tree dict key bool": (_tree({"__dict__": [[True, 2]]}), "dict keys must be str or int"),
    "tree dict key twice": (_tree({"__dict__": [["a", 1], ["a", 2]]}), "'a' appears twice"),
    "tree json key twice": (
        _file({"__metadata__": {"numbagrad.tree": '{"__list__": [], "__list__": [1]}'}}),
        "appears twice",
    ),
    "tree list not a list": (_tree({"__list__": {}}), "__list__ must hold a list"),
    "tree bad float": (_tree({"__float__": "abc"}), "__float__ must be"),
    "tree float number": (_tree({"__float__": "1.5"}), "__float__ must be"),
    "tree tensor name int": (_tree({"__tensor__": 5}), "missing tensor 5"),
    "tree requires_grad str": (
        _tree({"__tensor__": "w", "requires_grad": "yes"}, W4, b"\0" * 4),
        "requires_grad of tensor 'w' must be a bool",
    ),
    "tree int requires grad": (
        _tree({"__tensor__": "w", "requires_grad": True}, {"w": _entry("I32")}, b"\0" * 4),
        "dtype int32 cannot require grad",
    ),
    "tree extra key": (_tree({"__tensor__": "w", "x": 1}, W4, b"\0" * 4), "unknown node"),
    "tree two tags": (_tree({"__dict__": [], "__list__": []}), "unknown node"),
    "tree unknown tag": (_tree({"__pickle__": "os.system"}), "unknown node"),
    "tree bare list": (_tree([1, 2]), "unexpected list"),
    "tree bad dtype": (_tree({"__dtype__": "complex64"}), "unknown dtype"),
    "tree bad device": (_tree({"__device__": "gpu"}), "invalid device"),
    "tree bad size": (_tree({"__size__": [1.5]}), "__size__ must hold a list of ints"),
    "tree int too long": (_file({"__metadata__": {"numbagrad.tree": "1" * 5000}}), "not valid"),
}
# a structure nested 900 deep, and one nested far deeper than any recursion limit
_deep = '{"__list__": [' * DEEP + "]}" * DEEP
MALFORMED["tree nested deep"] = (
    _file({"__metadata__": {"numbagrad.tree": _deep}}),
    "nested more than 64 containers deep|nested too deeply",
)
_deeper = "[" * 10**5 + "]" * 10**5
MALFORMED["tree nested very deep"] = (
    _file({"__metadata__": {"numbagrad.tree": _deeper}}),
    "nested too deeply",
)


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_raise_a_named_value_error(tmp_path, case):
    raw, match = MALFORMED[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=match) as info:
        autograd.load(path)
    message = str(info.value)
    assert message.startswith(f"load: {path} is not a valid safetensors file: "), message
    with pytest.raises(ValueError, match=match):
        autograd.load(io.BytesIO(raw))  # the same from a file object


def test_every_truncation_of_a_real_file_is_rejected(tmp_path):
    buf = io.BytesIO()
    autograd.save({"model": {"w": autograd.randn(3, 4)}, "step": 1, "b": autograd.ones(2)}, buf)
    data = buf.getvalue()
    for cut in range(len(data)):
        with pytest.raises(ValueError, match="not a valid safetensors file"):
            autograd.load(io.BytesIO(data[:cut]))


def test_a_huge_header_length_in_a_sparse_file_is_rejected_before_reading(tmp_path):
    p = tmp_path / "sparse.safetensors"
    with open(p, "wb") as f:
        f.write(struct.pack("<Q", 200 * 1024 * 1024))
        f.truncate(300 * 1024 * 1024)  # sparse: takes no disk space
    with pytest.raises(ValueError, match="exceeds the 104857600-byte limit"):
        autograd.load(p)


def test_a_header_of_a_million_empty_tensors_is_rejected_cheaply(tmp_path):
    n = 1_000_000
    header = "{" + ",".join(
        f'"t{i}":{{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}' for i in range(n)
    ) + "}"  # fmt: skip
    path = tmp_path / "many.safetensors"
    path.write_bytes(_file(header.encode()))
    size = os.path.getsize(path)
    del header
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="JSON values, over the limit of 2000000"):
            autograd.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 50_000_000 and peak < 1.3 * size  # the header bytes, and little else


def test_the_tensor_count_is_bounded(monkeypatch):
    assert _safetensors.MAX_TENSORS == 100_000
    monkeypatch.setattr(_safetensors, "MAX_TENSORS", 1000)  # the same check, a smaller file
    n = 1001
    header = "{" + ",".join(
        f'"t{i}":{{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}' for i in range(n)
    ) + "}"  # fmt: skip
    with pytest.raises(ValueError, match=f"holds {n} tensors, over the limit of {n - 1}"):
        autograd.load(io.BytesIO(_file(header.encode())))


def test_the_value_count_is_checked_before_parsing(monkeypatch):
    monkeypatch.setattr(_safetensors, "MAX_JSON_VALUES", 50)

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed a header over the value limit")

    header = {"__metadata__": {str(i): "v" for i in range(60)}}
    monkeypatch.setattr(_safetensors.json, "loads", no_parse)
    with pytest.raises(ValueError, match="over the limit of 50"):
        autograd.load(io.BytesIO(_file(header)))


def test_an_escaped_structure_is_counted_after_unescaping(monkeypatch):
    tree = json.dumps({"__list__": list(range(40))})
    escaped = "".join(f"\\u{ord(c):04x}" for c in tree)  # no structural character left raw
    raw = '{"__metadata__": {"numbagrad.tree": "' + escaped + '"}}'
    assert _round_trip_raw(raw.encode()) == list(range(40))
    monkeypatch.setattr(_safetensors, "MAX_JSON_VALUES", 30)
    with pytest.raises(ValueError, match=r"tree metadata holds up to \d+ JSON values, over the"):
        _round_trip_raw(raw.encode())


def _round_trip_raw(header: bytes):
    return autograd.load(io.BytesIO(_file(header)))


def test_a_file_within_the_limits_loads(tmp_path):
    sd = {f"layer{i}.weight": autograd.full((2,), float(i)) for i in range(2000)}
    autograd.save(sd, tmp_path / "many")
    back = autograd.load(tmp_path / "many")
    assert len(back) == 2000 and back["layer1999.weight"].tolist() == [1999.0, 1999.0]
