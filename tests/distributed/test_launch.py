"""Launching: a failing rank stops every rank; one process needs no MPI; imports stay light."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from mpi_launch import ROOT, clean_env, launch


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=300, env=clean_env(), cwd=ROOT,
    )  # fmt: skip


def test_an_exception_on_one_rank_aborts_all_with_its_traceback():
    # Rank 0 waits in a barrier that rank 1 never reaches: without the abort this would hang
    # until the subprocess timeout, which raises instead of returning.
    proc = launch("mpi_abort.py")
    assert proc.returncode != 0
    assert "rank 1 of 2: uncaught exception, aborting all ranks" in proc.stderr
    assert "ValueError: rank one failed on purpose" in proc.stderr
    assert "rank 0 passed the barrier" not in proc.stdout


def test_importing_the_packages_does_not_import_mpi4py():
    proc = _python(
        """
        import sys
        import autograd, nn, optim
        import autograd.distributed
        nn.parallel.DistributedDataParallel, nn.SyncBatchNorm, nn.data.DistributedSampler
        print(sorted(m for m in sys.modules if m.startswith("mpi4py")))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_world_size_one_trains_without_mpi4py_installed():
    proc = _python(
        """
        import sys
        sys.modules["mpi4py"] = None  # as if it were not installed: importing it fails
        import autograd, nn, optim
        import autograd.distributed as dist

        assert dist.is_available() and not dist.is_mpi_available()
        dist.init_process_group("mpi", world_size=1, rank=0)
        autograd.manual_seed(0)
        net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
        model = nn.parallel.DistributedDataParallel(nn.SyncBatchNorm.convert_sync_batchnorm(net))
        opt = optim.SGD(model.parameters(), lr=0.1)
        data = nn.data.TensorDataset(autograd.randn(8, 3), autograd.randn(8, 1))
        sampler = nn.data.DistributedSampler(data)
        for epoch in range(2):
            sampler.set_epoch(epoch)
            for x, y in nn.data.DataLoader(data, batch_size=4, sampler=sampler):
                opt.zero_grad()
                nn.functional.mse_loss(model(x), y).backward()
                opt.step()
        t = autograd.ones(2)
        dist.all_reduce(t)
        dist.barrier()
        dist.destroy_process_group()
        print("ok", t.tolist(), "mpi4py" in sys.modules and sys.modules["mpi4py"] is not None)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ok", "[1.0,", "1.0]", "False"]


def test_without_mpi4py_one_process_runs_and_more_say_what_to_install():
    proc = _python(
        """
        import os, sys
        sys.modules["mpi4py"] = None
        import autograd.distributed as dist
        dist.init_process_group("mpi")  # plain `python script.py`: one process
        print(dist.get_world_size())
        dist.destroy_process_group()
        os.environ["PMI_SIZE"] = "4"  # as under `mpiexec -n 4`
        try:
            dist.init_process_group("mpi")
        except RuntimeError as e:
            print(e)
        """
    )
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first == "1"
    assert "needs mpi4py and an MPI library: pip install 'numbagrad[distributed]'" in second
