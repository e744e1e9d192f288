"""Helpers shared by the test modules (imported as `support`)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from scipy import stats

from kerasnqs.models import RNNWavefunction


def all_configurations(n_sites):
    """Every configuration of `n_sites` spins in basis order, shape (2**n_sites, n_sites)."""
    codes = np.arange(2**n_sites)[:, None]
    return ((codes >> np.arange(n_sites)[::-1]) & 1).astype(np.int32)


def make_model(lattice, seed=0, scale=0.8, **kwargs):
    """A model with fixed random weights, scaled up so its distribution is far from uniform."""
    keras.utils.set_random_seed(seed)
    model = RNNWavefunction(lattice, **kwargs)
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(scale * rng.normal(size=weight.shape))
    return model


def amplitudes(wavefunction, configs=None):
    """`psi(sigma)` as complex128 numpy, over `configs` (default: all, in basis order)."""
    if configs is None:
        configs = all_configurations(wavefunction.n_sites)
    return np.exp(np.asarray(wavefunction.log_psi(configs)).astype(np.complex128))


def dense_matrix(operator):
    """The operator's matrix in the basis of `all_configurations`, complex128 numpy."""
    return operator.to_sparse().toarray().astype(np.complex128)


def assert_log_psi_and_gradients_match_reference(model, configs, jit_compile=None):
    """Checks `model.log_psi` and its gradient against `reference_log_psi`.

    The gradient is that of `sum(Re log_psi + 0.3 Im log_psi)` with respect to the
    trainable weights, so a wrong phase shows too. `jit_compile=None` runs the model
    eagerly, otherwise inside a `tf.function` with that `jit_compile`.
    """

    def value_and_gradients(log_psi_fn):
        with tf.GradientTape() as tape:
            log_psi = log_psi_fn(configs)
            loss = tf.reduce_sum(tf.math.real(log_psi) + 0.3 * tf.math.imag(log_psi))
        return log_psi, tape.gradient(loss, model.trainable_variables)

    run = value_and_gradients
    if jit_compile is not None:
        run = tf.function(value_and_gradients, jit_compile=jit_compile)
    log_psi, gradients = run(model.log_psi)
    expected, expected_gradients = value_and_gradients(lambda x: reference_log_psi(model, x))
    np.testing.assert_allclose(log_psi.numpy(), expected.numpy(), rtol=1e-10)
    for gradient, expected_gradient in zip(gradients, expected_gradients, strict=True):
        np.testing.assert_allclose(gradient.numpy(), expected_gradient.numpy(), rtol=1e-8)


def reference_log_psi(model, configs):
    """`log_psi` from a plain Python loop that keeps every step's hidden states."""
    lattice = model.lattice
    dtype = model.compute_dtype
    batch = configs.shape[0]
    spins_by_step = configs[:, lattice.order]
    states = [[None] * lattice.n_sites for _ in model.cells]
    log_prob = ops.zeros((batch,), dtype)
    phase = ops.zeros((batch,), dtype)
    for step in range(lattice.n_sites):
        neighbors = lattice.autoregressive_neighbors[step]
        inputs = ops.concatenate(
            [
                ops.one_hot(spins_by_step[:, j], 2, dtype=dtype)
                if j >= 0
                else ops.zeros((batch, 2), dtype)
                for j in neighbors
            ],
            axis=-1,
        )
        for layer, cell in enumerate(model.cells):
            previous = [
                states[layer][j] if j >= 0 else ops.zeros((batch, cell.units), dtype)
                for j in neighbors
            ]
            inputs = cell(inputs, previous)
            states[layer][step] = inputs
        spin = spins_by_step[:, step]
        log_conditional = model.probability_head.log_probabilities(inputs)
        log_prob += ops.take_along_axis(log_conditional, spin[:, None], axis=1)[:, 0]
        if model.phase_head is not None:
            phases = model.phase_head(inputs)
            phase += ops.take_along_axis(phases, spin[:, None], axis=1)[:, 0]
    return ops.cast(0.5 * log_prob, "complex128") + ops.cast(phase, "complex128") * 1j


def jacobian(model, configs):
    """`d log psi / d theta` of every configuration, one plain gradient per configuration."""
    rows = []
    for config in np.asarray(configs):
        parts = []
        for part in (tf.math.real, tf.math.imag)[: 2 if model.is_complex else 1]:
            with tf.GradientTape() as tape:
                value = part(model.log_psi(config[None]))[0]
            gradients = tape.gradient(value, model.trainable_variables)
            parts.append(np.concatenate([np.ravel(tf.convert_to_tensor(g)) for g in gradients]))
        rows.append(parts[0] + 1j * parts[1] if model.is_complex else parts[0])
    return np.stack(rows)


def sampler_p_value(model, n_samples, seed):
    """The chi-square p-value of `model.sample` against `exp(log_prob)` over every configuration.

    Asserts that no sample falls where the probability is zero. Configurations expected
    fewer than 5 times are pooled into one bin, as usual (and must be under a quarter).
    """
    n_sites = model.n_sites
    configs, _ = model.sample(n_samples, seed=seed)
    codes = np.asarray(configs) @ (1 << np.arange(n_sites)[::-1])
    counts = np.bincount(codes, minlength=2**n_sites)
    log_prob = np.asarray(model.log_prob(all_configurations(n_sites)))
    probabilities = np.exp(log_prob.astype(np.float64))
    support = probabilities > 0
    assert counts[~support].sum() == 0
    expected = n_samples * probabilities[support] / probabilities[support].sum()
    observed = counts[support]
    rare = expected < 5
    assert rare.sum() < support.sum() / 4
    if rare.any():
        observed = np.append(observed[~rare], observed[rare].sum())
        expected = np.append(expected[~rare], expected[rare].sum())
    return stats.chisquare(observed, expected * observed.sum() / expected.sum())[1]
