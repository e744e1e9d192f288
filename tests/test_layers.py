"""Tests of the recurrent cells and output heads in `kerasnqs.layers`."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from kerasnqs import layers

CELL_CASES = [
    pytest.param(layers.VanillaRNNCell, {"activation": "tanh"}, id="vanilla"),
    pytest.param(layers.VanillaRNNCell, {"activation": "elu"}, id="vanilla-elu"),
    pytest.param(layers.GRUCell, {}, id="gru"),
    pytest.param(layers.MDRNNCell, {"activation": "tanh"}, id="md-rnn"),
    pytest.param(layers.MDGRUCell, {}, id="md-gru"),
    pytest.param(layers.TensorizedGRUCell, {}, id="tensorized-gru"),
]


@pytest.fixture(autouse=True)
def fixed_seed():
    """Fixes the weight initialization of every test."""
    keras.utils.set_random_seed(0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def random_inputs(cell_class, units, batch=5, seed=0):
    """One-hot-like inputs `(batch, 2 * n_neighbors)` and neighbour states for a cell."""
    rng = np.random.default_rng(seed)
    n = cell_class.n_neighbors
    inputs = rng.integers(0, 2, (batch, 2 * n)).astype("float32")
    states = [rng.normal(size=(batch, units)).astype("float32") for _ in range(n)]
    return inputs, states


def weights(layer):
    return {w.path.split("/")[-1]: w.numpy() for w in layer.weights}


def test_vanilla_cell_computes_f_of_w_h_plus_v_sigma_plus_b():
    cell = layers.VanillaRNNCell(6, activation="tanh")
    inputs, states = random_inputs(layers.VanillaRNNCell, 6)
    h = cell(inputs, states)
    w = weights(cell)
    expected = np.tanh(states[0] @ w["recurrent_kernel"] + inputs @ w["kernel"] + w["bias"])
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)


def test_md_rnn_cell_reads_the_concatenated_horizontal_and_vertical_states():
    cell = layers.MDRNNCell(6)
    inputs, states = random_inputs(layers.MDRNNCell, 6)
    h = cell(inputs, states)
    w = weights(cell)
    h_cat = np.concatenate(states, axis=-1)
    expected = np.tanh(h_cat @ w["recurrent_kernel"] + inputs @ w["kernel"] + w["bias"])
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)


def test_gru_cell_applies_the_reset_gate_after_the_matmul():
    units = 5
    cell = layers.GRUCell(units)
    inputs, states = random_inputs(layers.GRUCell, units)
    cell.build(inputs.shape)
    rng = np.random.default_rng(1)
    for weight in cell.weights:  # nonzero biases, so the convention matters
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    h = cell(inputs, states)
    w = weights(cell)
    x_z, x_r, x_h = np.split(inputs @ w["kernel"] + w["bias"], 3, axis=-1)
    h_z, h_r, h_h = np.split(states[0] @ w["recurrent_kernel"] + w["recurrent_bias"], 3, axis=-1)
    z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    expected = z * states[0] + (1 - z) * np.tanh(x_h + r * h_h)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)


def test_md_gru_cell_carries_a_projection_of_both_neighbour_states():
    units = 4
    cell = layers.MDGRUCell(units)
    inputs, states = random_inputs(layers.MDGRUCell, units)
    h = cell(inputs, states)
    w = weights(cell)
    h_cat = np.concatenate(states, axis=-1)
    from_states = h_cat @ w["recurrent_kernel"]
    x_z, x_r, x_h = np.split(inputs @ w["kernel"] + w["bias"], 3, axis=-1)
    h_z, h_r, h_h = np.split(from_states[:, : 3 * units] + w["recurrent_bias"], 3, axis=-1)
    carry = from_states[:, 3 * units :]
    z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    expected = z * carry + (1 - z) * np.tanh(x_h + r * h_h)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell_class, kwargs", CELL_CASES)
def test_cell_maps_inputs_and_neighbor_states_to_a_state_of_size_units(cell_class, kwargs):
    cell = cell_class(7, **kwargs)
    inputs, states = random_inputs(cell_class, 7, batch=3)
    assert tuple(cell(inputs, states).shape) == (3, 7)


@pytest.mark.parametrize("cell_class, kwargs", CELL_CASES)
def test_cell_config_round_trips(cell_class, kwargs):
    cell = cell_class(7, name="my_cell", **kwargs)
    inputs, states = random_inputs(cell_class, 7)
    expected = cell(inputs, states)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(cell))
    assert type(clone) is cell_class
    assert clone.get_config() == cell.get_config()
    assert clone.built  # from the build config saved with the layer
    clone.set_weights(cell.get_weights())
    np.testing.assert_allclose(clone(inputs, states), expected, rtol=1e-6)


@pytest.mark.parametrize("cell_class, kwargs", CELL_CASES)
def test_cell_runs_in_float64(cell_class, kwargs):
    cell = cell_class(3, dtype="float64", **kwargs)
    inputs, states = random_inputs(cell_class, 3)
    h = cell(inputs.astype("float64"), [s.astype("float64") for s in states])
    assert keras.backend.standardize_dtype(h.dtype) == "float64"


def test_cells_declare_their_neighbour_count():
    assert layers.VanillaRNNCell.n_neighbors == layers.GRUCell.n_neighbors == 1
    assert layers.MDRNNCell.n_neighbors == layers.MDGRUCell.n_neighbors == 2
    assert layers.TensorizedGRUCell.n_neighbors == 2


@pytest.mark.parametrize(
    "layer_class",
    [
        layers.RNNCell,
        layers.VanillaRNNCell,
        layers.GRUCell,
        layers.MDRNNCell,
        layers.MDGRUCell,
        layers.TensorizedGRUCell,
        layers.SoftmaxHead,
        layers.SoftsignHead,
    ],
    ids=lambda c: c.__name__,
)
def test_layers_are_registered_under_the_kerasnqs_package(layer_class):
    assert keras.saving.get_registered_name(layer_class) == f"kerasnqs>{layer_class.__name__}"


@pytest.mark.parametrize("units", [0, -3, 2.5, True, "8"], ids=repr)
def test_cell_rejects_bad_units(units):
    with pytest.raises(ValueError, match="`units`"):
        layers.GRUCell(units)


def test_base_cell_call_must_be_implemented():
    cell = layers.RNNCell(2)
    with pytest.raises(NotImplementedError, match="call"):
        cell(ops.zeros((1, 2)), [ops.zeros((1, 2))])


def test_softmax_head_gives_probabilities_and_their_log_and_logits():
    head = layers.SoftmaxHead()
    hidden = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    probabilities = ops.convert_to_numpy(head(hidden))
    w = weights(head)
    logits = hidden @ w["kernel"] + w["bias"]
    np.testing.assert_allclose(
        ops.convert_to_numpy(head.logits(hidden)), logits, rtol=1e-5, atol=1e-6
    )
    expected = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-6)
    log_probabilities = ops.convert_to_numpy(head.log_probabilities(hidden))
    np.testing.assert_allclose(log_probabilities, np.log(expected), rtol=1e-5, atol=1e-6)


def test_softmax_head_log_probabilities_stay_finite_where_probabilities_underflow():
    head = layers.SoftmaxHead()
    head.build((None, 1))
    head.set_weights([np.array([[1.0, -1.0]], "float32"), np.zeros(2, "float32")])
    log_probabilities = ops.convert_to_numpy(head.log_probabilities(np.array([[200.0]], "float32")))
    assert np.all(np.isfinite(log_probabilities))
    np.testing.assert_allclose(log_probabilities[0, 1], -400.0, rtol=1e-5)


def test_softsign_head_gives_pi_softsign_phases_in_the_open_interval():
    head = layers.SoftsignHead()
    hidden = 50.0 * np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    phases = ops.convert_to_numpy(head(hidden))
    w = weights(head)
    pre = hidden @ w["kernel"] + w["bias"]
    np.testing.assert_allclose(phases, math.pi * pre / (1 + np.abs(pre)), rtol=1e-5, atol=1e-6)
    assert phases.shape == (6, 2)
    assert np.all(np.abs(phases) < math.pi)


def test_softsign_head_has_second_derivatives():
    head = layers.SoftsignHead()
    hidden = tf.Variable(np.random.default_rng(0).normal(size=(3, 4)).astype("float32"))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            phases = tf.reduce_sum(head(hidden))
        gradient = tf.reduce_sum(inner.gradient(phases, hidden) ** 2)
    second = outer.gradient(gradient, hidden)
    assert second is not None
    assert np.all(np.isfinite(second.numpy()))


@pytest.mark.parametrize("head_class", [layers.SoftmaxHead, layers.SoftsignHead], ids=str)
def test_head_config_round_trips(head_class):
    head = head_class(name="head", dtype="float64")
    clone = head_class.from_config(head.get_config())
    assert clone.get_config() == head.get_config()
