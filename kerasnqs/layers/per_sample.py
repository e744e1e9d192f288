"""The products through which layer weights enter, and per-sample gradient probes.

Stochastic reconfiguration needs the derivative of `log psi` with respect to every
weight for every sample separately, `O[b, k] = d log psi(sigma_b) / d theta_k`. A
batched gradient sums over samples inside each matrix product, so these per-sample
derivatives are recovered with probes: while a `PerSampleProbes` context is active,
`dense` and `add_bias` add a zero tensor with a leading sample axis for each weight,

    y_b = x_b W + c + x_b Z_b + z_b,        Z = 0, z = 0,

which changes no value, and the gradient of `sum_b log psi(sigma_b)` with respect to
`Z_b` (and `z_b`) is the derivative of `log psi(sigma_b)` with respect to `W` (and
`c`), summed over every step at which the layer ran. One backward pass gives every
sample's derivatives at about twice the cost of a batched gradient.

Layers that want their weights to take part call `dense` and `add_bias` instead of
`ops.matmul(x, W) + c`, `scale` instead of `x * g` and `embedding` instead of
`ops.take(table, indices, axis=0)`; outside a probe context these are exactly that.
"""

import threading

from keras import ops

_ACTIVE = threading.local()


def dense(inputs, kernel, bias=None):
    """Returns `inputs @ kernel (+ bias)`, probed per sample inside `PerSampleProbes`.

    Args:
        inputs: a tensor `(batch, in_features)`.
        kernel: the layer's weight of shape `(in_features, out_features)`.
        bias: optional weight of shape `(out_features,)`.

    Returns:
        A tensor `(batch, out_features)`.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.layers.per_sample import dense
    >>> tuple(dense(np.ones((2, 3), "float32"), np.ones((3, 4), "float32")).shape)
    (2, 4)
    """
    outputs = ops.matmul(inputs, kernel)
    probes = getattr(_ACTIVE, "probes", None)
    if probes is not None:
        probe = probes.probe_for(kernel, ops.shape(inputs)[0])
        outputs = outputs + ops.einsum("bi,bio->bo", inputs, probe)
    return outputs if bias is None else add_bias(outputs, bias)


def add_bias(values, bias):
    """Returns `values + bias`, probed per sample inside `PerSampleProbes`.

    Args:
        values: a tensor `(batch, features)`.
        bias: the layer's weight of shape `(features,)`.

    Returns:
        A tensor `(batch, features)`.
    """
    outputs = values + bias
    probes = getattr(_ACTIVE, "probes", None)
    if probes is not None:
        outputs = outputs + probes.probe_for(bias, ops.shape(values)[0])
    return outputs


def scale(values, gain):
    """Returns `values * gain` (elementwise), probed per sample inside `PerSampleProbes`.

    Args:
        values: a tensor `(batch, features)`.
        gain: the layer's weight of shape `(features,)`.

    Returns:
        A tensor `(batch, features)`.
    """
    outputs = values * gain
    probes = getattr(_ACTIVE, "probes", None)
    if probes is not None:
        outputs = outputs + values * probes.probe_for(gain, ops.shape(values)[0])
    return outputs


def embedding(indices, table):
    """Returns the rows `table[indices]`, probed per sample inside `PerSampleProbes`.

    Args:
        indices: an integer tensor `(batch,)` of rows of `table`.
        table: the layer's weight of shape `(n_rows, features)`.

    Returns:
        A tensor `(batch, features)`.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.layers.per_sample import embedding
    >>> embedding(np.array([2, 0]), np.arange(6.0).reshape(3, 2)).numpy().tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    outputs = ops.take(table, indices, axis=0)
    probes = getattr(_ACTIVE, "probes", None)
    if probes is not None:
        probe = probes.probe_for(table, ops.shape(indices)[0])
        rows = ops.one_hot(indices, table.shape[0], dtype=probe.dtype)
        outputs = outputs + ops.einsum("bn,bnf->bf", rows, probe)
    return outputs


class PerSampleProbes:
    """A context in which `dense` and `add_bias` add zero per-sample probes to weights.

    Row `r` of a batch of `k * n_samples` rows belongs to sample `r % n_samples`, so a
    model may evaluate several rows per sample (for example one per symmetry
    operation): the probe is tiled and the sample's derivative sums over its rows.

    Args:
        variables: the weights to probe (a list of Keras variables).
        n_samples: the number of samples, a Python int.
        dtype: the dtype of the probes (the model's compute dtype).

    Attributes:
        probes: one zero tensor `(n_samples, *variable.shape)` per variable, the
            tensors to differentiate with respect to.
    """

    def __init__(self, variables, n_samples, dtype):
        self.variables = list(variables)
        self.n_samples = int(n_samples)
        self.probes = [
            ops.zeros((self.n_samples, *variable.shape), dtype=dtype) for variable in self.variables
        ]
        self._index = {id(variable): i for i, variable in enumerate(self.variables)}
        self.used = set()

    def probe_for(self, variable, n_rows):
        """The probe of `variable`, tiled to `n_rows` rows (a multiple of `n_samples`)."""
        index = self._index.get(id(variable))
        if index is None:
            raise ValueError(
                f"Weight {getattr(variable, 'path', variable)!r} is used through "
                "kerasnqs.layers.per_sample but is not a trainable variable of the model."
            )
        self.used.add(index)
        probe = self.probes[index]
        repeats = n_rows // self.n_samples
        if isinstance(n_rows, int) and isinstance(repeats, int) and repeats == 1:
            return probe
        return ops.tile(probe, (repeats,) + (1,) * (len(probe.shape) - 1))

    def unused_variables(self):
        """The paths of the probed variables that no `dense` or `add_bias` call used."""
        return [
            getattr(variable, "path", str(variable))
            for i, variable in enumerate(self.variables)
            if i not in self.used
        ]

    def __enter__(self):
        if getattr(_ACTIVE, "probes", None) is not None:
            raise RuntimeError("PerSampleProbes contexts do not nest.")
        _ACTIVE.probes = self
        return self

    def __exit__(self, *exc_info):
        _ACTIVE.probes = None
        return False
