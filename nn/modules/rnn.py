"""``torch.nn.modules.rnn``: RNNBase, RNN, LSTM, GRU and the single-step cells.

Examples
--------
>>> import nn
>>> from nn.modules.rnn import LSTM, RNNBase
>>> isinstance(LSTM(2, 3), RNNBase)
True
"""

from ..layers.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]
