"""Tests of `RNNWavefunction.sample`: exactness, seeds, and compiled use."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import make_model, sampler_p_value

from kerasnqs.lattice import Chain, Square
from kerasnqs.models import RNNWavefunction


@pytest.mark.parametrize(
    "lattice, kwargs",
    [
        pytest.param(Chain(6), {}, id="chain6"),
        pytest.param(Chain(6), {"cell": "vanilla", "magnetization": 0}, id="chain6-m0"),
        pytest.param(Square(3, 2), {"depth": 2, "magnetization": -1}, id="square3x2-m-1"),
    ],
)
def test_sample_frequencies_match_the_probabilities(lattice, kwargs):
    model = make_model(lattice, units=6, scale=0.5, **kwargs)
    p_value = sampler_p_value(model, 200_000, seed=2024)
    assert p_value > 1e-3


@pytest.mark.parametrize(
    "lattice, kwargs",
    [
        pytest.param(Chain(12), {}, id="chain-real"),
        pytest.param(Chain(12), {"phase": True, "magnetization": 1}, id="chain-complex-m1"),
        pytest.param(Square(4, 3), {"phase": True, "depth": 2}, id="square-complex"),
        pytest.param(Square(3), {"dtype": "float64", "magnetization": 0.5}, id="square-float64"),
    ],
)
def test_sample_log_psi_equals_log_psi_of_the_samples(lattice, kwargs):
    model = make_model(lattice, units=5, **kwargs)
    configs, log_psi = model.sample(256, seed=3)
    assert configs.dtype == tf.int32
    assert configs.shape == (256, lattice.n_sites)
    assert log_psi.dtype == model.log_psi(configs).dtype
    np.testing.assert_allclose(log_psi.numpy(), model.log_psi(configs).numpy(), atol=1e-4)
    magnetization = kwargs.get("magnetization")
    if magnetization is not None:
        n_down = configs.numpy().sum(axis=1)
        np.testing.assert_array_equal(n_down, lattice.n_sites / 2 - magnetization)


def test_samples_are_in_site_order():
    # A vanilla cell whose softmax ignores the state and favours "down" at every step:
    # the spin of the last step, and only that one, is forced up by the magnetization.
    lattice = Square(3, 2)
    model = RNNWavefunction(lattice, cell="vanilla", units=2, magnetization=-2)
    model.probability_head.kernel.assign(np.zeros((2, 2)))
    model.probability_head.bias.assign([-30.0, 30.0])
    configs, _ = model.sample(5, seed=0)
    expected = np.ones(lattice.n_sites, np.int32)
    expected[lattice.order[-1]] = 0
    np.testing.assert_array_equal(configs.numpy(), np.repeat(expected[None], 5, axis=0))


@pytest.fixture(scope="module")
def chain_model():
    return make_model(Chain(10), units=4, phase=True)


def test_the_same_seed_gives_the_same_samples(chain_model):
    first, first_log_psi = chain_model.sample(64, seed=11)
    second, second_log_psi = chain_model.sample(64, seed=11)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    np.testing.assert_array_equal(first_log_psi.numpy(), second_log_psi.numpy())
    as_tensor, _ = chain_model.sample(64, seed=tf.constant([11, 0]))
    np.testing.assert_array_equal(as_tensor.numpy(), first.numpy())


def test_different_seeds_give_different_samples(chain_model):
    first, _ = chain_model.sample(64, seed=11)
    assert not np.array_equal(first.numpy(), chain_model.sample(64, seed=12)[0].numpy())
    other = chain_model.sample(64, seed=tf.constant([11, 1], tf.int64))[0]
    assert not np.array_equal(first.numpy(), other.numpy())


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_sample_runs_inside_a_compiled_function(chain_model, jit_compile):
    @tf.function(jit_compile=jit_compile)
    def sample_and_evaluate(seed):
        configs, log_psi = chain_model.sample(64, seed)
        return configs, log_psi, chain_model.log_psi(configs)

    seed = tf.constant([11, 0], tf.int64)
    configs, log_psi, recomputed = sample_and_evaluate(seed)
    np.testing.assert_allclose(log_psi.numpy(), recomputed.numpy(), atol=1e-5)
    eager_configs, _ = chain_model.sample(64, seed=11)
    np.testing.assert_array_equal(configs.numpy(), eager_configs.numpy())


def test_sampling_gradient_flows_through_a_jit_compiled_training_step():
    model = make_model(Chain(8), units=4, magnetization=0)
    optimizer = keras.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=True)
    def train_step(seed):
        configs, _ = model.sample(32, seed)
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(model.log_prob(configs))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return loss, configs

    loss, configs = train_step(tf.constant([1, 2], tf.int64))
    assert np.isfinite(loss.numpy())
    np.testing.assert_array_equal(configs.numpy().sum(axis=1), 4)


@pytest.mark.parametrize(
    "n_samples, seed",
    [
        pytest.param(0, 1, id="zero-samples"),
        pytest.param(2.0, 1, id="float-samples"),
        pytest.param(4, "one", id="string-seed"),
        pytest.param(4, [1, 2, 3], id="seed-of-length-3"),
        pytest.param(4, tf.constant([1.0, 2.0]), id="float-seed"),
        pytest.param(4, True, id="bool-seed"),
    ],
)
def test_bad_sample_arguments_raise_a_value_error_naming_them(chain_model, n_samples, seed):
    argument = "`n_samples`" if not isinstance(n_samples, int) or n_samples < 1 else "`seed`"
    with pytest.raises(ValueError, match=argument):
        chain_model.sample(n_samples, seed)
