"""Layer normalization with per-sample derivatives."""

import keras
from keras import ops

from kerasnqs.layers.per_sample import add_bias, scale


@keras.saving.register_keras_serializable(package="kerasnqs")
class LayerNorm(keras.layers.Layer):
    """Layer normalization over the features, with a learned gain and bias.

    Mathematical details::

        y = g * (x - mean(x)) / sqrt(var(x) + epsilon) + b

    with the mean and variance over the last axis of `x`, `g` (ones) and `b` (zeros)
    weights of shape `(features,)`. The same as `keras.layers.LayerNormalization`
    over the last axis, but its weights enter through `kerasnqs.layers.per_sample`, so
    stochastic reconfiguration gets their per-sample derivatives.

    Args:
        epsilon: added to the variance, a float > 0. Defaults to `1e-5`.
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> import numpy as np
    >>> from kerasnqs.layers import LayerNorm
    >>> y = LayerNorm()(np.array([[1.0, 2.0, 3.0]], "float32")).numpy()
    >>> [round(float(v), 3) for v in y[0]]
    [-1.225, 0.0, 1.225]
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon <= 0:
            raise ValueError(f"`epsilon` must be a float > 0, got {epsilon!r}.")
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        features = input_shape[-1]
        self.gain = self.add_weight(name="gain", shape=(features,), initializer="ones")
        self.bias = self.add_weight(name="bias", shape=(features,), initializer="zeros")

    def call(self, inputs):
        mean = ops.mean(inputs, axis=-1, keepdims=True)
        variance = ops.mean(ops.square(inputs - mean), axis=-1, keepdims=True)
        normalized = (inputs - mean) / ops.sqrt(variance + self.epsilon)
        return add_bias(scale(normalized, self.gain), self.bias)

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        return config
