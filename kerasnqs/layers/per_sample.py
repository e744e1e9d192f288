"""The products through which layer weights enter, and per-sample gradient probes.

Stochastic reconfiguration needs the derivative of `log psi` with respect to every
weight for every sample separately, `O[b, k] = d log psi(sigma_b) / d theta_k`. A
batched gradient sums over samples inside each matrix product, so these per-sample
derivatives are recovered with probes: while a `PerSampleProbes` context is active,
`dense` and `add_bias` add a zero tensor with a leading sample axis for each weight,

    y_b = x_b W + c + x_b Z_b + z_b,        Z = 0, z = 0,

which changes no value, and the gradient of `sum_b log psi(sigma_b)` with respect to
`Z_b` (and `z_b`) is the derivative of `log psi(sigma_b)` with respect to `W` (and
`c`), summed over every step at which the layer ran.

Inside a loop over steps the backward pass would add a whole `(batch, in, out)`
gradient of `Z` at every step. A loop can instead set `PerSampleProbes.loop` to its
per-step probes (`kerasnqs.models.autoregressive_loops.StepProbes`): each weight's
first product in a step then gets a zero probe of that step alone, whose gradient is
the step's pair `(x_t, g_t)` of input and output gradient, and the derivative is
formed once, after the loop, as `sum_t x_t (x) g_t`.

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
    probes = active()
    if probes is not None:
        outputs = outputs + probes.product_term(inputs, kernel)
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
    probes = active()
    if probes is not None:
        outputs = outputs + probes.scale_term(ops.ones_like(values), bias)
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
    probes = active()
    if probes is not None:
        outputs = outputs + probes.scale_term(values, gain)
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
    probes = active()
    if probes is not None:
        probe = probes.probe_for(table, ops.shape(indices)[0])
        rows = ops.one_hot(indices, table.shape[0], dtype=probe.dtype)
        outputs = outputs + ops.einsum("bn,bnf->bf", rows, probe)
    return outputs


def active():
    """The active `PerSampleProbes`, or `None` outside a probe context."""
    return getattr(_ACTIVE, "probes", None)


class PerSampleProbes:
    """A context in which `dense` and `add_bias` add zero per-sample probes to weights.

    Row `r` of a batch of `k * n_samples` rows belongs to sample `r % n_samples`, so a
    model may evaluate several rows per sample (for example one per symmetry
    operation): the probe is tiled and the sample's derivative sums over its rows.

    Args:
        variables: the weights to probe (a list of Keras variables).
        n_samples: the number of samples, a Python int.
        dtype: the dtype of the probes (the model's compute dtype).
        watch: the `watch` method of the gradient tape the derivatives are taken on;
            it lets loops add per-step probes (see `loop`). `None` keeps to the
            probes of whole weights.

    Attributes:
        probes: one zero tensor `(n_samples, *variable.shape)` per variable, the
            tensors to differentiate with respect to.
        loop: set by a loop while it traces one step: an object with
            `product_term(index, inputs)` and `scale_term(index, values)` that
            returns a per-step term, or `None` when the weight has had its per-step
            probe in this step; `None` outside loops.
        step_probes: the per-step probes loops added, objects with the attributes
            `index` (of the variable), `probe` (the tensor to differentiate) and the
            method `derivatives(gradient, n_samples)`.
    """

    def __init__(self, variables, n_samples, dtype, watch=None):
        self.variables = list(variables)
        self.n_samples = int(n_samples)
        self.dtype = dtype
        self.probes = [
            ops.zeros((self.n_samples, *variable.shape), dtype=dtype) for variable in self.variables
        ]
        self.watch = watch
        if watch is not None:
            for probe in self.probes:
                watch(probe)
        self.loop = None
        self.step_probes = []
        self._index = {id(variable): i for i, variable in enumerate(self.variables)}
        self.used = set()

    def index_of(self, variable):
        """The position of `variable` among the probed weights; marks it used."""
        index = self._index.get(id(variable))
        if index is None:
            raise ValueError(
                f"Weight {getattr(variable, 'path', variable)!r} is used through "
                "kerasnqs.layers.per_sample but is not a trainable variable of the model."
            )
        self.used.add(index)
        return index

    def product_term(self, inputs, kernel):
        """The zero term `inputs Z` of `kernel`'s probe `Z`, shape `(rows, out)`."""
        index = self.index_of(kernel)
        term = None if self.loop is None else self.loop.product_term(index, inputs)
        if term is not None:
            return term
        return ops.einsum("bi,bio->bo", inputs, self.probe_for(kernel, ops.shape(inputs)[0]))

    def scale_term(self, values, gain):
        """The zero term `values * z` of the probe `z` of a vector weight `gain`."""
        index = self.index_of(gain)
        term = None if self.loop is None else self.loop.scale_term(index, values)
        if term is not None:
            return term
        return values * self.probe_for(gain, ops.shape(values)[0])

    def gradients(self, gradient_of, target):
        """The per-sample derivatives of `target` for every variable.

        Args:
            gradient_of: the tape's `gradient` method.
            target: the scalar `sum_b log psi(sigma_b)` (its real or imaginary part).

        Returns:
            One tensor `(n_samples, *variable.shape)` per variable.
        """
        steps = list(self.step_probes)
        sources = [*self.probes, *(step.probe for step in steps)]
        gradients = gradient_of(target, sources)
        result = [
            ops.zeros_like(probe) if gradient is None else gradient
            for probe, gradient in zip(self.probes, gradients[: len(self.probes)], strict=True)
        ]
        for step, gradient in zip(steps, gradients[len(self.probes) :], strict=True):
            if gradient is not None:
                result[step.index] = result[step.index] + step.derivatives(gradient, self.n_samples)
        return result

    def probe_for(self, variable, n_rows):
        """The probe of `variable`, tiled to `n_rows` rows (a multiple of `n_samples`)."""
        index = self.index_of(variable)
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
