"""``torch.nn.modules.loss``: the loss Modules and their bases ``_Loss`` (holds ``reduction``;
the deprecated ``size_average``/``reduce`` flags map onto it) and ``_WeightedLoss`` (adds the
``weight`` buffer, in ``state_dict`` when given).

Examples
--------
>>> import autograd
>>> from nn.modules.loss import _Loss
>>> class MeanAbs(_Loss):
...     def forward(self, input, target):
...         d = (input - target).abs()
...         return d.mean() if self.reduction == "mean" else d.sum()
>>> MeanAbs(reduction="sum")(autograd.tensor([1.0, -2.0]), autograd.zeros(2))
tensor(3.)
"""

from ..losses.margin_modules import (  # noqa: F401 - PyTorch's path
    HingeEmbeddingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from ..losses.modules import (  # noqa: F401 - PyTorch's path
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    CTCLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    _Loss,
    _WeightedLoss,
)

__all__ = [
    "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss", "TripletMarginLoss",
    "TripletMarginWithDistanceLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss", "SoftMarginLoss", "HingeEmbeddingLoss",
]  # fmt: skip
