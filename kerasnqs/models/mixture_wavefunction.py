"""A positive wavefunction whose probabilities are a mixture of product distributions."""

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from keras import ops

from kerasnqs import seeds
from kerasnqs.lattice.lattice import validate_size
from kerasnqs.models.wavefunction import Wavefunction, validate_dtype

tfd = tfp.distributions


@keras.saving.register_keras_serializable(package="kerasnqs")
class MixtureWavefunction(Wavefunction):
    """A positive wavefunction `psi = sqrt(P)`, `P` a mixture of independent-spin states.

    Component `k` of `n_components` is a product of one Bernoulli distribution per
    site, with its own probability for each spin to point down; `P` mixes the
    components with learnable weights. The distribution is a TFP `MixtureSameFamily` of
    `Independent(Bernoulli)` built from two plain Keras weights, `mixture_logits` of
    shape `(n_components,)` and `spin_logits` of shape `(n_components, n_sites)`, so it
    is exactly normalized and sampled exactly. It is a simple, transparent baseline
    for the autoregressive models: it sums to one, samples in one shot, and its
    conditionals can be compared with an RNN's.

    Initialization: equal mixture weights, and spin logits drawn from a normal
    distribution with standard deviation 1 (through Keras' seeded initializers, so
    `keras.utils.set_random_seed` makes it reproducible), so that components differ.

    Mathematical details:

    With weights `pi_k = softmax(mixture_logits)_k` and
    `p_ki = sigmoid(spin_logits_ki)`, the probability that site `i` is down in
    component `k`,

        P(sigma) = sum_k pi_k prod_i p_ki^sigma_i (1 - p_ki)^(1 - sigma_i),
        psi(sigma) = sqrt(P(sigma)).

    The conditionals follow the lattice's autoregressive order: with `s_<i` the spins
    at the sites visited before site `i`, the posterior weight of component `k` is
    `w_k(s_<i) = pi_k P_k(s_<i) / sum_k' pi_k' P_k'(s_<i)`, and

        P(sigma_i = 1 | s_<i) = sum_k w_k(s_<i) p_ki,

    whose product along the order is `P(sigma)`.

    Args:
        lattice: the `kerasnqs.lattice.Lattice` the spins live on.
        n_components: the number of product states mixed, an integer >= 1.
            Defaults to 8.
        dtype: `"float32"` (default) or `"float64"`, for weights and computations.
        **kwargs: passed to `keras.Model` (for example `name`).

    Example:

    >>> import numpy as np
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import MixtureWavefunction
    >>> model = MixtureWavefunction(Chain(4), n_components=3)
    >>> every_config = (np.arange(16)[:, None] >> np.arange(4)[::-1]) & 1
    >>> round(float(np.exp(model.log_prob(every_config)).sum()), 5)
    1.0
    >>> configs, log_psi = model.sample(5, seed=0)
    >>> tuple(configs.shape), configs.dtype.name, tuple(log_psi.shape)
    ((5, 4), 'int32', (5,))
    >>> tuple(model.conditionals(configs).shape)
    (5, 4, 2)
    """

    def __init__(self, lattice, n_components=8, dtype="float32", **kwargs):
        dtype = validate_dtype(dtype)
        super().__init__(lattice, dtype=dtype, **kwargs)
        self.n_components = validate_size("n_components", n_components, minimum=1)
        self.mixture_logits = self.add_weight(
            shape=(self.n_components,), initializer="zeros", name="mixture_logits"
        )
        self.spin_logits = self.add_weight(
            shape=(self.n_components, self.n_sites),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            name="spin_logits",
        )
        self._order = np.asarray(self.lattice.order, dtype=np.int32)
        self._site_of_step = np.argsort(self._order).astype(np.int32)
        self.built = True

    def distribution(self):
        """Returns `P` as a TFP `MixtureSameFamily` over int32 configurations `(n_sites,)`."""
        spins = tfd.Independent(
            tfd.Bernoulli(logits=ops.convert_to_tensor(self.spin_logits), dtype=tf.int32),
            reinterpreted_batch_ndims=1,
        )
        weights = tfd.Categorical(logits=ops.convert_to_tensor(self.mixture_logits))
        return tfd.MixtureSameFamily(mixture_distribution=weights, components_distribution=spins)

    def log_prob(self, configs):
        """Returns `log P(sigma)`, shape `(batch,)`.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order, values in
                `{0, 1}`.
        """
        return self.distribution().log_prob(self._validate_configs(configs))

    def sample(self, n_samples, seed):
        """Draws exact samples and their `log_psi`.

        Args:
            n_samples: the number of configurations, a Python int >= 1.
            seed: an int or an integer tensor of shape `(2,)`; the same seed gives the
                same samples.

        Returns:
            `(configs, log_psi)`: int32 `(n_samples, n_sites)` in site order, and
            `(n_samples,)` in the model's dtype.
        """
        n_samples = self._validate_n_samples(n_samples)
        distribution = self.distribution()
        configs = distribution.sample(n_samples, seed=_as_tfp_seed(seed))
        return configs, 0.5 * distribution.log_prob(configs)

    def conditionals(self, configs):
        """Returns the conditional probabilities `(batch, n_sites, 2)`, indexed by site.

        Entry `[b, i, s]` is the probability that site `i` holds spin `s` given the
        spins of `configs[b]` at the sites visited before `i` (those earlier in
        `lattice.order`, the natural order on a `Chain`). Each row sums to one.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
        """
        configs = self._validate_configs(configs)
        by_step = _product_mixture_conditionals(
            log_weights=ops.log_softmax(ops.convert_to_tensor(self.mixture_logits)),
            logits=ops.take(ops.convert_to_tensor(self.spin_logits), self._order, axis=1),
            spins=ops.cast(ops.take(configs, self._order, axis=1), self.compute_dtype),
        )
        return ops.take(by_step, self._site_of_step, axis=1)

    def describe(self, brief=False):
        """Returns the number of components, such as `mixture of 8 components`.

        Args:
            brief: True for the plot-title form (see `Wavefunction.describe`).

        Returns:
            A str.

        Example:

        >>> from kerasnqs.lattice import Chain
        >>> MixtureWavefunction(Chain(6), n_components=3).describe()
        'mixture of 3 product states'
        >>> MixtureWavefunction(Chain(6), n_components=3).describe(brief=True)
        'mixture of 3 components'
        """
        if brief:
            return f"mixture of {self.n_components} components"
        return f"mixture of {self.n_components} product states"

    def get_config(self):
        config = super().get_config()
        config.update({"n_components": self.n_components, "dtype": self.dtype_policy.name})
        return config


def _product_mixture_conditionals(log_weights, logits, spins):
    """The conditionals of a mixture of product Bernoullis, in the order of its columns.

    Args:
        log_weights: log mixture weights, shape `(k,)`.
        logits: logits of value 1 per component and position, shape `(k, n)`.
        spins: the given values as floats, shape `(batch, n)`.

    Returns:
        `P(x_t = s | x_<t)` of shape `(batch, n, 2)`, `s = 0, 1` along the last axis.
    """
    log_one = -ops.softplus(-logits)
    log_zero = -ops.softplus(logits)
    spins = spins[:, None, :]
    log_given = spins * log_one + (1.0 - spins) * log_zero
    log_joint_before = log_weights[None, :, None] + _exclusive_cumsum(log_given)
    log_evidence = ops.logsumexp(log_joint_before, axis=1)
    log_conditionals = [
        ops.logsumexp(log_joint_before + log_value[None], axis=1) - log_evidence
        for log_value in (log_zero, log_one)
    ]
    return ops.exp(ops.stack(log_conditionals, axis=-1))


def _exclusive_cumsum(x):
    """Sums over the last axis of everything strictly before each position."""
    zeros = ops.zeros_like(x[..., :1])
    return ops.concatenate([zeros, ops.cumsum(x[..., :-1], axis=-1)], axis=-1)


def _as_tfp_seed(seed):
    """Returns `seed` (an int or an integer tensor of shape `(2,)`) as a TFP stateless seed.

    An int `n` stands for the seed `(n, 0)`, as in the other models. TFP wants an int32
    pair; it is drawn statelessly from the int64 seed, so every bit of the seed counts.
    """
    return tf.random.stateless_uniform(
        [2], seed=seeds.as_seed(seed), minval=None, maxval=None, dtype=tf.int32
    )
