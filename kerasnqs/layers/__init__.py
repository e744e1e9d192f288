"""Keras layers of autoregressive wavefunctions: recurrent cells, Transformer blocks, heads.

A cell advances the hidden state by one step of the autoregressive path
(`RNNCell` documents the contract for writing your own; on a square, `MDGRUCell`
adds the neighbours' spins and states, `TensorizedGRUCell` couples them
multiplicatively); a Transformer block
(`TransformerBlock`, built from `CausalSelfAttention` and `LayerNorm`, fed by a
`SpinEmbedding`) processes one position against a key/value cache; a head turns a
hidden state into the conditional probabilities (`SoftmaxHead`) or phases
(`SoftsignHead`) of the spin at that step.
"""

from kerasnqs.layers.causal_self_attention import CausalSelfAttention
from kerasnqs.layers.gru_cell import GRUCell
from kerasnqs.layers.layer_norm import LayerNorm
from kerasnqs.layers.md_gru_cell import MDGRUCell
from kerasnqs.layers.md_rnn_cell import MDRNNCell
from kerasnqs.layers.rnn_cell import RNNCell
from kerasnqs.layers.softmax_head import SoftmaxHead
from kerasnqs.layers.softsign_head import SoftsignHead
from kerasnqs.layers.spin_embedding import SpinEmbedding
from kerasnqs.layers.tensorized_gru_cell import TensorizedGRUCell
from kerasnqs.layers.transformer_block import TransformerBlock
from kerasnqs.layers.vanilla_rnn_cell import VanillaRNNCell

__all__ = [
    "CausalSelfAttention",
    "GRUCell",
    "LayerNorm",
    "MDGRUCell",
    "MDRNNCell",
    "RNNCell",
    "SoftmaxHead",
    "SoftsignHead",
    "SpinEmbedding",
    "TensorizedGRUCell",
    "TransformerBlock",
    "VanillaRNNCell",
]
