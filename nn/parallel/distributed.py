"""DistributedDataParallel: one model replica per process, gradients averaged while backward runs.

How the averaging overlaps with backward: the parameters are grouped into buckets in reverse
order (the last layers' gradients are ready first), each bucket a flat buffer of at most
``bucket_cap_mb`` (the first one 1 MiB, so communication starts early). Every parameter has a
post-accumulate-grad hook; when the last gradient of a bucket has been accumulated, its
gradients are copied into the buffer divided by the world size and a nonblocking all-reduce
(sum) starts, while the engine goes on with earlier layers. Buckets start strictly in order, so
every rank issues the same sequence of collectives. A callback queued on the engine runs when
backward has finished: it waits for the buckets and copies the averages back into ``.grad``.
"""

from __future__ import annotations

import weakref
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import autograd
import autograd.distributed as dist
from autograd import Tensor
from autograd.extend import queue_callback

from ..module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024
_MB = 1024 * 1024


class _Bucket:
    """Parameters whose gradients are all-reduced together in one flat buffer."""

    def __init__(self, indices: list[int], params: list[Tensor]) -> None:
        self.indices = indices
        self.params = [params[i] for i in indices]
        numel = sum(p.numel() for p in self.params)
        self.flat = autograd.zeros(numel, dtype=self.params[0].dtype)
        self.flat_array = self.flat.numpy()
        self.views, self.view_arrays = [], []  # per parameter: a Tensor view and its array
        offset = 0
        for p in self.params:
            n = p.numel()
            self.views.append(self.flat[offset : offset + n].view(p.shape))
            self.view_arrays.append(self.flat_array[offset : offset + n].reshape(p.shape))
            offset += n
        self.ready = [False] * len(self.params)
        self.pending = len(self.params)
        self.work: dist.Work | None = None


class DistributedDataParallel(Module):
    """Train ``module`` on several processes, each on its own part of every batch.

    Construction broadcasts rank 0's parameters and buffers, so all replicas start equal. After
    ``loss.backward()`` every replica holds the gradients averaged over all ranks (started while
    backward is still running, in buckets); ``optimizer.step()`` then keeps them equal.

    Parameters
    ----------
    module : Module
        The model; reach it as ``.module`` (``state_dict`` keys get a ``module.`` prefix).
    device_ids, output_device
        Must be None: the replica runs on the CPU of its process.
    dim : int
        Accepted for compatibility (only used to split inputs across devices).
    broadcast_buffers : bool
        Copy rank 0's buffers (e.g. BatchNorm running statistics) into every replica before
        each forward that follows a synchronized one.
    process_group : ProcessGroup, optional
        Defaults to a new group of all ranks, so the gradient all-reduces never interleave with
        other collectives (SyncBatchNorm's) on the default group.
    bucket_cap_mb : float, optional
        Bucket size in MiB (default 25; the first bucket is 1 MiB unless this is given).
    find_unused_parameters : bool
        Allow parameters that get no gradient in a backward pass; their slots are reduced as
        their current ``.grad`` (zeros if None), and a ``.grad`` that is None on every rank stays
        None. Without it such a pass raises RuntimeError naming them.
    check_reduction, static_graph
        Accepted for compatibility; they change nothing here.
    gradient_as_bucket_view : bool
        Make each ``.grad`` a view into its bucket, so backward accumulates straight into the
        buffer (no copy in or out; keep ``zero_grad(set_to_none=False)`` to keep the views).

    Examples
    --------
    >>> import autograd, nn
    >>> import autograd.distributed as dist
    >>> dist.init_process_group(world_size=1)
    >>> model = nn.parallel.DistributedDataParallel(nn.Linear(3, 2))
    >>> model(autograd.ones(4, 3)).sum().backward()
    >>> model.module.bias.grad
    tensor([4., 4.])
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    >>> dist.destroy_process_group()
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: dist.ProcessGroup | None = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        call = "DistributedDataParallel"
        if not isinstance(module, Module):
            raise TypeError(f"{call}: module must be an nn.Module, got {type(module).__name__}")
        if device_ids not in (None, []) or output_device is not None:
            raise ValueError(
                f"{call}: device_ids and output_device must be None for a CPU module, got "
                f"device_ids={device_ids!r}, output_device={output_device!r}"
            )
        if bucket_cap_mb is not None and (
            not isinstance(bucket_cap_mb, (int, float))
            or isinstance(bucket_cap_mb, bool)
            or bucket_cap_mb <= 0
        ):
            raise ValueError(
                f"{call}: bucket_cap_mb must be a positive number, got {bucket_cap_mb!r}"
            )
        if not dist.is_initialized():
            raise ValueError(
                f"{call}: the default process group has not been initialized; call "
                "autograd.distributed.init_process_group() first"
            )
        if process_group is not None and not isinstance(process_group, dist.ProcessGroup):
            raise TypeError(
                f"{call}: process_group must be a ProcessGroup (autograd.distributed.new_group()) "
                f"or None, got {type(process_group).__name__}"
            )
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError(
                f"{call} is not needed when a module doesn't have any parameter that requires "
                "a gradient"
            )
        self.module = module
        self.dim = dim
        self.device_ids = None
        self.output_device = None
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)
        self.static_graph = bool(static_graph)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.process_group = dist.new_group() if process_group is None else process_group
        cap = 25 * _MB if bucket_cap_mb is None else int(bucket_cap_mb * _MB)
        first = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else cap
        self.bucket_bytes_cap = cap
        self._param_names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._verify_same_layout()
        self._sync_module_states()
        self._buckets = [
            _Bucket(ix, self._params) for ix in _assign_buckets(self._params, first, cap)
        ]
        self._where = {}  # parameter index -> (bucket, position in bucket)
        for b in self._buckets:
            for k, i in enumerate(b.indices):
                self._where[i] = (b, k)
        self._armed = False  # a synchronized backward is expected (set by forward)
        self._finalize_queued = False
        self._next_bucket = 0
        me = weakref.ref(self)
        for i, p in enumerate(self._params):
            p.register_post_accumulate_grad_hook(_make_hook(me, i))

    # ------------------------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        sync = autograd.is_grad_enabled() and self.require_backward_grad_sync
        if sync:
            self._prepare_for_backward()
        if self.require_forward_param_sync and self.broadcast_buffers:
            self._broadcast_coalesced(list(self.module.buffers()))
        out = self.module(*inputs, **kwargs)
        self.require_forward_param_sync = sync
        return out

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Skip the gradient all-reduce for backward passes of forwards run inside this block.

        Gradients accumulate locally; the first synchronized backward after the block averages
        the accumulated sums.

        Examples
        --------
        >>> import autograd, nn
        >>> import autograd.distributed as dist
        >>> dist.init_process_group(world_size=1)
        >>> model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
        >>> with model.no_sync():
        ...     model(autograd.ones(1, 2)).sum().backward()
        >>> model(autograd.ones(1, 2)).sum().backward()  # averages both passes' sums
        >>> model.module.bias.grad
        tensor([2.])
        >>> dist.destroy_process_group()
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # ------------------------------------------------------------------- gradient reduction
    def _prepare_for_backward(self) -> None:
        for b in self._buckets:
            b.ready = [False] * len(b.params)
            b.pending = len(b.params)
            b.work = None
        self._next_bucket = 0
        self._finalize_queued = False
        self._armed = True

    def _grad_ready(self, i: int) -> None:
        """A parameter's gradient is final for this backward pass."""
        if not self._armed:
            return
        if not self._finalize_queued:
            queue_callback(self._finalize)
            self._finalize_queued = True
        bucket, k = self._where[i]
        if bucket.ready[k]:
            return
        bucket.ready[k] = True
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready_buckets()
        else:
            self._progress()

    def _launch_ready_buckets(self) -> None:
        buckets = self._buckets
        while self._next_bucket < len(buckets) and buckets[self._next_bucket].pending == 0:
            self._launch(buckets[self._next_bucket])
            self._next_bucket += 1

    def _launch(self, bucket: _Bucket) -> None:
        # Each gradient is divided by the world size on its way into the buffer (one pass over
        # memory instead of a copy and a division), so the summed buffer is the average.
        size = self.process_group.size()
        for p, view, arr in zip(bucket.params, bucket.views, bucket.view_arrays):
            g = p.grad
            if g is None:
                arr.fill(0)  # unused parameter (find_unused_parameters)
            elif g is view:  # gradient_as_bucket_view: backward accumulated into the buffer
                if size > 1:
                    arr /= size
            else:
                np.divide(g.detach().numpy(), size, out=arr)
                if self.gradient_as_bucket_view:
                    p.grad = view
        bucket.work = self.process_group.allreduce(bucket.flat, dist.ReduceOp.SUM)

    def _progress(self) -> None:
        """Let MPI advance the all-reduces in flight (it progresses only inside MPI calls)."""
        for b in self._buckets[: self._next_bucket]:
            if not b.work.is_completed():
                return

    def _finalize(self) -> None:
        """Runs when backward has finished: wait for every bucket, write the averages back."""
        self._armed = False
        used = None
        if self._next_bucket < len(self._buckets):
            missing = [
                self._param_names[i]
                for b in self._buckets
                for i, ready in zip(b.indices, b.ready)
                if not ready
            ]
            if not self.find_unused_parameters:
                for b in self._buckets[: self._next_bucket]:
                    b.work.wait()  # leave no collective in flight
                raise RuntimeError(
                    f"DistributedDataParallel: parameters {missing[:10]} got no gradient in this "
                    "backward pass (not used to compute the loss). Pass "
                    "find_unused_parameters=True to DistributedDataParallel, or stop them "
                    "requiring grad."
                )
            for b in self._buckets[self._next_bucket :]:
                self._launch(b)
            self._next_bucket = len(self._buckets)
        if self.find_unused_parameters:
            flags = np.zeros(len(self._params), dtype=np.uint8)
            for b in self._buckets:
                for i, ready, p in zip(b.indices, b.ready, b.params):
                    flags[i] = ready or p.grad is not None
            used = autograd.from_numpy(flags)
            used_work = self.process_group.allreduce(used, dist.ReduceOp.MAX)
        for b in self._buckets:
            b.work.wait()
        if used is not None:
            used_work.wait()
        with autograd.no_grad():
            for b in self._buckets:
                for i, p, view in zip(b.indices, b.params, b.views):
                    g = p.grad
                    if g is view:
                        continue
                    if g is None:
                        if used is None or used[i].item():
                            p.grad = view.clone()
                    else:
                        g.copy_(view)

    # ------------------------------------------------------------------ replicas kept equal
    def _verify_same_layout(self) -> None:
        layout = repr([(tuple(p.shape), str(p.dtype)) for p in self._params]).encode()
        mine = autograd.tensor([len(self._params), zlib.crc32(layout)], dtype=autograd.int64)
        size = self.process_group.size()
        table = autograd.zeros(size, 2, dtype=autograd.int64)
        self.process_group.allgather_into_tensor(table, mine).wait()
        rows = table.tolist()
        if any(row != rows[0] for row in rows):
            counts = ", ".join(f"rank {r}: {row[0]} parameters" for r, row in enumerate(rows))
            raise RuntimeError(
                "DistributedDataParallel: the module's parameters (number, shapes or dtypes) "
                f"differ across ranks ({counts}); every rank must build the same model"
            )

    def _sync_module_states(self) -> None:
        self._broadcast_coalesced(list(self.module.parameters()) + list(self.module.buffers()))

    def _broadcast_coalesced(self, tensors: list[Tensor]) -> None:
        """Copy rank 0's values into ``tensors``, one broadcast per dtype."""
        if self.process_group.size() == 1 or not tensors:
            return
        by_dtype: dict[Any, list[Tensor]] = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        with autograd.no_grad():
            for group in by_dtype.values():
                flat = autograd.cat([t.detach().reshape(-1) for t in group])
                self.process_group.broadcast(flat, src=0).wait()
                offset = 0
                for t in group:
                    n = t.numel()
                    t.copy_(flat[offset : offset + n].view(t.shape))
                    offset += n


def _make_hook(ddp_ref: weakref.ref, i: int) -> Any:
    def hook(param: Tensor) -> None:
        ddp = ddp_ref()
        if ddp is not None:
            ddp._grad_ready(i)

    return hook


def _assign_buckets(params: list[Tensor], first_cap: int, cap: int) -> list[list[int]]:
    """Parameter indices per bucket: reverse order, one dtype per bucket, closed at the cap."""
    buckets: list[list[int]] = []
    open_: dict[Any, tuple[list[int], int]] = {}
    for i in reversed(range(len(params))):
        p = params[i]
        indices, size = open_.get(p.dtype, ([], 0))
        indices.append(i)
        size += p.numel() * p.dtype.itemsize
        if size >= (first_cap if not buckets else cap):
            buckets.append(indices)
            open_.pop(p.dtype, None)
        else:
            open_[p.dtype] = (indices, size)
    buckets += [indices for indices, _ in open_.values()]
    return buckets
