"""One block of a decoder-only Transformer: masked self-attention and a feed-forward layer."""

import keras
from keras import ops

from kerasnqs.lattice.lattice import validate_size
from kerasnqs.layers.causal_self_attention import CausalSelfAttention
from kerasnqs.layers.layer_norm import LayerNorm
from kerasnqs.layers.per_sample import dense


@keras.saving.register_keras_serializable(package="kerasnqs")
class TransformerBlock(keras.layers.Layer):
    """A pre-norm Transformer decoder block, evaluated one position at a time.

    Mathematical details, for the input `x_p` at position `p`::

        u_p = x_p + Attention(LayerNorm_1(x))_p          (causal: positions <= p)
        y_p = u_p + W_2 gelu(W_1 LayerNorm_2(u_p) + c_1) + c_2

    with `Attention` a `CausalSelfAttention` whose key/value cache is passed in and
    returned, `W_1` of shape `(d_model, ffn_units)` and `W_2` of shape
    `(ffn_units, d_model)`.

    Args:
        d_model: the size of inputs and outputs, an integer >= 1.
        n_heads: the number of attention heads, an integer >= 1 dividing `d_model`.
        ffn_units: the hidden size of the feed-forward layer, an integer >= 1.
            Defaults to `4 * d_model`.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> from keras import ops
    >>> from kerasnqs.layers import TransformerBlock
    >>> block = TransformerBlock(8, n_heads=2)
    >>> cache = block.initial_cache(3, length=5)
    >>> y, cache = block(ops.ones((3, 8)), cache, position=0)
    >>> tuple(y.shape)
    (3, 8)
    """

    def __init__(self, d_model, n_heads, ffn_units=None, **kwargs):
        super().__init__(**kwargs)
        self.d_model = validate_size("d_model", d_model, minimum=1)
        self.n_heads = validate_size("n_heads", n_heads, minimum=1)
        ffn_units = 4 * self.d_model if ffn_units is None else ffn_units
        self.ffn_units = validate_size("ffn_units", ffn_units, minimum=1)
        dtype = self.dtype_policy.name
        self.attention_norm = LayerNorm(dtype=dtype, name="attention_norm")
        self.attention = CausalSelfAttention(
            self.d_model, self.n_heads, dtype=dtype, name="attention"
        )
        self.ffn_norm = LayerNorm(dtype=dtype, name="ffn_norm")

    def build(self, input_shape):
        d = self.d_model
        self.attention_norm.build((None, d))
        self.attention.build((None, d))
        self.ffn_norm.build((None, d))
        self.ffn_kernel = self.add_weight(
            name="ffn_kernel", shape=(d, self.ffn_units), initializer="glorot_uniform"
        )
        self.ffn_bias = self.add_weight(
            name="ffn_bias", shape=(self.ffn_units,), initializer="zeros"
        )
        self.ffn_output_kernel = self.add_weight(
            name="ffn_output_kernel", shape=(self.ffn_units, d), initializer="glorot_uniform"
        )
        self.ffn_output_bias = self.add_weight(
            name="ffn_output_bias", shape=(d,), initializer="zeros"
        )

    def initial_cache(self, batch_size, length):
        """The attention's empty key/value cache of a first segment of `length` positions."""
        return self.attention.initial_cache(batch_size, length)

    def next_segment(self, cache, length):
        """The attention's cache of the next segment, of `length` positions."""
        return self.attention.next_segment(cache, length)

    def call(self, inputs, cache, position):
        attended, cache = self.attention(self.attention_norm(inputs), cache, position=position)
        hidden = inputs + attended
        expanded = ops.gelu(dense(self.ffn_norm(hidden), self.ffn_kernel, self.ffn_bias))
        return hidden + dense(expanded, self.ffn_output_kernel, self.ffn_output_bias), cache

    def get_config(self):
        config = super().get_config()
        config.update(
            {"d_model": self.d_model, "n_heads": self.n_heads, "ffn_units": self.ffn_units}
        )
        return config
