"""A one-dimensional mixture of Gaussians, fitted by maximum likelihood with Keras."""

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from keras import ops

from kerasnqs import seeds, validation

tfd = tfp.distributions


@keras.saving.register_keras_serializable(package="kerasnqs")
class GaussianMixture(keras.Model):
    """A mixture of `n_components` Gaussians on the real line, trained by maximum likelihood.

    The model holds three plain Keras weights of shape `(n_components,)`: the mixture
    logits, the means and the log-scales. From them it builds a TFP
    `MixtureSameFamily` of `Normal`s (see `distribution()`); calling the model on data
    returns `log p(x)`. Compiled without a loss, `fit(x=data)` minimizes the mean
    negative log-likelihood of the data, so `compile(optimizer=...)` is all it needs.

    Before its first `fit` the model initializes itself from the training data (like
    Keras' `adapt`): the means go to evenly spaced quantiles of the data, every scale to
    the standard deviation of the data divided by `n_components`, and the weights are
    equal. Call `initialize_from_data(data)` to do this explicitly. A model built with
    `from_parameters` (or `hand_picked_guess`) counts as initialized and trains from the
    given parameters. A fresh, uninitialized model has its means spread evenly over
    `[-1, 1]`, unit scales and equal weights.

    Keras spends tens of milliseconds per epoch re-iterating numpy data, which dominates
    a full-batch step on 100 points. For thousands of full-batch steps, pass
    `tf.data.Dataset.from_tensors(data).repeat()` with `steps_per_epoch=S` and compile
    with `steps_per_execution=S`: the `S` steps then run in one graph call.

    Mathematical details:

    With weights `pi_k = softmax(logits)_k`, means `mu_k` and scales
    `sigma_k = exp(log_scales_k)` (the exponential keeps every scale positive and makes
    gradient steps relative changes of the width),

        p(x) = sum_k pi_k N(x; mu_k, sigma_k^2),
        N(x; mu, sigma^2) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)),

    and training minimizes `-(1/n) sum_i log p(x_i)` over the data `x_1 .. x_n`.

    Args:
        n_components: the number of Gaussians, an integer >= 1. Defaults to 2.
        **kwargs: passed to `keras.Model` (for example `name`, or `dtype="float64"`).

    Example:

    >>> import keras
    >>> from kerasnqs.baselines import GaussianMixture
    >>> from kerasnqs.datasets import two_gaussians
    >>> data = two_gaussians()
    >>> guess = GaussianMixture.hand_picked_guess()
    >>> model = GaussianMixture(n_components=2)
    >>> model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05))
    >>> history = model.fit(x=data, batch_size=100, epochs=20, verbose=0)
    >>> nll_learned = -float(keras.ops.mean(model.log_prob(data)))
    >>> nll_guess = -float(keras.ops.mean(guess.log_prob(data)))
    >>> nll_learned < nll_guess
    True
    >>> samples = model.sample(1000, seed=0)
    >>> tuple(samples.shape)
    (1000,)
    """

    def __init__(self, n_components=2, **kwargs):
        super().__init__(**kwargs)
        self.n_components = validation.integer("n_components", n_components)
        shape = (self.n_components,)
        self.mixture_logits = self.add_weight(
            shape=shape, initializer="zeros", name="mixture_logits"
        )
        self.locs = self.add_weight(
            shape=shape,
            initializer=keras.initializers.Constant(_evenly_spaced(self.n_components)),
            name="locs",
        )
        self.log_scales = self.add_weight(shape=shape, initializer="zeros", name="log_scales")
        self.is_initialized = self.add_weight(
            shape=(), initializer="zeros", dtype="bool", trainable=False, name="is_initialized"
        )
        self.built = True

    @classmethod
    def from_parameters(cls, means, scales, weights=None, **kwargs):
        """Builds a mixture with the given means, scales and weights.

        Args:
            means: the component means, a sequence of `n_components` finite numbers.
            scales: the component standard deviations, positive, same length.
            weights: the mixture weights, positive and summing to 1, same length.
                Defaults to equal weights.
            **kwargs: passed to the constructor (for example `name` or `dtype`).

        Returns:
            A `GaussianMixture`, marked initialized so that `fit` starts from these
            parameters.

        Example:

        >>> from kerasnqs.baselines import GaussianMixture
        >>> model = GaussianMixture.from_parameters([-1.0, 1.0], [0.5, 0.5], [0.25, 0.75])
        >>> model.means.numpy()
        array([-1.,  1.], dtype=float32)
        >>> model.mixture_weights.numpy().round(3)
        array([0.25, 0.75], dtype=float32)
        """
        means = _as_parameter_vector("means", means)
        scales = _as_parameter_vector("scales", scales, size=len(means))
        if np.any(scales <= 0):
            raise ValueError(f"`scales` must all be positive, got {scales.tolist()}.")
        if weights is None:
            weights = np.full(len(means), 1.0 / len(means))
        weights = _as_parameter_vector("weights", weights, size=len(means))
        if np.any(weights <= 0) or abs(weights.sum() - 1.0) > 1e-6:
            raise ValueError(
                f"`weights` must be positive and sum to 1, got {weights.tolist()} "
                f"(sum {weights.sum()})."
            )
        model = cls(n_components=len(means), **kwargs)
        model._set_parameters(means, scales, weights)
        return model

    @classmethod
    def hand_picked_guess(cls, **kwargs):
        """The two-Gaussian guess of the course page, to compare with a trained model.

        Reading the histogram of `kerasnqs.datasets.two_gaussians()`, the course guesses
        means `(-0.3, 0.6)`, scales `(0.2, 0.2)` and equal weights.

        Args:
            **kwargs: passed to the constructor (for example `name` or `dtype`).

        Returns:
            A two-component `GaussianMixture` holding the guess.

        Example:

        >>> from kerasnqs.baselines import GaussianMixture
        >>> guess = GaussianMixture.hand_picked_guess()
        >>> guess.means.numpy().round(3), guess.scales.numpy().round(3)
        (array([-0.3,  0.6], dtype=float32), array([0.2, 0.2], dtype=float32))
        """
        return cls.from_parameters(means=(-0.3, 0.6), scales=(0.2, 0.2), **kwargs)

    def initialize_from_data(self, data):
        """Sets the parameters from the data, the way the first `fit` does.

        Component `k` (of `K`) gets its mean at the `(k + 1/2) / K` quantile of the data,
        its scale at `std(data) / K` (1 if the data have no spread), and weight `1 / K`.

        Args:
            data: the training samples, an array of shape `(n,)` or `(n, 1)`, n >= 1,
                with finite values.

        Returns:
            The model itself.

        Example:

        >>> from kerasnqs.baselines import GaussianMixture
        >>> model = GaussianMixture(n_components=2)
        >>> model = model.initialize_from_data([0.0, 1.0, 2.0, 3.0, 4.0])
        >>> model.means.numpy()
        array([1., 3.], dtype=float32)
        """
        data = _validate_samples("data", data)
        k = self.n_components
        means = np.quantile(data, (np.arange(k) + 0.5) / k)
        spread = data.std()
        scale = spread / k if spread > 0 else 1.0
        self._set_parameters(means, np.full(k, scale), np.full(k, 1.0 / k))
        return self

    @property
    def mixture_weights(self):
        """The mixture weights `pi_k`, a tensor of shape `(n_components,)`."""
        return ops.softmax(ops.convert_to_tensor(self.mixture_logits))

    @property
    def means(self):
        """The component means `mu_k`, a tensor of shape `(n_components,)`."""
        return ops.convert_to_tensor(self.locs)

    @property
    def scales(self):
        """The component standard deviations `sigma_k`, a tensor of shape `(n_components,)`."""
        return ops.exp(ops.convert_to_tensor(self.log_scales))

    def distribution(self):
        """Returns the mixture as a TFP `MixtureSameFamily` of `Normal` distributions."""
        return tfd.MixtureSameFamily(
            mixture_distribution=tfd.Categorical(logits=ops.convert_to_tensor(self.mixture_logits)),
            components_distribution=tfd.Normal(loc=self.means, scale=self.scales),
        )

    def log_prob(self, x):
        """Returns `log p(x)`, shape `(n,)`, for samples `x` of shape `(n,)` or `(n, 1)`."""
        return self.distribution().log_prob(self._as_points(x))

    def prob(self, x):
        """Returns the density `p(x)`, shape `(n,)`, for `x` of shape `(n,)` or `(n, 1)`."""
        return ops.exp(self.log_prob(x))

    def sample(self, n, seed):
        """Draws `n` samples, shape `(n,)`; the same `seed` gives the same samples.

        Args:
            n: the number of samples, an integer >= 1.
            seed: an int, or an integer tensor of shape `(2,)`, used as a stateless seed.

        Returns:
            A tensor of shape `(n,)` in the model's dtype.
        """
        n = validation.integer("n", n)
        return self.distribution().sample(n, seed=seeds.tfp_seed(seed))

    def call(self, x):
        return self.log_prob(x)

    def fit(self, x=None, y=None, **kwargs):
        """Trains by maximum likelihood; initializes from `x` first if needed.

        Takes the arguments of `keras.Model.fit`. If the model is not yet initialized,
        `initialize_from_data` runs first on `x` (on the first batch when `x` is a
        `tf.data.Dataset`).
        """
        if isinstance(x, tf.data.Dataset):
            if not bool(self.is_initialized.numpy()):
                first = next(iter(x))
                self.initialize_from_data(first[0] if isinstance(first, tuple) else first)
        else:
            x = _validate_samples("x", x)
            if not bool(self.is_initialized.numpy()):
                self.initialize_from_data(x)
        return super().fit(x=x, y=y, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self.loss is not None:
            return super().compute_loss(x, y, y_pred, sample_weight, training)
        nll = -y_pred
        if sample_weight is not None:
            nll = nll * ops.cast(ops.reshape(sample_weight, ops.shape(nll)), nll.dtype)
        return ops.mean(nll)

    def get_config(self):
        config = super().get_config()
        config["n_components"] = self.n_components
        return config

    def _set_parameters(self, means, scales, weights):
        """Assigns means, scales and weights (numpy arrays) to the underlying weights."""
        self.locs.assign(np.asarray(means, dtype=self.locs.dtype))
        self.log_scales.assign(np.log(scales).astype(self.log_scales.dtype))
        self.mixture_logits.assign(np.log(weights).astype(self.mixture_logits.dtype))
        self.is_initialized.assign(True)

    def _as_points(self, x):
        """Casts `x` to the model's dtype and flattens `(n, 1)` to `(n,)`."""
        x = ops.cast(x, self.compute_dtype)
        shape = tuple(x.shape)
        if len(shape) == 2 and shape[1] == 1:
            return ops.squeeze(x, axis=1)
        if len(shape) != 1:
            raise ValueError(f"`x` must have shape (n,) or (n, 1), got shape {shape}.")
        return x


def _evenly_spaced(k):
    """`k` means spread evenly over [-1, 1] (0 for one component): the default weights."""
    return np.linspace(-1.0, 1.0, k) if k > 1 else np.zeros(1)


def _validate_samples(name, data):
    """Returns one-dimensional data as a float64 numpy array of shape `(n,)`, or raises."""
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"`{name}` must be an array of numbers, got {type(data).__name__}.") from (
            error
        )
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"`{name}` must have shape (n,) or (n, 1), got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"`{name}` must hold at least one sample, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)][:3].tolist()
        raise ValueError(f"`{name}` must hold finite values only, got {bad}.")
    return array


def _as_parameter_vector(name, values, size=None):
    """Returns `values` as a finite float64 vector (of length `size`), or raises."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0 or (size is not None and array.size != size):
        expected = f"length {size}" if size is not None else "at least one entry"
        raise ValueError(f"`{name}` must be a 1D sequence of {expected}, got {values!r}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` must be finite, got {values!r}.")
    return array
