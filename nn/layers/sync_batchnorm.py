"""SyncBatchNorm: batch normalization with statistics over the whole batch, across all ranks."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd
import autograd.distributed as dist
from autograd import Tensor

from ..module import Module
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalization whose training statistics cover the batch of every rank together.

    With data-parallel training each process sees only its part of a batch; SyncBatchNorm
    gathers every rank's per-channel count, mean and sum of squared deviations (one all-gather
    per forward), so it normalizes exactly as one BatchNorm over the whole batch would, and its
    backward all-reduces the two per-channel sums the input gradient needs. The weight and bias
    gradients stay local (DistributedDataParallel averages them). In eval mode, or without an
    initialized process group of more than one rank, it is an ordinary BatchNorm. Accepts
    ``(N, C, ...)`` inputs; convert a model with :meth:`convert_sync_batchnorm`.

    Parameters
    ----------
    num_features, eps, momentum, affine, track_running_stats
        As for :class:`BatchNorm1d`.
    process_group : ProcessGroup, optional
        Whose ranks share statistics (default ``autograd.distributed.group.WORLD``).

    Examples
    --------
    >>> import autograd, nn
    >>> bn = nn.SyncBatchNorm(2)  # no process group: a plain batch norm
    >>> bn(autograd.tensor([[1.0, 2.0], [3.0, 6.0]]))
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]], grad_fn=<...>)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: dist.ProcessGroup | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        pg = self.process_group
        if pg is None and dist.is_initialized():
            pg = dist.group.WORLD
        if not (self.training and pg is not None and pg.size() > 1):
            return super().forward(input)
        self._check_input(input)
        factor = self._running_stats_factor()
        mean, var, count = _global_moments(input.detach().numpy(), pg)
        if count <= 1:
            raise ValueError(
                f"SyncBatchNorm: expected more than 1 value per channel across all ranks when "
                f"training, got input shape {tuple(input.shape)} on {pg.size()} ranks"
            )
        if self.track_running_stats and self.running_mean is not None:
            with autograd.no_grad():
                self.running_mean.mul_(1 - factor).add_(autograd.from_numpy(mean) * factor)
                unbiased = autograd.from_numpy(var * (count / (count - 1)))
                self.running_var.mul_(1 - factor).add_(unbiased * factor)
        invstd = 1.0 / np.sqrt(var + self.eps)
        return _SyncBatchNormFunction.apply(input, self.weight, self.bias, mean, invstd, count, pg)

    @classmethod
    def convert_sync_batchnorm(
        cls, module: Module, process_group: dist.ProcessGroup | None = None
    ) -> Module:
        """Return ``module`` with every BatchNorm layer replaced by a SyncBatchNorm.

        The new layers share the old ones' parameters and buffers (same tensors) and training
        mode; a BatchNorm passed directly comes back as a new SyncBatchNorm.

        Examples
        --------
        >>> import nn
        >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        >>> net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
        >>> type(net[1]).__name__
        'SyncBatchNorm'
        """
        if not isinstance(module, Module):
            raise TypeError(
                f"convert_sync_batchnorm: module must be an nn.Module, got {type(module).__name__}"
            )
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(
                module.num_features, module.eps, module.momentum, module.affine,
                module.track_running_stats, process_group,
            )  # fmt: skip
            for name in ("weight", "bias"):
                if name in module._parameters:
                    out.register_parameter(name, module._parameters[name])
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                out.register_buffer(name, module._buffers.get(name))
            out.training = module.training
        for name, child in list(module.named_children()):
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out


def _global_moments(x: np.ndarray, pg: dist.ProcessGroup) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-channel mean and biased variance over dims (0, 2, 3, ...) of every rank's ``x``."""
    c = x.shape[1]
    axes = (0, *range(2, x.ndim))
    n = x.size // c if c else 0
    local = np.zeros((2 * c + 1,), dtype=np.float64)
    local[0] = n
    if n:
        m = x.mean(axis=axes, dtype=np.float64)
        shape = (1, c) + (1,) * (x.ndim - 2)
        local[1 : c + 1] = m
        local[c + 1 :] = np.square(x - m.reshape(shape).astype(x.dtype)).sum(
            axis=axes, dtype=np.float64
        )
    table = autograd.zeros(pg.size(), 2 * c + 1, dtype=autograd.float64)
    pg.allgather_into_tensor(table, autograd.from_numpy(local)).wait()
    rows = table.numpy()
    counts, means, m2s = rows[:, :1], rows[:, 1 : c + 1], rows[:, c + 1 :]
    total = int(counts.sum())
    # Chan et al.'s pairwise combination, all ranks at once: exact up to rounding.
    mean = (counts * means).sum(axis=0) / max(total, 1)
    m2 = (m2s + counts * np.square(means - mean)).sum(axis=0)
    var = m2 / max(total, 1)
    return mean.astype(x.dtype), var.astype(x.dtype), total


def _project_out_batch_stats(ctx: Any, v: Tensor, xhat: Tensor, axes: tuple[int, ...]) -> Tensor:
    """``invstd * (v - E[v] - xhat * E[xhat v])`` with the means over every rank's batch (one
    all-reduce carries both): the tangent of ``xhat`` for ``v = dx``, and the input gradient for
    ``v = grad_out * weight``, the two rules being the same symmetric map."""
    c = xhat.shape[1]
    sums = autograd.cat([v.sum(dim=axes), (v * xhat).sum(dim=axes)])
    ctx.pg.allreduce(sums).wait()
    mean_v = (sums[:c] / ctx.count).reshape(ctx.shape)
    mean_xv = (sums[c:] / ctx.count).reshape(ctx.shape)
    return (v - mean_v - xhat * mean_xv) * ctx.invstd


class _SyncBatchNormFunction(autograd.Function):
    """y = (x - mean) * invstd * weight + bias, with mean and invstd over all ranks."""

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, count, pg):
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        invstd = autograd.from_numpy(invstd).reshape(shape)
        xhat = (x - autograd.from_numpy(mean).reshape(shape)) * invstd
        y = xhat
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        ctx.save_for_backward(xhat, weight)
        ctx.invstd, ctx.count, ctx.pg, ctx.shape = invstd, count, pg, shape
        return y

    @staticmethod
    def jvp(ctx, tx, tw, tb, mean, invstd, count, pg):
        # With m = E[x], s = invstd and xhat = (x - m) s over every rank's batch:
        # d xhat = s (dx - E[dx] - xhat E[xhat dx]); one all-reduce gives both means.
        xhat, weight = ctx.saved_tensors
        shape, axes = ctx.shape, (0, *range(2, xhat.ndim))
        tangent = None
        if ctx.has_tangent[0]:
            tangent = _project_out_batch_stats(ctx, tx, xhat, axes)
            if weight is not None:
                tangent = tangent * weight.reshape(shape)
        if tw is not None and ctx.has_tangent[1]:
            term = xhat * tw.reshape(shape)
            tangent = term if tangent is None else tangent + term
        if tb is not None and ctx.has_tangent[2]:
            term = tb.reshape(shape)
            tangent = term if tangent is None else tangent + term
        return tangent

    @staticmethod
    def backward(ctx, g):
        if autograd.is_grad_enabled():  # backward runs with grad mode on only for create_graph
            raise RuntimeError(
                "SyncBatchNorm: double backward (create_graph=True) is not supported"
            )
        xhat, weight = ctx.saved_tensors
        shape, axes = ctx.shape, (0, *range(2, g.ndim))
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[1]:
            grad_w = (g * xhat).sum(dim=axes)
        if ctx.needs_input_grad[2]:
            grad_b = g.sum(dim=axes)
        if ctx.needs_input_grad[0]:
            gw = g if weight is None else g * weight.reshape(shape)
            grad_x = _project_out_batch_stats(ctx, gw, xhat, axes)
        return grad_x, grad_w, grad_b, None, None, None, None
