import numpy as np
import pytest

from kerasnqs import lattice
from kerasnqs.lattice import Chain, Square, permutations


@pytest.mark.parametrize("pbc", [False, True], ids=["open", "periodic"])
def test_chain_has_n_minus_one_or_n_bonds(pbc):
    chain = Chain(7, pbc=pbc)
    assert len(chain.bonds) == (7 if pbc else 6)
    assert len(chain.next_nearest_bonds) == (7 if pbc else 5)


@pytest.mark.parametrize("lx,ly,pbc", [(3, 3, False), (4, 3, False), (4, 4, True)])
def test_square_bond_counts(lx, ly, pbc):
    square = Square(lx, ly, pbc=pbc)
    n = lx * ly
    expected = 2 * n if pbc else (lx - 1) * ly + lx * (ly - 1)
    assert len(square.bonds) == expected
    expected_diagonals = 2 * n if pbc else 2 * (lx - 1) * (ly - 1)
    assert len(square.next_nearest_bonds) == expected_diagonals


def test_square_zigzag_visits_every_site_once_along_adjacent_sites():
    square = Square(4, 3)
    assert sorted(square.order.tolist()) == list(range(12))
    bonds = {tuple(b) for b in square.bonds.tolist()}
    for a, b in zip(square.order[:-1], square.order[1:], strict=True):
        assert (min(a, b), max(a, b)) in bonds


def test_rnn_neighbors_are_earlier_adjacent_steps():
    square = Square(4, 3)
    bonds = {tuple(b) for b in square.bonds.tolist()}
    for step, neighbors in enumerate(square.autoregressive_neighbors):
        for neighbor in neighbors:
            if neighbor < 0:
                continue
            assert neighbor < step
            a, b = square.order[step], square.order[neighbor]
            assert (min(a, b), max(a, b)) in bonds


@pytest.mark.parametrize("lat", [Chain(6), Square(4, 2)], ids=["chain", "square"])
def test_open_lattices_are_bipartite_under_their_colouring(lat):
    assert lat.is_bipartite


def test_odd_periodic_chain_is_not_bipartite():
    assert not Chain(5, pbc=True).is_bipartite


@pytest.mark.parametrize("lat", [Chain(5, pbc=True), Square(3, 2)], ids=["chain", "square"])
def test_config_round_trip(lat):
    assert lattice.from_config(lat.get_config()) == lat


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, "4", True, None])
def test_bad_chain_size_names_the_argument(bad):
    with pytest.raises(ValueError, match="`n`"):
        Chain(bad)


def test_bad_square_size_names_the_argument():
    with pytest.raises(ValueError, match="`ly`"):
        Square(3, 1)


def test_unknown_lattice_name():
    with pytest.raises(ValueError, match="Unknown lattice"):
        lattice.from_config({"name": "kagome"})


def test_sublattice_of_square_is_checkerboard():
    square = Square(3, 3)
    assert np.array_equal(square.sublattice.reshape(3, 3), np.indices((3, 3)).sum(0) % 2)


SYMMETRY_CASES = [
    pytest.param(Chain(6, pbc=True), ["translation"], 6, id="ring-translation"),
    pytest.param(Chain(6, pbc=True), ["translation", "reflection"], 12, id="ring-dihedral"),
    pytest.param(Chain(5), ["reflection"], 2, id="open-chain-reflection"),
    pytest.param(Square(4, pbc=True), ["translation"], 16, id="torus-translation"),
    pytest.param(Square(4), ["reflection"], 8, id="square-C4v"),
    pytest.param(Square(4), ["rotation"], 4, id="square-C4"),
    pytest.param(Square(4, 3), ["reflection", "rotation"], 4, id="rectangle-C2v"),
    pytest.param(
        Square(3, pbc=True), ["translation", "rotation", "reflection"], 72, id="torus-all"
    ),
]


@pytest.mark.parametrize("lat,kinds,order", SYMMETRY_CASES)
def test_symmetry_group_has_the_expected_order_and_identity_first(lat, kinds, order):
    group = lat.symmetries(kinds)
    assert group.shape == (order, lat.n_sites)
    assert np.array_equal(group[0], np.arange(lat.n_sites))
    assert len({g.tobytes() for g in group}) == order


@pytest.mark.parametrize("lat,kinds,order", SYMMETRY_CASES)
def test_symmetry_group_is_closed_under_products_and_inverses(lat, kinds, order):
    group = lat.symmetries(kinds)
    elements = {g.tobytes() for g in group}
    for g in group:
        assert permutations.inverse(g).tobytes() in elements
        for h in group:
            assert permutations.compose(g, h).tobytes() in elements


@pytest.mark.parametrize("lat,kinds,order", SYMMETRY_CASES)
def test_symmetries_map_bonds_onto_bonds(lat, kinds, order):
    for bonds in (lat.bonds, lat.next_nearest_bonds):
        expected = {tuple(b) for b in bonds.tolist()}
        for g in lat.symmetries(kinds):
            image = {(min(g[i], g[j]), max(g[i], g[j])) for i, j in bonds.tolist()}
            assert image == expected


def test_permutation_moves_the_spin_of_site_i_to_site_g_of_i():
    translation = Chain(4, pbc=True).symmetry_generators("translation")[0]
    assert translation.tolist() == [1, 2, 3, 0]
    assert permutations.permute_configs([1, 1, 0, 0], translation).tolist() == [0, 1, 1, 0]


def test_acting_with_a_product_acts_with_the_right_factor_first():
    rng = np.random.default_rng(0)
    g, h = rng.permutation(5), rng.permutation(5)
    sigma = rng.integers(0, 2, size=5)
    both = permutations.permute_configs(permutations.permute_configs(sigma, h), g)
    assert np.array_equal(permutations.permute_configs(sigma, permutations.compose(g, h)), both)


def test_square_rotation_turns_a_corner_into_the_next_corner():
    square = Square(3)
    (rotation,) = square.symmetry_generators("rotation")
    corners = [0, 2, 8, 6]  # (0, 0), (2, 0), (2, 2), (0, 2)
    assert [int(rotation[c]) for c in corners] == corners[1:] + corners[:1]


@pytest.mark.parametrize(
    "lat,kind,match",
    [
        (Chain(6), "translation", "periodic"),
        (Square(3), "translation", "periodic"),
        (Chain(6, pbc=True), "rotation", "no rotation"),
        (Chain(6, pbc=True), "mirror", "Unknown symmetry kind"),
    ],
    ids=["open-chain", "open-square", "chain-rotation", "unknown"],
)
def test_unavailable_symmetry_is_a_clear_error(lat, kind, match):
    with pytest.raises(ValueError, match=match):
        lat.symmetries([kind])


def test_closure_rejects_characters_that_are_not_a_representation():
    translation = Chain(5, pbc=True).symmetry_generators("translation")
    with pytest.raises(ValueError, match="one-dimensional representation"):
        permutations.closure(translation, characters=[-1])  # T^5 = 1 but (-1)^5 = -1


def test_closure_multiplies_characters_along_words():
    ring = Chain(4, pbc=True)
    generators = ring.symmetry_generators("translation") + ring.symmetry_generators("reflection")
    elements, characters = permutations.closure(generators, characters=[-1, -1])
    assert len(elements) == 8
    for g, chi_g in zip(elements, characters, strict=True):
        for h, chi_h in zip(elements, characters, strict=True):
            product = permutations.compose(g, h).tolist()
            assert np.isclose(characters[elements.tolist().index(product)], chi_g * chi_h)


def test_closure_takes_complex_characters_of_a_cyclic_group():
    translation = Chain(4, pbc=True).symmetry_generators("translation")
    _, characters = permutations.closure(translation, characters=[1j])
    assert np.allclose(characters, [1, 1j, -1, -1j])
    reflection = Chain(4, pbc=True).symmetry_generators("reflection")
    with pytest.raises(ValueError, match="one-dimensional representation"):
        permutations.closure(translation + reflection, characters=[1j, 1])  # R T R = T^-1
