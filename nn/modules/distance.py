"""``torch.nn.modules.distance``: PairwiseDistance, CosineSimilarity.

Examples
--------
>>> from nn.modules.distance import PairwiseDistance
>>> PairwiseDistance().norm
2.0
"""

from ..layers.distance import CosineSimilarity, PairwiseDistance

__all__ = ["PairwiseDistance", "CosineSimilarity"]
