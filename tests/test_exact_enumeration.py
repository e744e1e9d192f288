"""Exact expectation values and state vectors of models, by enumeration."""

import numpy as np
import pytest
from support import all_configurations, make_model

from kerasnqs.exact import expectation, wavefunction_vector
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
    sector = wavefunction_vector(model, magnetization=1)
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
    model = make_model(Chain(6), units=4, phase=True, magnetization=0)
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
        (lambda m: wavefunction_vector(m, magnetization=0.25), "magnetization"),
    ],
    ids=["wrong-size", "string-operator", "swapped", "bad-sector"],
)
def test_bad_arguments_name_the_argument(call, argument):
    model = make_model(Chain(6), units=4)
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call(model)
