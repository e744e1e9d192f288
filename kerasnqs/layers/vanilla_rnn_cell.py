"""The vanilla (Elman) recurrent cell."""

import keras
from keras import ops

from kerasnqs.layers.per_sample import dense
from kerasnqs.layers.rnn_cell import RNNCell


@keras.saving.register_keras_serializable(package="kerasnqs")
class VanillaRNNCell(RNNCell):
    """A vanilla recurrent cell: an affine map of the previous state and spin, then `f`.

    Mathematical details::

        h_n = f(W h_{n-1} + V sigma_{n-1} + b)

    with `h_{n-1}` the hidden state of the previous step, `sigma_{n-1}` the one-hot
    spin taken there (or, in a deeper layer, the hidden state of the layer below at
    step `n`), `W` of shape `(units, units)`, `V` of shape `(input_dim, units)` and
    `b` of shape `(units,)`. Subclasses reading several neighbour steps
    (`MDRNNCell`) concatenate their states: `W` then has shape
    `(n_neighbors * units, units)`.

    Args:
        units: the size of the hidden state, an integer >= 1.
        activation: the activation `f`, a Keras activation name or callable
            (`"tanh"`, `"elu"`, ...). Defaults to `"tanh"`.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> from keras import ops
    >>> from kerasnqs.layers import VanillaRNNCell
    >>> cell = VanillaRNNCell(8, activation="elu")
    >>> h = cell(ops.zeros((5, 2)), [ops.zeros((5, 8))])
    >>> tuple(h.shape)
    (5, 8)
    """

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, **kwargs)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.units), initializer="glorot_uniform"
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.n_neighbors * self.units, self.units),
            initializer="orthogonal",
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs, neighbor_states):
        states = ops.concatenate(list(neighbor_states), axis=-1)
        pre_activation = dense(states, self.recurrent_kernel) + dense(
            inputs, self.kernel, self.bias
        )
        return self.activation(pre_activation)

    def get_config(self):
        config = super().get_config()
        config["activation"] = keras.activations.serialize(self.activation)
        return config
