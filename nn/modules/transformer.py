"""``torch.nn.modules.transformer``: Transformer and its encoder and decoder stacks and layers.

Examples
--------
>>> from nn.modules.transformer import Transformer
>>> Transformer.generate_square_subsequent_mask(2)
tensor([[0., -inf],
        [0., 0.]])
"""

from ..layers.attention import TransformerEncoder, TransformerEncoderLayer
from ..layers.transformer import Transformer, TransformerDecoder, TransformerDecoderLayer

__all__ = [
    "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
    "TransformerDecoderLayer",
]  # fmt: skip
