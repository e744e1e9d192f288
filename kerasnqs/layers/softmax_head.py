"""The output head giving the conditional probabilities of the two spin states."""

import keras
from keras import ops

from kerasnqs.layers.per_sample import dense

LOCAL_SIZE = 2


@keras.saving.register_keras_serializable(package="kerasnqs")
class SoftmaxHead(keras.layers.Layer):
    """A softmax layer: the conditional probabilities of the next spin, up or down.

    Mathematical details::

        y_n = softmax(U h_n + c),    y_n[s] = P(sigma_n = s | sigma_<n)

    with `h_n` the hidden state of step `n`, `U` of shape `(units, 2)` and `c` of
    shape `(2,)`. Calling the layer returns `y_n`; `logits(h)` returns `U h + c` and
    `log_probabilities(h)` returns `log y_n` computed as a log-softmax, which stays
    finite where `y_n` underflows to zero.

    Args:
        **kwargs: passed to `keras.layers.Layer` (for example `name` or `dtype`).

    Example:

    >>> from keras import ops
    >>> from kerasnqs.layers import SoftmaxHead
    >>> head = SoftmaxHead()
    >>> y = head(ops.ones((3, 8)))
    >>> tuple(y.shape)
    (3, 2)
    >>> [round(float(total), 6) for total in ops.sum(y, axis=-1)]
    [1.0, 1.0, 1.0]
    """

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], LOCAL_SIZE), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(LOCAL_SIZE,), initializer="zeros")

    def logits(self, hidden):
        """Returns `U h + c`, shape `(batch, 2)`."""
        return dense(hidden, self.kernel, self.bias)

    def log_probabilities(self, hidden):
        """Returns `log softmax(U h + c)`, shape `(batch, 2)`."""
        return ops.log_softmax(self.logits(hidden), axis=-1)

    def call(self, hidden):
        return ops.softmax(self.logits(hidden), axis=-1)
