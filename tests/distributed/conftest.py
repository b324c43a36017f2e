"""Fixtures of the distributed tests: the ``mpi_*.py`` scripts, each launched once per session
under ``mpiexec -n 2``.

Each launch starts two Python processes that import numba (about 2 s each), so the scripts group
many checks and write their findings to JSON files that the tests read.
"""

from __future__ import annotations

import pytest
from mpi_launch import run_and_load


@pytest.fixture(scope="session")
def collectives_run(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """What ``mpi_collectives.py`` found on rank 0 and rank 1."""
    return run_and_load("mpi_collectives.py", tmp_path_factory)


@pytest.fixture(scope="session")
def training_run(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """What ``mpi_training.py`` found on rank 0 and rank 1."""
    return run_and_load("mpi_training.py", tmp_path_factory)


@pytest.fixture
def world_of_one():
    """A one-process default group for the duration of a test."""
    import autograd.distributed as dist

    dist.init_process_group("mpi", world_size=1, rank=0)
    yield dist
    if dist.is_initialized():
        dist.destroy_process_group()
