"""The fused updates (autograd/extend.py, autograd/kernels/optim.py) as the optimizers use them.

Drawn hyper-parameters, shapes and values: each optimizer's steps against PyTorch's; tensors the
kernels cannot take as they are (strided, another dtype, float16) staged through them with the
same result as the direct path; the kernels' Python functions (what ``NUMBA_DISABLE_JIT=1`` runs)
against the compiled kernels; :func:`autograd.extend.apply_update`'s checks and version counting.
"""

from __future__ import annotations

import sys

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import optim
from autograd import extend as fused
from autograd import testing
from autograd.kernels import optim as kernels

FLAG = st.booleans()
LR = st.sampled_from([1e-3, 0.05, 0.3])
DECAY = st.sampled_from([0.0, 0.0, 0.02, 0.5])
# beta1 = 0.5 and 0.3 take lerp's other formula (weight 1 - beta1 >= 0.5)
BETAS = st.tuples(st.sampled_from([0.0, 0.3, 0.5, 0.9]), st.sampled_from([0.5, 0.9, 0.999]))
EPS = st.sampled_from([1e-8, 1e-3])


def _sgd_config(c: dict) -> dict:
    if c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0):
        c["nesterov"] = False
    return c


CONFIGS = {
    "SGD": st.fixed_dictionaries(
        {"lr": LR, "momentum": st.sampled_from([0.0, 0.5, 0.9]),
         "dampening": st.sampled_from([0.0, 0.3]), "weight_decay": DECAY, "nesterov": FLAG,
         "maximize": FLAG}
    ).map(_sgd_config),
    "Adam": st.fixed_dictionaries(
        {"lr": LR, "betas": BETAS, "eps": EPS, "weight_decay": DECAY, "amsgrad": FLAG,
         "maximize": FLAG, "decoupled_weight_decay": FLAG}
    ),
    "AdamW": st.fixed_dictionaries({"lr": LR, "betas": BETAS, "weight_decay": DECAY,
                                    "amsgrad": FLAG}),
    "NAdam": st.fixed_dictionaries(
        {"lr": LR, "betas": BETAS, "eps": EPS, "weight_decay": DECAY,
         "momentum_decay": st.sampled_from([4e-3, 0.1]), "decoupled_weight_decay": FLAG,
         "maximize": FLAG}
    ),
    "RAdam": st.fixed_dictionaries(
        {"lr": LR, "betas": BETAS, "eps": EPS, "weight_decay": DECAY,
         "decoupled_weight_decay": FLAG, "maximize": FLAG}
    ),
    "Adamax": st.fixed_dictionaries(
        {"lr": LR, "betas": BETAS, "eps": EPS, "weight_decay": DECAY, "maximize": FLAG}
    ),
    "Adagrad": st.fixed_dictionaries(
        {"lr": LR, "lr_decay": st.sampled_from([0.0, 0.1]), "weight_decay": DECAY,
         "initial_accumulator_value": st.sampled_from([0.0, 0.5]), "eps": EPS,
         "maximize": FLAG}
    ),
    "Adadelta": st.fixed_dictionaries(
        {"lr": LR, "rho": st.sampled_from([0.0, 0.5, 0.9, 1.0]), "eps": EPS,
         "weight_decay": DECAY, "maximize": FLAG}
    ),
    "RMSprop": st.fixed_dictionaries(
        {"lr": LR, "alpha": st.sampled_from([0.5, 0.9, 0.99]), "eps": EPS,
         "weight_decay": DECAY, "momentum": st.sampled_from([0.0, 0.9]), "centered": FLAG,
         "maximize": FLAG}
    ),
}  # fmt: skip
STEPS = 7  # RAdam rectifies from step 6 with beta2 = 0.9


@st.composite
def runs(draw, name):
    """A config, a starting parameter and one gradient per step, of one drawn shape."""
    shape = draw(testing.shapes(max_dims=2))
    start = draw(testing.arrays(shape, low=-2.0, high=2.0, kinks=(0.0,)))
    grads = [draw(testing.arrays(shape, low=-2.0, high=2.0, kinks=(0.0,))) for _ in range(STEPS)]
    return draw(CONFIGS[name]), start, grads


def _steps(lib, name, config, start, grads, layout=np.ascontiguousarray):
    """Parameters and state after each step, as float64 arrays; ``layout`` makes the arrays
    handed to the library (ours only)."""
    if lib is autograd:
        p = autograd.from_numpy(layout(start.copy()))
        p.requires_grad_(True)
        opt = getattr(optim, name)([p], **config)
    else:
        p = lib.tensor(start.copy(), requires_grad=True)
        opt = getattr(lib.optim, name)([p], **config)
    history = []
    for g in grads:
        p.grad = autograd.from_numpy(layout(g.copy())) if lib is autograd else lib.tensor(g)
        opt.step()
        state = {k: np.array(v.detach().numpy(), np.float64) for k, v in opt.state[p].items()}
        history.append((np.array(p.detach().numpy(), np.float64), state))
    return history


def _assert_same(ours, theirs, exact=False):
    for step, ((p, state), (q, their_state)) in enumerate(zip(ours, theirs), 1):
        assert list(state) == list(their_state), f"step {step}"
        for key, a, b in [("param", p, q)] + [(k, state[k], their_state[k]) for k in state]:
            if exact:
                np.testing.assert_array_equal(a, b, err_msg=f"step {step}, {key}")
            else:
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, equal_nan=True,
                                           err_msg=f"step {step}, {key}")  # fmt: skip


@pytest.mark.parametrize("name", list(CONFIGS))
@given(data=st.data())
def test_drawn_steps_match_torch(name, data):
    torch = pytest.importorskip("torch")  # not the fixture: Hypothesis re-runs the body
    torch.set_num_threads(1)
    config, start, grads = data.draw(runs(name))
    _assert_same(_steps(autograd, name, config, start, grads),
                 _steps(torch, name, config, start, grads))  # fmt: skip


def _strided(a: np.ndarray) -> np.ndarray:
    """The values of ``a`` in a strided (non-contiguous) view of a larger buffer."""
    big = np.zeros(a.shape + (3,), a.dtype)
    big[..., 1] = a
    return big[..., 1]


@pytest.mark.parametrize("name", list(CONFIGS))
@given(data=st.data())
def test_strided_tensors_take_the_same_path_as_contiguous_ones(name, data):
    config, start, grads = data.draw(runs(name))
    direct = _steps(autograd, name, config, start, grads)
    staged = _steps(autograd, name, config, start, grads, layout=_strided)
    _assert_same(staged, direct, exact=True)


def test_staged_state_and_gradient_dtype_match_the_direct_path():
    """Every operand strided, the gradient float32: copied in, updated, written back."""
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((3, 4)) for _ in range(4)]
    grad32 = rng.standard_normal((3, 4)).astype(np.float32)

    def run(layout, grad):
        p, m, v, vmax = (autograd.from_numpy(layout(a.copy())) for a in arrays)
        step = autograd.tensor(0.0)
        optim.adam([p], [autograd.from_numpy(layout(grad))], [m], [abs(v)], [abs(vmax)], [step],
                   amsgrad=True, beta1=0.9, beta2=0.99, lr=0.1, weight_decay=0.1, eps=1e-8,
                   maximize=False)  # fmt: skip
        return p, m

    p_direct, m_direct = run(np.ascontiguousarray, grad32.astype(np.float64))
    p_staged, m_staged = run(lambda a: _strided(a).T, grad32)
    assert not p_staged.is_contiguous()
    np.testing.assert_array_equal(p_staged.numpy().T, p_direct.numpy())
    np.testing.assert_array_equal(m_staged.numpy().T, m_direct.numpy())


def test_float16_parameter_is_updated_in_float32_and_rounded_back():
    start = np.array([1.0, -0.5, 0.25], np.float16)
    p16 = autograd.tensor(start, requires_grad=True)
    p32 = autograd.tensor(start.astype(np.float32), requires_grad=True)
    opt16, opt32 = optim.Adam([p16], lr=0.1), optim.Adam([p32], lr=0.1)
    for p in (p16, p32):
        p.grad = autograd.tensor(np.array([0.3, -2.0, 0.0], p.dtype))
    opt16.step()
    opt32.step()
    assert p16.dtype == opt16.state[p16]["exp_avg"].dtype == autograd.float16
    np.testing.assert_array_equal(p16.detach().numpy(), p32.detach().numpy().astype(np.float16))


# ------------------------------------------------------------------------------ apply_update
def _sgd_args(p, g, buf=None):
    return (fused.sgd_update, p, g, [buf], (-0.1, 1.0, 0.0, 0.9, 1.0), (buf is not None, False,
                                                                        False))  # fmt: skip


def test_apply_update_bumps_the_version_of_every_tensor_it_changes():
    p, g, buf = autograd.ones(3), autograd.ones(3), autograd.ones(3)
    versions = [t._version for t in (p, g, buf)]
    fused.apply_update(*_sgd_args(p, g, buf), op="sgd")
    assert [t._version for t in (p, g, buf)] == [versions[0] + 1, versions[1], versions[2] + 1]
    np.testing.assert_allclose(buf.numpy(), 1.9)  # 0.9 * 1 + 1
    np.testing.assert_allclose(p.numpy(), 1 - 0.1 * 1.9)


@pytest.mark.parametrize(
    ("p", "g", "error", "message"),
    [
        (np.ones(3), autograd.ones(3), TypeError,
         "sgd: expected a floating-point Tensor parameter, got ndarray"),
        (autograd.tensor([1, 2]), autograd.ones(2), TypeError, "got dtype int64"),
        (autograd.ones(3), autograd.ones(4), ValueError,
         "sgd: grad has shape (4,), expected the parameter's (3,)"),
        (autograd.ones(3), None, TypeError, "sgd: grad must be a Tensor, got NoneType"),
        (autograd.ones(1).expand(3), autograd.ones(3), RuntimeError, "sgd: param is read-only"),
    ],
)  # fmt: skip
def test_apply_update_refuses_what_a_kernel_cannot_take(p, g, error, message):
    before = None if not isinstance(p, autograd.Tensor) else p.numpy().copy()
    with pytest.raises(error) as info:
        fused.apply_update(*_sgd_args(p, g), op="sgd")
    assert message in str(info.value)
    if before is not None:
        np.testing.assert_array_equal(p.numpy(), before)


def test_apply_update_checks_state_shapes_before_writing():
    p, g = autograd.ones(3), autograd.ones(3)
    with pytest.raises(ValueError, match="sgd: state tensor 0 has shape"):
        fused.apply_update(*_sgd_args(p, g, autograd.ones(2)), op="sgd")
    np.testing.assert_array_equal(p.numpy(), [1.0, 1.0, 1.0])


# --------------------------------------------------------------------- kernels' Python source
PYTHON_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.2)),
    ("Adam", dict(lr=0.1, amsgrad=True, weight_decay=0.1, betas=(0.3, 0.9))),
    ("AdamW", dict(lr=0.1, betas=(0.9, 0.99))),
    ("NAdam", dict(lr=0.1, decoupled_weight_decay=True, weight_decay=0.1)),
    ("RAdam", dict(lr=0.1, betas=(0.9, 0.9))),
    ("Adamax", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5)),
    ("Adadelta", dict(rho=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
]
KERNELS = {"SGD": "sgd", "Adam": "adam", "AdamW": "adam", "NAdam": "nadam", "RAdam": "radam",
           "Adamax": "adamax", "Adagrad": "adagrad", "Adadelta": "adadelta",
           "RMSprop": "rmsprop"}  # fmt: skip


def _trajectory(name, config, dtype, size=5):
    rng = np.random.default_rng(0)
    p = autograd.tensor(rng.standard_normal(size).astype(dtype), requires_grad=True)
    opt = getattr(optim, name)([p], **config)
    out = []
    for _ in range(STEPS):
        p.grad = autograd.tensor(rng.standard_normal(size).astype(dtype))
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "config"), PYTHON_CASES, ids=[c[0] for c in PYTHON_CASES])
def test_kernels_python_source_matches_compiled(monkeypatch, name, config, dtype):
    """The kernel's Python function (what NUMBA_DISABLE_JIT runs) gives the compiled results."""
    compiled = _trajectory(name, config, dtype)
    for attr, value in list(vars(kernels).items()):  # kernels and the helpers they call
        if hasattr(value, "py_func"):
            monkeypatch.setattr(kernels, attr, value.py_func)
    kernel = f"{KERNELS[name]}_update"
    monkeypatch.setattr(sys.modules[f"optim.{KERNELS[name]}"], kernel, getattr(kernels, kernel))
    python = _trajectory(name, config, dtype)
    for step, (a, b) in enumerate(zip(python, compiled), 1):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b, err_msg=f"step {step}")


def test_a_kernel_refuses_a_missing_state_its_flags_need():
    p, g, m, v = autograd.ones(3), autograd.ones(3), autograd.zeros(3), autograd.zeros(3)
    coefficients = (1.0, 0.0, 1.0, 0.1, 0.999, 0.001, 1e-8, -0.1, 1.0)
    with pytest.raises(ValueError, match="with amsgrad, max_exp_avg_sq must have param's size"):
        fused.apply_update(fused.adam_update, p, g, [m, v, None], coefficients, (True,))
    with pytest.raises(ValueError, match="with momentum, buf must have param's size"):
        fused.apply_update(*_sgd_args(p, g)[:4], (-0.1, 1.0, 0.0, 0.9, 1.0), (True, True, False))
    np.testing.assert_array_equal(p.numpy(), [1.0, 1.0, 1.0])


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compiled kernels only")
@pytest.mark.parametrize(("name", "config"), PYTHON_CASES, ids=[c[0] for c in PYTHON_CASES])
def test_parallel_kernels_match_their_serial_twins(monkeypatch, name, config):
    """A large parameter runs the parallel machine code: the same bits as the serial loop."""
    from autograd.kernels import _jit

    monkeypatch.setattr(_jit, "PARALLEL_COMPILE_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 0.0)
    kernel = getattr(
        kernels, "_adam_kernel" if KERNELS[name] == "adam" else f"{KERNELS[name]}_update"
    )
    size = 1 << 16  # 256 KB of float32 a tensor: above the update kernels' parallel threshold
    parallel = _trajectory(name, config, np.float32, size)
    assert kernel.tier.parallel and kernel.dispatcher.overloads  # the parallel code ran
    monkeypatch.setattr(_jit, "_SERIAL_ONLY", True)
    serial = _trajectory(name, config, np.float32, size)
    for a, b in zip(parallel, serial):
        np.testing.assert_array_equal(a, b)
