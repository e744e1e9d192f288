"""Local values, configuration by configuration, against `(H psi)[s] / psi[s]`."""

import functools

import numpy as np
import pytest
from support import all_configurations, amplitudes, dense_matrix, make_model

from kerasnqs.lattice import Chain
from kerasnqs.operators import J1J2, TFIM, PauliSum
from kerasnqs.vmc import local_values

N_SITES = 5
CHAIN = Chain(N_SITES, pbc=True)


def complex_hermitian_operator():
    """`A A^dagger + A^dagger A` with `A = X0 + i Y2 + 0.5 Z1 X3 + 0.3 i Y4 Z0`: Hermitian,
    with products of Y terms and complex matrix elements."""
    a = PauliSum.parse(N_SITES, "X0 + 1j * Y2 + 0.5 * Z1 X3 + 0.3j * Y4 Z0")
    a_dagger = PauliSum.parse(N_SITES, "X0 - 1j * Y2 + 0.5 * Z1 X3 - 0.3j * Y4 Z0")
    return a * a_dagger + a_dagger * a + PauliSum.parse(N_SITES, "0.7 * Y1 + X2 Y3")


OPERATORS = {
    "tfim": TFIM(CHAIN, h=0.8),
    "j1j2": J1J2(CHAIN, j2=0.5),
    "complex-hermitian": complex_hermitian_operator(),
}


@functools.cache
def model(phase):
    """A float64 RNN with fixed random weights, one per phase for the whole module."""
    return make_model(CHAIN, seed=5, scale=0.7, units=4, phase=phase, dtype="float64")


def test_the_complex_operator_is_hermitian_with_complex_elements():
    matrix = dense_matrix(OPERATORS["complex-hermitian"])
    np.testing.assert_allclose(matrix, matrix.conj().T, atol=1e-12)
    assert np.abs(matrix.imag).max() > 0.5
    assert not OPERATORS["complex-hermitian"].is_real


@pytest.mark.parametrize(
    "phase, operator, chunk_size",
    [
        pytest.param(phase, operator, None, id=f"{kind}-{operator}")
        for phase, kind in ((False, "positive"), (True, "complex"))
        for operator in OPERATORS
    ]
    + [pytest.param(True, "complex-hermitian", 7, id="complex-complex-hermitian-chunk7")],
)
def test_local_values_are_h_psi_over_psi_for_every_configuration(phase, operator, chunk_size):
    wavefunction = model(phase)
    configs = all_configurations(N_SITES)
    psi = amplitudes(wavefunction, configs)
    expected = dense_matrix(OPERATORS[operator]) @ psi / psi
    values = np.asarray(
        local_values(wavefunction, OPERATORS[operator], configs, chunk_size=chunk_size)
    )
    np.testing.assert_allclose(values, expected, rtol=1e-10, atol=1e-10)
    if phase:  # the check sees the phases: the local values are far from real
        assert np.abs(expected.imag).max() > 0.1


def test_local_values_in_a_magnetization_sector_count_only_amplitudes_inside_it():
    """Connected configurations outside the sector have psi = 0 and contribute nothing."""
    wavefunction = make_model(
        Chain(6), seed=6, scale=0.7, units=4, phase=True, magnetization=0, dtype="float64"
    )
    operator = TFIM(Chain(6), h=0.9)  # X flips leave the sector
    configs = all_configurations(6)
    inside = configs.sum(axis=1) == 3
    psi = amplitudes(wavefunction, configs)
    expected = (dense_matrix(operator) @ psi)[inside] / psi[inside]
    values = np.asarray(local_values(wavefunction, operator, configs[inside]))
    np.testing.assert_allclose(values, expected, rtol=1e-10, atol=1e-10)


def test_given_log_psi_gives_the_same_local_values():
    wavefunction = model(True)
    configs = all_configurations(N_SITES)[::3]
    operator = OPERATORS["complex-hermitian"]
    np.testing.assert_array_equal(
        local_values(wavefunction, operator, configs, wavefunction.log_psi(configs)),
        local_values(wavefunction, operator, configs),
    )
