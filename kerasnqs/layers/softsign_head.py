"""The output head giving the phase contributed by each spin state."""

import math

import keras
from keras import ops

from kerasnqs.layers.per_sample import dense
from kerasnqs.layers.softmax_head import LOCAL_SIZE


@keras.saving.register_keras_serializable(package="kerasnqs")
class SoftsignHead(keras.layers.Layer):
    """A softsign layer: the phase a step adds to the wavefunction, per spin state.

    Mathematical details (Hibat-Allah et al., 2020)::

        phi_n = pi * softsign(U' h_n + c'),    softsign(x) = x / (1 + |x|)

    with `h_n` the hidden state of step `n`, `U'` of shape `(units, 2)` and `c'` of
    shape `(2,)`. `phi_n[s]`, in `(-pi, pi)`, is the phase contributed when the spin
    taken at step `n` is `s`; the phase of a configuration is the sum over steps of
    the entry of the spin actually taken, `phi(sigma) = sum_n phi_n[sigma_n]`.

    Args:
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> import math
    >>> from keras import ops
    >>> from kerasnqs.layers import SoftsignHead
    >>> head = SoftsignHead()
    >>> phases = head(100.0 * ops.ones((3, 8)))
    >>> tuple(phases.shape)
    (3, 2)
    >>> bool(ops.all(ops.abs(phases) < math.pi))
    True
    """

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], LOCAL_SIZE), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(LOCAL_SIZE,), initializer="zeros")

    def call(self, hidden):
        pre_activation = dense(hidden, self.kernel, self.bias)
        # Written out rather than `ops.softsign`: TensorFlow has no gradient for the
        # gradient of its Softsign op, which persistent tapes and second-order methods need.
        return math.pi * pre_activation / (1.0 + ops.abs(pre_activation))
