"""``torch.nn.modules.sparse``: Embedding, EmbeddingBag.

Examples
--------
>>> from nn.modules.sparse import Embedding
>>> Embedding(10, 3).weight.shape
(10, 3)
"""

from ..layers.embedding import Embedding, EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]
