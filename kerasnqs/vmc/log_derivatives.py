"""Per-sample log-derivatives `O[b, k] = d log psi(sigma_b) / d theta_k`.

The TensorFlow side of `kerasnqs.layers.per_sample`: one gradient tape over the zero
probes that the layers add to their weights gives every sample's derivatives in one
backward pass (two for a complex `log_psi`: its real and imaginary parts).
"""

import tensorflow as tf

from kerasnqs import compiled
from kerasnqs.layers.per_sample import PerSampleProbes


def log_derivatives(wavefunction, configs):
    """Returns the per-sample derivatives of `log psi` with respect to the trainable weights.

    Mathematical details: `O[b, k] = d log psi(sigma_b) / d theta_k` for every sample `b`
    and every real weight `theta_k` (the trainable variables in order, each flattened);
    complex when `log_psi` is. The mean of `O` over samples, contracted with a vector,
    is what the batched gradient of `mean(log psi)` gives; `O` itself is what
    stochastic reconfiguration needs.

    Works for models whose every trainable weight enters through
    `kerasnqs.layers.per_sample.dense` or `add_bias` (all of kerasnqs's layers do).
    Called eagerly it runs a compiled function; inside a `tf.function` (also with XLA)
    it is traced in place.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        configs: integer tensor `(n_samples, n_sites)` with a static number of rows.

    Returns:
        A tensor `(n_samples, n_parameters)`, of the model's float dtype or the matching
        complex dtype.

    Raises:
        ValueError: if some trainable weight does not enter through the probed products.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.vmc import log_derivatives
    >>> model = RNNWavefunction(Chain(4), units=4)
    >>> configs, _ = model.sample(3, seed=0)
    >>> tuple(log_derivatives(model, configs).shape) == (3, model.count_params())
    True
    """
    configs = tf.convert_to_tensor(configs)
    if tf.executing_eagerly():
        return _compiled(wavefunction)(configs)
    return _log_derivatives(wavefunction, configs)


def _compiled(wavefunction):
    fn = getattr(wavefunction, "_kerasnqs_log_derivatives", None)
    if fn is None:
        fn = compiled.function(lambda configs: _log_derivatives(wavefunction, configs))
        wavefunction._kerasnqs_log_derivatives = fn
    return fn


def _log_derivatives(wavefunction, configs):
    n_samples = configs.shape[0]
    if n_samples is None:
        raise ValueError("`configs` must have a static number of rows.")
    variables = wavefunction.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        probes = PerSampleProbes(variables, n_samples, wavefunction.compute_dtype, tape.watch)
        with probes:
            log_psi = wavefunction.log_psi(configs)
        real_sum = tf.reduce_sum(tf.math.real(log_psi))
        imag_sum = tf.reduce_sum(tf.math.imag(log_psi)) if log_psi.dtype.is_complex else None
    unused = probes.unused_variables()
    if unused:
        raise ValueError(
            f"Per-sample derivatives need every trainable weight to enter through "
            f"kerasnqs.layers.per_sample.dense or add_bias; {type(wavefunction).__name__}'s "
            f"weights {unused} do not."
        )
    derivatives = _flatten(probes.gradients(tape.gradient, real_sum), n_samples)
    if imag_sum is not None:
        imaginary = _flatten(probes.gradients(tape.gradient, imag_sum), n_samples)
        derivatives = tf.complex(derivatives, imaginary)
    del tape
    return derivatives


def _flatten(per_sample_gradients, n_samples):
    return tf.concat([tf.reshape(g, (n_samples, -1)) for g in per_sample_gradients], axis=1)
