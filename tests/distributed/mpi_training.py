"""Run under ``mpiexec -n 2``: data-parallel training equals one process on the whole batch.

Every rank also trains the single-process reference itself (same initial weights, whole batch),
so each comparison needs no extra launch. Writes ``<out>.<rank>.json`` with the largest
differences found; ``test_data_parallel.py`` asserts on them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path

import numpy as np


def main(out: str) -> None:
    import autograd
    import autograd.distributed as dist
    import autograd.forward_ad as fwAD
    import nn
    import optim

    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    results: dict = {"rank": rank, "size": size}
    f64 = autograd.float64

    def mlp(seed: int) -> nn.Module:
        autograd.manual_seed(seed)
        return nn.Sequential(
            nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)
        ).double()

    def cnn(seed: int) -> nn.Module:
        autograd.manual_seed(seed)
        return nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.Flatten(),
            nn.Linear(6 * 4 * 4, 3),
        ).double()  # fmt: skip

    rng = np.random.default_rng(123)
    batches = {
        "mlp": [(rng.standard_normal((8, 6)), rng.integers(0, 3, 8)) for _ in range(5)],
        "cnn": [(rng.standard_normal((8, 1, 8, 8)), rng.integers(0, 3, 8)) for _ in range(5)],
    }

    def shard(x: np.ndarray) -> np.ndarray:
        n = len(x) // size
        return x[rank * n : (rank + 1) * n]

    def tensors(x: np.ndarray, y: np.ndarray) -> tuple:
        return autograd.tensor(x, dtype=f64), autograd.tensor(y)

    def train(model: nn.Module, data: list, micro: int = 1) -> list:
        """SGD steps on ``data``; a DDP model takes this rank's half of each batch, and with
        ``micro`` > 1 accumulates micro-batches, syncing only the last (``no_sync``)."""
        is_ddp = isinstance(model, nn.parallel.DistributedDataParallel)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        losses = []
        for x, y in data:
            opt.zero_grad(set_to_none=not getattr(model, "gradient_as_bucket_view", False))
            total = 0.0
            for k, (xs, ys) in enumerate(zip(np.array_split(x, micro), np.array_split(y, micro))):
                xt, yt = tensors(shard(xs), shard(ys)) if is_ddp else tensors(xs, ys)
                quiet = is_ddp and k < micro - 1
                with model.no_sync() if quiet else contextlib.nullcontext():
                    loss = nn.functional.cross_entropy(model(xt), yt)
                    (loss / micro).backward()
                total += loss.item() / micro
            opt.step()
            losses.append(total)
        return losses

    def max_diff(a: nn.Module, b: nn.Module) -> float:
        sa, sb = a.state_dict(), b.state_dict()
        assert list(sa) == list(sb), (list(sa), list(sb))
        return max(float(np.abs(sa[k].numpy() - sb[k].numpy()).max()) for k in sa)

    def gathered_mean(values: list) -> list:
        t = autograd.tensor(values, dtype=f64)
        dist.all_reduce(t, op=dist.ReduceOp.AVG)
        return t.tolist()

    # Each rank starts from different weights: DDP must broadcast rank 0's.
    for name, build, kwargs, micro in [
        ("mlp", mlp, {}, 1),
        ("mlp_no_sync", mlp, {}, 2),
        ("mlp_bucket_view_small_buckets", mlp,
         {"gradient_as_bucket_view": True, "bucket_cap_mb": 0.0005}, 1),
        ("cnn_sync_batchnorm", cnn, {}, 1),
        ("cnn_no_sync", cnn, {"bucket_cap_mb": 0.001}, 2),
    ]:  # fmt: skip
        data = batches[name.split("_")[0]]
        ref = build(0)
        ref_losses = train(ref, data, micro)
        model = build(0 if rank == 0 else 100 + rank)
        if name.startswith("cnn"):
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        ddp = nn.parallel.DistributedDataParallel(model, **kwargs)
        losses = gathered_mean(train(ddp, data, micro))
        results[name] = {
            "param_diff": max_diff(ddp.module, ref),
            "loss_diff": float(np.abs(np.array(losses) - ref_losses).max()),
            "buckets": len(ddp._buckets),
        }
        if name == "mlp":
            results["state_dict_keys"] = list(ddp.state_dict())[:2]
            trained, reference = ddp, ref

    # A checkpoint saved by rank 0 loads on every rank (and in a single process: the test).
    path = out + ".ckpt.safetensors"
    if rank == 0:
        nn.save(trained.module.state_dict(), path)
    dist.barrier()
    fresh = mlp(7)
    fresh.load_state_dict(nn.load(path))
    results["checkpoint_diff"] = max_diff(fresh, reference)
    results["checkpoint_path"] = path
    restarted = nn.parallel.DistributedDataParallel(mlp(200 + rank))  # weights from the file
    restarted.load_state_dict({"module." + k: v for k, v in nn.load(path).items()})
    train(restarted, batches["mlp"][:2])
    train(reference, batches["mlp"][:2])
    results["resumed_diff"] = max_diff(restarted.module, reference)

    # Unused parameters: rank 0 uses `extra`, rank 1 does not; `never` is used by no rank.
    class Branchy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Linear(4, 2).double()
            self.extra = nn.Linear(4, 2).double()
            self.never = nn.Linear(4, 2).double()

        def forward(self, x, use_extra: bool):
            y = self.body(x)
            return y + self.extra(x) if use_extra else y

    autograd.manual_seed(3)
    branchy = nn.parallel.DistributedDataParallel(Branchy(), find_unused_parameters=True)
    x = autograd.tensor(np.arange(8.0).reshape(2, 4) + rank, dtype=f64)
    branchy(x, use_extra=rank == 0).sum().backward()
    m = branchy.module
    # rank 0's gradient of extra.bias is 2 (two rows), rank 1 contributes nothing: mean 1.
    results["unused"] = {
        "extra_bias_grad": m.extra.bias.grad.tolist(),
        "never_grad_is_none": m.never.weight.grad is None,
        "body_bias_grad": m.body.bias.grad.tolist(),
    }
    strict = nn.parallel.DistributedDataParallel(Branchy())
    try:
        strict(x, use_extra=False).sum().backward()
        results["unused_error"] = None
    except RuntimeError as e:
        results["unused_error"] = str(e)

    # SyncBatchNorm on half the batch == BatchNorm1d on the whole batch.
    xs = np.random.default_rng(5).standard_normal((6, 3, 5)) * 3 + 1
    up = np.random.default_rng(6).standard_normal((6, 3, 5))
    for momentum in (0.1, None):
        bn = nn.BatchNorm1d(3, momentum=momentum).double()
        sbn = nn.SyncBatchNorm(3, momentum=momentum).double()
        with autograd.no_grad():
            for layer in (bn, sbn):
                layer.weight.copy_(autograd.tensor([0.5, 2.0, -1.0], dtype=f64))
                layer.bias.copy_(autograd.tensor([0.1, 0.0, 0.3], dtype=f64))
        xw = autograd.tensor(xs, dtype=f64, requires_grad=True)
        xh = autograd.tensor(shard(xs), dtype=f64, requires_grad=True)
        for _ in range(2):  # twice: running statistics move twice
            yw, yh = bn(xw), sbn(xh)
        (yw * autograd.tensor(up, dtype=f64)).sum().backward()
        (yh * autograd.tensor(shard(up), dtype=f64)).sum().backward()
        # Weight and bias gradients are local sums: together they make the whole batch's.
        wgrad = sbn.weight.grad.clone()
        dist.all_reduce(wgrad)
        bgrad = sbn.bias.grad.clone()
        dist.all_reduce(bgrad)
        sbn.eval(), bn.eval()
        key = f"sync_bn_momentum_{momentum}"
        results[key] = {
            "forward": float(np.abs(yh.detach().numpy() - shard(yw.detach().numpy())).max()),
            "input_grad": float(np.abs(xh.grad.numpy() - shard(xw.grad.numpy())).max()),
            "weight_grad": float(np.abs(wgrad.numpy() - bn.weight.grad.numpy()).max()),
            "bias_grad": float(np.abs(bgrad.numpy() - bn.bias.grad.numpy()).max()),
            "running": max_diff(sbn, bn),
            "eval_forward": float(
                np.abs(sbn(xh).detach().numpy() - shard(bn(xw).detach().numpy())).max()
            ),
        }
    try:
        nn.SyncBatchNorm(3).double()(xh).sum().backward(create_graph=True)
        results["sync_bn_double_backward"] = None
    except RuntimeError as e:
        results["sync_bn_double_backward"] = str(e)
    # Forward mode: the tangent on half the batch is BatchNorm1d's on the whole batch.
    tx = np.random.default_rng(7).standard_normal(xs.shape)
    bn, sbn = nn.BatchNorm1d(3).double(), nn.SyncBatchNorm(3).double()
    with fwAD.dual_level():
        whole = fwAD.make_dual(autograd.tensor(xs, dtype=f64), autograd.tensor(tx, dtype=f64))
        half = fwAD.make_dual(autograd.tensor(shard(xs), dtype=f64),
                              autograd.tensor(shard(tx), dtype=f64))  # fmt: skip
        tw, th = fwAD.unpack_dual(bn(whole)).tangent, fwAD.unpack_dual(sbn(half)).tangent
    results["sync_bn_forward_mode"] = float(np.abs(th.numpy() - shard(tw.numpy())).max())

    dist.destroy_process_group()
    results["readme_example"] = run_readme_example(os.path.dirname(out))
    with open(f"{out}.{rank}.json", "w") as f:
        json.dump(results, f)


def run_readme_example(workdir: str) -> list:
    """Run the README's training script twice in ``workdir``: a first run, then a restart."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Training on many machines") :]
    script = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    os.chdir(workdir)
    runs = []
    for _ in range(2):
        namespace: dict = {"__name__": "train"}
        exec(compile(script, "README.md", "exec"), namespace)
        weights = [p.detach().numpy().tolist() for p in namespace["ddp"].module.parameters()]
        runs.append({"first_epoch": namespace["first_epoch"], "world": namespace["world"],
                     "weights": weights})  # fmt: skip
    return runs


if __name__ == "__main__":
    main(sys.argv[1])
