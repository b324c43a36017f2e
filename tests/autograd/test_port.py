"""The porting tool: imports rewritten with formatting kept, gaps reported with file:line, and a
ported program that runs; the tool never imports PyTorch."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograd.port import main, port_source

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent(
    """\
    import argparse
    import torch  # the engine
    import torch.nn as nn
    import torch.nn.functional as F
    from torch import optim
    from torch.utils.data import DataLoader, TensorDataset
    from torch.optim.lr_scheduler import StepLR


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return F.log_softmax(self.fc(x), dim=1)


    def main():
        torch.manual_seed(0)
        x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
        loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
        model = Net()
        opt = optim.SGD(model.parameters(), lr=0.1)
        sched = StepLR(opt, step_size=1)
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.nll_loss(model(xb), yb)
            loss.backward()
            opt.step()
        sched.step()
        print(f"loss {loss.item():.4f}")


    if __name__ == "__main__":
        main()
    """
)


def test_imports_rewritten_and_the_rest_kept():
    text, findings = port_source(PROGRAM)
    assert findings == []
    lines = text.splitlines()
    assert lines[1] == "import autograd as torch  # the engine"
    assert lines[2:7] == [
        "import nn",
        "import nn.functional as F",
        "import optim",
        "from nn.data import DataLoader, TensorDataset",
        "from optim.lr_scheduler import StepLR",
    ]
    assert lines[7:] == PROGRAM.splitlines()[7:]


def test_ported_program_runs(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(PROGRAM)
    out = tmp_path / "train_ported.py"
    assert main([str(script), "-o", str(out)]) == 0
    done = subprocess.run(
        [sys.executable, str(out)], capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("loss ")


def test_gaps_are_reported_with_lines_and_unported_modules_fail_loudly():
    source = textwrap.dedent(
        """\
        import torch
        import torch.nn as nn
        from torch.utils.tensorboard import SummaryWriter
        net = nn.NoSuchLayer(3)
        z = torch.no_such_function(1)
        """
    )
    text, findings = port_source(source)
    found = {(f.line, f.name) for f in findings}
    assert (3, "from torch.utils.tensorboard import ...") in found
    assert (4, "nn.NoSuchLayer") in found
    assert (5, "torch.no_such_function") in found
    assert text.splitlines()[2].startswith("raise ImportError(")
    with pytest.raises(ImportError, match="torch.utils.tensorboard"):
        exec(compile(text, "ported", "exec"), {})  # noqa: S102


def test_command_line_reports_and_never_imports_torch(tmp_path):
    script = tmp_path / "p.py"
    script.write_text("import torch\nx = torch.no_such_function()\n")
    code = (
        f"import sys, runpy; sys.argv = ['port', {str(script)!r}];"
        "sys.modules['torch'] = None\n"
        "try:\n    runpy.run_module('autograd.port', run_name='__main__')\n"
        "except SystemExit as e:\n    print('exit', e.code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip
    assert "exit 1" in done.stdout, done.stderr
    assert f"{script}:2: torch.no_such_function" in done.stderr
    assert "1 finding(s)" in done.stderr


def test_bad_script_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing.py")])
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\ndef (:\n")
    assert main([str(bad)]) == 2


def test_linalg_special_and_process_state_names_are_known():
    source = textwrap.dedent(
        """\
        import torch
        torch.set_default_dtype(torch.float64)
        x = torch.linalg.solve(torch.eye(2), torch.ones(2))
        n = torch.linalg.vector_norm(x) + torch.special.expit(x).sum() + torch.logdet(torch.eye(2))
        q = torch.quantile(x, 0.5), torch.finfo(torch.float32).eps, torch.get_rng_state()
        torch.set_printoptions(precision=3)
        """
    )
    _, findings = port_source(source)
    assert findings == []
