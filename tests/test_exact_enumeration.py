"""Exact expectation values and state vectors of models, by enumeration."""

import numpy as np
import pytest
from support import all_configurations, make_model

from kerasnqs.exact import (
    correlation_matrix,
    expectation,
    ground_state,
    ground_state_energy,
    renyi2_entropy,
    wavefunction_vector,
)
from kerasnqs.hilbert import SpinHalf
from kerasnqs.lattice import Chain
from kerasnqs.operators import TFIM, Heisenberg, PauliSum, sector_indices

PHASES = pytest.mark.parametrize("phase", [False, True], ids=["real", "complex"])


def brute_force_amplitudes(model):
    """`exp(log_psi)` over all configurations, one call, no normalization."""
    return np.exp(np.asarray(model.log_psi(all_configurations(model.n_sites))).astype(complex))


@PHASES
def test_wavefunction_vector_is_the_models_amplitudes_in_basis_order(phase):
    model = make_model(Chain(6), units=4, phase=phase)
    expected = brute_force_amplitudes(model)
    np.testing.assert_allclose(wavefunction_vector(model), expected / np.linalg.norm(expected))
    assert np.linalg.norm(expected) == pytest.approx(1.0, abs=1e-5)  # the model's own norm


def test_sector_vector_is_the_full_vector_on_the_sectors_indices():
    model = make_model(Chain(6), units=4, phase=True, magnetization=1)
    full = wavefunction_vector(model)
    sector = wavefunction_vector(model, SpinHalf(6, magnetization=1))
    np.testing.assert_allclose(sector, full[sector_indices(6, 1)], rtol=1e-5)  # float32 model
    assert len(sector) == 15
    assert np.linalg.norm(np.delete(full, sector_indices(6, 1))) == 0


@PHASES
@pytest.mark.parametrize(
    "operator",
    [
        TFIM(Chain(6), h=0.7),
        Heisenberg(Chain(6, pbc=True)),
        PauliSum.parse(6, "Z0 Z3 + 0.5 * X2 + Y1 Y4"),
        PauliSum.parse(6, "X0 Y1 + 0.3 * Y2"),
    ],
    ids=["tfim", "heisenberg", "mixed", "imaginary-parts"],
)
def test_expectation_is_psi_dagger_o_psi_with_the_dense_matrix(operator, phase):
    model = make_model(Chain(6), units=4, phase=phase)
    psi = brute_force_amplitudes(model)
    psi /= np.linalg.norm(psi)
    expected = psi.conj() @ operator.to_sparse().toarray() @ psi
    value = expectation(model, operator)
    if operator.is_hermitian:
        assert isinstance(value, float)
        assert value == pytest.approx(expected.real, abs=1e-9)
    else:
        assert value == pytest.approx(complex(expected), abs=1e-9)


@pytest.mark.parametrize(
    "operator",
    [Heisenberg(Chain(6, pbc=True)), PauliSum.parse(6, "X0 + Z2")],
    ids=["conserving", "not-conserving"],
)
def test_expectation_of_a_sector_model_equals_the_full_space_value(operator):
    # float64: the two sums agree to rounding, so 1e-9 is far above it on any CPU
    model = make_model(Chain(6), units=4, phase=True, magnetization=0, dtype="float64")
    psi = wavefunction_vector(model)
    expected = np.vdot(psi, operator.to_sparse() @ psi).real
    assert expectation(model, operator) == pytest.approx(expected, abs=1e-9)


def test_expectation_of_x_vanishes_in_a_sector():
    model = make_model(Chain(6), units=4, magnetization=0)
    assert expectation(model, PauliSum.parse(6, "X3")) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda m: expectation(m, PauliSum.parse(5, "Z0")), "operator"),
        (lambda m: expectation(m, "Z0"), "operator"),
        (lambda m: expectation(PauliSum.parse(6, "Z0"), m), "wavefunction"),
        (lambda m: wavefunction_vector(m, 0.25), "hilbert"),
    ],
    ids=["wrong-size", "string-operator", "swapped", "bad-sector"],
)
def test_bad_arguments_name_the_argument(call, argument):
    model = make_model(Chain(6), units=4)
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call(model)


# --- Ground states and observables of vectors ------------------------------------------


def random_state(n_sites, seed=0):
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=2**n_sites) + 1j * rng.normal(size=2**n_sites)
    return psi / np.linalg.norm(psi)


@pytest.mark.parametrize(
    "operator,magnetization",
    [
        (TFIM(Chain(6), h=0.8), None),
        (Heisenberg(Chain(8, pbc=True)), 0),
        (Heisenberg(Chain(10)), 0),
    ],
    ids=["tfim-dense", "heisenberg-sector-dense", "heisenberg-sector-lanczos"],
)
def test_ground_state_vector_is_an_eigenvector_in_the_full_basis(operator, magnetization):
    energy, vector = ground_state(operator, SpinHalf(operator.n_sites, magnetization))
    full = operator.to_sparse()
    assert vector.shape == (2**operator.n_sites,)
    assert np.linalg.norm(vector) == pytest.approx(1.0)
    np.testing.assert_allclose(full @ vector, energy * vector, atol=1e-8)
    assert energy == pytest.approx(
        ground_state_energy(operator, SpinHalf(operator.n_sites, magnetization)), abs=1e-10
    )


@pytest.mark.parametrize("axis", ["x", "y", "z"])
@pytest.mark.parametrize("connected", [False, True], ids=["plain", "connected"])
def test_correlation_matrix_equals_the_pauli_sum_expectations(axis, connected):
    psi = random_state(5, seed=1)
    a = axis.upper()

    def value(text):
        return np.vdot(psi, PauliSum.parse(5, text).to_sparse() @ psi).real

    expected = np.array(
        [[value(f"{a}{i} {a}{j}") if i != j else 1.0 for j in range(5)] for i in range(5)]
    )
    if connected:
        means = np.array([value(f"{a}{i}") for i in range(5)])
        expected = expected - np.outer(means, means)
    np.testing.assert_allclose(correlation_matrix(psi, axis, connected), expected, atol=1e-12)


def test_renyi2_of_a_product_state_is_zero_and_of_singlets_log2_per_cut_pair():
    product = np.kron(np.kron([0.6, 0.8], [1.0, 0.0]), [0.0, 1.0])
    assert renyi2_entropy(product, [0]) == pytest.approx(0.0, abs=1e-12)
    singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    two_singlets = np.kron(singlet, singlet)  # pairs (0, 1) and (2, 3)
    assert renyi2_entropy(two_singlets, [0]) == pytest.approx(np.log(2))
    assert renyi2_entropy(two_singlets, [0, 1]) == pytest.approx(0.0, abs=1e-12)
    assert renyi2_entropy(two_singlets, [1, 2]) == pytest.approx(2 * np.log(2))
    assert renyi2_entropy(two_singlets, [0, 1, 2, 3]) == pytest.approx(0.0, abs=1e-12)


def test_renyi2_of_a_ghz_state_is_log2_for_any_region():
    ghz = np.zeros(2**5)
    ghz[0] = ghz[-1] = 1
    for region in ([0], [1, 3], [4, 0, 2]):
        assert renyi2_entropy(ghz, region) == pytest.approx(np.log(2))


@pytest.mark.parametrize("region", [[0], [2, 4], [0, 1, 2], [3, 1, 0, 5]])
def test_renyi2_equals_the_purity_of_the_reduced_density_matrix_by_partial_trace(region):
    psi = random_state(6, seed=2)
    rho = np.outer(psi, psi.conj()).reshape((2,) * 12)
    rest = [s for s in range(6) if s not in region]
    for k, site in enumerate(sorted(rest, reverse=True)):  # trace out one site at a time
        n = 6 - k
        rho = np.trace(rho, axis1=site, axis2=site + n)
    size = 2 ** len(region)
    rho_a = rho.reshape(size, size)
    expected = -np.log(np.trace(rho_a @ rho_a).real)
    assert renyi2_entropy(psi, region) == pytest.approx(expected, abs=1e-12)
    assert renyi2_entropy(psi, region) == pytest.approx(renyi2_entropy(psi, rest), abs=1e-12)
