"""Keras layers of RNN wavefunctions: recurrent cells and output heads.

A cell advances the hidden state by one step of the autoregressive path
(`RNNCell` documents the contract for writing your own); a head turns a hidden
state into the conditional probabilities (`SoftmaxHead`) or phases
(`SoftsignHead`) of the spin at that step.
"""

from kerasnqs.layers.gru_cell import GRUCell
from kerasnqs.layers.md_gru_cell import MDGRUCell
from kerasnqs.layers.md_rnn_cell import MDRNNCell
from kerasnqs.layers.rnn_cell import RNNCell
from kerasnqs.layers.softmax_head import SoftmaxHead
from kerasnqs.layers.softsign_head import SoftsignHead
from kerasnqs.layers.vanilla_rnn_cell import VanillaRNNCell

__all__ = [
    "GRUCell",
    "MDGRUCell",
    "MDRNNCell",
    "RNNCell",
    "SoftmaxHead",
    "SoftsignHead",
    "VanillaRNNCell",
]
