"""The tensorized gated recurrent cell of two-dimensional RNN wavefunctions."""

import keras
from keras import ops

from kerasnqs import validation
from kerasnqs.layers.per_sample import dense
from kerasnqs.layers.rnn_cell import RNNCell

SPIN_FEATURES = 4
"""The size of the first layer's inputs on a square: two neighbour steps, one-hot spins."""


@keras.saving.register_keras_serializable(package="kerasnqs")
class TensorizedGRUCell(RNNCell):
    """A gated 2D cell whose neighbours' spins select the matrix applied to their states.

    The tensorized gated RNN of Hibat-Allah, Melko and Carrasquilla (arXiv 2207.14314).
    Where `MDGRUCell` adds a term in the spins to a term in the hidden states, this cell
    contracts one weight tensor with both, so the matrix acting on the neighbours'
    hidden states `h = [h_left; h_up]` depends on their spins
    `x = [sigma_left; sigma_up]` (one-hot, 4 features): each of the four spin values
    brings its own `(2 * units, units)` matrix. An update gate, built the same way,
    mixes the candidate with a learned projection of the neighbours' states.

    Mathematical details::

        h_tilde = tanh(sum_{k,j} x_k T[k, j, :] h_j + b)
        u       = sigmoid(sum_{k,j} x_k G[k, j, :] h_j + b_g)
        h_new   = u * h_tilde + (1 - u) * (W h)

    with `T` and `G` of shape `(F, 2 * units, units)`, `W` of shape `(2 * units, units)`
    and `*` elementwise. The double sum is one matrix product: the Kronecker product
    `x (x) h` (row-major, length `F * 2 * units`) times the weight `kernel`, the
    tensors `[T | G]` reshaped to `(F * 2 * units, 2 * units)`, so that stochastic
    reconfiguration gets its per-sample derivatives (`kerasnqs.layers.per_sample`).

    `F` is the number of input features the tensors contract. In the first layer the
    inputs are the 4 one-hot spins and enter as they are, `F = 4`. In a deeper layer
    the inputs are the hidden state of the layer below (`units` features): contracted
    in full the tensors would hold `4 * units**3` weights, and every step of sampling
    would cost as much, so by default the inputs are first projected to
    `input_features` features by a learned `(input_dim, F)` matrix `P`, `x = P h_below`,
    and a deeper layer costs about what the first does. Pass `input_features=units`
    (or more) to contract the full hidden state instead.

    Weights: `kernel` `(F * 2 * units, 2 * units)`, `bias` `(2 * units,)` holding
    `[b; b_g]`, `merge_kernel` `W`, and `input_projection` `P` when the inputs are
    projected; `4 F units^2 + 2 units^2 + 2 units` in all (`18 units^2 + 2 units` in
    the first layer), plus `input_dim * F` for `P`. The biases start random (Glorot
    uniform, as in the paper's code) rather than at zero: the candidate has no term
    linear in `h` or in `x` alone, so with zero biases every hidden state of a fresh
    model would be exactly zero.

    Args:
        units: the size of the hidden state, an integer >= 1.
        input_features: the most input features the tensors contract, an integer
            >= 1. Inputs with at most this many features enter as they are; larger
            inputs are projected to this many. Defaults to 4, the one-hot spins of the
            two neighbour steps of a square.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> import numpy as np
    >>> from keras import ops
    >>> from kerasnqs.layers import TensorizedGRUCell
    >>> cell = TensorizedGRUCell(8)
    >>> cell.n_neighbors
    2
    >>> up_down, down_down = ops.array([[1.0, 0, 0, 1]]), ops.array([[0.0, 1, 0, 1]])
    >>> states = [ops.ones((1, 8)), ops.zeros((1, 8))]
    >>> h = cell(up_down, states)
    >>> tuple(h.shape)
    (1, 8)
    >>> bool(np.allclose(h, cell(down_down, states)))
    False
    >>> cell.count_params() == 18 * 8**2 + 2 * 8
    True
    """

    n_neighbors = 2

    def __init__(self, units, input_features=SPIN_FEATURES, **kwargs):
        super().__init__(units, **kwargs)
        self.input_features = validation.integer("input_features", input_features)

    def build(self, input_shape):
        units, input_dim = self.units, input_shape[-1]
        features = min(input_dim, self.input_features)
        self.input_projection = None
        if input_dim > self.input_features:
            self.input_projection = self.add_weight(
                name="input_projection", shape=(input_dim, features), initializer="glorot_uniform"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(features * self.n_neighbors * units, 2 * units),
            initializer="glorot_uniform",
        )
        self.bias = self.add_weight(name="bias", shape=(2 * units,), initializer="glorot_uniform")
        self.merge_kernel = self.add_weight(
            name="merge_kernel",
            shape=(self.n_neighbors * units, units),
            initializer="glorot_uniform",
        )

    def call(self, inputs, neighbor_states):
        states = ops.concatenate(list(neighbor_states), axis=-1)
        features = inputs if self.input_projection is None else dense(inputs, self.input_projection)
        coupled = dense(kronecker(features, states), self.kernel, self.bias)
        candidate_logits, gate_logits = ops.split(coupled, 2, axis=-1)
        update = ops.sigmoid(gate_logits)
        carry = dense(states, self.merge_kernel)
        return update * ops.tanh(candidate_logits) + (1.0 - update) * carry

    def get_config(self):
        config = super().get_config()
        config["input_features"] = self.input_features
        return config


def kronecker(a, b):
    """The row-wise Kronecker product: `(batch, m)`, `(batch, n)` -> `(batch, m * n)`.

    Entry `i * n + j` of a row is `a[i] * b[j]`.
    """
    products = ops.expand_dims(a, 2) * ops.expand_dims(b, 1)
    return ops.reshape(products, (-1, a.shape[-1] * b.shape[-1]))
