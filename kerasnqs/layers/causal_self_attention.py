"""Masked multi-head self-attention, one position at a time with a key/value cache."""

import math

import keras
from keras import ops

from kerasnqs.lattice.lattice import validate_size
from kerasnqs.layers.per_sample import dense


@keras.saving.register_keras_serializable(package="kerasnqs")
class CausalSelfAttention(keras.layers.Layer):
    """Causal multi-head self-attention evaluated one position at a time.

    At position `p` the layer projects its input `x_p` to a query, a key and a value
    per head, stores the key and value at row `p` of the cache, and attends over the
    cached positions `0 .. p`:

    Mathematical details::

        q, k_p, v_p = split(W x_p + c)            (each n_heads x head_dim)
        a_h = softmax_{j <= p}(q_h . k_{j,h} / sqrt(head_dim))
        y_p = W_o concat_h(sum_{j <= p} a_{h,j} v_{j,h}) + c_o

    with `head_dim = d_model / n_heads`. Evaluating positions `0, 1, ..., p` in turn
    gives the same outputs as a masked (causal) attention over the whole sequence, at
    the cost of one query per position.

    The cache covers the positions in segments: `(written_keys, written_values, keys,
    values)`, each `(batch, n_heads, length, head_dim)`. The written part holds the
    keys and values of the finished segments, positions `0 .. start - 1`; the current
    segment holds positions `start .. start + length - 1`, zeros where not yet written.
    The query attends over all written positions and over the current segment up to
    `p`, so a step reads the positions it needs and not the whole sequence.
    `initial_cache` makes the cache of the first segment and `next_segment` moves a
    finished segment into the written part. (One segment of all positions is a plain
    masked cache.)

    Args:
        d_model: the size of inputs and outputs, an integer >= 1.
        n_heads: the number of heads, an integer >= 1 dividing `d_model`.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> from keras import ops
    >>> from kerasnqs.layers import CausalSelfAttention
    >>> attention = CausalSelfAttention(8, n_heads=2)
    >>> cache = attention.initial_cache(3, length=2)
    >>> y, cache = attention(ops.ones((3, 8)), cache, position=0)
    >>> y, cache = attention(ops.ones((3, 8)), cache, position=1)
    >>> cache = attention.next_segment(cache, length=3)
    >>> y, cache = attention(ops.ones((3, 8)), cache, position=2)
    >>> tuple(y.shape), [tuple(part.shape) for part in cache[::2]]
    ((3, 8), [(3, 2, 2, 4), (3, 2, 3, 4)])
    """

    def __init__(self, d_model, n_heads, **kwargs):
        super().__init__(**kwargs)
        self.d_model = validate_size("d_model", d_model, minimum=1)
        self.n_heads = validate_size("n_heads", n_heads, minimum=1)
        if self.d_model % self.n_heads:
            raise ValueError(
                f"`n_heads`={n_heads} must divide `d_model`={d_model} (each head gets "
                "d_model / n_heads features)."
            )
        self.head_dim = self.d_model // self.n_heads

    def build(self, input_shape):
        d = self.d_model
        self.qkv_kernel = self.add_weight(
            name="qkv_kernel", shape=(input_shape[-1], 3 * d), initializer="glorot_uniform"
        )
        self.qkv_bias = self.add_weight(name="qkv_bias", shape=(3 * d,), initializer="zeros")
        self.output_kernel = self.add_weight(
            name="output_kernel", shape=(d, d), initializer="glorot_uniform"
        )
        self.output_bias = self.add_weight(name="output_bias", shape=(d,), initializer="zeros")

    def initial_cache(self, batch_size, length):
        """The empty cache of a first segment of `length` positions (nothing written)."""
        return (*self._zeros(batch_size, 0), *self._zeros(batch_size, length))

    def next_segment(self, cache, length):
        """The cache of the segment after the current one, which must be finished.

        The current segment's keys and values join the written ones, and the next
        segment gets `length` empty positions.
        """
        written_keys, written_values, keys, values = cache
        return (
            ops.concatenate([written_keys, keys], axis=2),
            ops.concatenate([written_values, values], axis=2),
            *self._zeros(ops.shape(keys)[0], length),
        )

    def _zeros(self, batch_size, length):
        shape = (batch_size, self.n_heads, length, self.head_dim)
        return (ops.zeros(shape, self.compute_dtype), ops.zeros(shape, self.compute_dtype))

    def call(self, inputs, cache, position):
        written_keys, written_values, keys, values = cache
        start, length = written_keys.shape[2], keys.shape[2]
        query, key, value = ops.split(dense(inputs, self.qkv_kernel, self.qkv_bias), 3, axis=-1)
        heads = (-1, self.n_heads, self.head_dim)
        query, key, value = (ops.reshape(t, heads) for t in (query, key, value))
        query = query / ops.cast(math.sqrt(self.head_dim), query.dtype)
        offset = position - start
        at_position = ops.reshape(ops.arange(length) == offset, (1, 1, length, 1))
        keys = ops.where(at_position, key[:, :, None, :], keys)
        values = ops.where(at_position, value[:, :, None, :], values)
        scores = ops.einsum("bhd,bhld->bhl", query, keys)
        visible = ops.reshape(ops.arange(length) <= offset, (1, 1, length))
        scores = ops.where(visible, scores, ops.cast(-1e9, scores.dtype))
        if start:  # the written positions are all visible
            written_scores = ops.einsum("bhd,bhld->bhl", query, written_keys)
            scores = ops.concatenate([written_scores, scores], axis=-1)
        weights = ops.softmax(scores, axis=-1)
        attended = ops.einsum("bhl,bhld->bhd", weights[..., start:], values)
        if start:
            attended = attended + ops.einsum("bhl,bhld->bhd", weights[..., :start], written_values)
        merged = ops.reshape(attended, (-1, self.d_model))
        return (
            dense(merged, self.output_kernel, self.output_bias),
            (written_keys, written_values, keys, values),
        )

    def get_config(self):
        config = super().get_config()
        config.update({"d_model": self.d_model, "n_heads": self.n_heads})
        return config
