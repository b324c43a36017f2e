"""The torch-style namespace after ``import autograd as torch``: lazy torch.nn / optim /
utils.data / autograd paths, grad-mode switches, and the cuda / accelerator / backends modules
as a CPU-only PyTorch build answers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from gradcheck_functions import double

import autograd
import nn
import optim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


# ------------------------------------------------------------------------- lazy attributes
def test_import_autograd_does_not_import_nn_or_optim():
    out = _run(
        """
        import sys
        import autograd as torch
        lazy = ("nn", "optim", "nn.data", "autograd.autograd")
        print(sorted(m for m in lazy if m in sys.modules))
        torch.ones(1) + 1
        print(sorted(m for m in ("nn", "optim") if m in sys.modules))
        torch.nn.Linear(2, 2)
        print(sorted(m for m in ("nn", "optim") if m in sys.modules))
        torch.optim.SGD
        print(sorted(m for m in ("nn", "optim") if m in sys.modules))
        """
    )
    assert out.splitlines() == ["[]", "[]", "['nn']", "['nn', 'optim']"]


def test_torch_style_paths_resolve_to_the_packages():
    torch = autograd
    assert torch.nn is nn and torch.optim is optim
    assert torch.nn.functional is nn.functional and torch.nn.Linear is nn.Linear
    assert torch.optim.lr_scheduler is optim.lr_scheduler
    assert torch.utils.data is nn.data and torch.utils.data.DataLoader is nn.data.DataLoader
    assert torch.utils.data.TensorDataset is nn.data.TensorDataset
    assert torch.autograd.grad is autograd.grad and torch.autograd.backward is autograd.backward
    assert torch.autograd.Function is autograd.Function
    assert torch.autograd.no_grad is autograd.no_grad
    assert torch.autograd.grad_mode.no_grad is autograd.no_grad


def test_unknown_attributes_raise_attribute_error():
    with pytest.raises(AttributeError, match="module 'autograd' has no attribute 'bogus'"):
        autograd.bogus  # noqa: B018
    assert not hasattr(autograd, "distributions_that_do_not_exist")
    if os.path.exists(os.path.join(ROOT, "autograd", "functional.py")):
        assert autograd.autograd.functional.__name__ == "autograd.functional"
    else:
        with pytest.raises(AttributeError, match="'functional'"):
            autograd.autograd.functional  # noqa: B018
    with pytest.raises(AttributeError, match="module 'autograd.autograd' has no attribute 'x'"):
        autograd.autograd.x  # noqa: B018


def test_autograd_grad_and_function_through_the_path(torch):
    ns = autograd
    x = ns.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ns.autograd.grad((x**3).sum(), x)

    Double = double(ns)  # subclasses ns.autograd.Function: the path, not autograd.Function
    y = Double.apply(x).sum()
    ns.autograd.backward(y)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    (tg,) = torch.autograd.grad((tx**3).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy())
    assert x.grad.tolist() == [2.0, 2.0]


def test_variable_matches_torch(torch):
    from autograd.autograd import Variable

    x = autograd.ones(2, requires_grad=True)
    y = x * 2
    for ours_src, ref_src in ((y, torch.ones(2, requires_grad=True) * 2), (x, None)):
        v = Variable(ours_src)
        assert v.requires_grad is False and v.is_leaf and v.grad_fn is None
        if ref_src is not None:
            tv = torch.autograd.Variable(ref_src)
            assert (v.requires_grad, v.is_leaf) == (tv.requires_grad, tv.is_leaf)
    v = Variable(autograd.ones(1), requires_grad=True)
    assert v.is_leaf and v.requires_grad
    assert np.shares_memory(Variable(x).numpy(), x.detach().numpy())
    assert isinstance(autograd.ones(1), Variable) and not isinstance(np.ones(1), Variable)
    assert Variable(autograd.ones(1), volatile=True).tolist() == [1.0]
    with pytest.raises(TypeError, match="Variable: data must be a Tensor, got list"):
        Variable([1.0])
    with pytest.raises(RuntimeError, match="floating"):
        Variable(autograd.arange(2), requires_grad=True)


# ------------------------------------------------------------------------------ grad mode
def _decorated_results(ns):
    x = ns.ones(1, requires_grad=True)

    def double(t):
        return t * 2

    # Each decorator form, applied as the @ syntax applies it.
    decorated = [
        ns.no_grad(double), ns.no_grad()(double), ns.inference_mode(double),
        ns.inference_mode()(double), ns.inference_mode(False)(double),
    ]  # fmt: skip
    f6 = ns.enable_grad(double)

    with ns.no_grad():
        inner = f6(x).requires_grad
    with ns.inference_mode():
        flags = [ns.is_inference_mode_enabled(), ns.is_grad_enabled()]
        with ns.inference_mode(False):
            flags += [ns.is_inference_mode_enabled(), ns.is_grad_enabled()]
        flags += [ns.is_inference_mode_enabled()]
    with ns.no_grad(), ns.inference_mode(False):
        flags += [ns.is_grad_enabled()]
    with ns.set_grad_enabled(False):
        flags += [ns.is_grad_enabled()]
    flags += [ns.is_grad_enabled(), ns.is_inference_mode_enabled()]
    return [f(x).requires_grad for f in decorated] + [inner] + flags


def test_grad_mode_switches_match_torch(torch):
    assert _decorated_results(autograd) == _decorated_results(torch)


def test_grad_mode_decorators_keep_the_function_and_restore_the_mode():
    @autograd.inference_mode
    def predict(t):
        """Doc."""
        raise ValueError("boom")

    assert predict.__name__ == "predict" and predict.__doc__ == "Doc."
    with pytest.raises(ValueError, match="boom"):
        predict(autograd.ones(1))
    assert autograd.is_grad_enabled() and not autograd.is_inference_mode_enabled()


def test_grad_mode_bad_arguments():
    with pytest.raises(TypeError, match="inference_mode: mode must be a bool, got str"):
        autograd.inference_mode("yes")
    with pytest.raises(TypeError, match=r"no_grad\(\) takes no arguments"):
        autograd.no_grad(5)
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be a bool"):
        autograd.set_grad_enabled(1)


# ----------------------------------------------------------- cuda, accelerator, backends
def test_cuda_module_matches_a_cpu_only_torch(torch):
    assert autograd.cuda.is_available() is torch.cuda.is_available() is False
    assert autograd.cuda.device_count() == torch.cuda.device_count() == 0
    assert autograd.cuda.is_initialized() is False
    assert autograd.cuda.memory_allocated() == torch.cuda.memory_allocated() == 0
    assert autograd.cuda.max_memory_allocated() == 0 and autograd.cuda.memory_reserved() == 0
    assert autograd.cuda.is_bf16_supported() is False
    for fn in ("empty_cache", "seed", "seed_all"):
        assert getattr(autograd.cuda, fn)() is None
    for fn in ("synchronize", "current_device", "get_device_name", "get_rng_state"):
        with pytest.raises(RuntimeError, match=f"cuda.{fn}: numbagrad has no CUDA support"):
            getattr(autograd.cuda, fn)()
    with pytest.raises(RuntimeError, match="no CUDA support"):
        autograd.cuda.set_device(0)


def test_cuda_seeding_leaves_the_cpu_generator_alone_as_torch_does(torch):
    def draws(ns):
        ns.manual_seed(1)
        first = ns.rand(3).numpy().copy()
        ns.manual_seed(1)
        ns.cuda.manual_seed(5)
        ns.cuda.manual_seed_all(7)
        return np.array_equal(first, ns.rand(3).numpy())

    assert draws(autograd) and draws(torch)
    with pytest.raises(TypeError, match="cuda.manual_seed: seed must be an int, got str"):
        autograd.cuda.manual_seed("x")


def test_accelerator_matches_a_cpu_only_torch(torch):
    assert autograd.accelerator.is_available() is torch.accelerator.is_available() is False
    assert autograd.accelerator.current_accelerator() is None
    assert torch.accelerator.current_accelerator() is None
    assert autograd.accelerator.device_count() == torch.accelerator.device_count() == 0
    for fn in ("synchronize", "current_device_index"):
        with pytest.raises(RuntimeError, match="no accelerator"):
            getattr(autograd.accelerator, fn)()
        with pytest.raises(RuntimeError):
            getattr(torch.accelerator, fn)()


def test_backends_match_a_cpu_only_torch(torch):
    ours, ref = autograd.backends, torch.backends
    for name in ("benchmark", "deterministic", "enabled", "allow_tf32"):
        assert getattr(ours.cudnn, name) == getattr(ref.cudnn, name), name
    assert ours.cudnn.is_available() is ref.cudnn.is_available() is False
    assert ours.cudnn.version() is ref.cudnn.version() is None
    assert ours.mps.is_available() is ref.mps.is_available() is False
    assert ours.mps.is_built() is False and ours.cuda.is_built() is ref.cuda.is_built() is False
    assert ours.cuda.matmul.allow_tf32 == ref.cuda.matmul.allow_tf32
    try:
        ours.cudnn.benchmark = True
        ours.cudnn.deterministic = True
        assert autograd.backends.cudnn.benchmark and autograd.backends.cudnn.deterministic
    finally:
        ours.cudnn.benchmark = False
        ours.cudnn.deterministic = False


# --------------------------------------------------------------------- a ported program
PORTED_PROGRAM = """
import io
import {torch} as torch
{imports}

torch.manual_seed(0)
torch.cuda.manual_seed_all(0)
torch.backends.cudnn.benchmark = False
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.linspace(-1, 1, 32).reshape(32, 1)
y = 3 * x + 0.5
loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False)
model = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1)).to(device)
with torch.no_grad():  # the same start in both libraries
    for p in model.parameters():
        p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape))
opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
for epoch in range(3):
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        loss = F.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
buf = io.BytesIO()
torch.save({{"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch}}, buf)
buf.seek(0)
ckpt = torch.load(buf, map_location=device, weights_only=True)
model.load_state_dict(ckpt["model"])
opt.load_state_dict(ckpt["opt"])
model.eval()
with torch.no_grad():
    out = model(torch.Tensor([[0.25]]).to(device))
print(f"{{loss.item():.6f}} {{out.squeeze():.6f}} {{ckpt['epoch']}} {{out.size()[1]}}")
"""


def test_a_torch_program_runs_with_rewritten_imports(torch):
    ported = PORTED_PROGRAM.format(
        torch="autograd",
        imports="import nn, optim\nimport nn.functional as F\n"
        "from nn.data import DataLoader, TensorDataset",
    )
    original = PORTED_PROGRAM.format(
        torch="torch",
        imports="import torch.nn as nn, torch.optim as optim\nimport torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, TensorDataset",
    )
    ours, ref = _run(ported).split(), _run(original).split()
    assert ours[2:] == ref[2:] == ["2", "1"]
    np.testing.assert_allclose([float(v) for v in ours[:2]], [float(v) for v in ref[:2]], atol=2e-5)


def test_the_porting_tool_finds_every_name_of_this_surface():
    from autograd.port import port_source

    program = textwrap.dedent(
        """
        import torch
        from torch.autograd import Variable, grad
        from torch.utils.data import DataLoader
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        torch.cuda.manual_seed_all(0)
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.deterministic = True
        acc = torch.accelerator.is_available()
        x = torch.FloatTensor(2, 3).to(device)
        s = torch.Size([2, 3]).numel() + torch.numel(x) + torch.is_tensor(x)
        with torch.inference_mode(), torch.no_grad(), torch.set_grad_enabled(False):
            y = x.new_zeros(2).type_as(x).narrow(0, 0, 1)
        torch.save({"x": x}, "ckpt.safetensors")
        ckpt = torch.load("ckpt.safetensors", map_location=device, weights_only=True)
        v = Variable(torch.Tensor([1.0]), requires_grad=True)
        lt, dt, it, bt = torch.LongTensor, torch.DoubleTensor, torch.IntTensor, torch.BoolTensor
        g = torch.autograd.grad
        """
    )
    _, report = port_source(program)
    assert report == [], [f.format("program.py") for f in report]
