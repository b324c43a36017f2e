"""Run under ``mpiexec -n 2``: rank 1 raises while rank 0 waits in a barrier.

Without the process group's excepthook rank 0 would wait forever; with it, rank 1 prints its
traceback and aborts both, so ``mpiexec`` exits non-zero at once.
"""

from __future__ import annotations

import sys


def main() -> None:
    import autograd.distributed as dist

    dist.init_process_group("mpi")
    if dist.get_rank() == 1:
        raise ValueError("rank one failed on purpose")
    dist.barrier()  # never completes: rank 1 is gone
    print("rank 0 passed the barrier", flush=True)


if __name__ == "__main__":
    main()
    sys.exit(0)
