"""Exact references: Lanczos ground-state energies and the free-fermion TFIM chain."""

import math

import numpy as np
import pytest
import scipy.linalg

from kerasnqs.exact import (
    correlation_matrix,
    ground_state,
    ground_state_energy,
    tfim_chain_correlations,
    tfim_chain_energy,
)
from kerasnqs.hilbert import SpinHalf
from kerasnqs.lattice import Chain, Square
from kerasnqs.operators import J1J2, TFIM, Heisenberg, PauliSum, sector_indices

BOUNDARIES = pytest.mark.parametrize("pbc", [False, True], ids=["open", "periodic"])


# --- Free fermions --------------------------------------------------------------------


@pytest.mark.parametrize("n", range(4, 15), ids=lambda n: f"n{n}")
@pytest.mark.parametrize("h", [0.5, 1.0, 1.5], ids=["h0.5", "h1", "h1.5"])
@BOUNDARIES
def test_free_fermion_tfim_energy_equals_lanczos(n, h, pbc):
    expected = ground_state_energy(TFIM(Chain(n, pbc=pbc), h=h))
    assert tfim_chain_energy(n, h=h, pbc=pbc) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("n", [2, 3, 5, 7, 9], ids=lambda n: f"n{n}")
@pytest.mark.parametrize(
    "h,J",
    [(-0.7, 1.0), (0.7, -1.0), (-1.5, -1.0), (0.3, -2.0), (0.0, -1.0), (1.2, 0.0)],
    ids=["negative-h", "antiferro", "both-negative", "antiferro-small-h", "classical", "free"],
)
@BOUNDARIES
def test_free_fermion_tfim_energy_covers_any_signs_and_odd_rings(n, h, J, pbc):
    expected = ground_state_energy(TFIM(Chain(n, pbc=pbc), h=h, J=J))
    assert tfim_chain_energy(n, h=h, J=J, pbc=pbc) == pytest.approx(expected, abs=1e-9)


def test_long_critical_ring_approaches_the_thermodynamic_limit():
    energy = tfim_chain_energy(2000, h=1.0, pbc=True)
    assert energy / 2000 == pytest.approx(-4 / math.pi, abs=1e-6)


def test_long_open_chain_lies_above_the_ring_by_a_boundary_energy():
    ring, chain = tfim_chain_energy(2000, h=1.0, pbc=True), tfim_chain_energy(2000, h=1.0)
    assert 0 < chain - ring < 2


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"n": 1, "h": 1.0}, "n"),
        ({"n": 4.0, "h": 1.0}, "n"),
        ({"n": 4, "h": float("nan")}, "h"),
        ({"n": 4, "h": 1.0, "J": "1"}, "J"),
        ({"n": 4, "h": 1.0, "pbc": "yes"}, "pbc"),
    ],
    ids=["one-site", "float-n", "nan-h", "string-J", "string-pbc"],
)
def test_bad_free_fermion_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        tfim_chain_energy(**kwargs)


# --- Lanczos --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operator",
    [
        pytest.param(Heisenberg(Chain(10, pbc=True)), id="heisenberg-ring"),
        pytest.param(J1J2(Square(3, 3, pbc=True), j2=0.5, marshall_sign=True), id="j1j2-3x3"),
        pytest.param(Heisenberg(Chain(9), J=-1.0), id="ferromagnet"),
    ],
)
def test_sector_lanczos_equals_the_lowest_energy_of_the_restricted_full_matrix(operator):
    full = operator.to_sparse().toarray()
    n = operator.n_sites
    for magnetization in np.arange(-n / 2, n / 2 + 1)[n // 2 - 2 : n // 2 + 2]:
        indices = sector_indices(n, magnetization)
        expected = scipy.linalg.eigvalsh(full[np.ix_(indices, indices)])[0]
        energy = ground_state_energy(operator, SpinHalf(n, magnetization))
        assert energy == pytest.approx(expected, abs=1e-9), magnetization


def test_lanczos_equals_dense_diagonalization_of_a_complex_operator():
    operator = PauliSum.parse(9, "X0 Y1 Y2 + 0.5 * Y3 Z4 + Z5 Z6 + Y7 + 0.3 * X8 X0 - Z2")
    expected = scipy.linalg.eigvalsh(operator.to_sparse().toarray())[0]
    assert ground_state_energy(operator) == pytest.approx(expected, abs=1e-9)


def test_heisenberg_ring_of_twenty_sites_in_the_zero_sector():
    # The full-space Lanczos (2^20 states, about 15 s) gives -8.904386529876.
    energy = ground_state_energy(Heisenberg(Chain(20, pbc=True)), SpinHalf(20, magnetization=0))
    assert energy == pytest.approx(-8.904386529876, abs=1e-9)


def test_ground_state_energy_returns_a_python_float():
    assert type(ground_state_energy(TFIM(Chain(4), h=1.0))) is float
    assert ground_state_energy(PauliSum(3, [])) == 0.0


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ground_state_energy("tfim"), "`operator`.*PauliSum"),
        (lambda: ground_state_energy(PauliSum.parse(2, "1j * X0")), "`operator`.*Hermitian"),
        (lambda: ground_state_energy(TFIM(Chain(4), h=1.0), SpinHalf(4, 0)), "conserve"),
        (lambda: ground_state_energy(Heisenberg(Chain(4)), 0), "`hilbert`.*SpinHalf"),
        (lambda: ground_state_energy(Heisenberg(Chain(4)), SpinHalf(6, 0)), "`hilbert`.*6"),
        (lambda: ground_state_energy(Heisenberg(Chain(30))), "limit"),
    ],
    ids=["not-an-operator", "not-hermitian", "no-sector", "bare-number", "wrong-size", "too-large"],
)
def test_bad_lanczos_input_is_refused_with_a_clear_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "n, h, J", [(2, 1.0, 1.0), (8, 0.5, 1.0), (8, 1.0, 1.0), (7, 2.0, -0.8), (8, -0.7, 1.3)]
)
def test_free_fermion_correlations_equal_those_of_the_exact_ground_state(n, h, J):
    # Catches a wrong sign of a Majorana bilinear, a shifted string, or the excited
    # state of the lowest mode (each changes some correlations at order one).
    zz, x = tfim_chain_correlations(n, h, J)
    _, vector = ground_state(TFIM(Chain(n), h=h, J=J))
    indices = np.arange(2**n)
    exact_x = [np.vdot(vector, vector[indices ^ (1 << (n - 1 - i))]).real for i in range(n)]
    np.testing.assert_allclose(zz, correlation_matrix(vector, "z"), atol=1e-12)
    np.testing.assert_allclose(x, exact_x, atol=1e-12)


def test_free_fermion_correlations_refuse_a_degenerate_ground_state():
    with pytest.raises(ValueError, match="`h` must not be 0"):
        tfim_chain_correlations(8, h=0.0)
    with pytest.raises(ValueError, match="degenerate to machine precision"):
        tfim_chain_correlations(60, h=0.4)
