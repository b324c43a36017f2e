"""Module backward hooks: PyTorch's ``register_full_backward_hook`` and ``..._pre_hook``.

A call of a module with such hooks threads its tensor inputs and outputs through two identity
Functions. When backward reaches the outputs' node, the gradients with respect to the module's
outputs are known: the pre-hooks run there (and may replace them). When it reaches the inputs'
node, the gradients with respect to the module's inputs are known: the hooks run there with both
(and may replace the input gradients). If no input needs a gradient, the hooks run at the outputs'
node with ``grad_input`` all None, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import autograd
from autograd import Function, Tensor


class _CallState:
    """What the two nodes of one module call share."""

    __slots__ = ("module", "n_args", "positions", "grad_output")

    def __init__(self, module: Any, n_args: int, positions: tuple[int, ...]) -> None:
        self.module = module
        self.n_args = n_args
        self.positions = positions  # which positional arguments are wrapped tensors
        self.grad_output: tuple = ()


def _as_tensors(grads: tuple) -> tuple:
    return tuple(g if g is None or isinstance(g, Tensor) else autograd.as_tensor(g) for g in grads)


def _as_given(new: tuple, old: tuple) -> tuple:
    """Hook results back in the form backward passes them (arrays unless building a graph)."""
    return tuple(
        n if n is None or isinstance(o, Tensor) else n.detach().numpy() for n, o in zip(new, old)
    )


def _checked(result: Any, expected: tuple, what: str, module: Any) -> tuple:
    if result is None:
        return expected
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != len(expected):
        raise RuntimeError(
            f"{type(module).__name__}: backward {what} hook returned {len(result)} gradients, "
            f"expected {len(expected)}"
        )
    for new, old in zip(result, expected):
        wrong_shape = old is not None and isinstance(new, Tensor) and new.shape != old.shape
        if new is not None and (not isinstance(new, Tensor) or wrong_shape):
            raise RuntimeError(
                f"{type(module).__name__}: backward {what} hook must return Tensors of the "
                f"gradients' shapes (or None), got {new!r:.80}"
            )
    return result


def _run_hooks(state: _CallState, grad_input: tuple) -> tuple:
    module = state.module
    for hook in list(module._backward_hooks.values()):
        grad_input = _checked(hook(module, grad_input, state.grad_output), grad_input, "", module)
    return grad_input


class _HookIdentity(Function):
    """Identity on some tensors of one module call; its backward runs that call's hooks."""

    @staticmethod
    def forward(ctx, state, *arrays):
        ctx.state = state
        return arrays if len(arrays) > 1 else arrays[0]

    @staticmethod
    def jvp(ctx, state, *tangents):
        # Forward mode passes the tangents through unchanged: the hooks act on gradients only.
        return tangents if len(tangents) > 1 else tangents[0]


class BackwardHookOutputs(_HookIdentity):
    """Identity on a module's outputs; its backward runs the backward pre-hooks."""

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        module = state.module
        grad_output = _as_tensors(grads)
        for hook in list(module._backward_pre_hooks.values()):
            grad_output = _checked(hook(module, grad_output), grad_output, "pre-", module)
        state.grad_output = grad_output
        if not state.positions:
            _run_hooks(state, (None,) * state.n_args)
        return (None, *_as_given(grad_output, grads))


class BackwardHookInputs(_HookIdentity):
    """Identity on a module's tensor inputs; its backward runs the full backward hooks."""

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        grad_input = [None] * state.n_args
        for pos, g in zip(state.positions, _as_tensors(grads)):
            grad_input[pos] = g
        grad_input = _run_hooks(state, tuple(grad_input))
        new = tuple(grad_input[pos] for pos in state.positions)
        return (None, *_as_given(new, grads))


def _wrap(fn: type[Function], state: _CallState, tensors: list[Tensor]) -> list[Tensor]:
    out = fn.apply(state, *tensors)
    return list(out) if isinstance(out, tuple) else [out]


def wrap_inputs(module: Any, args: tuple) -> tuple[tuple, _CallState]:
    """Thread the positional tensor arguments that need gradients through the input node."""
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad)
    state = _CallState(module, len(args), positions if autograd.is_grad_enabled() else ())
    if not state.positions:
        return args, state
    wrapped = _wrap(BackwardHookInputs, state, [args[i] for i in positions])
    args = list(args)
    for i, t in zip(positions, wrapped):
        args[i] = t
    return tuple(args), state


def wrap_outputs(state: _CallState, out: Any) -> Any:
    """Thread the module's output tensors (a Tensor, or a tuple/list of them) through the output
    node, keeping the output's structure."""
    if not autograd.is_grad_enabled():
        return out
    items = list(out) if isinstance(out, (tuple, list)) else [out]
    slots = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
    if not slots:
        return out
    wrapped = _wrap(BackwardHookOutputs, state, [items[i] for i in slots])
    for i, t in zip(slots, wrapped):
        items[i] = t
    if isinstance(out, (tuple, list)):
        return type(out)(items) if not hasattr(out, "_fields") else type(out)(*items)
    return items[0]
