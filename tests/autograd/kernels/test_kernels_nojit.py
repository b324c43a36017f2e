"""The kernels' Python source paths: a small subset run with NUMBA_DISABLE_JIT=1.

Numba replaces each kernel by its Python function and ``prange`` by ``range``; the results
must equal the compiled ones. The subprocess keeps the setting away from this process, whose
kernels are already compiled.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = r"""
import sys
import numpy as np
from autograd.kernels import batchnorm, conv, cross_entropy, matmul, pool, softmax

def run():
    rng = np.random.default_rng(0)
    out = {}
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((6, 2, 3, 2))
    wd = rng.standard_normal((4, 1, 3, 3))
    for name, weight, groups, s in [("dense", w[:, :1].repeat(4, 1), 1, (1, 1)),
                                    ("strided", w[:, :1].repeat(4, 1), 1, (2, 1)),
                                    ("grouped", w, 2, (1, 2)), ("depthwise", wd, 4, (1, 1))]:
        d = (1, 2) if name != "depthwise" else (1, 1)
        y = conv.conv2d_forward(x, weight, s, (1, 0), d, groups)
        gy = np.cos(y)
        out[name + "_y"] = y
        out[name + "_gx"] = conv.conv2d_backward_input(gy, weight, x.shape, s, (1, 0), d, groups)
        out[name + "_gw"] = conv.conv2d_backward_weight(x, gy, weight.shape, s, (1, 0), d, groups)
    window = ((3, 3), (2, 2), (1, 1))
    y, argmax = pool.max_pool2d_forward(x, *window, (1, 1), True)
    out["max_y"] = y
    out["max_gx"] = pool.max_pool2d_backward(np.cos(y), argmax, x.shape, *window, (1, 1), True)
    y = pool.avg_pool2d_forward(x, *window, True, False)
    out["avg_y"] = y
    out["avg_gx"] = pool.avg_pool2d_backward(np.cos(y), x.shape, *window, True, False)
    y = pool.avg_pool2d_forward(x, (2, 2), (2, 2))
    out["avg_inside_gx"] = pool.avg_pool2d_backward(np.cos(y), x.shape, (2, 2), (2, 2))
    y, argmax = pool.max_pool2d_forward(x, (2, 2), (1, 1))
    out["max_inside_y"] = y
    y, index = pool.adaptive_max_pool2d_forward(x, (4, 3))
    out["amax_gx"] = pool.adaptive_max_pool2d_backward(np.cos(y), index, x.shape)
    y = pool.adaptive_avg_pool2d_forward(x, (4, 3))
    out["aavg_gx"] = pool.adaptive_avg_pool2d_backward(np.cos(y), x.shape)
    out["bmm"] = matmul.batched_small_matmul(x[:, 0], x[:, 1].transpose(0, 2, 1))
    # The one-pass direct backward, with and without the 3x3 specialisation.
    for name, shape, p in [("one3x3", (3, 1, 3, 3), (1, 1)), ("one1x5", (3, 1, 1, 5), (0, 2))]:
        weight = rng.standard_normal(shape)
        gy = np.cos(conv.conv2d_forward(x[:, :1], weight, (1, 1), p))
        grads = conv.conv2d_backward(x[:, :1], gy, weight, (1, 1), p)
        out[name + "_gx"], out[name + "_gw"], out[name + "_gb"] = grads
    # A small map in a batch of 8: the dense path's matrix and fold.
    xs, ws = rng.standard_normal((8, 10, 3, 3)), rng.standard_normal((6, 10, 3, 3))
    out["dense_y"] = conv.conv2d_forward(xs, ws, (1, 1), (1, 1))
    grads = conv.conv2d_backward(xs, np.cos(out["dense_y"]), ws, (1, 1), (1, 1))
    out["dense_gx"], out["dense_gw"], out["dense_gb"] = grads
    # Batch norm along channels (few samples) and along whole samples (short maps, a batch).
    rows = rng.standard_normal((16, 3, 5))
    for name, xb in [("bn_channels", x.reshape(2, 4, 30)), ("bn_rows", rows)]:
        wb, bb = rng.standard_normal(xb.shape[1]), rng.standard_normal(xb.shape[1])
        y, mean, _, invstd = batchnorm.batch_norm_forward(xb, wb, bb, 1e-5)
        out[name + "_y"] = y
        grads = batchnorm.batch_norm_backward(np.cos(y), xb, mean, invstd, wb, True)
        out[name + "_gx"], out[name + "_gw"], out[name + "_gb"] = grads
    # Cross-entropy rows: a row of -inf logits, an ignored row, a per-row scale.
    logits = rng.standard_normal((6, 4))
    logits[1] = -np.inf
    target = np.array([0, 3, -100, 2, 1, 3])
    p, loss, _, _ = cross_entropy.cross_entropy_forward(logits, target, -100)
    out["ce_p"], out["ce_loss"] = p, loss
    out["ce_gx"] = cross_entropy.cross_entropy_backward(p, target, -100, 1.0, np.cos(loss))
    for log in (False, True):
        y = softmax.softmax_rows(logits, log)
        out[f"softmax_{log}_y"] = y
        out[f"softmax_{log}_gx"] = softmax.softmax_rows_backward(y, np.cos(logits), log)
    return out

if __name__ == "__main__":
    np.savez(sys.argv[1], **run())
"""


def test_python_source_paths_match_compiled(tmp_path):
    script = tmp_path / "run_kernels.py"
    script.write_text(SCRIPT)
    result = tmp_path / "nojit.npz"
    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    subprocess.run([sys.executable, str(script), str(result)], env=env, check=True, timeout=300)
    namespace: dict = {}
    exec(compile(SCRIPT, "run_kernels", "exec"), namespace)
    compiled = namespace["run"]()
    with np.load(result) as nojit:
        assert sorted(nojit.files) == sorted(compiled)
        for name, value in compiled.items():
            np.testing.assert_allclose(nojit[name], value, atol=1e-12, err_msg=name)
