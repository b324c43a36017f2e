"""Grad mode switches: context managers, decorators, thread-locality, anomaly mode."""

from __future__ import annotations

import threading

import pytest

import autograd


def leaf():
    return autograd.ones(2, requires_grad=True)


def test_no_grad_context_manager():
    x = leaf()
    with autograd.no_grad():
        assert not autograd.is_grad_enabled()
        y = x * 2
    assert autograd.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator_keeps_name_and_restores_mode():
    @autograd.no_grad()
    def f(t):
        """Doc."""
        return t * 2, autograd.is_grad_enabled()

    y, enabled = f(leaf())
    assert not enabled and not y.requires_grad
    assert f.__name__ == "f" and f.__doc__ == "Doc."
    assert autograd.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf()
    with autograd.no_grad():
        with autograd.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_enable_grad_decorator():
    @autograd.enable_grad()
    def f(t):
        return t * 2

    with autograd.no_grad():
        assert f(leaf()).requires_grad


def test_set_grad_enabled_as_function_context_and_decorator():
    autograd.set_grad_enabled(False)
    try:
        assert not autograd.is_grad_enabled()
    finally:
        autograd.set_grad_enabled(True)
    assert autograd.is_grad_enabled()

    with autograd.set_grad_enabled(False):
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()

    @autograd.set_grad_enabled(False)
    def f():
        return autograd.is_grad_enabled()

    assert autograd.is_grad_enabled()  # decorating does not switch the mode
    assert f() is False
    assert autograd.is_grad_enabled()


def test_set_grad_enabled_rejects_non_bool():
    with pytest.raises(TypeError, match="bool"):
        autograd.set_grad_enabled(0)


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with autograd.no_grad():
            raise ValueError("boom")
    assert autograd.is_grad_enabled()


def test_nested_no_grad_restores_outer_state():
    with autograd.no_grad():
        with autograd.no_grad():
            pass
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()


def test_grad_mode_is_thread_local():
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def worker():
        with autograd.no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = autograd.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    seen["main"] = autograd.is_grad_enabled()
    seen["main_records"] = (leaf() * 2).requires_grad
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True, "main_records": True}


def test_new_thread_starts_with_grad_enabled():
    seen = []
    with autograd.no_grad():
        t = threading.Thread(target=lambda: seen.append(autograd.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_detect_anomaly_switch_and_decorator():
    assert not autograd.is_anomaly_enabled()
    with autograd.detect_anomaly():
        assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()

    @autograd.detect_anomaly()
    def f():
        return autograd.is_anomaly_enabled()

    assert f() is True and not autograd.is_anomaly_enabled()


def test_backward_under_no_grad_still_works():
    x = leaf()
    y = (x * x).sum()
    with autograd.no_grad():
        y.backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert autograd.is_grad_enabled() is True
