"""The VMC gradient against the exact gradient of the energy and the free energy.

On a 5-site chain every configuration can be enumerated, so the energy
`E(theta) = sum_s conj(psi_s) (H psi)_s / sum_s |psi_s|^2` and the free energy
`F = E + T sum_s P_s log P_s` (`P_s = |psi_s|^2 / sum |psi|^2`) are differentiable
functions of the weights, and their gradients are exact. Two checks:

- the estimator: the surrogate loss of `kerasnqs.vmc.vmc`, applied to every
  configuration weighted by `P_s` instead of to samples, give the exact gradient up to
  round-off;
- one real `VMC` training step with `SGD(lr)` moves the weights by `-lr` times a
  Monte Carlo estimate of the exact gradient, within a tolerance computed from the exact
  variance of the estimator.
"""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import all_configurations, dense_matrix, make_model

import kerasnqs
from kerasnqs.lattice import Chain
from kerasnqs.operators import J1J2, TFIM, PauliSum
from kerasnqs.vmc.vmc import _objective_gradient_loss

N_SITES = 5
CHAIN = Chain(N_SITES, pbc=True)

HAMILTONIANS = {
    "tfim": TFIM(CHAIN, h=0.8),
    # Without the Marshall rotation the ground state has a sign structure, so the phase
    # head's gradient matters.
    "j1j2": J1J2(CHAIN, j2=0.5),
    # Hermitian with a complex matrix (odd numbers of Y): local energies are complex
    # even for a positive wavefunction.
    "pauli-y": PauliSum.parse(N_SITES, "X0 Y1 - Y0 X1 + 0.7 Y2 Z3 + 0.5 X4 + Z1 Z2 - 0.3 Y3 Y4"),
}

CASES = [
    pytest.param("tfim", False, 0.0, id="tfim-real-energy"),
    pytest.param("tfim", False, 0.5, id="tfim-real-free-energy"),
    pytest.param("j1j2", True, 0.0, id="j1j2-complex-energy"),
    pytest.param("j1j2", True, 0.5, id="j1j2-complex-free-energy"),
    pytest.param("pauli-y", True, 0.0, id="pauli-y-complex-energy"),
    pytest.param("pauli-y", False, 0.3, id="pauli-y-real-free-energy"),
]


@functools.cache
def model(phase):
    """A float64 RNN with fixed random weights, far from the uniform distribution.

    One per phase for the whole module (tracing dominates the cost of these tests); the
    training test puts the weights back.
    """
    return make_model(CHAIN, seed=3, scale=0.6, units=4, phase=phase, dtype="float64")


def exact_objective(wavefunction, matrix, temperature):
    """`E + T sum_s P_s log P_s` by enumeration, differentiable in the weights."""
    log_psi = tf.cast(wavefunction.log_psi(all_configurations(wavefunction.n_sites)), "complex128")
    psi = tf.exp(log_psi)
    norm = tf.reduce_sum(tf.abs(psi) ** 2)
    energy = tf.math.real(tf.reduce_sum(tf.math.conj(psi) * tf.linalg.matvec(matrix, psi))) / norm
    probabilities = tf.abs(psi) ** 2 / norm
    return energy + temperature * tf.reduce_sum(probabilities * tf.math.log(probabilities))


def exact_gradient(wavefunction, matrix, temperature):
    with tf.GradientTape() as tape:
        objective = exact_objective(wavefunction, tf.constant(matrix), temperature)
    return flatten(tape.gradient(objective, wavefunction.trainable_variables))


def flatten(tensors):
    """One float64 vector of the values of `tensors` (none of which may be None)."""
    assert all(t is not None for t in tensors)
    return np.concatenate([np.ravel(np.asarray(t, dtype=np.float64)) for t in tensors])


def exact_local_energies(wavefunction, matrix):
    """`E_loc(s) = (H psi)_s / psi_s` and `P_s` over all configurations."""
    configs = all_configurations(wavefunction.n_sites)
    psi = np.exp(np.asarray(wavefunction.log_psi(configs)).astype(np.complex128))
    probabilities = np.abs(psi) ** 2 / np.sum(np.abs(psi) ** 2)
    return configs, (matrix @ psi) / psi, probabilities


def weighted_estimator_gradient(
    log_psi_fn, variables, configs, weights, local_energies, temperature
):
    """The VMC estimator's gradient with the samples replaced by weighted configurations.

    The surrogate loss averages over its batch. Rescaling the derivative of each
    `log_psi(s)` by `n * weights[s]` (its value is unchanged) turns that average into
    the expectation `sum_s weights[s] (...)`; the local objective
    `eps = E_loc + T log P` is centred on its weighted mean.

    Args:
        log_psi_fn: configurations -> `log_psi`, differentiable in `variables`.
        variables: the weights to differentiate.
        configs: `(n, n_sites)` configurations.
        weights: `(n,)` probabilities summing to one.
        local_energies: `(n,)` local energies, real or complex.
        temperature: the VMC temperature `T`.

    Returns:
        The gradient, flattened into one float64 vector.
    """
    n = len(configs)
    local_energies = tf.constant(local_energies)
    with tf.GradientTape() as tape:
        log_psi = log_psi_fn(configs)
        frozen = tf.stop_gradient(log_psi)
        log_psi = frozen + tf.cast(n * weights, log_psi.dtype) * (log_psi - frozen)
        if not log_psi.dtype.is_complex:
            local_energies = tf.math.real(local_energies)
        log_prob = 2.0 * tf.math.real(frozen)
        objective = local_energies + tf.cast(temperature * log_prob, local_energies.dtype)
        mean = tf.reduce_sum(tf.cast(weights, objective.dtype) * objective)
        loss = _objective_gradient_loss(log_psi, objective - mean)
    return flatten(tape.gradient(loss, variables))


def per_sample_gradient_covariance_trace(wavefunction, matrix, temperature):
    """`sum_s P_s |g_s - g|^2`: the variance of one sample's gradient estimate.

    `g_s = 2 Re(conj(O_s) (E_loc(s) - E)) + T O^P_s (log P_s - <log P>)` with
    `O_s = d log psi_s` and `O^P_s = d log P_s`, and `g = sum_s P_s g_s`.
    """
    configs, local_energies, probabilities = exact_local_energies(wavefunction, matrix)
    energy = np.sum(probabilities * local_energies)
    log_prob = np.log(probabilities)
    entropy_centred = log_prob - np.sum(probabilities * log_prob)
    with tf.GradientTape(persistent=True) as tape:
        log_psi = tf.cast(wavefunction.log_psi(configs), "complex128")
        per_sample = 2.0 * tf.math.real(tf.math.conj(log_psi) * (local_energies - energy))
        per_sample += temperature * 2.0 * tf.math.real(log_psi) * entropy_centred
        per_sample = tf.unstack(per_sample)  # on the tape, so each has a gradient
    variables = wavefunction.trainable_variables
    g_s = np.stack([flatten(tape.gradient(value, variables)) for value in per_sample])
    mean = probabilities @ g_s
    return float(probabilities @ np.sum((g_s - mean) ** 2, axis=1))


@pytest.mark.parametrize("hamiltonian, phase, temperature", CASES)
def test_estimator_over_all_configurations_is_the_exact_gradient(hamiltonian, phase, temperature):
    wavefunction = model(phase)
    matrix = dense_matrix(HAMILTONIANS[hamiltonian])
    configs, local_energies, probabilities = exact_local_energies(wavefunction, matrix)
    estimated = weighted_estimator_gradient(
        wavefunction.log_psi,
        wavefunction.trainable_variables,
        configs,
        probabilities,
        local_energies,
        temperature,
    )
    exact = exact_gradient(wavefunction, matrix, temperature)
    assert np.linalg.norm(exact) > 0.05  # a gradient worth comparing
    np.testing.assert_allclose(estimated, exact, rtol=1e-9, atol=1e-9 * np.abs(exact).max())


# Monte Carlo samples of the training step below, and how far (in units of the root mean
# square error of the estimate) its gradient may be from the exact one. The error of the
# mean of N independent per-sample gradients has E|error|^2 = trace(covariance) / N; for
# the (central-limit) Gaussian error, |error|^2 > 16 E|error|^2 has probability at most
# P(chi2_1 > 16) = 6e-5, the worst case of one dominant direction (and the seed is fixed).
STEP_SAMPLES = 40000
STEP_TOLERANCE_IN_RMS = 4.0


STEP_CASES = [
    pytest.param("tfim", False, 0.5, id="tfim-real-free-energy"),
    pytest.param("j1j2", True, 0.5, id="j1j2-complex-free-energy"),
    pytest.param("tfim", False, 0.0, id="tfim-real-energy", marks=pytest.mark.slow),
    pytest.param("j1j2", True, 0.0, id="j1j2-complex-energy", marks=pytest.mark.slow),
    pytest.param("pauli-y", True, 0.0, id="pauli-y-complex-energy", marks=pytest.mark.slow),
    pytest.param("pauli-y", False, 0.3, id="pauli-y-real-free-energy", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("hamiltonian, phase, temperature", STEP_CASES)
def test_one_sgd_step_moves_the_weights_by_minus_lr_times_the_exact_gradient(
    hamiltonian, phase, temperature
):
    wavefunction = model(phase)
    matrix = dense_matrix(HAMILTONIANS[hamiltonian])
    exact = exact_gradient(wavefunction, matrix, temperature)
    rms = np.sqrt(
        per_sample_gradient_covariance_trace(wavefunction, matrix, temperature) / STEP_SAMPLES
    )
    tolerance = STEP_TOLERANCE_IN_RMS * rms
    # The check has the power to see a wrong factor, sign or term of the gradient.
    assert tolerance < 0.2 * np.linalg.norm(exact)

    learning_rate = 1e-3
    vmc = kerasnqs.VMC(wavefunction, HAMILTONIANS[hamiltonian], n_samples=STEP_SAMPLES, seed=11)
    vmc.compile(optimizer=keras.optimizers.SGD(learning_rate))
    vmc.temperature.assign(temperature)
    weights = [variable.numpy() for variable in wavefunction.trainable_variables]
    try:
        vmc.fit(epochs=1, steps_per_epoch=1, verbose=0)
        applied = (flatten(weights) - flatten(wavefunction.trainable_variables)) / learning_rate
    finally:
        for variable, value in zip(wavefunction.trainable_variables, weights, strict=True):
            variable.assign(value)

    error = np.linalg.norm(applied - exact)
    assert error < tolerance, (
        f"|step gradient - exact| = {error:.4g}, tolerance {tolerance:.4g} "
        f"(|exact| = {np.linalg.norm(exact):.4g})"
    )
