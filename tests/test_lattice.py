import numpy as np
import pytest

from kerasnqs import lattice
from kerasnqs.lattice import Chain, Square


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
