"""The base class of the recurrent cells an `RNNWavefunction` runs along its path."""

import keras

from kerasnqs import validation


def validate_units(units):
    """Returns `units` as an int, or raises a `ValueError` naming `units`."""
    return validation.integer("units", units)


@keras.saving.register_keras_serializable(package="kerasnqs")
class RNNCell(keras.layers.Layer):
    """Base class of recurrent cells: one step of an autoregressive RNN.

    At step `k` of the lattice's autoregressive path, a cell maps the inputs of that
    step and the hidden states of the earlier steps it reads (its *neighbour steps*,
    the row `k` of `lattice.autoregressive_neighbors`) to the hidden state of step
    `k`. The model calls it as

        h_k = cell(inputs, neighbor_states)

    and the subclassing contract is:

    - `inputs`, shape `(batch, input_dim)`. In the first layer of the stack it is the
      concatenation, over the neighbour steps in the lattice's column order, of the
      one-hot spins taken at those steps, so `input_dim = 2 * n_neighbors`
      (`[1, 0]` is spin up, `[0, 1]` spin down, `[0, 0]` where there is no neighbour
      step). In a deeper layer it is the hidden state of the layer below at the
      *same* step, so `input_dim` is that layer's `units`.
    - `neighbor_states`, a list of `n_neighbors` tensors of shape `(batch, units)`:
      this layer's hidden states at the neighbour steps, in the lattice's column
      order (on a chain `[h_{k-1}]`; on a square `[h_horizontal, h_vertical]`),
      zeros where there is no neighbour step. The first step sees zero inputs and
      zero states.
    - the return value, shape `(batch, units)`: the new hidden state. It is what the
      output heads, the next layer and the later steps read. A cell with several
      memories (an LSTM's `h` and `c`) concatenates them into its state.
    - `build(input_shape)` receives the shape of `inputs`, `(batch, input_dim)`, and
      creates the weights with `add_weight`.
    - weights enter through `kerasnqs.layers.per_sample.dense(x, kernel, bias)` and
      `add_bias(values, bias)` rather than `ops.matmul(x, kernel) + bias` (they are
      the same outside SR): stochastic reconfiguration (`kerasnqs.vmc.SR`) needs the
      derivatives of every sample separately, which these products provide. A cell
      written with plain `ops.matmul` trains with any Keras optimizer but is refused
      by SR with a message naming its weights.
    - `n_neighbors`, a class attribute (1 by default), is the number of neighbour
      steps the cell reads; the model checks it against the lattice (1 on a `Chain`,
      2 on a `Square`). A cell that fits several lattices may set
      `self.n_neighbors` in its constructor and return it from `get_config`.

    Only `keras.ops` should be used in `call`, so the cell runs under any backend
    and inside compiled (XLA) sampling loops. `get_config` must return every
    constructor argument, as for any Keras layer, so that a model holding the cell
    can be saved and loaded.

    Args:
        units: the size of the hidden state, an integer >= 1.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    A minimal gated cell, `h = z * h_prev + (1 - z) * tanh(W x)` with
    `z = sigmoid(U x + V h_prev)`:

    >>> import keras
    >>> from keras import ops
    >>> from kerasnqs.layers import RNNCell
    >>> from kerasnqs.layers.per_sample import dense
    >>> class MinimalGatedCell(RNNCell):
    ...     def build(self, input_shape):
    ...         self.kernel = self.add_weight(shape=(input_shape[-1], 2 * self.units))
    ...         self.recurrent_kernel = self.add_weight(shape=(self.units, self.units))
    ...     def call(self, inputs, neighbor_states):
    ...         (h_prev,) = neighbor_states
    ...         gate_x, candidate_x = ops.split(dense(inputs, self.kernel), 2, axis=-1)
    ...         z = ops.sigmoid(gate_x + dense(h_prev, self.recurrent_kernel))
    ...         return z * h_prev + (1.0 - z) * ops.tanh(candidate_x)
    >>> cell = MinimalGatedCell(4)
    >>> h = cell(ops.zeros((3, 2)), [ops.zeros((3, 4))])
    >>> tuple(h.shape)
    (3, 4)
    """

    n_neighbors = 1

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = validate_units(units)

    def call(self, inputs, neighbor_states):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `call(inputs, neighbor_states)`."
        )

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config
