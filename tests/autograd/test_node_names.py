"""Graph nodes carry PyTorch's names (``grad_fn.name()``, ``type(grad_fn).__name__``, the repr)
and ``next_functions`` has PyTorch's shape, for what tutorials print.

One table of expression builders, written once against a module that is ``autograd`` or
``torch``: the expected names are checked without PyTorch, and the same table is compared with
PyTorch when it is installed.
"""

from __future__ import annotations

import pytest

import autograd
import nn
import nn.functional as F_ours


def _lib(name):
    if name == "autograd":
        return autograd, nn, F_ours
    torch = pytest.importorskip("torch")
    return torch, torch.nn, torch.nn.functional


def _r(lib, *shape):
    return lib.randn(*shape, requires_grad=True)


# name -> (builder(lib, nn, F), expected node name)
CASES = {
    "linear 2-D with bias": (lambda L, N, F: F.linear(_r(L, 4, 3), _r(L, 2, 3), _r(L, 2)),
                             "AddmmBackward0"),
    "linear 2-D without bias": (lambda L, N, F: F.linear(_r(L, 4, 3), _r(L, 2, 3)), "MmBackward0"),
    "linear 3-D with bias": (lambda L, N, F: F.linear(_r(L, 5, 4, 3), _r(L, 2, 3), _r(L, 2)),
                             "ViewBackward0"),
    "linear 3-D without bias": (lambda L, N, F: F.linear(_r(L, 5, 4, 3), _r(L, 2, 3)),
                                "UnsafeViewBackward0"),
    "linear 1-D with bias": (lambda L, N, F: F.linear(_r(L, 3), _r(L, 2, 3), _r(L, 2)),
                             "ViewBackward0"),
    "nn.Linear": (lambda L, N, F: N.Linear(3, 2)(_r(L, 4, 3)), "AddmmBackward0"),
    "mse_loss": (lambda L, N, F: F.mse_loss(_r(L, 4, 3), L.randn(4, 3)), "MseLossBackward0"),
    "smooth_l1_loss": (
        lambda L, N, F: F.smooth_l1_loss(_r(L, 4, 3), L.randn(4, 3)),
        "SmoothL1LossBackward0",
    ),
    "view": (lambda L, N, F: _r(L, 4, 3).view(12), "ViewBackward0"),
    "reshape": (lambda L, N, F: _r(L, 4, 3).reshape(12), "ViewBackward0"),
    "reshape of a copy": (lambda L, N, F: _r(L, 4, 3).t().reshape(12), "UnsafeViewBackward0"),
    "flatten": (lambda L, N, F: _r(L, 2, 3, 4).flatten(1), "ViewBackward0"),
    "t": (lambda L, N, F: _r(L, 4, 3).t(), "TBackward0"),
    "T": (lambda L, N, F: _r(L, 4, 3).T, "PermuteBackward0"),
    "x[0]": (lambda L, N, F: _r(L, 4, 3)[0], "SelectBackward0"),
    "x[1:]": (lambda L, N, F: _r(L, 4, 3)[1:], "SliceBackward0"),
    "x[:, 1:]": (lambda L, N, F: _r(L, 4, 3)[:, 1:], "SliceBackward0"),
    "x[1:, 0]": (lambda L, N, F: _r(L, 4, 3)[1:, 0], "SelectBackward0"),
    "x[..., 0]": (lambda L, N, F: _r(L, 4, 3)[..., 0], "SelectBackward0"),
    "x[None]": (lambda L, N, F: _r(L, 3)[None], "UnsqueezeBackward0"),
    "x[index tensor]": (lambda L, N, F: _r(L, 4, 3)[L.tensor([0, 2])], "IndexBackward0"),
    "x[mask]": (lambda L, N, F: (lambda x: x[x > 0])(_r(L, 4, 3)), "IndexBackward0"),
    "unsqueeze": (lambda L, N, F: _r(L, 4, 3).unsqueeze(0), "UnsqueezeBackward0"),
    "squeeze()": (lambda L, N, F: _r(L, 1, 3, 1).squeeze(), "SqueezeBackward0"),
    "squeeze(dim)": (lambda L, N, F: _r(L, 1, 3).squeeze(0), "SqueezeBackward1"),
    "conv2d": (lambda L, N, F: F.conv2d(_r(L, 1, 2, 5, 5), _r(L, 3, 2, 3, 3), _r(L, 3)),
               "ConvolutionBackward0"),
    "max_pool2d": (lambda L, N, F: F.max_pool2d(_r(L, 1, 2, 4, 4), 2),
                   "MaxPool2DWithIndicesBackward0"),
    "avg_pool2d": (lambda L, N, F: F.avg_pool2d(_r(L, 1, 2, 4, 4), 2), "AvgPool2DBackward0"),
    "embedding": (lambda L, N, F: F.embedding(L.tensor([0, 2]), _r(L, 4, 3)),
                  "EmbeddingBackward0"),
    "layer_norm": (lambda L, N, F: F.layer_norm(_r(L, 4, 3), (3,), _r(L, 3), _r(L, 3)),
                   "NativeLayerNormBackward0"),
    "group_norm": (lambda L, N, F: F.group_norm(_r(L, 2, 4, 3), 2), "NativeGroupNormBackward0"),
    "batch_norm": (lambda L, N, F: F.batch_norm(_r(L, 4, 3), L.zeros(3), L.ones(3),
                                                training=True), "NativeBatchNormBackward0"),
    "cross_entropy": (lambda L, N, F: F.cross_entropy(_r(L, 4, 3), L.tensor([0, 1, 2, 0])),
                      "NllLossBackward0"),
    "nll_loss": (lambda L, N, F: F.nll_loss(_r(L, 4, 3), L.tensor([0, 1, 2, 0])),
                 "NllLossBackward0"),
    "binary_cross_entropy": (lambda L, N, F: F.binary_cross_entropy(
        L.sigmoid(_r(L, 4, 3)), L.rand(4, 3)), "BinaryCrossEntropyBackward0"),
    "binary_cross_entropy_with_logits": (lambda L, N, F: F.binary_cross_entropy_with_logits(
        _r(L, 4, 3), L.rand(4, 3)), "BinaryCrossEntropyWithLogitsBackward0"),
    "relu": (lambda L, N, F: F.relu(_r(L, 4, 3)), "ReluBackward0"),
    "sigmoid": (lambda L, N, F: L.sigmoid(_r(L, 4, 3)), "SigmoidBackward0"),
    "tanh": (lambda L, N, F: L.tanh(_r(L, 4, 3)), "TanhBackward0"),
    "softmax": (lambda L, N, F: F.softmax(_r(L, 4, 3), dim=1), "SoftmaxBackward0"),
    "log_softmax": (lambda L, N, F: F.log_softmax(_r(L, 4, 3), dim=1), "LogSoftmaxBackward0"),
    "sum()": (lambda L, N, F: _r(L, 4, 3).sum(), "SumBackward0"),
    "sum(dim)": (lambda L, N, F: _r(L, 4, 3).sum(1), "SumBackward1"),
    "mean()": (lambda L, N, F: _r(L, 4, 3).mean(), "MeanBackward0"),
    "mean(dim)": (lambda L, N, F: _r(L, 4, 3).mean(0, keepdim=True), "MeanBackward1"),
    "mul": (lambda L, N, F: _r(L, 4, 3) * _r(L, 4, 3), "MulBackward0"),
    "add": (lambda L, N, F: _r(L, 4, 3) + _r(L, 4, 3), "AddBackward0"),
    "matmul 2-D": (lambda L, N, F: _r(L, 4, 3) @ _r(L, 3, 2), "MmBackward0"),
    "matmul 1-D": (lambda L, N, F: _r(L, 3) @ _r(L, 3), "DotBackward0"),
    "matmul matrix-vector": (lambda L, N, F: _r(L, 4, 3) @ _r(L, 3), "MvBackward0"),
    "matmul vector-matrix": (lambda L, N, F: _r(L, 3) @ _r(L, 3, 4), "SqueezeBackward4"),
    "matmul batched": (lambda L, N, F: _r(L, 2, 4, 3) @ _r(L, 2, 3, 5), "UnsafeViewBackward0"),
    "bmm": (lambda L, N, F: L.bmm(_r(L, 2, 4, 3), _r(L, 2, 3, 5)), "BmmBackward0"),
    "addmm": (lambda L, N, F: L.addmm(_r(L, 2), _r(L, 4, 3), _r(L, 3, 2)), "AddmmBackward0"),
    "pow": (lambda L, N, F: _r(L, 4, 3) ** 2, "PowBackward0"),
    "exp": (lambda L, N, F: _r(L, 4, 3).exp(), "ExpBackward0"),
    "cat": (lambda L, N, F: L.cat([_r(L, 4, 3), _r(L, 4, 3)]), "CatBackward0"),
    "stack": (lambda L, N, F: L.stack([_r(L, 4, 3), _r(L, 4, 3)]), "StackBackward0"),
    "transpose": (lambda L, N, F: _r(L, 4, 3).transpose(0, 1), "TransposeBackward0"),
    "mT": (lambda L, N, F: _r(L, 2, 4, 3).mT, "TransposeBackward0"),
    "permute": (lambda L, N, F: _r(L, 2, 3, 4).permute(2, 0, 1), "PermuteBackward0"),
    "expand": (lambda L, N, F: _r(L, 1, 3).expand(4, 3), "ExpandBackward0"),
    "clone": (lambda L, N, F: _r(L, 4, 3).clone(), "CloneBackward0"),
    "to(float64)": (lambda L, N, F: _r(L, 4, 3).double(), "ToCopyBackward0"),
    "logsumexp": (lambda L, N, F: _r(L, 4, 3).logsumexp(1), "LogsumexpBackward0"),
    "pad": (lambda L, N, F: F.pad(_r(L, 4, 3), (1, 1)), "ConstantPadNdBackward0"),
    "max()": (lambda L, N, F: _r(L, 4, 3).max(), "MaxBackward1"),
    "min()": (lambda L, N, F: _r(L, 4, 3).min(), "MinBackward1"),
    "max(dim)": (lambda L, N, F: _r(L, 4, 3).max(1)[0], "MaxBackward0"),
    "min(dim)": (lambda L, N, F: _r(L, 4, 3).min(1).values, "MinBackward0"),
    "std()": (lambda L, N, F: _r(L, 4, 3).std(), "StdBackward0"),
    "std(dim)": (lambda L, N, F: _r(L, 4, 3).std(1), "StdBackward0"),
    "var(dim)": (lambda L, N, F: _r(L, 4, 3).var(1), "VarBackward0"),
    "clamp(min, max)": (lambda L, N, F: _r(L, 4, 3).clamp(-0.5, 0.5), "ClampBackward1"),
    "clamp(min)": (lambda L, N, F: _r(L, 4, 3).clamp(min=0.0), "ClampBackward1"),
    "clamp(tensor)": (lambda L, N, F: _r(L, 4, 3).clamp(min=L.zeros(4, 3)), "ClampBackward0"),
    "clamp_min": (lambda L, N, F: _r(L, 4, 3).clamp_min(0.0), "ClampMinBackward0"),
    "clamp_min(tensor)": (lambda L, N, F: _r(L, 4, 3).clamp_min(L.zeros(4, 3)),
                          "ClampMinBackward1"),
    "clamp_max": (lambda L, N, F: L.clamp_max(_r(L, 4, 3), 0.0), "ClampMaxBackward0"),
    "pow tensor ** tensor": (lambda L, N, F: _r(L, 4, 3).abs() ** _r(L, 4, 3), "PowBackward1"),
    "pow number ** tensor": (lambda L, N, F: 2.0 ** _r(L, 4, 3), "PowBackward2"),
    "rsub": (lambda L, N, F: 1.0 - _r(L, 4, 3), "RsubBackward1"),
    "sub": (lambda L, N, F: _r(L, 4, 3) - _r(L, 4, 3), "SubBackward0"),
    "square": (lambda L, N, F: _r(L, 4, 3).square(), "PowBackward0"),
    "gather": (lambda L, N, F: _r(L, 4, 3).gather(1, L.tensor([[0], [1], [2], [0]])),
               "GatherBackward0"),
    "sort": (lambda L, N, F: _r(L, 4, 3).sort(1)[0], "SortBackward0"),
    "msort": (lambda L, N, F: _r(L, 4, 3).msort(), "SortBackward0"),
    "topk": (lambda L, N, F: _r(L, 4, 3).topk(2)[0], "TopkBackward0"),
    "kthvalue": (lambda L, N, F: _r(L, 4, 3).kthvalue(2, 1)[0], "KthvalueBackward0"),
    "median()": (lambda L, N, F: _r(L, 4, 3).median(), "MedianBackward0"),
    "median(dim)": (lambda L, N, F: _r(L, 4, 3).median(1).values, "MedianBackward1"),
    "mode": (lambda L, N, F: _r(L, 4, 3).mode(1)[0], "ModeBackward0"),
    "conv1d": (lambda L, N, F: F.conv1d(_r(L, 1, 2, 5), _r(L, 3, 2, 3), _r(L, 3)),
               "ConvolutionBackward0"),
    "conv1d unbatched": (lambda L, N, F: F.conv1d(_r(L, 2, 5), _r(L, 3, 2, 3)),
                         "SqueezeBackward1"),
    "conv_transpose2d": (lambda L, N, F: F.conv_transpose2d(_r(L, 1, 2, 5, 5), _r(L, 2, 3, 3, 3)),
                         "ConvolutionBackward0"),
    "max_pool1d": (lambda L, N, F: F.max_pool1d(_r(L, 1, 2, 4), 2), "SqueezeBackward1"),
    "max_pool2d unbatched": (lambda L, N, F: F.max_pool2d(_r(L, 2, 4, 4), 2),
                             "MaxPool2DWithIndicesBackward0"),
    "avg_pool1d": (lambda L, N, F: F.avg_pool1d(_r(L, 1, 2, 4), 2), "SqueezeBackward1"),
    "adaptive_avg_pool2d": (lambda L, N, F: F.adaptive_avg_pool2d(_r(L, 1, 2, 4, 4), 2),
                            "AdaptiveAvgPool2DBackward0"),
    "adaptive_avg_pool2d to 1": (lambda L, N, F: F.adaptive_avg_pool2d(_r(L, 1, 2, 4, 4), 1),
                                 "MeanBackward1"),
    "adaptive_avg_pool1d": (lambda L, N, F: L.adaptive_avg_pool1d(_r(L, 1, 2, 5), 3),
                            "SqueezeBackward1"),
    "adaptive_max_pool2d": (lambda L, N, F: F.adaptive_max_pool2d(_r(L, 2, 4, 4), 2),
                            "AdaptiveMaxPool2DBackward0"),
}  # fmt: skip


def _names(lib_name, key):
    lib, nn_, F = _lib(lib_name)
    lib.manual_seed(0)
    y = CASES[key][0](lib, nn_, F)
    return y.grad_fn.name(), type(y.grad_fn).__name__, repr(y.grad_fn)


@pytest.mark.parametrize("key", list(CASES))
def test_node_name(key):
    name, type_name, rep = _names("autograd", key)
    assert name == type_name == CASES[key][1]
    assert rep.startswith(f"<{name} object at 0x")


@pytest.mark.parametrize("key", list(CASES))
def test_node_name_matches_torch(key):
    assert _names("autograd", key)[0] == _names("torch", key)[0]


def _mlp_graph(lib_name):
    """The autograd tutorial's walk: the loss's node, then down next_functions[0][0]."""
    lib, nn_, F = _lib(lib_name)
    lib.manual_seed(0)
    model = nn_.Sequential(nn_.Linear(4, 8), nn_.ReLU(), nn_.Linear(8, 2))
    loss = F.mse_loss(model(lib.randn(3, 4)), lib.randn(3, 2))
    shape = []
    node = loss.grad_fn
    while node is not None:
        nxt = node.next_functions
        shape.append((_plain(node.name()), tuple(_plain(n.name()) if n else None for n, _ in nxt)))
        node = nxt[0][0] if nxt else None
    return shape


def _plain(name):
    return name.rsplit("::", 1)[-1]  # PyTorch spells the leaf node torch::autograd::AccumulateGrad


def test_mlp_next_functions():
    assert _mlp_graph("autograd") == [
        ("MseLossBackward0", ("AddmmBackward0", None)),
        ("AddmmBackward0", ("AccumulateGrad", "ReluBackward0", "TBackward0")),
        ("AccumulateGrad", ()),
    ]


def test_mlp_next_functions_match_torch():
    assert _mlp_graph("autograd") == _mlp_graph("torch")


def test_next_functions_leave_out_arguments_that_are_not_tensors():
    x = autograd.randn(4, 3, requires_grad=True)
    assert len(x.sum(1).grad_fn.next_functions) == 1  # the dim is no input of the node
    product = x * autograd.ones(4, 3)  # a Tensor that needs no gradient keeps its (None, 0)
    assert [n is None for n, _ in product.grad_fn.next_functions] == [False, True]
