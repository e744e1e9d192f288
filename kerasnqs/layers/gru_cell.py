"""The gated recurrent unit."""

import keras
from keras import ops

from kerasnqs.layers.per_sample import add_bias, dense
from kerasnqs.layers.rnn_cell import RNNCell


@keras.saving.register_keras_serializable(package="kerasnqs")
class GRUCell(RNNCell):
    """A gated recurrent unit (GRU) cell, with the reset gate applied after the matmul.

    Mathematical details, for inputs `x` and previous hidden state `h`::

        z = sigmoid(W_z x + U_z h + b_z)                      (update gate)
        r = sigmoid(W_r x + U_r h + b_r)                      (reset gate)
        h_tilde = tanh(W_h x + b_h + r * (U_h h + b'_h))      (candidate)
        h_new = z * h + (1 - z) * h_tilde

    `*` is elementwise. The reset gate multiplies `U_h h + b'_h`, *after* the matrix
    product (Keras' `reset_after=True`, the cuDNN convention), rather than `U_h (r * h)`
    as in Cho et al. (2014). Both are equally expressive in practice; resetting after
    lets the three blocks `U_z, U_r, U_h` act on `h` as one `(units, 3 * units)` matmul
    per step instead of two dependent ones, and that matmul is the cost of every step
    of sampling and of evaluating `log_psi`.

    Subclasses reading several neighbour steps (`MDGRUCell`) concatenate their states,
    `h = [h_1; ...; h_K]`, so the `U` blocks have `K * units` rows, and carry a learned
    projection `h_carry = P h` in place of `h` in the last line.

    Args:
        units: the size of the hidden state, an integer >= 1.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> from keras import ops
    >>> from kerasnqs.layers import GRUCell
    >>> cell = GRUCell(16)
    >>> h = cell(ops.ones((4, 2)), [ops.zeros((4, 16))])
    >>> tuple(h.shape)
    (4, 16)
    >>> bool(ops.all(ops.abs(h) < 1.0))
    True
    """

    def build(self, input_shape):
        units, n_neighbors = self.units, self.n_neighbors
        # The blocks of `recurrent_kernel` are [U_z, U_r, U_h], then P when n_neighbors > 1.
        recurrent_blocks = 3 if n_neighbors == 1 else 4
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], 3 * units), initializer="glorot_uniform"
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(n_neighbors * units, recurrent_blocks * units),
            initializer="orthogonal",
        )
        self.bias = self.add_weight(name="bias", shape=(3 * units,), initializer="zeros")
        self.recurrent_bias = self.add_weight(
            name="recurrent_bias", shape=(3 * units,), initializer="zeros"
        )

    def call(self, inputs, neighbor_states):
        units = self.units
        states = ops.concatenate(list(neighbor_states), axis=-1)
        from_inputs = dense(inputs, self.kernel, self.bias)
        from_states = dense(states, self.recurrent_kernel)
        z_x, r_x, h_x = ops.split(from_inputs, 3, axis=-1)
        recurrent = add_bias(from_states[:, : 3 * units], self.recurrent_bias)
        z_h, r_h, h_h = ops.split(recurrent, 3, axis=-1)
        carry = neighbor_states[0] if self.n_neighbors == 1 else from_states[:, 3 * units :]
        update = ops.sigmoid(z_x + z_h)
        reset = ops.sigmoid(r_x + r_h)
        candidate = ops.tanh(h_x + reset * h_h)
        return update * carry + (1.0 - update) * candidate
