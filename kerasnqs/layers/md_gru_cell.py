"""The two-dimensional gated recurrent unit."""

import keras

from kerasnqs.layers.gru_cell import GRUCell


@keras.saving.register_keras_serializable(package="kerasnqs")
class MDGRUCell(GRUCell):
    """A gated recurrent unit for the square lattice, reading two neighbour steps.

    Along the zigzag path of a `kerasnqs.lattice.Square`, each step reads the step
    before it in the same row (horizontal) and the step on the site above (vertical).
    The two hidden states are concatenated, `h = [h_left; h_up]`, and enter the gates
    of a `GRUCell` (reset after the matmul); the state carried through the update
    gate is a learned projection of both.

    Mathematical details, with `x = [sigma_left; sigma_up]` in the first layer::

        z = sigmoid(W_z x + U_z h + b_z)
        r = sigmoid(W_r x + U_r h + b_r)
        h_tilde = tanh(W_h x + b_h + r * (U_h h + b'_h))
        h_new = z * (P h) + (1 - z) * h_tilde

    with the `U` blocks and `P` of shape `(2 * units, units)`.

    Args:
        units: the size of the hidden state, an integer >= 1.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> from keras import ops
    >>> from kerasnqs.layers import MDGRUCell
    >>> cell = MDGRUCell(16)
    >>> cell.n_neighbors
    2
    >>> h = cell(ops.ones((4, 4)), [ops.zeros((4, 16)), ops.ones((4, 16))])
    >>> tuple(h.shape)
    (4, 16)
    """

    n_neighbors = 2
