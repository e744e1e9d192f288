import pytest

from kerasnqs.exact import exact_energy, ground_state_energy, reference_energy
from kerasnqs.lattice import Chain, Square
from kerasnqs.operators import J1J2, TFIM, Heisenberg, PauliSum


@pytest.mark.parametrize(
    "operator",
    [
        Heisenberg(Chain(10, pbc=True)),
        Heisenberg(Chain(9, pbc=True)),
        Heisenberg(Chain(8), J=-1.0),
        Heisenberg(Square(3, 3), marshall_sign=True),
        J1J2(Chain(10, pbc=True), j2=0.8),
        J1J2(Chain(7, pbc=True), j2=0.3, j1=-1.0),
    ],
    ids=["ring10", "odd-ring9", "ferromagnet", "square-marshall", "j1j2-ring", "j1j2-odd-ferro"],
)
def test_su2_models_use_the_smallest_sector_without_changing_the_energy(operator):
    energy, method = exact_energy(operator)
    assert "sector" in method
    assert energy == pytest.approx(ground_state_energy(operator), rel=1e-10)


def test_tfim_chain_uses_free_fermions():
    assert exact_energy(TFIM(Chain(30), h=0.7))[1] == "free fermions"


def test_other_operators_use_the_full_space():
    operator = PauliSum.parse(6, "X0 X1 + Z2 Z3 - 0.5 * Y4 Y5 + X5")
    energy, method = exact_energy(operator)
    assert method.startswith("Lanczos, dimension 64")
    assert energy == pytest.approx(ground_state_energy(operator), rel=1e-12)


def test_reference_energy_is_none_above_the_size_limit():
    energy, reason = reference_energy(TFIM(Square(5), h=3.0))
    assert energy is None and "limit" in reason
