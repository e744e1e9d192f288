"""A user's lattice whose autoregressive path is not its own inverse.

On `Chain` the path is the identity and on `Square` the zigzag swaps sites pairwise, so
`order` and its inverse coincide and a model that confuses "the site visited at step k"
with "the step at which site k is visited" passes every test on them. This lattice
visits its six sites in the order 3, 0, 4, 1, 5, 2 (a 6-cycle's square root is not
itself), and each step reads the two steps before it, so it drives the two-neighbour
cells too.
"""

import functools

import numpy as np
import pytest
from scipy import stats
from support import (
    all_configurations,
    amplitudes,
    assert_log_psi_and_gradients_match_reference,
    dense_matrix,
    make_model,
)

from kerasnqs.lattice import Lattice
from kerasnqs.models import Wavefunction
from kerasnqs.operators import J1J2
from kerasnqs.vmc import local_values

ORDER = [3, 0, 4, 1, 5, 2]


class ShuffledRing(Lattice):
    """A ring of six sites whose RNN visits them in `ORDER`, each step reading two back."""

    def __init__(self):
        n = len(ORDER)
        sites = np.arange(n)
        steps = np.arange(n)[:, None]
        super().__init__(
            n_sites=n,
            bonds=[(i, (i + 1) % n) for i in range(n)],
            next_nearest_bonds=[(i, (i + 2) % n) for i in range(n)],
            sublattice=sites % 2,
            order=ORDER,
            autoregressive_neighbors=np.where(steps - [1, 2] >= 0, steps - [1, 2], -1),
            pbc=True,
        )

    def get_config(self):
        return {"name": "shuffled_ring"}


LATTICE = ShuffledRing()
N_SITES = LATTICE.n_sites


@functools.cache
def model(magnetization=None):
    return make_model(
        LATTICE,
        seed=8,
        scale=0.7,
        units=4,
        depth=2,
        phase=True,
        magnetization=magnetization,
        dtype="float64",
    )


def test_the_path_is_not_its_own_inverse():
    order = LATTICE.order
    assert not np.array_equal(order[order], np.arange(N_SITES))
    assert not np.array_equal(np.argsort(order), order)


@pytest.mark.parametrize("magnetization", [None, 0], ids=["free", "m0"])
def test_log_prob_sums_to_one_and_vanishes_outside_the_sector(magnetization):
    configs = all_configurations(N_SITES)
    probabilities = np.exp(model(magnetization).log_prob(configs).numpy())
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    if magnetization is not None:
        outside = configs.sum(axis=1) != N_SITES // 2
        assert np.all(probabilities[outside] == 0.0)


def test_log_psi_and_its_gradient_match_a_loop_keeping_every_hidden_state():
    configs = all_configurations(N_SITES)[::5]
    assert_log_psi_and_gradients_match_reference(model(), configs)


def test_conditionals_are_indexed_by_site_and_read_only_earlier_steps():
    wavefunction = model()
    configs = all_configurations(N_SITES)
    conditionals = wavefunction.conditionals(configs).numpy()
    chosen = np.take_along_axis(conditionals, configs[..., None], axis=2)[..., 0]
    np.testing.assert_allclose(chosen.prod(axis=1), np.exp(wavefunction.log_prob(configs)))
    # The conditional at the site of step k depends on the spins of steps 0..k-1 only.
    for step, site in enumerate(LATTICE.order):
        earlier = LATTICE.order[:step]
        for key in np.unique(configs[:, earlier], axis=0):
            block = conditionals[np.all(configs[:, earlier] == key, axis=1), site]
            np.testing.assert_allclose(block, np.broadcast_to(block[0], block.shape))
        if step > 0:  # ... and does depend on them
            assert np.ptp(conditionals[:, site, 0]) > 1e-3


def test_sample_frequencies_match_the_probabilities_and_log_psi():
    wavefunction = model()
    n_samples = 40_000
    configs, log_psi = wavefunction.sample(n_samples, seed=5)
    np.testing.assert_allclose(log_psi.numpy(), wavefunction.log_psi(configs).numpy(), atol=1e-10)
    codes = configs.numpy() @ (1 << np.arange(N_SITES)[::-1])
    observed = np.bincount(codes, minlength=2**N_SITES)
    probabilities = np.exp(wavefunction.log_prob(all_configurations(N_SITES)).numpy())
    expected = n_samples * probabilities
    assert expected.min() > 5  # no pooling of rare bins needed
    _, p_value = stats.chisquare(observed, expected)
    assert p_value > 1e-3


def test_log_psi_of_flips_equals_log_psi_of_every_flipped_configuration():
    wavefunction = model()
    flip_masks = J1J2(LATTICE, j2=0.5).flip_masks
    configs = all_configurations(N_SITES)
    np.testing.assert_allclose(
        wavefunction.log_psi_of_flips(configs, flip_masks).numpy(),
        Wavefunction.log_psi_of_flips(wavefunction, configs, flip_masks).numpy(),
        rtol=1e-10,
    )


def test_local_values_are_h_psi_over_psi_for_every_configuration():
    wavefunction = model()
    hamiltonian = J1J2(LATTICE, j2=0.5)
    configs = all_configurations(N_SITES)
    psi = amplitudes(wavefunction, configs)
    np.testing.assert_allclose(
        local_values(wavefunction, hamiltonian, configs).numpy(),
        dense_matrix(hamiltonian) @ psi / psi,
        rtol=1e-10,
    )
