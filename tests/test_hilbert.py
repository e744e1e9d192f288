"""`kerasnqs.hilbert.SpinHalf`: one space for models, operator matrices and exact references."""

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest

import kerasnqs
from kerasnqs.exact import exact_energy, ground_state_energy, reference_energy, wavefunction_vector
from kerasnqs.hilbert import SpinHalf, indices_to_configs, resolve
from kerasnqs.lattice import Chain
from kerasnqs.models import MixtureWavefunction, RNNWavefunction, SymmetricWavefunction
from kerasnqs.operators import TFIM, Heisenberg, PauliSum
from kerasnqs.recipes import build_system


@pytest.mark.parametrize("n_sites", [1, 4, 5])
def test_the_sectors_partition_the_whole_space(n_sites):
    whole = SpinHalf(n_sites)
    sectors = [SpinHalf(n_sites, n_sites / 2 - n_down) for n_down in range(n_sites + 1)]
    assert whole.size == 2**n_sites == sum(sector.size for sector in sectors)
    assert [sector.size for sector in sectors] == [
        math.comb(n_sites, k) for k in range(n_sites + 1)
    ]
    joined = np.sort(np.concatenate([sector.indices() for sector in sectors]))
    np.testing.assert_array_equal(joined, whole.indices())


@pytest.mark.parametrize("magnetization", [-2, -1, 0, 1, 2])
def test_a_sector_holds_exactly_the_configurations_of_its_magnetization(magnetization):
    space = SpinHalf(4, magnetization)
    every = np.array(list(itertools.product([0, 1], repeat=4)))
    s_z = (4 - 2 * every.sum(axis=1)) / 2  # (n_up - n_down) / 2, 1 is spin down
    np.testing.assert_array_equal(space.contains(every), s_z == magnetization)
    members = indices_to_configs(space.indices(), 4)
    assert space.contains(members).all() and len(members) == space.size
    assert np.all(np.diff(space.indices()) > 0)


def test_magnetization_is_an_int_when_whole_and_a_float_when_half():
    assert SpinHalf(4, 1.0).magnetization == 1 and isinstance(SpinHalf(4, 1.0).magnetization, int)
    assert SpinHalf(5, 0.5).magnetization == 0.5 and SpinHalf(5, 0.5).n_down == 2
    assert SpinHalf(4, 0) == SpinHalf(4, 0.0) and hash(SpinHalf(4, 0)) == hash(SpinHalf(4, 0.0))
    assert SpinHalf(4, 0) != SpinHalf(4) and SpinHalf(4, 0) != SpinHalf(6, 0)
    assert SpinHalf.from_config(SpinHalf(6, -1).get_config()) == SpinHalf(6, -1)
    assert SpinHalf(6, 0).describe() == "6 spins 1/2, S^z = 0"
    assert SpinHalf(1).describe() == "1 spin 1/2"


@pytest.mark.parametrize(
    "n_sites,magnetization,message",
    [
        (4, 0.5, "`magnetization`"),
        (4, 3, "`magnetization`"),
        (5, 0, "`magnetization`"),
        (4, float("nan"), "`magnetization`"),
        (0, None, "`n_sites`"),
        (4.5, None, "`n_sites`"),
    ],
)
def test_a_bad_space_is_refused_naming_the_argument(n_sites, magnetization, message):
    with pytest.raises(ValueError, match=message):
        SpinHalf(n_sites, magnetization)


def test_an_operator_must_act_on_the_space_and_stay_in_its_sector():
    heisenberg, tfim = Heisenberg(Chain(4)), TFIM(Chain(4), h=1.0)
    assert SpinHalf(4, 0).check_operator(heisenberg) is heisenberg
    assert SpinHalf(4).check_operator(tfim) is tfim
    with pytest.raises(ValueError, match="does not conserve the total S\\^z"):
        SpinHalf(4, 0).check_operator(tfim)
    with pytest.raises(ValueError, match="acts on 4 sites"):
        SpinHalf(6).check_operator(heisenberg)


def test_resolve_gives_the_whole_space_for_none_and_refuses_a_bare_number():
    assert resolve(None, 5) == SpinHalf(5)
    with pytest.raises(ValueError, match=r"SpinHalf\(5, magnetization=0\)"):
        resolve(0, 5)
    with pytest.raises(ValueError, match="must have 5 sites"):
        resolve(SpinHalf(4), 5)


def test_a_models_hilbert_is_its_sector():
    chain = Chain(6, pbc=True)
    in_sector = RNNWavefunction(chain, units=4, magnetization=1)
    assert in_sector.hilbert == SpinHalf(6, 1)
    assert RNNWavefunction(chain, units=4).hilbert == SpinHalf(6)
    assert MixtureWavefunction(chain, n_components=2).hilbert == SpinHalf(6)
    flat = RNNWavefunction(chain, units=4, magnetization=0)
    symmetric = SymmetricWavefunction(flat, symmetries=["spin-flip"])
    assert symmetric.hilbert == SpinHalf(6, 0)


def test_a_models_hilbert_enumerates_exactly_its_nonzero_amplitudes():
    model = RNNWavefunction(Chain(6), units=4, magnetization=-1)
    whole = wavefunction_vector(model)
    nonzero = np.flatnonzero(np.abs(whole) > 0)
    np.testing.assert_array_equal(nonzero, model.hilbert.indices())
    in_sector = wavefunction_vector(model, model.hilbert)
    np.testing.assert_allclose(in_sector, whole[model.hilbert.indices()], rtol=1e-5)


def test_the_exact_reference_searches_the_models_sector():
    # The Heisenberg ground state is a singlet (S^z = 0); the sector S^z = 1 lies higher,
    # so an exact reference that dropped the model's sector would be too low.
    chain = Chain(8, pbc=True)
    hamiltonian = Heisenberg(chain)
    model = RNNWavefunction(chain, units=4, magnetization=1)
    energy, _ = reference_energy(hamiltonian, model.hilbert)
    matrix = hamiltonian.to_sparse(model.hilbert).toarray()
    assert energy == pytest.approx(np.linalg.eigvalsh(matrix)[0], abs=1e-10)
    assert energy > exact_energy(hamiltonian)[0] + 0.1
    assert energy == pytest.approx(ground_state_energy(hamiltonian, SpinHalf(8, 1)), abs=1e-10)


def test_a_recipe_in_a_sector_trains_against_the_sectors_exact_energy():
    recipe = kerasnqs.Recipe(
        system="heisenberg",
        size=6,
        pbc=True,
        marshall_sign=True,
        magnetization=1,
        units=4,
        samples=16,
    )
    run = kerasnqs.train(recipe.replace(steps=1, steps_per_epoch=1, eval_samples=16), verbose=0)
    assert run.vmc.wavefunction.hilbert == SpinHalf(6, 1)
    _, hamiltonian = build_system(
        {"system": "heisenberg", "size": 6, "pbc": True, "marshall_sign": True}
    )
    assert run.exact_energy == pytest.approx(ground_state_energy(hamiltonian, SpinHalf(6, 1)))


def test_the_sector_matrix_is_the_whole_matrix_restricted_to_the_sector():
    operator = PauliSum.parse(
        5, "X0 X1 + Y0 Y1 + Z2 Z3 + 0.5 * X3 X4 + 0.5 * Y3 Y4 + Z0 - X1 X3 - Y1 Y3"
    )
    whole = operator.to_sparse().toarray()
    for magnetization in (-1.5, 0.5, 2.5):
        space = SpinHalf(5, magnetization)
        rows = space.indices()
        np.testing.assert_array_equal(
            operator.to_sparse(space).toarray(), whole[np.ix_(rows, rows)]
        )


def test_the_hilbert_module_loads_no_tensorflow():
    code = (
        "import sys; import kerasnqs.hilbert; "
        "print([n for n in ('tensorflow', 'keras') if n in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "[]\n", result.stderr
