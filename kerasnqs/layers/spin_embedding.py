"""The input embedding of an autoregressive Transformer: the previous spin and the position."""

import keras
from keras import ops

from kerasnqs.lattice.lattice import validate_size
from kerasnqs.layers.per_sample import embedding

START_TOKEN = 2
"""The token read at the first step, which has no previous spin (0 up, 1 down)."""


@keras.saving.register_keras_serializable(package="kerasnqs")
class SpinEmbedding(keras.layers.Layer):
    """The embedding of the previous spin plus a learned embedding of the position.

    Mathematical details::

        x_n = E[t_n] + sum_a P_a[c_{n,a}]

    with `t_n` the token read at step `n` (the spin of step `n - 1`, 0 or 1, and
    `START_TOKEN` = 2 at step 0), `E` a `(3, d_model)` table, and one table `P_a` of
    shape `(grid_shape[a], d_model)` per coordinate axis of the site visited at
    step `n`: a chain has one axis (the site), a square lattice two (row and column),
    so its position embedding has `(ly + lx) d_model` weights rather than
    `lx ly d_model`.

    Args:
        d_model: the embedding size, an integer >= 1.
        grid_shape: the number of values of each coordinate, a tuple of integers >= 1.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> import numpy as np
    >>> from kerasnqs.layers import SpinEmbedding
    >>> layer = SpinEmbedding(8, grid_shape=(3, 4))  # rows, columns
    >>> x = layer(np.array([2, 0]), np.array([1, 3]))  # token per row; row 1, column 3
    >>> tuple(x.shape)
    (2, 8)
    """

    def __init__(self, d_model, grid_shape, **kwargs):
        super().__init__(**kwargs)
        self.d_model = validate_size("d_model", d_model, minimum=1)
        self.grid_shape = tuple(validate_size("grid_shape", n, minimum=1) for n in grid_shape)

    def build(self, input_shape=None):
        init = keras.initializers.RandomNormal(stddev=0.1)
        self.token_embedding = self.add_weight(
            name="token_embedding", shape=(3, self.d_model), initializer=init
        )
        self.position_embeddings = [
            self.add_weight(
                name=f"position_embedding_{axis}", shape=(n, self.d_model), initializer=init
            )
            for axis, n in enumerate(self.grid_shape)
        ]

    def call(self, tokens, coordinates):
        """`tokens` int `(batch,)`; `coordinates` int `(n_axes,)`, the same for every row."""
        outputs = embedding(tokens, self.token_embedding)
        for axis, table in enumerate(self.position_embeddings):
            outputs = outputs + embedding(ops.full_like(tokens, coordinates[axis]), table)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update({"d_model": self.d_model, "grid_shape": list(self.grid_shape)})
        return config
