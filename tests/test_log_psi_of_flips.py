"""`log_psi_of_flips`: the RNN's prefix-sharing evaluation equals evaluating every flip."""

import numpy as np
import pytest
import tensorflow as tf

from kerasnqs.lattice import Chain, Square
from kerasnqs.models import RNNWavefunction, Wavefunction
from kerasnqs.operators import J1J2, TFIM, Heisenberg, PauliSum

CASES = [
    pytest.param(Chain(10), lambda lat: TFIM(lat, h=1.0), {}, id="chain-tfim"),
    pytest.param(
        Chain(9, pbc=True),
        lambda lat: J1J2(lat, j2=0.3),
        {"phase": True, "depth": 2},
        id="odd-ring-j1j2-complex-deep",
    ),
    pytest.param(Square(3, 3), lambda lat: TFIM(lat, h=2.0), {}, id="square-tfim"),
    pytest.param(
        Square(4, 3),
        lambda lat: Heisenberg(lat),
        {"magnetization": 0, "phase": True},
        id="square-heisenberg-sector-complex",
    ),
    pytest.param(
        Chain(6),
        lambda lat: PauliSum.parse(6, "X0 X5 + Y2 Z3 + X4 + Z1"),
        {"cell": "vanilla"},
        id="chain-pauli-sum",
    ),
]


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
@pytest.mark.parametrize("lattice,make_operator,kwargs", CASES)
def test_log_psi_of_flips_equals_log_psi_of_every_flipped_configuration(
    lattice, make_operator, kwargs, jit_compile
):
    wavefunction = RNNWavefunction(lattice, units=8, **kwargs)
    operator = make_operator(lattice)
    configs, _ = wavefunction.sample(7, seed=3)
    reference = Wavefunction.log_psi_of_flips(wavefunction, configs, operator.flip_masks).numpy()
    compiled = tf.function(
        lambda c: wavefunction.log_psi_of_flips(c, operator.flip_masks), jit_compile=jit_compile
    )
    shared = compiled(configs).numpy()
    assert shared.shape == (7, operator.max_conn)
    finite = np.isfinite(reference)
    np.testing.assert_array_equal(np.isfinite(shared), finite)  # -inf outside the sector
    np.testing.assert_allclose(shared[finite], reference[finite], atol=2e-6)


def test_a_mask_that_flips_nothing_gives_the_configuration_itself():
    wavefunction = RNNWavefunction(Chain(5), units=4)
    configs, log_psi = wavefunction.sample(3, seed=0)
    masks = np.array([[0, 0, 0, 0, 0], [0, 0, 0, 0, 1]])
    values = wavefunction.log_psi_of_flips(configs, masks).numpy()
    np.testing.assert_allclose(values[:, 0], log_psi, atol=1e-6)


def test_flip_masks_of_the_wrong_width_are_rejected():
    with pytest.raises(ValueError, match="flip_masks"):
        RNNWavefunction(Chain(5), units=4).log_psi_of_flips(
            np.zeros((2, 5), "int32"), np.ones((1, 4))
        )
