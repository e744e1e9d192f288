"""Each VMC training step draws its own samples from |psi|^2."""

import keras
import numpy as np
from support import amplitudes, dense_matrix, make_model

import kerasnqs
from kerasnqs.lattice import Chain
from kerasnqs.operators import TFIM


def test_every_step_draws_fresh_samples_of_the_wavefunction():
    chain = Chain(5)
    hamiltonian = TFIM(chain, h=1.0)
    wavefunction = make_model(chain, seed=4, scale=0.6, units=4, dtype="float64")
    psi = amplitudes(wavefunction)
    probabilities = np.abs(psi) ** 2
    local_energies = (dense_matrix(hamiltonian) @ psi / psi).real
    exact_energy = probabilities @ local_energies
    exact_variance = probabilities @ (local_energies - exact_energy) ** 2

    # With a zero learning rate the weights stay put, so the steps differ only by their
    # samples; one step per epoch makes the history hold each step's energy.
    n_samples, n_steps = 64, 24
    vmc = kerasnqs.VMC(wavefunction, hamiltonian, n_samples=n_samples, seed=2)
    vmc.compile(optimizer=keras.optimizers.SGD(0.0))
    energies = np.array(vmc.fit(epochs=n_steps, steps_per_epoch=1, verbose=0).history["energy"])

    assert len(np.unique(energies)) == n_steps
    # The step energies are independent means of n_samples local energies: their spread
    # is sqrt(variance / n_samples) (within about 4 standard errors of a standard
    # deviation estimated from 24 values), and their mean the exact energy.
    expected_spread = np.sqrt(exact_variance / n_samples)
    assert 0.5 < np.std(energies, ddof=1) / expected_spread < 1.6
    assert abs(energies.mean() - exact_energy) < 4 * expected_spread / np.sqrt(n_steps)
