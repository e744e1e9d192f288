"""The interface every normalized, exactly sampleable wavefunction implements."""

import keras
import numpy as np
from keras import ops

from kerasnqs import compiled, spins, validation
from kerasnqs import lattice as lattice_lib
from kerasnqs.hilbert import SpinHalf
from kerasnqs.models import autoregressive_loops as loops

DTYPES = ("float32", "float64")
"""The float dtypes a wavefunction computes in."""


def validate_dtype(dtype):
    """Returns `"float32"` or `"float64"` for a dtype name, numpy/TF dtype or dtype policy.

    Args:
        dtype: a name, a dtype object, a `keras.DTypePolicy` or its serialized dict.

    Returns:
        The name, one of `DTYPES`.

    Raises:
        ValueError: naming `dtype`, for anything else.
    """
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name")
    name = getattr(dtype, "name", dtype)
    if isinstance(name, str) and name in DTYPES:
        return name
    raise ValueError(f"`dtype` must be one of {DTYPES}, got {dtype!r}.")


class Wavefunction(keras.Model):
    """Base class of normalized wavefunctions that can be sampled exactly.

    A subclass represents `psi(sigma) = sqrt(P(sigma)) * exp(i * phi(sigma))` with
    `sum_sigma P(sigma) = 1`, over spin configurations `sigma` given as integer tensors
    of shape `(batch, n_sites)` with values in `{0, 1}` (0 is spin up, 1 is spin down).

    Subclasses implement `log_prob(configs)` and `sample(n_samples, seed)`, and override
    `log_psi` when `is_complex`. Calling the model on configurations returns `log_psi`.

    The model also fits data: `compile(optimizer=...)` with no loss trains by maximum
    likelihood, minimizing the mean of `-log P(sigma)` over the configurations passed as
    `fit(x=configs)` (quantum-state reconstruction from measurement snapshots).

    Args:
        lattice: the `kerasnqs.lattice.Lattice` the spins live on.
        **kwargs: passed to `keras.Model` (for example `name` or `dtype`).
    """

    def __init__(self, lattice, **kwargs):
        super().__init__(**kwargs)
        if isinstance(lattice, dict):
            lattice = lattice_lib.from_config(lattice)
        if not isinstance(lattice, lattice_lib.Lattice):
            raise ValueError(
                f"`lattice` must be a kerasnqs.lattice.Lattice, got {type(lattice).__name__}."
            )
        self.lattice = lattice
        self._compiled_functions = {}

    @property
    def n_sites(self):
        """The number of spins."""
        return self.lattice.n_sites

    @property
    def hilbert(self):
        """The `kerasnqs.hilbert.SpinHalf` the amplitudes live on.

        The whole space of `n_sites` spins here; a model confined to a sector of total
        `S^z` returns that sector. Exact references (`kerasnqs.exact`) and operator
        matrices (`PauliSum.to_sparse`) take it, so that all three share one space.
        """
        return SpinHalf(self.n_sites)

    @property
    def is_complex(self):
        """True when `log_psi` is complex (the state carries a phase)."""
        return False

    def describe(self, brief=False):
        """Returns a short human description of the model.

        Subclasses that know their structure override it; the base class gives the
        class name. The full form is the one stored in zoo metadata, the brief form the
        one in plot titles.

        Args:
            brief: True for the compact form of plot titles, such as
                `RNN (gru, 32 units)`; False (default) for a phrase such as
                `GRU RNN wavefunction, 32 units`.

        Returns:
            A str.

        Example:

        >>> from kerasnqs.lattice import Chain
        >>> from kerasnqs.models import RNNWavefunction
        >>> RNNWavefunction(Chain(6), units=8).describe()
        'GRU RNN wavefunction, 8 units'
        >>> RNNWavefunction(Chain(6), units=8).describe(brief=True)
        'RNN (gru, 8 units)'
        """
        return type(self).__name__

    def log_prob(self, configs):
        """Returns `log P(sigma)` for a batch of configurations, shape `(batch,)`."""
        raise NotImplementedError

    def log_psi(self, configs):
        """Returns `log psi(sigma)`: `0.5 * log P(sigma)` for a positive state."""
        return 0.5 * self.log_prob(configs)

    def log_psi_of_flips(self, configs, flip_masks):
        """Returns `log psi` of every configuration with the sites of each mask flipped.

        This is what local energies need: entry `[b, k]` is
        `log_psi(configs[b] XOR flip_masks[k])`. The default evaluates all of them with
        `log_psi`; autoregressive models override it to reuse the work shared with
        `configs[b]` (everything before the first flipped site).

        Args:
            configs: integer tensor `(batch, n_sites)`.
            flip_masks: a numpy array `(K, n_sites)` of 0s and 1s, fixed in advance
                (for example `operator.flip_masks`).

        Returns:
            A tensor `(batch, K)` of the dtype of `log_psi`.
        """
        flip_masks = ops.convert_to_tensor(self._validate_flip_masks(flip_masks))
        configs = ops.cast(configs, "int32")
        connected = ops.abs(configs[:, None, :] - flip_masks[None, :, :])
        flat = ops.reshape(connected, (-1, self.n_sites))
        return ops.reshape(self.log_psi(flat), (-1, flip_masks.shape[0]))

    def _validate_flip_masks(self, flip_masks):
        """`flip_masks` as an int32 numpy array of shape `(K, n_sites)`, or a `ValueError`."""
        flip_masks = np.asarray(flip_masks, dtype=np.int32)
        if flip_masks.ndim != 2 or flip_masks.shape[1] != self.n_sites:
            raise ValueError(
                f"`flip_masks` must have shape (K, {self.n_sites}), got {flip_masks.shape}."
            )
        return flip_masks

    def _validate_configs(self, configs):
        """Checks the shape, dtype and 0/1 values of `configs`; returns them as int32."""
        return ops.cast(spins.check_spins(configs, self.n_sites), "int32")

    @staticmethod
    def _validate_n_samples(n_samples):
        """Returns `n_samples` as an int, or a `ValueError` unless it is an int >= 1."""
        return validation.sample_count("n_samples", n_samples, minimum=1)

    def _compiled(self, key, fn, jit_compile=False):
        """Returns `fn`, or when executing eagerly a `tf.function` of it cached under `key`.

        Subclasses run their public methods through this, so that eager calls trace
        once per input signature and calls inside a `tf.function` are traced in place.
        """
        if not loops.executing_eagerly():
            return fn
        return self._cached_function(key, fn, jit_compile)

    def _cached_function(self, key, fn, jit_compile=False):
        """The `tf.function` of `fn` cached under `key`, made on the first call."""
        if key not in self._compiled_functions:
            self._compiled_functions[key] = compiled.function(
                fn, jit_compile, reduce_retracing=True
            )
        return self._compiled_functions[key]

    def sample(self, n_samples, seed):
        """Draws exact samples; returns `(configs, log_psi)` of shapes `(n, n_sites)`, `(n,)`."""
        raise NotImplementedError

    def call(self, configs):
        return self.log_psi(configs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self.loss is not None:
            return super().compute_loss(x, x if y is None else y, y_pred, sample_weight, training)
        nll = -2.0 * ops.real(y_pred)  # y_pred is log_psi, and log P = 2 Re log_psi
        if sample_weight is not None:
            nll = nll * ops.cast(sample_weight, nll.dtype)
        return ops.mean(nll)

    def get_config(self):
        config = super().get_config()
        config["lattice"] = self.lattice.get_config()
        return config
