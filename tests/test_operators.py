"""TFIM, Heisenberg and J1J2: matrices from their definitions, symmetries, bad couplings."""

import json

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse
import tensorflow as tf

from kerasnqs import operators
from kerasnqs.hilbert import SpinHalf
from kerasnqs.lattice import Chain, Square
from kerasnqs.operators import J1J2, TFIM, Heisenberg, configs_to_indices

X = np.array([[0.0, 1.0], [1.0, 0.0]])
Y = np.array([[0.0, -1j], [1j, 0.0]])
Z = np.diag([1.0, -1.0])


def kron_product(n_sites, factors):
    """The product of `{site: 2x2 matrix}` by Kronecker products, site 0 the leftmost."""
    matrix = np.eye(1)
    for site in range(n_sites):
        matrix = np.kron(matrix, factors.get(site, np.eye(2)))
    return matrix


def reference_tfim(lattice, h, J):
    n = lattice.n_sites
    zz = sum(kron_product(n, {i: Z, j: Z}) for i, j in lattice.bonds)
    return -J * zz - h * sum(kron_product(n, {i: X}) for i in range(n))


def reference_exchange(n, bonds):
    """`sum_<ij> S_i . S_j` with `S = sigma / 2`."""
    total = np.zeros((2**n, 2**n), dtype=complex)
    for i, j in bonds:
        for pauli in (X, Y, Z):
            total += kron_product(n, {i: pauli, j: pauli}) / 4
    return total


def marshall_rotation(lattice):
    """`U = prod Z_i` over the sites of sublattice 1."""
    return kron_product(lattice.n_sites, {i: Z for i in np.flatnonzero(lattice.sublattice)})


def reference_j1j2(lattice, j1, j2, marshall_sign):
    n = lattice.n_sites
    matrix = j1 * reference_exchange(n, lattice.bonds)
    matrix += j2 * reference_exchange(n, lattice.next_nearest_bonds)
    if marshall_sign:
        rotation = marshall_rotation(lattice)
        matrix = rotation @ matrix @ rotation
    return matrix


LATTICES = [
    pytest.param(Chain(6), id="chain6-open"),
    pytest.param(Chain(6, pbc=True), id="chain6-periodic"),
    pytest.param(Chain(5, pbc=True), id="chain5-periodic"),
    pytest.param(Square(3, 2), id="square3x2-open"),
    pytest.param(Square(4, 2, pbc=True), id="square4x2-periodic"),
]
MARSHALL = pytest.mark.parametrize("marshall_sign", [False, True], ids=["plain", "marshall"])


def random_configs(n_sites, batch=12, seed=0):
    return np.random.default_rng(seed).integers(0, 2, size=(batch, n_sites)).astype(np.int32)


def assert_connected_match_rows(operator, matrix):
    configs = random_configs(operator.n_sites)
    connected, mels = operator.connected(configs, dtype="float64")
    columns = configs_to_indices(connected.numpy().reshape(-1, operator.n_sites))
    rows = np.zeros((len(configs), matrix.shape[0]), dtype=matrix.dtype)
    for row, (cols, values) in enumerate(
        zip(columns.reshape(len(configs), -1), mels.numpy(), strict=True)
    ):
        np.add.at(rows[row], cols, values)
    np.testing.assert_allclose(rows, matrix[configs_to_indices(configs)], atol=1e-12)


# --- Matrices from the definitions ----------------------------------------------------


@pytest.mark.parametrize("lattice", LATTICES)
@pytest.mark.parametrize("h,J", [(0.7, 1.0), (-1.3, -0.5)], ids=["ferro", "antiferro"])
def test_tfim_matrix_equals_its_definition(lattice, h, J):
    matrix = TFIM(lattice, h=h, J=J).to_sparse().toarray()
    np.testing.assert_allclose(matrix, reference_tfim(lattice, h, J), atol=1e-12)


@pytest.mark.parametrize("lattice", LATTICES)
@MARSHALL
def test_heisenberg_matrix_equals_its_definition(lattice, marshall_sign):
    matrix = Heisenberg(lattice, J=1.5, marshall_sign=marshall_sign).to_sparse().toarray()
    expected = reference_j1j2(lattice, j1=1.5, j2=0.0, marshall_sign=marshall_sign)
    np.testing.assert_allclose(matrix, expected, atol=1e-12)


@pytest.mark.parametrize("lattice", LATTICES)
@MARSHALL
def test_j1j2_matrix_equals_its_definition(lattice, marshall_sign):
    matrix = J1J2(lattice, j2=0.4, j1=0.9, marshall_sign=marshall_sign).to_sparse().toarray()
    expected = reference_j1j2(lattice, j1=0.9, j2=0.4, marshall_sign=marshall_sign)
    np.testing.assert_allclose(matrix, expected, atol=1e-12)


MODELS = [
    pytest.param(TFIM(Square(3, 2, pbc=True), h=0.8), id="tfim-square"),
    pytest.param(Heisenberg(Chain(7, pbc=True), marshall_sign=True), id="heisenberg-chain7"),
    pytest.param(J1J2(Square(3, 3), j2=0.5, marshall_sign=True), id="j1j2-square"),
]


@pytest.mark.parametrize("operator", MODELS)
def test_connected_elements_are_the_rows_of_the_sparse_matrix(operator):
    assert_connected_match_rows(operator, operator.to_sparse().toarray())


@pytest.mark.parametrize("operator", MODELS)
def test_models_are_real_and_hermitian(operator):
    matrix = operator.to_sparse()
    assert operator.is_real and operator.is_hermitian
    assert abs(matrix - matrix.T).max() == 0


def test_heisenberg_pads_the_flip_of_aligned_spins_with_zero():
    operator = Heisenberg(Chain(4))
    connected, mels = operator.off_diagonal([[0, 0, 1, 1]])
    assert operator.max_conn == len(operator.lattice.bonds) == 3
    np.testing.assert_array_equal(connected[0], [[1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 0, 0]])
    np.testing.assert_allclose(mels[0], [0.0, 0.5, 0.0])


def test_tfim_local_terms_compile_with_xla_in_float64():
    operator = TFIM(Square(4, 4, pbc=True), h=1.0)
    configs = tf.constant(random_configs(16))
    compiled = tf.function(lambda c: operator.connected(c, "float64"), jit_compile=True)
    connected, mels = compiled(configs)
    assert mels.dtype == tf.float64 and connected.shape == (12, 17, 16)
    np.testing.assert_allclose(mels, operator.connected(configs, "float64")[1])


# --- Symmetries -----------------------------------------------------------------------


SPECTRUM_CASES = [
    pytest.param(Heisenberg(Chain(8, pbc=True), marshall_sign=True), id="heisenberg-chain8"),
    pytest.param(Heisenberg(Chain(7, pbc=True), marshall_sign=True), id="heisenberg-odd-ring"),
    pytest.param(Heisenberg(Square(3, 3, pbc=True), marshall_sign=True), id="heisenberg-3x3"),
    pytest.param(J1J2(Chain(9, pbc=True), j2=0.3, marshall_sign=True), id="j1j2-odd-ring"),
    pytest.param(J1J2(Square(4, 2), j2=0.6, marshall_sign=True), id="j1j2-square"),
]


@pytest.mark.parametrize("rotated", SPECTRUM_CASES)
def test_marshall_sign_keeps_the_spectrum(rotated):
    config = rotated.get_config()
    config["marshall_sign"] = False
    plain = operators.from_config(config)
    rotated_spectrum = scipy.linalg.eigvalsh(rotated.to_sparse().toarray())
    plain_spectrum = scipy.linalg.eigvalsh(plain.to_sparse().toarray())
    np.testing.assert_allclose(rotated_spectrum, plain_spectrum, atol=1e-10)


@pytest.mark.parametrize("lattice", [Chain(8, pbc=True), Square(4, 2)], ids=["chain", "square"])
def test_marshall_sign_makes_heisenberg_off_diagonal_elements_non_positive(lattice):
    plain = Heisenberg(lattice).to_sparse()
    rotated = Heisenberg(lattice, marshall_sign=True).to_sparse()
    off_diagonal = rotated - scipy.sparse.diags(rotated.diagonal())
    assert off_diagonal.max() == 0 and off_diagonal.min() < 0
    assert plain.max() > 0


def test_marshall_sign_leaves_j2_bonds_unchanged():
    lattice = Chain(6, pbc=True)
    plain = J1J2(lattice, j2=1.0, j1=0.0).to_sparse().toarray()
    rotated = J1J2(lattice, j2=1.0, j1=0.0, marshall_sign=True).to_sparse().toarray()
    np.testing.assert_array_equal(rotated, plain)


@pytest.mark.parametrize("n", [6, 8, 10, 12])
def test_majumdar_ghosh_chain_has_energy_minus_three_n_over_eight(n):
    operator = J1J2(Chain(n, pbc=True), j2=0.5)
    lowest = scipy.linalg.eigvalsh(
        operator.to_sparse(SpinHalf(operator.n_sites, magnetization=0)).toarray()
    )[0]
    assert lowest == pytest.approx(-3 * n / 8, abs=1e-10)


@pytest.mark.parametrize("shift", [0, 1], ids=["bonds-2i-2i+1", "bonds-2i+1-2i+2"])
def test_majumdar_ghosh_dimer_states_are_marshall_positive_ground_states(shift):
    # Why the J1-J2 ring at j2 = 0.5 needs no phase: with the Marshall rotation, both
    # dimer coverings are ground states (-3n/8) with amplitudes of one sign.
    n = 12
    configs = operators.indices_to_configs(np.arange(2**n), n).astype(int)
    amplitudes = np.ones(2**n)
    for first in range(shift, n, 2):
        a, b = configs[:, first], configs[:, (first + 1) % n]
        amplitudes *= (a != b) * np.where(a == 0, 1.0, -1.0) / np.sqrt(2)
    rotated = J1J2(Chain(n, pbc=True), j2=0.5, marshall_sign=True).to_sparse()
    marshall = (-1.0) ** configs[:, 1::2].sum(axis=1)
    for state, hamiltonian in (
        (amplitudes, J1J2(Chain(n, pbc=True), j2=0.5).to_sparse()),
        (marshall * amplitudes, rotated),
    ):
        np.testing.assert_allclose(hamiltonian @ state, -3 * n / 8 * state, atol=1e-12)
    signed = marshall * amplitudes
    assert np.all(signed * np.sign(signed[np.argmax(np.abs(signed))]) >= 0)


@pytest.mark.parametrize(
    "operator,conserves",
    [
        (Heisenberg(Square(3, 2)), True),
        (J1J2(Chain(5), j2=0.2, marshall_sign=True), True),
        (TFIM(Chain(4), h=0.0), True),
        (TFIM(Chain(4), h=0.5), False),
    ],
    ids=["heisenberg", "j1j2", "ising", "tfim"],
)
def test_conserves_magnetization_matches_the_commutator(operator, conserves):
    matrix = operator.to_sparse().toarray()
    sz = np.diag(_total_sz(operator.n_sites))
    assert operator.conserves_magnetization is conserves
    assert bool(np.allclose(sz @ matrix, matrix @ sz)) is conserves


def _total_sz(n_sites):
    configs = operators.indices_to_configs(np.arange(2**n_sites), n_sites)
    return (n_sites - 2 * configs.sum(axis=1)) / 2


# --- Configuration --------------------------------------------------------------------


@pytest.mark.parametrize(
    "operator",
    [
        TFIM(Chain(5, pbc=True), h=-0.3, J=2.0),
        Heisenberg(Square(3, 2), J=-1.0, marshall_sign=True),
        J1J2(Chain(6), j2=0.25, j1=0.5),
    ],
    ids=["tfim", "heisenberg", "j1j2"],
)
def test_config_round_trips_through_json(operator):
    config = json.loads(json.dumps(operator.get_config()))
    rebuilt = operators.from_config(config)
    assert rebuilt == operator and repr(rebuilt) == repr(operator)
    assert rebuilt.terms == operator.terms


def test_arithmetic_on_a_model_gives_a_pauli_sum():
    total = TFIM(Chain(3), h=1.0) + 2 * Heisenberg(Chain(3))
    assert type(total) is operators.PauliSum
    assert total.n_sites == 3


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build,argument",
    [
        (lambda: TFIM(Chain(4), h=float("nan")), "h"),
        (lambda: TFIM(Chain(4), h=1.0, J=float("inf")), "J"),
        (lambda: TFIM(Chain(4), h="1"), "h"),
        (lambda: TFIM(Chain(4), h=1j), "h"),
        (lambda: Heisenberg(Chain(4), J=True), "J"),
        (lambda: Heisenberg(Chain(4), marshall_sign="yes"), "marshall_sign"),
        (lambda: J1J2(Chain(4), j2=None), "j2"),
        (lambda: J1J2(Chain(4), j2=0.5, j1=float("-inf")), "j1"),
        (lambda: TFIM(4, h=1.0), "lattice"),
        (lambda: Heisenberg({"name": "hexagon", "n": 4}), "name"),
    ],
    ids=[
        "nan-h",
        "infinite-J",
        "string-h",
        "complex-h",
        "bool-J",
        "string-marshall",
        "missing-j2",
        "infinite-j1",
        "int-lattice",
        "unknown-lattice",
    ],
)
def test_bad_couplings_name_the_argument(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


def test_unknown_operator_name_in_config_is_refused():
    with pytest.raises(ValueError, match="`config`.*'ising'"):
        operators.from_config({"name": "ising"})
