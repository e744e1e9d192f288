import numpy as np
import pytest
import support

from kerasnqs.lattice import Chain, Square, permutations
from kerasnqs.operators import J1J2, TFIM, Heisenberg, PauliSum
from kerasnqs.operators.symmetry import is_symmetry, transform


def image_indices(n_sites, g, spin_flip=False):
    """The basis index of `g sigma` for each basis state `sigma`: U_g |k> = |image[k]>."""
    configs = support.all_configurations(n_sites)
    images = permutations.permute_configs(configs, g) ^ int(spin_flip)
    return images @ (1 << np.arange(n_sites)[::-1])


def symmetry_matrix(n_sites, g, spin_flip=False):
    """The permutation matrix U_g |sigma> = |g sigma> on the computational basis."""
    matrix = np.zeros((2**n_sites, 2**n_sites))
    matrix[image_indices(n_sites, g, spin_flip), np.arange(2**n_sites)] = 1
    return matrix


def conjugated(matrix, g, spin_flip=False):
    """`U_g H U_g^T` without building `U_g`: `(U H U^T)[image[a], image[b]] = H[a, b]`."""
    n_sites = int(np.log2(len(matrix)))
    preimage = np.argsort(image_indices(n_sites, g, spin_flip))
    return matrix[np.ix_(preimage, preimage)]


SYMMETRIC = [
    pytest.param(TFIM(Chain(6, pbc=True), h=0.7), ["translation", "reflection"], id="tfim-ring"),
    pytest.param(
        Heisenberg(Chain(6, pbc=True), marshall_sign=True),
        ["translation", "reflection"],
        id="heisenberg-ring-6-marshall",
    ),
    pytest.param(
        Heisenberg(Chain(8, pbc=True), marshall_sign=True),
        ["translation"],
        id="heisenberg-ring-8-marshall",
    ),
    pytest.param(
        J1J2(Chain(8, pbc=True), j2=0.5, marshall_sign=True),
        ["translation", "reflection"],
        id="j1j2-ring-8-marshall",
    ),
    pytest.param(
        Heisenberg(Square(3, pbc=True)), ["translation", "reflection"], id="heisenberg-torus-3x3"
    ),
    pytest.param(TFIM(Square(3), h=2.0), ["reflection"], id="tfim-open-square"),
    pytest.param(
        Heisenberg(Square(4, 2), marshall_sign=True), ["reflection"], id="heisenberg-4x2-marshall"
    ),
]


@pytest.mark.parametrize("operator,kinds", SYMMETRIC)
@pytest.mark.parametrize("spin_flip", [False, True], ids=["", "flip"])
def test_hamiltonian_matrix_commutes_with_every_group_element(operator, kinds, spin_flip):
    matrix = operator.to_sparse().toarray()
    for g in operator.lattice.symmetries(kinds):
        assert np.allclose(conjugated(matrix, g, spin_flip), matrix, atol=1e-12)
        assert is_symmetry(operator, g, spin_flip)


def test_transform_matches_conjugation_by_the_symmetry_matrix():
    operator = PauliSum.parse(4, "0.3 * X0 Y1 - 1.2 * Z2 Z3 + 0.5 * Y3 + 2 * X1")
    g = np.array([2, 0, 3, 1])
    for spin_flip in (False, True):
        u = symmetry_matrix(4, g, spin_flip)
        expected = u @ operator.to_sparse().toarray() @ u.T
        assert np.allclose(conjugated(operator.to_sparse().toarray(), g, spin_flip), expected)
        assert np.allclose(transform(operator, g, spin_flip).to_sparse().toarray(), expected)


@pytest.mark.parametrize(
    "operator,kinds",
    [
        pytest.param(TFIM(Chain(6), h=1.0), ["translation"], id="open-chain-translation"),
        pytest.param(
            Heisenberg(Chain(5, pbc=True), marshall_sign=True),
            ["translation"],
            id="odd-ring-marshall",
        ),
        pytest.param(
            J1J2(Chain(5, pbc=True), j2=0.5, marshall_sign=True),
            ["translation"],
            id="odd-ring-j1j2-marshall",
        ),
    ],
)
def test_broken_symmetry_is_detected_by_matrices_and_by_terms(operator, kinds):
    lattice = Chain(operator.n_sites, pbc=True)  # the ring's translation
    matrix = operator.to_sparse().toarray()
    (g,) = lattice.symmetry_generators(kinds[0])
    assert not np.allclose(conjugated(matrix, g), matrix)
    assert not is_symmetry(operator, g)


@pytest.mark.parametrize("n_sites", [6, 8], ids=["half-n-odd", "half-n-even"])
def test_marshall_ground_state_of_the_ring_is_translation_invariant(n_sites):
    # On the ring the ground state has momentum pi when n / 2 is odd; the Marshall
    # rotation U = prod Z_i (odd sites) turns T into (-1)^{n/2} T on S^z = 0, so the
    # rotated ground state is positive and has character 1 under translations.
    ring = Chain(n_sites, pbc=True)
    (translation,) = ring.symmetry_generators("translation")
    u = symmetry_matrix(n_sites, translation)
    for marshall_sign, expected in ((False, (-1) ** (n_sites // 2)), (True, 1)):
        matrix = Heisenberg(ring, marshall_sign=marshall_sign).to_sparse().toarray()
        energies, states = np.linalg.eigh(matrix)
        assert energies[1] - energies[0] > 1e-6  # non-degenerate
        ground = states[:, 0]
        assert np.isclose(ground @ u @ ground, expected)


def test_spin_flip_is_not_a_symmetry_with_a_longitudinal_field():
    operator = TFIM(Chain(4), h=1.0) + PauliSum.parse(4, "0.1 * Z0")
    assert is_symmetry(TFIM(Chain(4), h=1.0), spin_flip=True)
    assert not is_symmetry(operator, spin_flip=True)
