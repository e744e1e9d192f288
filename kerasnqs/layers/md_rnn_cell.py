"""The two-dimensional vanilla recurrent cell."""

import keras

from kerasnqs.layers.vanilla_rnn_cell import VanillaRNNCell


@keras.saving.register_keras_serializable(package="kerasnqs")
class MDRNNCell(VanillaRNNCell):
    """A vanilla recurrent cell for the square lattice, reading two neighbour steps.

    Along the zigzag path of a `kerasnqs.lattice.Square`, each step reads the step
    before it in the same row (horizontal) and the step on the site above
    (vertical), as in the 2D RNN wavefunctions of Hibat-Allah et al. (2020).

    Mathematical details::

        h = f(W [h_left; h_up] + V [sigma_left; sigma_up] + b)

    with `[a; b]` the concatenation, `W` of shape `(2 * units, units)`, `V` of shape
    `(4, units)` in the first layer (one-hot spins) and `b` of shape `(units,)`;
    states and spins are zero where the neighbour does not exist.

    Args:
        units: the size of the hidden state, an integer >= 1.
        activation: the activation `f`, a Keras activation name or callable.
            Defaults to `"tanh"`.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> from keras import ops
    >>> from kerasnqs.layers import MDRNNCell
    >>> cell = MDRNNCell(8)
    >>> cell.n_neighbors
    2
    >>> h = cell(ops.zeros((5, 4)), [ops.zeros((5, 8)), ops.zeros((5, 8))])
    >>> tuple(h.shape)
    (5, 8)
    """

    n_neighbors = 2
