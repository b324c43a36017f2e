"""``nn.functional``: PyTorch's functional API on numbagrad tensors.

Engine ops (activations with hand-written backward rules, softmax, convolution, pooling,
nearest interpolation, padding, one-hot) are re-exported from ``autograd``; the activations PyTorch
gives an ``inplace`` flag get thin wrappers adding it; the rest are composed here from public
engine ops; the losses come from :mod:`nn.losses`.

Examples
--------
>>> import autograd
>>> import nn.functional as F
>>> F.relu(autograd.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""

from autograd import (
    adaptive_avg_pool1d, adaptive_max_pool1d, adaptive_avg_pool2d, adaptive_max_pool2d,
    avg_pool1d, avg_pool2d, conv1d, conv2d, conv_transpose1d, conv_transpose2d, gelu,
    log_softmax, logsigmoid, max_pool1d, max_pool2d, one_hot, pad, prelu, relu_, sigmoid,
    softmax, softplus, softsign, tanh,
)  # fmt: skip

from .activation import *
from .attention import *
from .bags import *
from .dropout import *
from .fold import *
from .interpolation import *
from .linear import *
from .normalization import *
from .volumetric import *

from ..losses import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss, cross_entropy,
    huber_loss, kl_div, l1_loss, margin_ranking_loss, mse_loss, nll_loss, smooth_l1_loss,
    poisson_nll_loss, gaussian_nll_loss, ctc_loss, triplet_margin_loss,
    triplet_margin_with_distance_loss, multi_margin_loss, multilabel_margin_loss,
    multilabel_soft_margin_loss, soft_margin_loss, hinge_embedding_loss,
)  # fmt: skip
