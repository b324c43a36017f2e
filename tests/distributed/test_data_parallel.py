"""nn.parallel.DistributedDataParallel: 2 ranks on half batches == 1 process on whole batches."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import optim
from nn.parallel.distributed import _assign_buckets

CONFIGS = [
    "mlp",
    "mlp_no_sync",
    "mlp_bucket_view_small_buckets",
    "cnn_sync_batchnorm",
    "cnn_no_sync",
]


@pytest.mark.parametrize("config", CONFIGS)
def test_five_steps_on_two_ranks_equal_one_process_on_the_whole_batch(training_run, config):
    for result in training_run:
        found = result[config]
        assert found["param_diff"] < 1e-10, (result["rank"], found)
        assert found["loss_diff"] < 1e-10, (result["rank"], found)


def test_small_buckets_split_the_gradients(training_run):
    assert training_run[0]["mlp"]["buckets"] == 1
    assert training_run[0]["mlp_bucket_view_small_buckets"]["buckets"] == 3
    assert training_run[0]["cnn_no_sync"]["buckets"] == 3


def test_state_dict_keys_have_the_module_prefix(training_run):
    assert training_run[0]["state_dict_keys"] == ["module.0.weight", "module.0.bias"]


def test_checkpoint_from_rank_0_loads_on_two_ranks_and_in_one_process(training_run, world_of_one):
    for result in training_run:
        assert result["checkpoint_diff"] < 1e-10  # loaded into a fresh model on each rank
        assert result["resumed_diff"] < 1e-10  # and training resumed as one process would
    state = nn.load(training_run[0]["checkpoint_path"])
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 3)).double()  # fmt: skip
    ddp = nn.parallel.DistributedDataParallel(model)
    ddp.load_state_dict({"module." + k: v for k, v in state.items()})
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), state[k].numpy())


def test_unused_parameters(training_run):
    for result in training_run:
        unused = result["unused"]
        assert unused["extra_bias_grad"] == [1.0, 1.0]  # rank 0's 2, rank 1's nothing: mean 1
        assert unused["body_bias_grad"] == [2.0, 2.0]
        assert unused["never_grad_is_none"]
        message = result["unused_error"]
        assert message is not None and "find_unused_parameters=True" in message
        assert "'never.weight'" in message and "'extra.bias'" in message


# --------------------------------------------------------------------------- one process
def _mlp(seed: int = 0) -> nn.Module:
    autograd.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double()


def test_one_process_grads_equal_the_plain_module(world_of_one):
    x = autograd.randn(5, 4, dtype=autograd.float64)
    plain, wrapped = _mlp(), nn.parallel.DistributedDataParallel(_mlp())
    plain(x).pow(2).sum().backward()
    out = wrapped(x)
    out.pow(2).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), plain(x).detach().numpy())
    for p, q in zip(plain.parameters(), wrapped.module.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_one_process_no_sync_accumulates_then_syncs(world_of_one):
    ddp = nn.parallel.DistributedDataParallel(_mlp())
    opt = optim.SGD(ddp.parameters(), lr=0.1)
    x = autograd.randn(3, 4, dtype=autograd.float64)
    with ddp.no_sync():
        ddp(x).sum().backward()
        assert ddp.require_backward_grad_sync is False
    assert ddp.require_backward_grad_sync is True
    ddp(x).sum().backward()
    reference = _mlp()
    reference(x).sum().backward()
    reference(x).sum().backward()
    for p, q in zip(reference.parameters(), ddp.module.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-14)
    opt.step()


def test_gradient_as_bucket_view_makes_grads_views_of_one_buffer(world_of_one):
    ddp = nn.parallel.DistributedDataParallel(_mlp(), gradient_as_bucket_view=True)
    x = autograd.randn(3, 4, dtype=autograd.float64)
    for _ in range(2):
        ddp.zero_grad(set_to_none=False)
        ddp(x).sum().backward()
    reference = _mlp()
    reference(x).sum().backward()
    grads = [p.grad for p in ddp.module.parameters()]
    for g, p in zip(grads, reference.parameters()):
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-14)
    bucket = ddp._buckets[0].flat.numpy()
    assert all(np.shares_memory(g.numpy(), bucket) for g in grads)


def test_constructor_errors(world_of_one):
    DDP = nn.parallel.DistributedDataParallel
    with pytest.raises(TypeError, match="module must be an nn.Module, got function"):
        DDP(lambda x: x)
    with pytest.raises(ValueError, match="device_ids and output_device must be None"):
        DDP(_mlp(), device_ids=[0])
    with pytest.raises(ValueError, match="bucket_cap_mb must be a positive number, got 0"):
        DDP(_mlp(), bucket_cap_mb=0)
    with pytest.raises(TypeError, match="process_group must be a ProcessGroup"):
        DDP(_mlp(), process_group="world")
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a grad"):
        DDP(_mlp().requires_grad_(False))


def test_constructor_needs_a_process_group():
    with pytest.raises(ValueError, match="DistributedDataParallel: the default process group"):
        nn.parallel.DistributedDataParallel(_mlp())


def test_missing_gradient_without_find_unused_parameters_names_it(world_of_one):
    class WithSpare(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = _mlp()
            self.spare = nn.Linear(2, 2)

        def forward(self, x):
            return self.net(x)

    ddp = nn.parallel.DistributedDataParallel(WithSpare())
    with pytest.raises(RuntimeError, match=r"\['spare.bias', 'spare.weight'\] got no gradient"):
        ddp(autograd.ones(1, 4, dtype=autograd.float64)).sum().backward()


def test_buckets_are_in_reverse_order_capped_and_one_dtype_each():
    params = [autograd.zeros(n, dtype=dt) for n, dt in
              [(100, "float64"), (50, "float32"), (100, "float64"), (300, "float64"),
               (10, "float64")]]  # fmt: skip
    # The first bucket closes at 800 bytes (100 float64), the next ones at 1600.
    assert _assign_buckets(params, 800, 1600) == [[4, 3], [2, 0], [1]]
    assert _assign_buckets(params, 10**9, 10**9) == [[4, 3, 2, 0], [1]]


def test_first_bucket_starts_while_backward_still_runs(world_of_one):
    # Two buckets: the last layer's gradients (ready first) and the first layer's. When the
    # gradient reaches the first layer's output, the last layer's bucket is already in flight.
    autograd.manual_seed(0)
    first, last = nn.Linear(4, 64).double(), nn.Linear(64, 2).double()
    last_layer_bytes = (64 * 2 + 2) * 8
    ddp = nn.parallel.DistributedDataParallel(
        nn.Sequential(first, nn.Tanh(), last), bucket_cap_mb=last_layer_bytes / 2**20
    )
    assert len(ddp._buckets) == 2
    launched = []  # which buckets are in flight when the gradient reaches the first layer
    hidden = ddp.module[0](autograd.randn(3, 4, dtype=autograd.float64))
    hidden.register_hook(lambda g: launched.append([b.work is not None for b in ddp._buckets]))
    ddp._prepare_for_backward()
    ddp.module[2](ddp.module[1](hidden)).sum().backward()
    assert launched == [[True, False]]
    assert first.weight.grad is not None and last.weight.grad is not None


def test_readme_training_script_runs_on_two_ranks_and_resumes(training_run):
    first_rank0, restart_rank0 = training_run[0]["readme_example"]
    first_rank1, restart_rank1 = training_run[1]["readme_example"]
    assert first_rank0["world"] == 2 and first_rank0["first_epoch"] == 0
    assert restart_rank0["first_epoch"] == restart_rank1["first_epoch"] == 5  # from the file
    assert first_rank0["weights"] == first_rank1["weights"]  # the replicas stayed equal
    assert restart_rank1["weights"] == first_rank0["weights"]  # loaded what rank 0 saved
