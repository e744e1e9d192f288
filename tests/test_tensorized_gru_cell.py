"""Tests of `TensorizedGRUCell` and of `RNNWavefunction(cell="tensor-gru")`."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import (
    all_configurations,
    assert_log_psi_and_gradients_match_reference,
    jacobian,
    make_model,
    sampler_p_value,
)

import kerasnqs
from kerasnqs.exact import exact_energy, expectation
from kerasnqs.hilbert import SpinHalf
from kerasnqs.lattice import Chain, Square
from kerasnqs.layers import TensorizedGRUCell
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import Heisenberg
from kerasnqs.vmc import SR, log_derivatives

UP, DOWN = [1.0, 0.0], [0.0, 1.0]


def random_weights(cell, rng, scale=0.5):
    for weight in cell.weights:
        weight.assign(scale * rng.normal(size=weight.shape))


def formula(cell, inputs, states):
    """The docstring's formula in numpy, with `T`, `G` read off `kernel` as documented."""
    w = {weight.path.split("/")[-1]: weight.numpy() for weight in cell.weights}
    x = inputs if "input_projection" not in w else inputs @ w["input_projection"]
    h = np.concatenate(states, axis=-1)
    units = cell.units
    tensors = w["kernel"].reshape(x.shape[-1], 2 * units, 2 * units)
    t, g = tensors[..., :units], tensors[..., units:]
    b, b_g = w["bias"][:units], w["bias"][units:]
    candidate = np.tanh(np.einsum("bk,bj,kjo->bo", x, h, t) + b)
    update = 1.0 / (1.0 + np.exp(-(np.einsum("bk,bj,kjo->bo", x, h, g) + b_g)))
    return update * candidate + (1.0 - update) * (h @ w["merge_kernel"])


# --- the cell --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "input_dim, input_features",
    [
        pytest.param(4, 4, id="first-layer-spins"),
        pytest.param(5, 4, id="deeper-layer-projected"),
        pytest.param(5, 5, id="deeper-layer-full-tensor"),
    ],
)
def test_cell_computes_the_documented_formula(input_dim, input_features):
    # Catches a Kronecker product whose index order differs from the documented layout
    # of `kernel`, swapped candidate and gate halves, or a gate applied to the wrong term.
    rng = np.random.default_rng(0)
    cell = TensorizedGRUCell(5, input_features=input_features, dtype="float64")
    inputs = rng.normal(size=(6, input_dim))
    states = [rng.normal(size=(6, 5)) for _ in range(2)]
    cell(inputs, states)
    random_weights(cell, rng)
    np.testing.assert_allclose(cell(inputs, states), formula(cell, inputs, states), rtol=1e-12)


@pytest.mark.parametrize(
    "input_dim, input_features, expected",
    [
        pytest.param(4, 4, 18 * 6**2 + 2 * 6, id="first-layer"),
        pytest.param(6, 4, 18 * 6**2 + 2 * 6 + 6 * 4, id="deeper-layer-projected"),
        pytest.param(6, 6, 4 * 6 * 6**2 + 2 * 6**2 + 2 * 6, id="deeper-layer-full-tensor"),
    ],
)
def test_parameter_count_is_4_f_units_squared_plus_2_units_squared_plus_2_units(
    input_dim, input_features, expected
):
    cell = TensorizedGRUCell(6, input_features=input_features)
    cell.build((None, input_dim))
    assert cell.count_params() == expected


def test_spins_select_the_matrix_applied_to_the_neighbour_states():
    # With the update gate saturated at 1, atanh(h_new) - b = x . T . h is linear in h,
    # and its Jacobian with respect to h_left is the matrix the spins select. A cell
    # that concatenates spins and states (MDGRUCell, or this one with the spins' weights
    # ignored) adds the spins to that pre-activation: its Jacobian cannot depend on them.
    rng = np.random.default_rng(1)
    units = 3
    cell = TensorizedGRUCell(units, dtype="float64")
    h_left, h_up = rng.normal(scale=0.3, size=(2, 1, units))
    cell(np.zeros((1, 4)), [h_left, h_up])
    random_weights(cell, rng)
    bias = cell.bias.numpy()
    cell.bias.assign(np.concatenate([bias[:units], np.full(units, 40.0)]))  # u = 1

    def matrix_on_h_left(sigma_left):
        inputs = tf.constant([sigma_left + UP])
        h_left_var = tf.constant(h_left)
        with tf.GradientTape() as tape:
            tape.watch(h_left_var)
            logits = tf.atanh(cell(inputs, [h_left_var, tf.constant(h_up)])) - bias[:units]
        return tape.jacobian(logits, h_left_var)[0, :, 0, :].numpy().T

    t = cell.kernel.numpy().reshape(4, 2 * units, 2 * units)[:, :units, :units]
    when_up, when_down = matrix_on_h_left(UP), matrix_on_h_left(DOWN)
    np.testing.assert_allclose(when_up, t[0] + t[2], rtol=1e-9)
    np.testing.assert_allclose(when_down, t[1] + t[2], rtol=1e-9)
    assert np.abs(when_up - when_down).max() > 0.1


def test_cell_config_round_trips_input_features():
    cell = TensorizedGRUCell(4, input_features=7, name="tensorized", dtype="float64")
    clone = TensorizedGRUCell.from_config(cell.get_config())
    assert clone.get_config() == cell.get_config()
    assert clone.input_features == 7


@pytest.mark.parametrize("value", [0, 2.5, "4", True])
def test_bad_input_features_raise_a_value_error_naming_them(value):
    with pytest.raises(ValueError, match="`input_features`"):
        TensorizedGRUCell(4, input_features=value)


# --- the wavefunction ------------------------------------------------------------------


NORMALIZATION_CASES = [
    pytest.param(Square(3), {}, id="square3x3"),
    pytest.param(Square(3), {"magnetization": 0.5, "depth": 2}, id="square3x3-m0.5-deep"),
    pytest.param(Square(3), {"phase": True, "magnetization": -1.5}, id="square3x3-phase-m-1.5"),
    pytest.param(Square(3, 2), {"phase": True, "magnetization": 0}, id="square3x2-phase-m0"),
]


@pytest.mark.parametrize("lattice, kwargs", NORMALIZATION_CASES)
def test_log_prob_sums_to_one_over_all_configurations(lattice, kwargs):
    # Catches a cell that reads a later step's spin or state (the product of
    # conditionals is then not a distribution) and a magnetization mask it breaks.
    model = make_model(lattice, cell="tensor-gru", units=5, **kwargs)
    log_prob = model.log_prob(all_configurations(lattice.n_sites)).numpy()
    assert np.exp(log_prob.astype(np.float64)).sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    "lattice, kwargs",
    [
        pytest.param(Square(2), {}, id="square2x2"),
        pytest.param(Square(3, 2), {"depth": 2, "magnetization": -1}, id="square3x2-deep-m-1"),
    ],
)
def test_sample_frequencies_match_the_probabilities(lattice, kwargs):
    # Chi-square over every configuration, 200 000 samples, p > 1e-3: catches a sampler
    # whose cell reads other spins than `log_prob` does (sampling runs its own loop).
    model = make_model(lattice, cell="tensor-gru", units=5, scale=0.5, **kwargs)
    assert sampler_p_value(model, 200_000, seed=2024) > 1e-3


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_log_psi_and_gradients_match_a_plain_loop_when_compiled(jit_compile):
    model = make_model(Square(3, 2), cell="tensor-gru", units=4, depth=2, phase=True,
                       dtype="float64")  # fmt: skip
    configs = all_configurations(6)[::5]
    assert_log_psi_and_gradients_match_reference(model, configs, jit_compile=jit_compile)


@pytest.mark.parametrize(
    "lattice, kwargs",
    [
        pytest.param(Square(2, 3), {"phase": True}, id="square-complex"),
        pytest.param(Square(2, 3), {"depth": 2, "magnetization": 0}, id="square-deep-m0"),
    ],
)
def test_log_derivatives_equal_per_sample_tape_gradients(lattice, kwargs):
    # Catches a weight that skips kerasnqs.layers.per_sample (SR refuses it) or a probe
    # taken on a reshaped copy of `kernel` (its derivatives would then be wrong or zero).
    model = make_model(lattice, cell="tensor-gru", units=3, dtype="float64", **kwargs)
    configs, _ = model.sample(6, seed=3)
    np.testing.assert_allclose(
        log_derivatives(model, configs).numpy(), jacobian(model, configs), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param("tensor-gru", id="by-name"),
        pytest.param(TensorizedGRUCell(4, input_features=3), id="instance-input-features-3"),
    ],
)
def test_keras_file_round_trip_gives_identical_log_psi(tmp_path, cell):
    units = 4 if isinstance(cell, str) else None
    model = make_model(Square(3, 2), cell=cell, units=units, depth=2, phase=True)
    configs = all_configurations(6)
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    assert json.dumps(restored.get_config()) == json.dumps(model.get_config())
    assert all(type(c) is TensorizedGRUCell for c in restored.cells)
    np.testing.assert_array_equal(restored.log_psi(configs).numpy(), model.log_psi(configs).numpy())


def test_tensor_gru_on_a_chain_raises_a_value_error_naming_the_cell_and_lattice():
    with pytest.raises(ValueError, match="'tensor-gru'.*Chain"):
        RNNWavefunction(Chain(4), cell="tensor-gru")


def test_sr_training_lowers_the_heisenberg_energy_of_the_2x2_square():
    # Exact <H> before and after 20 steps of SR + SGD 0.1, 200 samples. Measured: relative
    # error 0.27 at the start, 9e-4 after 10 steps, 1e-5 after 20 (about 20 s on a shared
    # 2-core CPU, mostly tracing; XLA would add about 10 s).
    square = Square(2)
    hamiltonian = Heisenberg(square, marshall_sign=True)
    exact, _ = exact_energy(hamiltonian, SpinHalf(hamiltonian.n_sites, magnetization=0))
    model = RNNWavefunction(square, cell="tensor-gru", units=8, magnetization=0)
    start = expectation(model, hamiltonian)
    vmc = kerasnqs.VMC(model, hamiltonian, n_samples=200, seed=1,
                       preconditioner=SR(diag_shift=1e-3))  # fmt: skip
    vmc.compile(optimizer=keras.optimizers.SGD(0.1), jit_compile=False)  # XLA: tested above
    vmc.fit(epochs=1, steps_per_epoch=20, verbose=0)
    end = expectation(model, hamiltonian)
    assert start - exact > 0.1 * abs(exact), (start, exact)
    assert end - exact < 1e-2 * abs(exact), (start, end, exact)
