"""Make sure ``import autograd`` found numbagrad's engine, not another package of that name.

HIPS autograd (``pip install autograd``, a dependency of several scientific packages) has the
same import name. Where both are installed, whichever comes first on ``sys.path`` wins, and
``nn`` built on the wrong one would fail with a confusing ``cannot import name 'Tensor'``.
"""

from __future__ import annotations

import importlib


def require_numbagrad_engine(package: str = "nn") -> None:
    """Raise ``ImportError`` saying which package shadows which, unless ``autograd`` is ours.

    Examples
    --------
    >>> from nn._engine import require_numbagrad_engine
    >>> require_numbagrad_engine()
    """
    engine = importlib.import_module("autograd")
    if getattr(engine, "__numbagrad__", False) is True:
        return
    where = getattr(engine, "__file__", None) or "an unknown location"
    raise ImportError(
        f"{package}: `import autograd` found {where}, which is not numbagrad's engine (most "
        "likely HIPS autograd, the PyPI package 'autograd', which uses the same import name and "
        "shadows numbagrad's). Install numbagrad in its own virtual environment "
        "(python -m venv .venv && .venv/bin/pip install numbagrad), or remove the other package "
        "with `pip uninstall autograd` and reinstall numbagrad."
    )
