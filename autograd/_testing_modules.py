"""check_module: gradcheck a Module with respect to its inputs and parameters, on drawn inputs;
re-exported and documented by :mod:`autograd.testing`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import settings as _settings
from hypothesis import strategies as st

from ._testing_checks import OpCall, _to_float64, ops_without_forward_rule
from ._testing_strategies import avoiding_kinks
from .gradcheck import GradcheckError
from .gradcheck import gradcheck as _gradcheck
from .gradcheck import gradgradcheck as _gradgradcheck
from .tensor import Tensor


def check_module(
    module_factory: Callable[[], Any],
    input_strategy: st.SearchStrategy | Callable[[Any], st.SearchStrategy],
    *,
    max_examples: int | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gradgradcheck: bool = False,
    forward_ad: bool | None = None,
    fast_mode: bool = False,
    seed: int = 0,
) -> None:
    """Gradcheck a Module with respect to its inputs and its parameters, on drawn inputs.

    Runs a Hypothesis search: for every example a fresh module from ``module_factory()`` (built
    with the global generator seeded with ``seed``, which is restored afterwards, so an example
    replays), cast to float64 with ``.double()``, is called on inputs drawn from
    ``input_strategy`` (inside :func:`avoiding_kinks`); :func:`autograd.gradcheck` checks the
    outputs against every floating-point input and every parameter that requires grad. A
    failure names the parameter behind each input index.

    Parameters
    ----------
    module_factory : callable
        Returns a new Module (e.g. ``lambda: nn.Linear(3, 2)``). Make it deterministic: no
        dropout in training mode.
    input_strategy : strategy, or callable taking the module and returning one
        Draws the forward's input (an array or a Tensor) or a tuple of them. Float values become
        float64 Tensors that require grad; integer ones (indices) are passed as Tensors. A
        callable gets the module first, so the inputs can fit it.
    max_examples : int, optional
        Examples to run (default: the active Hypothesis profile's).
    eps, atol, rtol, fast_mode
        As for :func:`autograd.gradcheck`.
    gradgradcheck : bool
        Also check second derivatives with :func:`autograd.gradgradcheck`.
    forward_ad : bool or None
        Also check forward mode; None (default): when every op in the module's graph has a
        forward-mode rule (see :func:`check_op`).
    seed : int
        Seed of the global generator while the module is built.

    Raises
    ------
    autograd.gradcheck.GradcheckError
        For the (shrunk) failing example, with the inputs and parameters named.
    TypeError
        If ``module_factory`` or ``input_strategy`` is not what is described above.
    RuntimeError
        If the module reads a parameter without going through its attribute (a cached copy),
        which would make the parameter's check vacuous.

    Examples
    --------
    >>> import nn
    >>> from hypothesis import strategies as st
    >>> from autograd import testing
    >>> batches = testing.arrays(st.tuples(st.integers(1, 3), st.just(4)))
    >>> testing.check_module(lambda: nn.Linear(4, 2), batches, max_examples=5)

    Inputs that depend on the module:

    >>> def images(conv):
    ...     side = st.integers(3, 5)
    ...     return testing.arrays(st.tuples(st.just(1), st.just(conv.in_channels), side, side))
    >>> testing.check_module(lambda: nn.Conv2d(2, 3, 3), images, max_examples=3)
    """
    is_module = not isinstance(module_factory, type) and hasattr(module_factory, "parameters")
    if not callable(module_factory) or is_module:
        raise TypeError(
            "check_module: module_factory must be a callable returning a new Module (e.g. "
            f"`lambda: nn.Linear(4, 2)`), got {type(module_factory).__name__}"
        )
    if not (isinstance(input_strategy, st.SearchStrategy) or callable(input_strategy)):
        raise TypeError(
            "check_module: input_strategy must be a Hypothesis strategy or a callable taking the "
            f"module and returning one, got {type(input_strategy).__name__}"
        )
    options = {"eps": eps, "atol": atol, "rtol": rtol, "fast_mode": fast_mode}

    def test(data: Any) -> None:
        module = _build_module(module_factory, seed)
        strategy = input_strategy
        if not isinstance(strategy, st.SearchStrategy):
            strategy = input_strategy(module)
            if not isinstance(strategy, st.SearchStrategy):
                raise TypeError(
                    "check_module: input_strategy(module) must return a Hypothesis strategy, "
                    f"got {type(strategy).__name__}"
                )
        with avoiding_kinks():
            drawn = data.draw(strategy, label="inputs")
        args = drawn if isinstance(drawn, tuple) else (drawn,)
        _check_module_once(module, args, gradgradcheck, forward_ad, options)

    wrapped = given(data=st.data())(test)
    if max_examples is not None:
        wrapped = _settings(max_examples=max_examples, deadline=None)(wrapped)
    wrapped()


def _build_module(module_factory: Callable[[], Any], seed: int) -> Any:
    from .random import default_generator

    before, state = default_generator.initial_seed(), default_generator.get_state()
    default_generator.manual_seed(seed)
    try:
        module = module_factory()
    finally:
        default_generator.manual_seed(before)
        default_generator.set_state(state)
    if not (hasattr(module, "named_parameters") and hasattr(module, "modules")
            and callable(module)):  # fmt: skip
        raise TypeError(
            f"check_module: module_factory must return a Module, got {type(module).__name__}"
        )
    return module.double() if hasattr(module, "double") else module


def _check_module_once(
    module: Any, args: tuple, gradgradcheck: bool, forward_ad: bool | None, options: dict
) -> None:
    call = OpCall(module, *_to_float64(args))
    names = {id(p): name for name, p in module.named_parameters()}
    params = [p for p in {id(p): p for p in module.parameters()}.values() if p.requires_grad]
    position = {id(p): k for k, p in enumerate(params)}
    # Every place a parameter is registered (a shared one sits in several modules).
    slots = [
        (m, name, position[id(p)])
        for m in module.modules()
        for name, p in m._parameters.items()
        if p is not None and id(p) in position
    ]
    n = len(call.leaves)
    copies = tuple(Tensor._make(np.array(p._array, copy=True), True) for p in params)

    def run(*xs: Tensor) -> tuple:
        originals = [m._parameters[name] for m, name, _ in slots]
        for m, name, k in slots:
            m._parameters[name] = xs[n + k]
        try:
            return _flat_tensors(call(*xs[:n]))
        finally:
            for (m, name, _), p in zip(slots, originals):
                m._parameters[name] = p

    _require_parameters_read(module, call, params, names, run, copies)
    legend = [f"input {i}: forward input of shape {t.shape}" for i, t in enumerate(call.leaves)]
    legend += [f"input {n + k}: parameter '{names[id(p)]}'" for k, p in enumerate(params)]
    inputs = call.leaves + copies
    if forward_ad is None:
        forward_ad = not ops_without_forward_rule(run(*inputs))
    try:
        _gradcheck(run, inputs, check_forward_ad=forward_ad, **options)
        if gradgradcheck:
            _gradgradcheck(run, inputs, **options)
    except GradcheckError as e:
        raise GradcheckError(
            f"check_module({type(module).__name__}): {e}\n(" + "; ".join(legend) + ")"
        ) from e


def _require_parameters_read(
    module: Any, call: OpCall, params: list, names: dict, run: Callable, copies: tuple
) -> None:
    """A parameter the module uses must be used through its attribute, or swapping it for the
    checked copy changes nothing and its check passes without checking anything."""
    if not params:
        return
    from .engine import grad

    def used(outs: tuple, wrt: list) -> list[bool]:
        outs = [o for o in outs if o.requires_grad]
        if not outs:
            return [False] * len(wrt)
        total = sum((o.sum() for o in outs[1:]), outs[0].sum())
        return [g is not None for g in grad(total, wrt, allow_unused=True)]

    direct = used(_flat_tensors(call()), params)
    swapped = used(run(*call.leaves, *copies), list(copies))
    for p, a, b in zip(params, direct, swapped):
        if a and not b:
            raise RuntimeError(
                f"check_module: {type(module).__name__} uses parameter '{names[id(p)]}' without "
                "reading its attribute (a cached copy?), so it cannot be checked"
            )


def _flat_tensors(out: Any) -> tuple:
    """The Tensors in a (nested) tuple, list or dict of outputs, in order."""
    if isinstance(out, Tensor):
        return (out,)
    if isinstance(out, (tuple, list)):
        return tuple(t for o in out for t in _flat_tensors(o))
    if isinstance(out, dict):
        return tuple(t for o in out.values() for t in _flat_tensors(o))
    return ()
