"""`SymmetricWavefunction`: normalized, exactly sampled, and symmetric with its characters."""

import keras
import numpy as np
import pytest
import support
import tensorflow as tf
from scipy import stats

import kerasnqs
from kerasnqs import zoo
from kerasnqs.lattice import Chain, Square, permutations
from kerasnqs.models import MixtureWavefunction, SymmetricWavefunction
from kerasnqs.operators import TFIM, Heisenberg, PauliSum


def inner_model(lattice, **kwargs):
    kwargs.setdefault("units", 6)
    kwargs.setdefault("dtype", "float64")
    return support.make_model(lattice, **kwargs)


def group_images(model, configs):
    """`g sigma` for every element, computed in numpy from the group's elements."""
    perms, flips, _ = model.group_elements
    return np.stack(
        [permutations.permute_configs(configs, p) ^ f for p, f in zip(perms, flips, strict=True)]
    )


def in_sector(configs, magnetization):
    if magnetization is None:
        return np.ones(len(configs), bool)
    n_sites = configs.shape[1]
    return configs.sum(axis=1) == round(n_sites / 2 - magnetization)


CASES = [
    pytest.param(Chain(6, pbc=True), ["translation", "reflection"], None, False, id="ring-D6"),
    pytest.param(
        Chain(8, pbc=True), ["translation", "spin-flip"], 0, True, id="ring-8-sector-flip"
    ),
    pytest.param(Square(3), ["reflection"], 0.5, True, id="square-3x3-C4v-sector"),
    pytest.param(
        Square(4, 2, pbc=True),
        ["translation", "rotation", "spin-flip"],
        None,
        False,
        id="torus-4x2",
    ),
]


@pytest.mark.parametrize("lattice,symmetries,magnetization,phase", CASES)
def test_probabilities_sum_to_one_and_are_the_group_average(
    lattice, symmetries, magnetization, phase
):
    inner = inner_model(lattice, magnetization=magnetization, phase=phase)
    model = SymmetricWavefunction(inner, symmetries)
    configs = support.all_configurations(lattice.n_sites)
    log_prob = np.asarray(model.log_prob(configs))
    assert np.isclose(np.exp(log_prob).sum(), 1.0, atol=1e-10)
    inside = in_sector(configs, magnetization)
    assert np.all(np.isneginf(log_prob[~inside]))
    images = group_images(model, configs[inside])
    inner_prob = np.exp(np.asarray(inner.log_prob(images.reshape(-1, lattice.n_sites))))
    expected = inner_prob.reshape(model.order, -1).mean(axis=0)
    assert np.allclose(np.exp(log_prob[inside]), expected, rtol=1e-10)


CHARACTER_CASES = [
    pytest.param(Chain(6, pbc=True), ["translation", "reflection"], {}, id="trivial"),
    pytest.param(
        Chain(6, pbc=True), ["translation", "spin-flip"], {"spin-flip": -1}, id="odd-flip"
    ),
    pytest.param(
        Chain(6, pbc=True),
        ["translation", "reflection", "spin-flip"],
        {"translation": -1, "reflection": -1, "spin-flip": -1},
        id="momentum-pi-odd-reflection-odd-flip",
    ),
    pytest.param(Chain(4, pbc=True), ["translation"], {"translation": 1j}, id="momentum-pi/2"),
    pytest.param(Square(3), ["rotation", "spin-flip"], {"rotation": -1}, id="square-C4"),
]


@pytest.mark.parametrize("lattice,symmetries,characters", CHARACTER_CASES)
def test_psi_of_g_sigma_is_the_character_times_psi_of_sigma(lattice, symmetries, characters):
    model = SymmetricWavefunction(inner_model(lattice, phase=True), symmetries, characters)
    _, _, chi = model.group_elements
    configs = support.all_configurations(lattice.n_sites)
    psi = np.exp(np.asarray(model.log_psi(configs)))
    images = group_images(model, configs)
    # Configurations fixed by an element of character != 1 have no state of this symmetry.
    fixed = (images == configs[None]).all(axis=2)  # (order, n_configs)
    allowed = ~(fixed & ~np.isclose(chi, 1)[:, None]).any(axis=0)
    assert allowed.sum() > len(configs) // 2
    indices = images @ (1 << np.arange(lattice.n_sites)[::-1])
    for g in range(model.order):
        mapped = psi[indices[g]]
        assert np.allclose(mapped[allowed], chi[g] * psi[allowed], atol=1e-10)


def test_sum_over_the_group_vanishes_where_the_characters_forbid_a_state():
    ring = Chain(6, pbc=True)
    characters = {"spin-flip": -1}
    model = SymmetricWavefunction(
        inner_model(ring, phase=True), ["translation", "spin-flip"], characters
    )
    neel = np.array([[0, 1, 0, 1, 0, 1]])  # the translation by one site flips every spin
    images = np.asarray(model.symmetry_images(neel))[:, 0]
    inner = np.exp(np.asarray(model.wavefunction.log_psi(images)))
    _, _, chi = model.group_elements
    assert abs(np.sum(np.conj(chi) * inner)) < 1e-12
    log_psi = complex(np.asarray(model.log_psi(neel))[0])
    assert np.isfinite(log_psi.real) and log_psi.imag == 0


def chi_square_p_value(counts, probabilities):
    """The p-value of counts against probabilities, bins of expectation < 5 pooled."""
    expected = counts.sum() * probabilities
    small = expected < 5
    observed = np.append(counts[~small], counts[small].sum())
    expected = np.append(expected[~small], expected[small].sum())
    chi2 = np.sum((observed - expected) ** 2 / expected)
    return stats.chi2.sf(chi2, df=len(observed) - 1)


@pytest.fixture(scope="module")
def sampled():
    """A complex model in the sector S^z = 0 of a ring of 6, and 5000 of its samples."""
    inner = inner_model(Chain(6, pbc=True), phase=True, magnetization=0, scale=1.2)
    model = SymmetricWavefunction(inner, ["translation", "spin-flip"])
    seed = tf.constant([3, 0], tf.int64)
    configs, log_psi = model.sample(5000, seed)  # called eagerly: compiled with XLA
    return model, seed, np.asarray(configs), np.asarray(log_psi)


def test_samples_follow_the_symmetric_probabilities(sampled):
    # Chi-square test over the 20 configurations of the sector (fixed seed); the same
    # counts must fail against the inner model's probabilities, so the test has power.
    model, _, configs, _ = sampled
    every_config = support.all_configurations(6)
    counts = np.bincount(configs @ (1 << np.arange(6)[::-1]), minlength=64)
    inside = every_config.sum(axis=1) == 3
    assert counts[~inside].sum() == 0
    symmetric = np.exp(np.asarray(model.log_prob(every_config)))[inside]
    inner = np.exp(np.asarray(model.wavefunction.log_prob(every_config)))[inside]
    assert chi_square_p_value(counts[inside], symmetric) > 1e-3
    assert chi_square_p_value(counts[inside], inner) < 1e-6


def test_samples_come_with_their_log_psi(sampled):
    model, _, configs, log_psi = sampled
    assert np.allclose(np.asarray(model.log_psi(configs)), log_psi, atol=1e-9)


def test_sampling_is_the_same_in_a_tf_function_and_under_xla(sampled):
    model, seed, configs, log_psi = sampled
    graph_configs, graph_log_psi = tf.function(lambda s: model.sample(5000, s))(seed)
    assert np.array_equal(configs, graph_configs)
    assert np.allclose(log_psi, graph_log_psi, atol=1e-10)


FLIP_CASES = [
    pytest.param(Heisenberg(Chain(6, pbc=True)), ["translation", "reflection"], id="invariant"),
    pytest.param(PauliSum.parse(6, "X0 + X1 X2"), ["translation", "spin-flip"], id="not-invariant"),
]


@pytest.mark.parametrize(
    "operator,symmetries,mode",
    [(*case.values, mode) for case, mode in zip(FLIP_CASES, ["xla", "eager"], strict=True)]
    + [(*FLIP_CASES[0].values, "eager")],
    ids=["invariant-xla", "not-invariant-eager", "invariant-eager"],
)
def test_log_psi_of_flips_equals_log_psi_of_the_flipped_configurations(operator, symmetries, mode):
    model = SymmetricWavefunction(inner_model(operator_lattice(operator), phase=True), symmetries)
    configs = support.all_configurations(6)[::5]
    masks = operator.flip_masks

    def fn(configs):
        return model.log_psi_of_flips(configs, masks)

    if mode == "xla":
        fn = tf.function(fn, jit_compile=True)
    values = np.asarray(fn(tf.constant(configs)))
    flipped = (configs[:, None, :] ^ masks[None]).reshape(-1, 6)
    expected = np.asarray(model.log_psi(flipped)).reshape(len(configs), -1)
    assert np.allclose(values, expected, atol=1e-10)


def operator_lattice(operator):
    return getattr(operator, "lattice", Chain(operator.n_sites, pbc=True))


def test_local_energies_average_exactly_to_the_energy_of_the_state():
    # E_loc averaged exactly over P_sym equals <psi|H|psi> from the dense matrix.
    ring = Chain(6, pbc=True)
    hamiltonian = Heisenberg(ring, marshall_sign=True)
    model = SymmetricWavefunction(
        inner_model(ring, magnetization=0, phase=True), ["translation", "spin-flip"]
    )
    configs = support.all_configurations(6)
    configs = configs[configs.sum(axis=1) == 3]
    log_psi = model.log_psi(configs)
    local = kerasnqs.vmc.local_values(model, hamiltonian, configs, log_psi)
    prob = np.exp(2 * np.real(np.asarray(log_psi)))
    psi = np.zeros(64, complex)
    psi[configs @ (1 << np.arange(6)[::-1])] = np.exp(np.asarray(log_psi))
    exact = np.vdot(psi, hamiltonian.to_sparse().toarray() @ psi).real
    assert np.isclose(np.sum(prob * np.asarray(local)).real, exact, atol=1e-10)


def test_vmc_trains_a_symmetric_model():  # under XLA: tests/test_cli_symmetries.py
    ring = Chain(4, pbc=True)
    keras.utils.set_random_seed(0)
    inner = kerasnqs.models.RNNWavefunction(ring, units=4, magnetization=0)
    model = SymmetricWavefunction(inner, ["translation", "reflection", "spin-flip"])
    vmc = kerasnqs.VMC(model, Heisenberg(ring, marshall_sign=True), n_samples=32, seed=1)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = [np.array(w) for w in inner.get_weights()]
    history = vmc.fit(epochs=1, steps_per_epoch=3, verbose=0)
    assert np.isfinite(history.history["energy"][-1])
    assert any(not np.allclose(a, b) for a, b in zip(before, inner.get_weights(), strict=True))


def test_keras_save_and_load_round_trip(tmp_path):
    ring = Chain(6, pbc=True)
    model = SymmetricWavefunction(
        inner_model(ring, phase=True), ["translation", "spin-flip"], {"spin-flip": -1}
    )
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, SymmetricWavefunction)
    assert loaded.order == model.order and loaded.characters == {"spin-flip": -1}
    configs = support.all_configurations(6)
    assert np.allclose(loaded.log_psi(configs), model.log_psi(configs), atol=1e-12)


def test_zoo_save_and_load_round_trip(tmp_path):
    ring = Chain(6, pbc=True)
    model = SymmetricWavefunction(inner_model(ring, dtype="float32"), ["translation"])
    energy = {"mean": -1.0, "error_of_mean": 0.1, "variance": 1.0, "n_samples": 10}
    path = zoo.save(model, TFIM(ring, h=1.0), tmp_path / "sym", description="test", energy=energy)
    loaded = zoo.load(path)
    assert isinstance(loaded, SymmetricWavefunction)
    configs = support.all_configurations(6)
    assert np.allclose(loaded.log_psi(configs), model.log_psi(configs), atol=1e-6)


def test_vmc_with_a_symmetric_model_saves_and_loads(tmp_path):
    ring = Chain(4, pbc=True)
    model = SymmetricWavefunction(inner_model(ring, dtype="float32"), ["translation"])
    vmc = kerasnqs.VMC(model, TFIM(ring, h=1.0), n_samples=16)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    vmc.save(tmp_path / "vmc.keras")
    loaded = keras.saving.load_model(tmp_path / "vmc.keras")
    configs = support.all_configurations(4)
    assert np.allclose(loaded.wavefunction.log_psi(configs), model.log_psi(configs), atol=1e-6)


def test_mixture_inner_model_works():
    model = SymmetricWavefunction(
        MixtureWavefunction(Chain(5, pbc=True), n_components=3), "translation"
    )
    assert np.isclose(
        np.exp(np.asarray(model.log_prob(support.all_configurations(5)))).sum(), 1, atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"symmetries": ["translation"], "lattice": Chain(6)}, "periodic"),
        ({"symmetries": ["rotation"]}, "no rotation"),
        ({"symmetries": ["glide"]}, "symmetries\\[0\\]"),
        ({"symmetries": [[0, 1, 2, 3, 4, 4]]}, "permutation"),
        ({"symmetries": ["spin-flip"], "magnetization": 1}, "magnetization"),
        ({"symmetries": ["spin-flip"], "characters": {"spin-flip": -1}}, "positive"),
        ({"symmetries": ["translation"], "characters": {"reflection": -1}}, "not a name"),
        ({"symmetries": ["translation"], "characters": {"translation": 2}}, "modulus 1"),
        (
            {
                "symmetries": ["translation"],
                "lattice": Chain(5, pbc=True),
                "phase": True,
                "characters": {"translation": -1},
            },
            "representation",
        ),
        ({"symmetries": 3}, "`symmetries`"),
    ],
    ids=[
        "open-translation",
        "chain-rotation",
        "unknown",
        "not-a-permutation",
        "flip-sector",
        "real-odd",
        "unknown-character",
        "not-unit",
        "odd-ring-momentum-pi",
        "not-a-list",
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, match):
    lattice = kwargs.pop("lattice", Chain(6, pbc=True))
    inner = kerasnqs.models.RNNWavefunction(
        lattice,
        units=4,
        magnetization=kwargs.pop("magnetization", None),
        phase=kwargs.pop("phase", False),
    )
    with pytest.raises(ValueError, match=match):
        SymmetricWavefunction(inner, **kwargs)


def test_explicit_permutations_generate_the_same_group_and_survive_a_config_round_trip():
    ring = Chain(6, pbc=True)
    inner = inner_model(ring, phase=True)
    by_name = SymmetricWavefunction(inner, ["translation"])
    by_permutation = SymmetricWavefunction(inner, [[1, 2, 3, 4, 5, 0]])
    rebuilt = SymmetricWavefunction.from_config(by_permutation.get_config())
    rebuilt.set_weights(by_permutation.get_weights())
    configs = support.all_configurations(6)
    assert rebuilt.symmetries[0].tolist() == [1, 2, 3, 4, 5, 0]
    for model in (by_permutation, rebuilt):
        assert model.order == 6
        assert np.allclose(model.log_psi(configs), by_name.log_psi(configs), atol=1e-12)
