"""Observables from exact samples against exact values from the model's full vector.

Statistical threshold: each estimate within 4 error bars of the exact value. For a
matrix of estimates, every element is checked at 4 error bars and the maximum
normalized deviation is bounded by 4.5 (with ~30 correlated elements the chance that
any exceeds 4 sigma is below 0.2 %). Seeds are fixed.
"""

import numpy as np
import pytest
from support import make_model

from kerasnqs import exact, zoo
from kerasnqs.lattice import Chain, Square
from kerasnqs.observables import (
    correlations,
    lattice_momenta,
    renyi2,
    site_positions,
    staggered_magnetization,
    structure_factor,
)

SIGMAS = 4.0


def assert_within_error_bars(stats, expected, floor=1e-9):
    mean, error = np.asarray(stats.mean), np.asarray(stats.error_of_mean)
    deviation = np.abs(mean - expected) / np.maximum(error, floor)
    assert np.max(deviation) < SIGMAS, (mean, expected, error)


@pytest.fixture(scope="module")
def chain_model():
    """A small complex RNN wavefunction on 8 sites (untrained, far from uniform)."""
    return make_model(Chain(8), units=6, phase=True, scale=0.5)


@pytest.fixture(scope="module")
def chain_vector(chain_model):
    return exact.wavefunction_vector(chain_model)


@pytest.fixture(scope="module")
def sector_model():
    return make_model(Chain(8, pbc=True), units=6, phase=True, scale=0.5, magnetization=0)


@pytest.mark.parametrize("axis", ["x", "y", "z"])
def test_correlations_agree_with_the_exact_matrix(chain_model, chain_vector, axis):
    stats = correlations(chain_model, axis, n_samples=3000, seed=1)
    expected = exact.correlation_matrix(chain_vector, axis)
    assert stats.mean.shape == (8, 8)
    np.testing.assert_array_equal(np.diag(stats.mean), 1.0)
    assert_within_error_bars(stats, expected)


@pytest.mark.parametrize("axis", ["x", "z"])
def test_connected_correlations_agree_with_the_exact_matrix(chain_model, chain_vector, axis):
    stats = correlations(chain_model, axis, n_samples=3000, seed=2, connected=True)
    expected = exact.correlation_matrix(chain_vector, axis, connected=True)
    assert_within_error_bars(stats, expected)


def test_sector_model_correlations_in_x_and_y_agree(sector_model):
    vector = exact.wavefunction_vector(sector_model)
    for axis in ("x", "y"):
        stats = correlations(sector_model, axis, n_samples=3000, seed=3, connected=True)
        assert_within_error_bars(stats, exact.correlation_matrix(vector, axis, connected=True))


def test_zz_correlation_error_is_sqrt_of_one_minus_c_squared_over_n(chain_model):
    stats = correlations(chain_model, "z", n_samples=1000, seed=4)
    expected = np.sqrt((1 - stats.mean**2) / 1000)
    np.testing.assert_allclose(stats.error_of_mean, expected, atol=1e-12)


def structure_factor_of_matrix(matrix, positions, momenta):
    phases = np.exp(1j * momenta @ positions.T)  # (n_q, n)
    return np.einsum("qi,ij,qj->q", phases, matrix, phases.conj()).real / len(positions)


@pytest.mark.parametrize("axis", ["y", "z"])
def test_structure_factor_on_a_chain_agrees_with_the_exact_correlations(
    chain_model, chain_vector, axis
):
    stats = structure_factor(chain_model, axis=axis, n_samples=3000, seed=5)
    positions = site_positions(chain_model.lattice)
    expected = structure_factor_of_matrix(
        exact.correlation_matrix(chain_vector, axis), positions, lattice_momenta(Chain(8))
    )
    assert stats.mean.shape == (8,)
    assert_within_error_bars(stats, expected)


def test_structure_factor_on_a_square_lattice_agrees_at_given_momenta():
    model = make_model(Square(3), units=4, scale=0.5)
    momenta = np.array([[0.0, 0.0], [np.pi, np.pi], [2 * np.pi / 3, 0.0], [0.3, 1.1]])
    stats = structure_factor(model, momenta, n_samples=3000, seed=6)
    vector = exact.wavefunction_vector(model)
    expected = structure_factor_of_matrix(
        exact.correlation_matrix(vector, "z"), site_positions(Square(3)), momenta
    )
    assert_within_error_bars(stats, expected)


def test_staggered_magnetization_agrees_with_the_exact_correlations(sector_model):
    vector = exact.wavefunction_vector(sector_model)
    signs = 1 - 2 * sector_model.lattice.sublattice
    for axis in ("x", "z"):
        matrix = exact.correlation_matrix(vector, axis)
        expected = signs @ matrix @ signs / 64
        stats = staggered_magnetization(sector_model, axis, n_samples=3000, seed=7)
        assert_within_error_bars(stats, expected)


@pytest.mark.parametrize("region", [[0], [0, 1, 2, 3], [2, 5], [1, 3, 4, 6, 7]])
def test_renyi2_of_a_complex_model_agrees_with_the_exact_entropy(chain_model, chain_vector, region):
    stats = renyi2(chain_model, region, n_samples=4000, seed=8)
    assert_within_error_bars(stats, exact.renyi2_entropy(chain_vector, region))


@pytest.mark.parametrize("region", [[0, 1, 2, 3], [0, 2, 4, 6]])
def test_renyi2_of_real_and_sector_models_agrees_with_the_exact_entropy(sector_model, region):
    real_model = make_model(Chain(8), units=6, scale=0.5)
    for model in (real_model, sector_model):
        vector = exact.wavefunction_vector(model)
        stats = renyi2(model, region, n_samples=4000, seed=9)
        assert_within_error_bars(stats, exact.renyi2_entropy(vector, region))


def test_renyi2_of_a_product_state_is_zero_with_no_error():
    model = make_model(Chain(6), units=4, scale=0.0)  # all weights 0: uniform product state
    stats = renyi2(model, [0, 1, 2], n_samples=100, seed=0)
    assert stats.mean == pytest.approx(0.0, abs=1e-5)
    assert stats.error_of_mean == pytest.approx(0.0, abs=1e-5)


def test_renyi2_uses_two_independent_sample_sets(chain_model, monkeypatch):
    seeds_seen = []
    real_sample = chain_model.sample

    def recording(n, seed):
        seeds_seen.append(tuple(np.asarray(seed).tolist()))
        return real_sample(n, seed)

    monkeypatch.setattr(chain_model, "sample", recording)
    renyi2(chain_model, [0], n_samples=50, seed=1)
    assert len(seeds_seen) == 2 and seeds_seen[0] != seeds_seen[1]


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda m: renyi2(m, [0, 0]), "region"),
        (lambda m: renyi2(m, [8]), "region"),
        (lambda m: renyi2(m, [0], n_samples=1), "n_samples"),
        (lambda m: correlations(m, "w"), "axis"),
        (lambda m: structure_factor(m, momenta=[[0.0, 1.0]]), "momenta"),
    ],
    ids=["repeated-site", "outside", "one-sample", "bad-axis", "momenta-dimension"],
)
def test_bad_arguments_name_the_argument(chain_model, call, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call(chain_model)


def check_zoo_model_against_its_exact_ground_state(name, region, n_samples):
    wavefunction = zoo.load(name)
    _, vector = exact.ground_state(zoo.hamiltonian(name))
    # The model is not exact: a tolerance for its infidelity beside the error bars.
    stats = renyi2(wavefunction, region, n_samples=n_samples, seed=10)
    expected = exact.renyi2_entropy(vector, region)
    assert abs(stats.mean - expected) < SIGMAS * stats.error_of_mean + 0.01
    zz = correlations(wavefunction, "z", n_samples=n_samples, seed=11)
    deviation = np.abs(zz.mean - exact.correlation_matrix(vector, "z"))
    assert np.all(deviation < SIGMAS * zz.error_of_mean + 0.01)


def test_zoo_square_model_agrees_with_the_exact_ground_state():
    check_zoo_model_against_its_exact_ground_state("tfim-square-4x4-h3", [0, 1, 4, 5], 2000)


@pytest.mark.slow  # Lanczos in 2^20 states and a zoo model of 20 sites
def test_zoo_chain_model_agrees_with_the_exact_ground_state():
    check_zoo_model_against_its_exact_ground_state("tfim-chain-20-h1", list(range(10)), 4000)
