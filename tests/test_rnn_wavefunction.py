"""Tests of `RNNWavefunction`: normalization, structure, dtypes, saving and validation.

Sampling is tested in `test_rnn_wavefunction_sampling.py`.
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops
from support import (
    all_configurations,
    assert_log_psi_and_gradients_match_reference,
    make_model,
)

from kerasnqs.lattice import Chain, Square
from kerasnqs.layers import GRUCell, MDGRUCell, RNNCell, VanillaRNNCell
from kerasnqs.models import RNNWavefunction, Wavefunction


def in_sector(configs, magnetization):
    n_sites = configs.shape[1]
    return configs.sum(axis=1) == n_sites / 2 - magnetization


@keras.saving.register_keras_serializable(package="kerasnqs_tests")
class MinimalGatedCell(RNNCell):
    """A user's cell: h = z * h_prev + (1 - z) * tanh(W x + U h_prev), z = sigmoid(G [x; h])."""

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], 2 * self.units))
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, 2 * self.units)
        )

    def call(self, inputs, neighbor_states):
        (h_prev,) = neighbor_states
        pre = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel)
        gate, candidate = ops.split(pre, 2, axis=-1)
        update = ops.sigmoid(gate)
        return update * h_prev + (1.0 - update) * ops.tanh(candidate)


NORMALIZATION_CASES = [
    pytest.param(Chain(10), "gru", None, id="chain10-gru"),
    pytest.param(Chain(10), "vanilla", None, id="chain10-vanilla"),
    pytest.param(Chain(10), "gru", 0, id="chain10-gru-m0"),
    pytest.param(Chain(10), "vanilla", -1, id="chain10-vanilla-m-1"),
    pytest.param(Square(3), "gru", None, id="square3x3-mdgru"),
    pytest.param(Square(3), "vanilla", None, id="square3x3-mdrnn"),
    pytest.param(Square(3), "gru", 0.5, id="square3x3-mdgru-m0.5"),
    pytest.param(Square(3), "vanilla", -1.5, id="square3x3-mdrnn-m-1.5"),
]


@pytest.mark.parametrize("lattice, cell, magnetization", NORMALIZATION_CASES)
def test_log_prob_sums_to_one_over_all_configurations(lattice, cell, magnetization):
    model = make_model(lattice, cell=cell, units=6, depth=2, magnetization=magnetization)
    configs = all_configurations(lattice.n_sites)
    log_prob = model.log_prob(configs).numpy()
    probabilities = np.exp(log_prob.astype(np.float64))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    if magnetization is not None:
        outside = ~in_sector(configs, magnetization)
        assert np.all(log_prob[outside] == -np.inf)
        assert np.all(np.exp(log_prob[outside]) == 0.0)
        assert np.all(np.isfinite(log_prob[~outside]))


@pytest.mark.parametrize("lattice, cell, magnetization", NORMALIZATION_CASES[::3])
def test_conditionals_sum_to_one_and_multiply_to_the_probability(lattice, cell, magnetization):
    model = make_model(lattice, cell=cell, units=6, magnetization=magnetization, dtype="float64")
    configs = all_configurations(lattice.n_sites)
    if magnetization is not None:
        configs = configs[in_sector(configs, magnetization)]
    conditionals = model.conditionals(configs).numpy()
    assert conditionals.shape == (len(configs), lattice.n_sites, 2)
    np.testing.assert_allclose(conditionals.sum(axis=-1), 1.0, atol=1e-12)
    chosen = np.take_along_axis(conditionals, configs[..., None], axis=2)[..., 0]
    np.testing.assert_allclose(chosen.prod(axis=1), np.exp(model.log_prob(configs)), rtol=1e-10)


def test_conditionals_are_indexed_by_site_not_by_step():
    lattice = Square(3, 2)  # order [0, 1, 2, 5, 4, 3]
    model = make_model(lattice, units=4)
    configs = all_configurations(lattice.n_sites)
    conditionals = model.conditionals(configs).numpy()
    first_site = lattice.order[0]
    # The first step reads nothing: its conditional is the same for every configuration.
    assert np.all(conditionals[:, first_site] == conditionals[0, first_site])
    second_site = lattice.order[1]
    differs = configs[:, first_site] != configs[0, first_site]
    assert not np.allclose(conditionals[differs, second_site], conditionals[0, second_site])


@pytest.mark.parametrize(
    "lattice", [pytest.param(Chain(8), id="chain"), pytest.param(Square(3), id="square")]
)
def test_conditional_at_a_step_ignores_the_spins_of_later_steps(lattice):
    model = make_model(lattice, units=5, depth=2, phase=True)
    n_sites = lattice.n_sites
    rng = np.random.default_rng(1)
    base, other = rng.integers(0, 2, (2, n_sites)).astype(np.int32)
    # Row k keeps the spins of steps 0..k of `base` and takes the later steps from `other`.
    mixed = np.repeat(base[None], n_sites, axis=0)
    for step in range(n_sites):
        later_sites = lattice.order[step + 1 :]
        mixed[step, later_sites] = other[later_sites]
    reference = model.conditionals(base[None]).numpy()[0]
    conditionals = model.conditionals(mixed).numpy()
    for step in range(n_sites):
        visited = lattice.order[: step + 1]
        np.testing.assert_allclose(conditionals[step, visited], reference[visited], atol=1e-6)


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
@pytest.mark.parametrize(
    "lattice", [pytest.param(Chain(5), id="chain"), pytest.param(Square(3), id="square")]
)
def test_log_psi_and_its_gradient_match_a_loop_keeping_every_hidden_state(lattice, jit_compile):
    model = make_model(lattice, units=4, depth=2, phase=True, dtype="float64")
    configs = np.random.default_rng(2).integers(0, 2, (16, lattice.n_sites)).astype(np.int32)
    assert_log_psi_and_gradients_match_reference(model, configs, jit_compile=jit_compile)


def test_gradients_stay_finite_for_configurations_in_the_magnetization_sector():
    model = make_model(Chain(8), units=4, magnetization=0, scale=3.0)
    configs = all_configurations(8)
    configs = configs[in_sector(configs, 0)]
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(model.log_prob(configs))
    assert np.isfinite(loss.numpy())
    for gradient in tape.gradient(loss, model.trainable_variables):
        assert np.all(np.isfinite(gradient.numpy()))


@pytest.mark.parametrize("phase", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_psi_dtype_follows_the_model_dtype_and_the_phase(dtype, phase):
    model = make_model(Chain(5), units=3, phase=phase, dtype=dtype)
    configs = all_configurations(5)
    log_psi = model.log_psi(configs)
    expected_dtype = {"float32": "complex64", "float64": "complex128"}[dtype] if phase else dtype
    assert keras.backend.standardize_dtype(log_psi.dtype) == expected_dtype
    assert model.is_complex is phase
    np.testing.assert_allclose(
        2.0 * np.real(log_psi.numpy()), model.log_prob(configs).numpy(), rtol=1e-6
    )
    np.testing.assert_allclose(model(configs).numpy(), log_psi.numpy(), rtol=1e-6)
    assert keras.backend.standardize_dtype(model.log_prob(configs).dtype) == dtype


def test_phase_lies_in_a_sum_of_softsign_ranges():
    model = make_model(Chain(6), units=4, phase=True, scale=5.0)
    phase = np.imag(model.log_psi(all_configurations(6)).numpy())
    assert np.all(np.abs(phase) < 6 * np.pi)
    assert np.std(phase) > 0.1


def test_results_do_not_depend_on_the_batch_size():
    model = make_model(Square(3), units=5, phase=True, magnetization=0.5)
    configs = all_configurations(9)[::5]
    whole = model.log_psi(configs).numpy()
    pieces = np.concatenate(
        [model.log_psi(configs[i : i + 13]).numpy() for i in range(0, len(configs), 13)]
    )
    single = np.concatenate([model.log_psi(configs[i : i + 1]).numpy() for i in range(6)])
    for part in (np.real, np.imag):
        np.testing.assert_allclose(part(pieces), part(whole), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(part(single), part(whole[:6]), rtol=1e-5, atol=1e-5)


def test_model_is_a_wavefunction_with_the_lattice_and_size():
    model = RNNWavefunction(Square(3, 2), units=4)
    assert isinstance(model, Wavefunction)
    assert model.n_sites == 6
    assert model.lattice == Square(3, 2)


@pytest.mark.parametrize(
    "lattice, cell, cell_class",
    [
        pytest.param(Chain(4), "gru", GRUCell, id="chain-gru"),
        pytest.param(Chain(4), "vanilla", VanillaRNNCell, id="chain-vanilla"),
        pytest.param(Square(2), "gru", MDGRUCell, id="square-gru"),
    ],
)
def test_cell_names_map_to_the_cell_fitting_the_lattice(lattice, cell, cell_class):
    model = RNNWavefunction(lattice, cell=cell, units=4, depth=3)
    assert [type(c) for c in model.cells] == [cell_class] * 3
    assert [c.units for c in model.cells] == [4] * 3


def test_a_cell_instance_is_the_first_layer_and_deeper_layers_are_clones_of_it():
    cell = VanillaRNNCell(5, activation="elu", name="mine")
    model = RNNWavefunction(Chain(4), cell=cell, depth=3)
    assert model.cells[0] is cell
    assert model.units == 5
    for clone in model.cells[1:]:
        assert type(clone) is VanillaRNNCell
        assert clone.get_config()["activation"] == "elu"
        assert clone.units == 5
    assert len({id(c.kernel) for c in model.cells}) == 3


# --- saving and loading --------------------------------------------------------------

SAVE_CASES = [
    pytest.param(Chain(6), {"dtype": "float32"}, id="chain-float32"),
    pytest.param(Chain(6), {"dtype": "float64", "phase": True, "depth": 2}, id="chain-float64"),
    pytest.param(Square(3, 2), {"cell": "vanilla", "magnetization": 1}, id="square-magnetization"),
    pytest.param(Chain(6), {"cell": MinimalGatedCell(3), "depth": 2}, id="chain-custom-cell"),
]


@pytest.mark.parametrize("lattice, kwargs", SAVE_CASES)
def test_keras_file_round_trip_gives_identical_log_psi(tmp_path, lattice, kwargs):
    units = None if isinstance(kwargs.get("cell"), RNNCell) else 3
    model = make_model(lattice, units=units, **kwargs)
    configs = all_configurations(lattice.n_sites)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is RNNWavefunction
    assert json.dumps(restored.get_config()) == json.dumps(model.get_config())
    np.testing.assert_array_equal(restored.log_psi(configs).numpy(), model.log_psi(configs).numpy())


@pytest.mark.parametrize("lattice, kwargs", SAVE_CASES[:2])
def test_weights_file_round_trip_gives_identical_log_psi(tmp_path, lattice, kwargs):
    model = make_model(lattice, units=3, **kwargs)
    configs = all_configurations(lattice.n_sites)
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    fresh = make_model(lattice, seed=1, units=3, **kwargs)
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.log_psi(configs).numpy(), model.log_psi(configs).numpy())


def test_config_round_trips_every_argument():
    model = RNNWavefunction(
        Square(3, 2), cell="vanilla", units=7, depth=2, phase=True, magnetization=-1,
        dtype="float64", name="psi",
    )  # fmt: skip
    config = model.get_config()
    for key, value in {
        "cell": "vanilla", "units": 7, "depth": 2, "phase": True, "magnetization": -1,
        "dtype": "float64", "name": "psi", "lattice": Square(3, 2).get_config(),
    }.items():  # fmt: skip
        assert config[key] == value
    assert RNNWavefunction.from_config(config).get_config() == config


def test_a_custom_cell_trains_by_maximum_likelihood_and_saves(tmp_path):
    keras.utils.set_random_seed(0)
    model = RNNWavefunction(Chain(6), cell=MinimalGatedCell(8))
    # Data: spins down with probability 0.85, independently.
    data = (np.random.default_rng(0).random((512, 6)) < 0.85).astype(np.int32)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(x=data, batch_size=128, epochs=15, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] - 0.5
    path = tmp_path / "custom.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored.cells[0], MinimalGatedCell)
    np.testing.assert_array_equal(restored.log_psi(data[:20]).numpy(), model.log_psi(data[:20]))


# --- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "lattice, kwargs, argument",
    [
        pytest.param(Chain(10), {"cell": "lstm"}, "`cell`", id="unknown-cell-name"),
        pytest.param(Chain(10), {"cell": 3}, "`cell`", id="cell-not-a-cell"),
        pytest.param(Chain(10), {"cell": MDGRUCell(4)}, "`cell`", id="2d-cell-on-chain"),
        pytest.param(Square(3), {"cell": GRUCell(4)}, "`cell`", id="1d-cell-on-square"),
        pytest.param(
            Chain(10), {"cell": GRUCell(4, dtype="float64")}, "`cell`", id="cell-dtype-mismatch"
        ),
        pytest.param(Chain(10), {"cell": GRUCell(4), "units": 8}, "`units`", id="units-vs-cell"),
        pytest.param(Chain(10), {"units": 0}, "`units`", id="units-zero"),
        pytest.param(Chain(10), {"units": 2.5}, "`units`", id="units-float"),
        pytest.param(Chain(10), {"depth": 0}, "`depth`", id="depth-zero"),
        pytest.param(Chain(10), {"depth": "2"}, "`depth`", id="depth-string"),
        pytest.param(Chain(10), {"phase": "yes"}, "`phase`", id="phase-not-bool"),
        pytest.param(Chain(10), {"dtype": "float16"}, "`dtype`", id="dtype-float16"),
        pytest.param(Chain(10), {"dtype": "int32"}, "`dtype`", id="dtype-int"),
        pytest.param(Chain(10), {"magnetization": 0.5}, "`magnetization`", id="m-half-on-10"),
        pytest.param(Chain(10), {"magnetization": 5.5}, "`magnetization`", id="m-above-n/2"),
        pytest.param(Chain(10), {"magnetization": -6}, "`magnetization`", id="m-below-n/2"),
        pytest.param(Chain(10), {"magnetization": 0.25}, "`magnetization`", id="m-not-half"),
        pytest.param(Square(3), {"magnetization": 1}, "`magnetization`", id="m-int-on-9"),
        pytest.param(Chain(10), {"magnetization": "0"}, "`magnetization`", id="m-string"),
        pytest.param(Chain(10), {"magnetization": float("nan")}, "`magnetization`", id="m-nan"),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_them(lattice, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        RNNWavefunction(lattice, **kwargs)


def test_lattice_must_be_a_lattice():
    with pytest.raises(ValueError, match="`lattice`"):
        RNNWavefunction("chain")


@pytest.mark.parametrize(
    "configs",
    [
        pytest.param(np.zeros((3, 5), np.int32), id="wrong-n-sites"),
        pytest.param(np.zeros((6,), np.int32), id="rank-1"),
        pytest.param(np.zeros((3, 6), np.float32), id="float"),
    ],
)
def test_bad_configurations_raise_a_value_error(configs):
    model = RNNWavefunction(Chain(6), units=2)
    with pytest.raises(ValueError, match="`configs`"):
        model.log_prob(configs)


def test_magnetization_limits_are_accepted():
    assert RNNWavefunction(Chain(4), units=2, magnetization=2).magnetization == 2
    assert RNNWavefunction(Square(3), units=2, magnetization=-4.5).magnetization == -4.5
