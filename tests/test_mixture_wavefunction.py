import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from kerasnqs.lattice import Chain, Square
from kerasnqs.models import MixtureWavefunction

LATTICES = [pytest.param(Chain(6), id="chain"), pytest.param(Square(3, 2), id="square")]


def all_configurations(n_sites):
    """Every configuration of `n_sites` spins, shape (2**n_sites, n_sites), int32."""
    codes = np.arange(2**n_sites)[:, None]
    return ((codes >> np.arange(n_sites)[::-1]) & 1).astype(np.int32)


def make_model(lattice, seed=0, **kwargs):
    keras.utils.set_random_seed(seed)
    return MixtureWavefunction(lattice, **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_prob_sums_to_one_over_all_configurations(dtype):
    model = make_model(Chain(10), dtype=dtype)
    log_prob = model.log_prob(all_configurations(10)).numpy()
    assert log_prob.dtype == dtype
    assert np.exp(log_prob.astype(np.float64)).sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("lattice", LATTICES)
def test_conditionals_multiply_to_the_probability(lattice):
    model = make_model(lattice, dtype="float64")
    configs = all_configurations(lattice.n_sites)
    conditionals = model.conditionals(configs).numpy()
    chosen = np.take_along_axis(conditionals, configs[..., None], axis=2)[..., 0]
    np.testing.assert_allclose(chosen.prod(axis=1), np.exp(model.log_prob(configs)), rtol=1e-10)


@pytest.mark.parametrize("lattice", LATTICES)
def test_conditionals_sum_to_one(lattice):
    model = make_model(lattice)
    conditionals = model.conditionals(all_configurations(lattice.n_sites)).numpy()
    assert conditionals.shape == (2**lattice.n_sites, lattice.n_sites, 2)
    np.testing.assert_allclose(conditionals.sum(axis=-1), 1.0, atol=1e-6)


def test_first_conditional_is_the_marginal_of_the_first_site():
    model = make_model(Chain(6), dtype="float64")
    configs = all_configurations(6)
    p_first_down = np.exp(model.log_prob(configs).numpy())[configs[:, 0] == 1].sum()
    np.testing.assert_allclose(model.conditionals(configs)[:, 0, 1], p_first_down, rtol=1e-10)


def test_conditionals_do_not_depend_on_later_spins():
    model = make_model(Chain(6))
    configs = all_configurations(6)
    flipped_last = configs.copy()
    flipped_last[:, -1] ^= 1
    np.testing.assert_array_equal(
        model.conditionals(configs), model.conditionals(flipped_last).numpy()
    )


def test_sampling_frequencies_match_probabilities():
    model = make_model(Chain(6), dtype="float64")
    n_samples = 100_000
    configs, _ = model.sample(n_samples, seed=0)
    codes = configs.numpy() @ (2 ** np.arange(6)[::-1])
    observed = np.bincount(codes, minlength=64)
    probabilities = np.exp(model.log_prob(all_configurations(6)).numpy())
    expected = n_samples * probabilities / probabilities.sum()
    assert expected.min() > 5, "the chi-square test needs at least 5 expected counts per cell"
    assert stats.chisquare(observed, expected).pvalue > 0.001


def test_sample_returns_int32_configurations_and_their_log_psi():
    model = make_model(Chain(6))
    configs, log_psi = model.sample(50, seed=3)
    assert configs.dtype == tf.int32
    assert configs.shape == (50, 6)
    assert set(np.unique(configs.numpy())) <= {0, 1}
    np.testing.assert_allclose(log_psi, model(configs), rtol=1e-6)
    np.testing.assert_allclose(log_psi, 0.5 * model.log_prob(configs).numpy(), rtol=1e-6)


@pytest.mark.parametrize("seed", [7, tf.constant([7, 0], tf.int64)], ids=["int", "tensor"])
def test_same_seed_gives_the_same_samples_eagerly_and_in_a_tf_function(seed):
    model = make_model(Chain(6))
    sample = tf.function(lambda s: model.sample(200, seed=s)[0])
    eager = model.sample(200, seed=seed)[0].numpy()
    np.testing.assert_array_equal(eager, model.sample(200, seed=seed)[0])
    np.testing.assert_array_equal(eager, sample(tf.constant([7, 0], tf.int64)))
    assert not np.array_equal(eager, model.sample(200, seed=8)[0])


def test_sample_inside_a_tf_function_with_a_traced_seed():
    model = make_model(Chain(6))

    @tf.function
    def mean_log_psi(seed):
        configs, log_psi = model.sample(64, seed=seed)
        return tf.reduce_mean(log_psi), configs

    value, configs = mean_log_psi(tf.constant([1, 2], tf.int64))
    assert configs.dtype == tf.int32
    assert value.numpy() == pytest.approx(float(np.mean(model(configs))), rel=1e-6)


def test_components_differ_at_initialization():
    model = make_model(Chain(6))
    logits = model.spin_logits.numpy()
    assert np.unique(logits, axis=0).shape[0] == model.n_components


def test_initialization_follows_the_keras_seed():
    first = make_model(Chain(6), seed=5)
    second = make_model(Chain(6), seed=5)
    np.testing.assert_array_equal(first.spin_logits.numpy(), second.spin_logits.numpy())


def test_get_config_round_trips():
    model = MixtureWavefunction(Square(3, 2), n_components=5, dtype="float64", name="mix")
    clone = MixtureWavefunction.from_config(model.get_config())
    assert clone.lattice == Square(3, 2)
    assert clone.n_components == 5
    assert clone.get_config() == model.get_config()
    assert clone.spin_logits.dtype == "float64"


def test_keras_file_round_trips(tmp_path):
    model = make_model(Chain(6), n_components=4, dtype="float64")
    path = str(tmp_path / "mixture.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, MixtureWavefunction)
    configs = all_configurations(6)
    np.testing.assert_array_equal(loaded.log_prob(configs), model.log_prob(configs))
    np.testing.assert_array_equal(loaded.sample(20, seed=1)[0], model.sample(20, seed=1)[0])


def test_weights_file_round_trips(tmp_path):
    model = make_model(Chain(6), seed=1)
    path = str(tmp_path / "mixture.weights.h5")
    model.save_weights(path)
    other = make_model(Chain(6), seed=2)
    other.load_weights(path)
    configs = all_configurations(6)
    np.testing.assert_array_equal(other.log_prob(configs), model.log_prob(configs))


def test_maximum_likelihood_fit_lowers_the_loss():
    neel = np.array([[0, 1, 0, 1, 0, 1], [1, 0, 1, 0, 1, 0]], dtype=np.int32)
    snapshots = np.repeat(neel, 200, axis=0)
    model = make_model(Chain(6), n_components=4)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05))
    before = -float(np.mean(model.log_prob(snapshots)))
    history = model.fit(x=snapshots, batch_size=100, epochs=10, verbose=0)
    after = -float(np.mean(model.log_prob(snapshots)))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert after < before - 1.0


@pytest.mark.parametrize("bad", [0, -2, 2.5, "8", True, None])
def test_bad_n_components_is_rejected(bad):
    with pytest.raises(ValueError, match="`n_components`"):
        MixtureWavefunction(Chain(4), n_components=bad)


@pytest.mark.parametrize("bad", ["float16", "int32", "mixed_float16", None])
def test_bad_dtype_is_rejected(bad):
    with pytest.raises(ValueError, match="`dtype`"):
        MixtureWavefunction(Chain(4), dtype=bad)


def test_bad_lattice_is_rejected():
    with pytest.raises(ValueError, match="`lattice`"):
        MixtureWavefunction(6)


@pytest.mark.parametrize(
    "configs",
    [np.zeros((3, 5), np.int32), np.zeros(4, np.int32), np.zeros((3, 4), np.float32)],
    ids=["wrong_n_sites", "rank_1", "float"],
)
def test_bad_configs_are_rejected(configs):
    model = MixtureWavefunction(Chain(4))
    with pytest.raises(ValueError, match="`configs`"):
        model.log_prob(configs)
    with pytest.raises(ValueError, match="`configs`"):
        model.conditionals(configs)


@pytest.mark.parametrize(
    "n_samples,seed,name",
    [
        (0, 1, "n_samples"),
        (2.5, 1, "n_samples"),
        (10, 1.5, "seed"),
        (10, [1, 2, 3], "seed"),
        (10, True, "seed"),
        (10, tf.constant([0.5, 1.0]), "seed"),
    ],
)
def test_bad_sample_arguments_are_rejected(n_samples, seed, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        MixtureWavefunction(Chain(4)).sample(n_samples, seed=seed)
