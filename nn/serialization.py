"""``nn.save`` / ``nn.load``: the engine's checkpoint functions, :func:`autograd.save` and
:func:`autograd.load`, under ``nn``'s name (safetensors files; loading never runs code).

Examples
--------
>>> import os, tempfile, autograd, nn
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
>>> nn.save({"w": autograd.ones(2), "step": 3}, path)
>>> nn.load(path)
{'w': tensor([1., 1.]), 'step': 3}
"""

from autograd import load, save

__all__ = ["save", "load"]
