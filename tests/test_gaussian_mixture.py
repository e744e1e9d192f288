import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import special, stats

from kerasnqs.baselines import GaussianMixture
from kerasnqs.datasets import two_gaussians

FIT_STEPS = 1000
FIT_LEARNING_RATE = 0.02


def mixture_log_density(x, means, scales, weights):
    """log p(x) of a Gaussian mixture, written out with numpy and scipy."""
    x = np.asarray(x, dtype=np.float64)[:, None]
    log_components = stats.norm.logpdf(x, loc=means, scale=scales) + np.log(weights)
    return special.logsumexp(log_components, axis=1)


def em_optimum_nll(x, n_components=2, restarts=100, iterations=300, seed=0):
    """The lowest mean negative log-likelihood EM finds over many random restarts.

    All restarts run at once as a batch of shape (restarts, n_samples, n_components).
    The likelihood of a mixture is unbounded when a component shrinks onto a single
    sample; restarts that end in such a degenerate solution (a component narrower than
    0.01 or explaining fewer than 3 samples) are discarded.
    """
    rng = np.random.default_rng(seed)
    n = len(x)
    means = rng.choice(x, size=(restarts, n_components))
    scales = x.std() * rng.uniform(0.2, 1.0, size=(restarts, n_components))
    weights = rng.dirichlet(np.ones(n_components), size=restarts)
    points = x[None, :, None]
    for _ in range(iterations):
        log_joint = np.log(weights)[:, None, :] + stats.norm.logpdf(
            points, loc=means[:, None, :], scale=scales[:, None, :]
        )
        log_px = special.logsumexp(log_joint, axis=2, keepdims=True)
        responsibilities = np.exp(log_joint - log_px)
        counts = np.maximum(responsibilities.sum(axis=1), 1e-12)
        weights = counts / n
        means = (responsibilities * points).sum(axis=1) / counts
        variances = (responsibilities * (points - means[:, None, :]) ** 2).sum(axis=1) / counts
        scales = np.sqrt(np.maximum(variances, 1e-12))
    log_joint = np.log(weights)[:, None, :] + stats.norm.logpdf(
        points, loc=means[:, None, :], scale=scales[:, None, :]
    )
    nll = -special.logsumexp(log_joint, axis=2).mean(axis=1)
    proper = (scales.min(axis=1) > 0.01) & (counts.min(axis=1) > 3)
    return float(nll[proper & np.isfinite(nll)].min())


def mean_nll(model, data):
    return -float(np.mean(model.log_prob(data).numpy()))


@pytest.fixture(scope="module")
def data():
    return two_gaussians()


@pytest.fixture(scope="module")
def em_nll(data):
    return em_optimum_nll(data)


@pytest.fixture(scope="module")
def fitted(data):
    """A two-component mixture trained by full-batch Adam, the loop compiled in one graph."""
    keras.utils.set_random_seed(0)
    model = GaussianMixture(n_components=2)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=FIT_LEARNING_RATE),
        steps_per_execution=FIT_STEPS,
    )
    full_batch = tf.data.Dataset.from_tensors(data).repeat()
    model.fit(full_batch, steps_per_epoch=FIT_STEPS, epochs=1, shuffle=False, verbose=0)
    return model


def test_fit_reaches_the_maximum_likelihood_found_by_em(data, fitted, em_nll):
    assert mean_nll(fitted, data) == pytest.approx(em_nll, abs=1e-3)


def test_default_adam_converges_within_4000_full_batch_steps(data, em_nll):
    model = GaussianMixture(n_components=2)
    model.compile(optimizer="adam", steps_per_execution=4000)
    full_batch = tf.data.Dataset.from_tensors(data).repeat()
    model.fit(full_batch, steps_per_epoch=4000, epochs=1, shuffle=False, verbose=0)
    assert mean_nll(model, data) == pytest.approx(em_nll, abs=1e-3)


def test_fit_beats_the_hand_picked_guess(data, fitted):
    assert mean_nll(fitted, data) < mean_nll(GaussianMixture.hand_picked_guess(), data) - 0.1


def test_evaluate_returns_the_mean_negative_log_likelihood(data, fitted):
    loss = fitted.evaluate(data, batch_size=len(data), verbose=0)
    assert loss == pytest.approx(mean_nll(fitted, data), abs=1e-5)


def test_first_fit_initializes_from_the_data(data):
    model = GaussianMixture(n_components=2)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0))
    model.fit(x=data, batch_size=len(data), epochs=1, verbose=0)
    np.testing.assert_allclose(model.means.numpy(), np.quantile(data, [0.25, 0.75]), rtol=1e-6)
    np.testing.assert_allclose(model.scales.numpy(), [data.std() / 2] * 2, rtol=1e-6)
    np.testing.assert_allclose(model.mixture_weights.numpy(), [0.5, 0.5], rtol=1e-6)


def test_fit_starts_from_given_parameters():
    model = GaussianMixture.hand_picked_guess()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0))
    model.fit(x=two_gaussians(), batch_size=100, epochs=1, verbose=0)
    np.testing.assert_allclose(model.means.numpy(), [-0.3, 0.6], rtol=1e-6)
    np.testing.assert_allclose(model.scales.numpy(), [0.2, 0.2], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_prob_matches_the_mixture_formula(dtype):
    means, scales, weights = [-1.0, 0.5, 2.0], [0.3, 0.8, 0.5], [0.2, 0.5, 0.3]
    model = GaussianMixture.from_parameters(means, scales, weights, dtype=dtype)
    x = np.linspace(-3.0, 4.0, 57)
    expected = mixture_log_density(x, means, scales, weights)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(model.log_prob(x).numpy(), expected, rtol=rtol)
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=rtol)


def test_log_prob_accepts_n_by_1_samples():
    model = GaussianMixture.hand_picked_guess()
    x = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_array_equal(model.log_prob(x[:, None]).numpy(), model.log_prob(x).numpy())


def test_density_integrates_to_one(fitted):
    x = np.linspace(-6.0, 6.0, 24001)
    assert np.trapezoid(fitted.prob(x).numpy(), x) == pytest.approx(1.0, abs=1e-5)


def test_samples_follow_the_mixture_cdf():
    means, scales, weights = np.array([-1.0, 0.5]), np.array([0.3, 0.8]), np.array([0.3, 0.7])
    model = GaussianMixture.from_parameters(means, scales, weights)
    samples = model.sample(5000, seed=1).numpy()

    def cdf(x):
        return stats.norm.cdf(np.asarray(x)[:, None], loc=means, scale=scales) @ weights

    assert stats.kstest(samples, cdf).pvalue > 0.01


@pytest.mark.parametrize("mode", ["eager", "tf_function"])
def test_same_seed_gives_the_same_samples(mode):
    model = GaussianMixture.hand_picked_guess()
    sample = model.sample if mode == "eager" else tf.function(model.sample, reduce_retracing=True)
    seed = tf.constant([3, 4])
    np.testing.assert_array_equal(sample(100, seed=seed), sample(100, seed=seed))
    np.testing.assert_array_equal(model.sample(100, seed=7), model.sample(100, seed=7))
    assert not np.array_equal(model.sample(100, seed=7), model.sample(100, seed=8))


def test_get_config_round_trips():
    model = GaussianMixture(n_components=3, name="mixture", dtype="float64")
    clone = GaussianMixture.from_config(model.get_config())
    assert clone.n_components == 3
    assert clone.name == "mixture"
    assert clone.locs.dtype == "float64"


def test_keras_file_round_trips(tmp_path, data, fitted):
    path = str(tmp_path / "mixture.keras")
    fitted.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, GaussianMixture)
    assert bool(loaded.is_initialized.numpy())
    np.testing.assert_array_equal(loaded.log_prob(data).numpy(), fitted.log_prob(data).numpy())


@pytest.mark.parametrize("bad", [0, -1, 2.5, "2", True, None])
def test_bad_n_components_is_rejected(bad):
    with pytest.raises(ValueError, match="n_components"):
        GaussianMixture(n_components=bad)


@pytest.mark.parametrize(
    "bad,problem",
    [
        (np.zeros(0), "at least one sample"),
        (np.array([0.1, np.nan, 0.3]), "finite"),
        (np.array([0.1, np.inf]), "finite"),
        (np.zeros((5, 2)), r"shape \(n,\) or \(n, 1\)"),
        (np.zeros((5, 1, 1)), r"shape \(n,\) or \(n, 1\)"),
        (["a", "b"], "numbers"),
    ],
    ids=["empty", "nan", "inf", "two_columns", "rank_3", "strings"],
)
def test_bad_training_data_is_rejected(bad, problem):
    model = GaussianMixture()
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match=f"`x` .*{problem}"):
        model.fit(x=bad, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=f"`data` .*{problem}"):
        model.initialize_from_data(bad)


def test_log_prob_rejects_two_columns():
    with pytest.raises(ValueError, match="`x` must have shape"):
        GaussianMixture().log_prob(np.zeros((4, 2)))


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"means": [0.0, 1.0], "scales": [1.0, -1.0]}, "scales"),
        ({"means": [0.0, 1.0], "scales": [1.0]}, "scales"),
        ({"means": [], "scales": []}, "means"),
        ({"means": [0.0, np.nan], "scales": [1.0, 1.0]}, "means"),
        ({"means": [0.0, 1.0], "scales": [1.0, 1.0], "weights": [0.3, 0.6]}, "weights"),
        ({"means": [0.0, 1.0], "scales": [1.0, 1.0], "weights": [1.0, 0.0]}, "weights"),
    ],
    ids=["negative_scale", "short_scales", "empty", "nan_mean", "sum_not_one", "zero_weight"],
)
def test_bad_parameters_are_rejected(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        GaussianMixture.from_parameters(**kwargs)


@pytest.mark.parametrize(
    "n,seed,name",
    [(0, 1, "n"), (2.5, 1, "n"), (10, 1.5, "seed"), (10, [1, 2, 3], "seed"), (10, True, "seed")],
)
def test_bad_sample_arguments_are_rejected(n, seed, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        GaussianMixture().sample(n, seed=seed)
