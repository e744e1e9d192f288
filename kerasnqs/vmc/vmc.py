"""Variational Monte Carlo training of a wavefunction, as a Keras model."""

import inspect
import sys

import keras
import numpy as np
import tensorflow as tf

from kerasnqs import operators as operators_lib
from kerasnqs import seeds, validation
from kerasnqs.models.wavefunction import Wavefunction
from kerasnqs.vmc import distributed
from kerasnqs.vmc import memory_budget as memory_budget_lib
from kerasnqs.vmc.estimate import estimate
from kerasnqs.vmc.local_estimator import local_values
from kerasnqs.vmc.reduction import OneDevice, Replicas
from kerasnqs.vmc.sign_problem import warn_if_unrepresentable


@keras.saving.register_keras_serializable(package="kerasnqs")
class VMC(keras.Model):
    """Trains a wavefunction towards the ground state of a Hamiltonian.

    Each training step draws `n_samples` exact samples from the wavefunction, computes
    their local energies and the energy gradient, turns the gradient into an update
    with the `preconditioner` if there is one (for example stochastic reconfiguration,
    `kerasnqs.vmc.SR`), and applies the optimizer to it. `fit` needs no
    data: it shows the usual Keras progress bar, returns a `History` with `energy`,
    `energy_error` and `variance` per epoch (means over the epoch's steps) and `loss`, the
    objective being minimized (the energy, or the free energy while annealing), and
    works with the standard callbacks (`ModelCheckpoint`, `CSVLogger`, `EarlyStopping`,
    `ReduceLROnPlateau`, `LearningRateScheduler`, `TensorBoard`, ...). Callbacks that
    monitor `loss` know to minimize it; monitoring `energy` needs `mode="min"`.

    Mathematical details:

    The energy `E = <E_loc>` is estimated by the mean of the local energies
    `E_loc(sigma) = sum_sigma' H[sigma, sigma'] psi(sigma') / psi(sigma)` over samples of
    `|psi|^2`. Its gradient, with the mean energy as baseline, is
    `dE/dtheta = 2 Re < d(log psi)^*/dtheta (E_loc - <E_loc>) >`.
    With a temperature `T > 0` (variational annealing, see `AnnealingScheduler`) the
    model minimizes the free energy `F = <E_loc> + T <log P>`, whose gradient adds
    `T < d(log P)/dtheta (log P - <log P>) >`.

    The step is written once for one device and for the replicas of a `tf.distribute`
    strategy (a VMC created in `strategy.scope()`): a reduction
    (`kerasnqs.vmc.reduction.OneDevice` or `Replicas`) says where the samples live, so
    that every mean over samples is a mean over all of them (see
    `kerasnqs.vmc.distributed` and `docs/distributed.md`).

    A step whose energy or gradient is not finite is not applied: training stops with a
    `FloatingPointError` naming the step, and the weights stay those of the last good
    step.

    Args:
        wavefunction: the `kerasnqs.models.Wavefunction` to train.
        hamiltonian: the operator whose ground state is sought (a
            `kerasnqs.operators.PauliSum` or subclass) on the same number of sites.
        n_samples: samples per training step, an integer >= 2 (the step's error bar
            and variance need two). Defaults to 500.
        chunk_size: the largest number of connected configurations whose amplitudes are
            evaluated at once; bounds the memory of the local energies. `"auto"` (the
            default) chooses it from `memory_budget`, for training and for `estimate`
            alike; an integer >= 1 is used as given; `None` evaluates them all together.
        memory_budget: the working memory allowed to the local energies, in bytes or as a
            size such as `"2GB"`; `None` (the default) for
            `kerasnqs.vmc.memory_budget.DEFAULT_MEMORY_BUDGET` (1 GiB). Used only when
            `chunk_size="auto"`.
        seed: an integer in `[0, 2**63)`; the same seed gives the same training history
            on CPU.
        preconditioner: `None` (the optimizer gets the gradient) or a preconditioner
            such as `kerasnqs.vmc.SR(diag_shift=1e-3)`: an object with two methods.
            Each step calls `linear_system(wavefunction, configs, local_objective,
            reduction)` with the step's samples, their `eps = E_loc + T log P` and a
            reduction (`kerasnqs.vmc.reduction`) whose `gather`, `mean` and `sum` take
            the system's sums and means over all the samples, on one device or across
            the replicas of a strategy, and whose `local` compiles per-sample work; it
            returns the system, the same on every replica. Then `solve(system, step,
            variables)` returns one update tensor per trainable weight, outside XLA.
            Defaults to `None`.
        **kwargs: passed to `keras.Model`.

    Example:

    >>> import keras
    >>> import kerasnqs
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> chain = Chain(6)
    >>> vmc = kerasnqs.VMC(RNNWavefunction(chain, units=8), TFIM(chain, h=1.0), n_samples=64)
    >>> vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    >>> history = vmc.fit(epochs=2, steps_per_epoch=5, verbose=0)
    >>> sorted(history.history)
    ['energy', 'energy_error', 'loss', 'variance']
    """

    def __init__(
        self,
        wavefunction,
        hamiltonian,
        n_samples=500,
        chunk_size="auto",
        seed=0,
        memory_budget=None,
        preconditioner=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(wavefunction, dict):
            wavefunction = keras.saving.deserialize_keras_object(wavefunction)
        if isinstance(hamiltonian, dict):
            hamiltonian = operators_lib.from_config(hamiltonian)
        if isinstance(preconditioner, dict):
            preconditioner = keras.saving.deserialize_keras_object(preconditioner)
        _validate(wavefunction, hamiltonian, n_samples, seed)
        _validate_preconditioner(preconditioner)
        self.preconditioner = preconditioner
        warn_if_unrepresentable(wavefunction, hamiltonian)
        self.wavefunction = wavefunction
        self.hamiltonian = hamiltonian
        self.n_samples = int(n_samples)
        self._chunk_size_setting = memory_budget_lib.validate_chunk_size(chunk_size)
        self._memory_budget_setting = memory_budget
        self.memory_budget = memory_budget_lib.parse_memory_budget(memory_budget)
        self.seed = int(seed)
        self._base_seed = seeds.as_seed(self.seed)
        self.temperature = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="temperature"
        )
        self.nonfinite_step = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(-1),
            dtype="int64",
            trainable=False,
            name="nonfinite_step",
        )
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.energy_tracker = keras.metrics.Mean(name="energy")
        self.variance_tracker = keras.metrics.Mean(name="variance")
        if not wavefunction.built:
            wavefunction(np.zeros((1, wavefunction.n_sites), dtype="int32"))
        if distributed.strategy_of(self) is not None:
            distributed.check_mirrored(wavefunction, distributed.strategy_of(self))
        self.built = True  # every variable exists now, so Keras can save and load them.

    @property
    def chunk_size(self):
        """The chunk size of the training step's local energies (an int, or `None`).

        The `chunk_size` given to the constructor, or for `"auto"` the one
        `kerasnqs.vmc.memory_budget.chunk_size_for` chooses for `n_samples` within
        `memory_budget` (with XLA when the model was compiled with `jit_compile=True`).
        """
        return memory_budget_lib.resolve_chunk_size(
            self._chunk_size_setting,
            self.wavefunction,
            self.hamiltonian,
            self.n_samples,
            self.memory_budget,
            jit_compile=getattr(self, "_estimate_with_xla", False),
        )

    @property
    def metrics(self):
        return [self.loss_tracker, self.energy_tracker, self.variance_tracker]

    def compile(self, optimizer="adam", jit_compile=True, **kwargs):
        """Configures the optimizer; `keras.Model.compile` without a loss.

        With a preconditioner, `jit_compile` applies to estimating the update (sampling,
        local energies, per-sample derivatives and the products that form the linear
        system); the preconditioner's linear solve runs outside XLA, whose CPU matrix
        factorizations are many times slower than LAPACK's.

        Args:
            optimizer: a `keras.optimizers.Optimizer` (or its name).
            jit_compile: compile the training step with XLA: `True`, `False`, or
                `"auto"` (Keras' choice, which turns XLA off on CPU). Every model of
                `kerasnqs.models` compiles with XLA, and a step runs 2-3 times faster
                with it on CPU; pass `False` for a custom layer whose operations have
                no XLA kernel. Defaults to `True`.
            **kwargs: passed to `keras.Model.compile` (for example `steps_per_execution`).
        """
        super().compile(optimizer=optimizer, jit_compile=jit_compile, **kwargs)
        # Built now, so that a model saved before training also stores every optimizer
        # variable, and loading it finds as many variables as it saved.
        self.optimizer.build(self.wavefunction.trainable_variables)
        self._estimate_with_xla = bool(self.jit_compile)
        self._step_functions = {}  # the step's parts compiled on their own (see `reduction`)
        if self.preconditioner is not None or distributed.strategy_of(self) is not None:
            self.jit_compile = False

    def compile_from_config(self, config):
        # Keras skips a custom `compile` when loading; this one takes the same config.
        self.compile(**keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.wavefunction.trainable_variables)

    def train_step(self, data):
        del data  # VMC makes its own data.
        reduction = self._reduction()
        local_energies, log_prob, update = reduction.estimate(self._estimate)
        if self.preconditioner is not None:
            update = self.preconditioner.solve(
                update, self.optimizer.iterations, self.wavefunction.trainable_variables
            )
        update = reduction.share(update)
        all_energies = reduction.gather(local_energies)
        energy = tf.math.real(tf.reduce_mean(all_energies))
        finite = tf.math.is_finite(energy)
        for gradient in update:
            finite = tf.logical_and(finite, tf.reduce_all(tf.math.is_finite(gradient)))
        reduction.apply_if(
            finite,
            self._apply,
            (update, energy, all_energies, reduction.mean(log_prob)),
            self._flag_nonfinite,
        )
        return reduction.logs(self._logs())

    def _reduction(self):
        """Where this step's samples live: `OneDevice`, or the `Replicas` of a strategy."""
        if distributed.strategy_of(self) is None:
            # Without a preconditioner the step is compiled whole; with one, the estimate
            # is compiled on its own, so that the solve runs outside XLA.
            jit_compile = None if self.preconditioner is None else self._estimate_with_xla
            return OneDevice(self.n_samples, jit_compile, self._step_functions)
        return Replicas(
            tf.distribute.get_replica_context(),
            self.n_samples,
            self._estimate_with_xla,
            self._step_functions,
        )

    def _estimate(self, reduction):
        """Draws the step's samples and estimates what the update is made from.

        Returns:
            `(local_energies, log_prob, update)`: the local energies and `log P` of this
            replica's samples, and either the gradient (one tensor per trainable weight;
            under a strategy, of this replica's samples) or, with a preconditioner, its
            `linear_system` of all the samples.
        """
        seed = reduction.seed(self._base_seed, self.optimizer.iterations)
        configs, local_energies, log_prob = reduction.local(self._samples, seed, reduction.n_local)
        # The local objective eps = E_loc + T log P, whose mean is the free energy.
        local_objective = local_energies + tf.cast(
            self.temperature * log_prob, local_energies.dtype
        )
        if self.preconditioner is not None:
            system = self.preconditioner.linear_system(
                self.wavefunction, configs, local_objective, reduction
            )
            return local_energies, log_prob, system
        centered = local_objective - reduction.mean(local_objective)
        return local_energies, log_prob, reduction.local(self._gradient, configs, centered)

    def _samples(self, seed, n_samples):
        """`n_samples` samples, their local energies and `log P`."""
        configs, log_psi = self.wavefunction.sample(n_samples, seed)
        local_energies = tf.stop_gradient(
            local_values(self.wavefunction, self.hamiltonian, configs, log_psi, self.chunk_size)
        )
        return configs, local_energies, 2.0 * tf.math.real(log_psi)

    def _gradient(self, configs, centered_objective):
        """The gradient estimator's mean over `configs` (see `_objective_gradient_loss`)."""
        with tf.GradientTape() as tape:
            loss = _objective_gradient_loss(self.wavefunction.log_psi(configs), centered_objective)
        return tape.gradient(loss, self.wavefunction.trainable_variables)

    def _apply(self, gradients, energy, local_energies, mean_log_prob):
        self.optimizer.apply(gradients, self.wavefunction.trainable_variables)
        free_energy = energy + tf.cast(self.temperature, energy.dtype) * mean_log_prob
        deviations = local_energies - tf.cast(energy, local_energies.dtype)
        variance = tf.reduce_mean(tf.abs(deviations) ** 2)
        self.loss_tracker.update_state(free_energy)
        self.energy_tracker.update_state(energy)
        self.variance_tracker.update_state(variance)
        return tf.constant(True)

    def _flag_nonfinite(self):
        self.nonfinite_step.assign(tf.cast(self.optimizer.iterations, "int64") + 1)
        return tf.constant(False)

    def _logs(self):
        variance = self.variance_tracker.result()
        steps = tf.maximum(self.variance_tracker.count, 1.0)
        return {
            "loss": self.loss_tracker.result(),
            "energy": self.energy_tracker.result(),
            "energy_error": tf.sqrt(variance / (self.n_samples * steps)),
            "variance": variance,
        }

    def fit(self, epochs=1, steps_per_epoch=100, callbacks=None, verbose="auto", initial_epoch=0):
        """Trains the wavefunction; the Keras `fit` without data.

        Args:
            epochs: number of epochs.
            steps_per_epoch: training steps (each with fresh samples) per epoch.
            callbacks: a list of `keras.callbacks.Callback`.
            verbose: 0 (silent), 1 (a progress bar), 2 (one line per epoch), or
                `"auto"` (the default): 1 on a terminal or in a notebook, else 2, so
                that output sent to a file gets no progress-bar redraws.
            initial_epoch: the epoch to start from (to resume training).

        Returns:
            A `keras.callbacks.History`.

        Raises:
            FloatingPointError: when a step produced a non-finite energy or gradient; the
                weights are those of the step before.
        """
        validation.integer("epochs", epochs)
        validation.integer("steps_per_epoch", steps_per_epoch)
        if not self.compiled or getattr(self, "optimizer", None) is None:
            raise ValueError("Call `compile(optimizer=...)` before `fit`.")
        strategy = distributed.strategy_of(self)
        if strategy is not None:
            distributed.samples_per_replica(self.n_samples, strategy.num_replicas_in_sync)
        data = distributed.dataset(strategy)
        with self.distribute_strategy.scope():
            self.optimizer.build(self.wavefunction.trainable_variables)
        self.nonfinite_step.assign(-1)
        guard = _NonFiniteGuard()
        history = super().fit(
            data,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            callbacks=[*(callbacks or []), guard],
            verbose=resolve_verbose(verbose),
            initial_epoch=initial_epoch,
            shuffle=False,
        )
        step = int(self.nonfinite_step.numpy())
        if step >= 0:
            raise FloatingPointError(
                f"Non-finite energy or gradient at training step {step}: training stopped "
                f"and the weights of step {step - 1} were kept."
            )
        return history

    def estimate(self, n_samples=10000, operator=None, seed=None, covariance=False, progress=False):
        """Estimates the energy (or other operators) with fresh samples.

        Args:
            n_samples: number of samples.
            operator: the operator to estimate, or a dict or list of operators estimated
                from the same samples (see `kerasnqs.estimate`); defaults to the
                Hamiltonian.
            seed: an integer seed; defaults to one derived from the training seed.
            covariance: also return the covariance matrix of the means.
            progress: show a progress bar over the samples (one device only).

        Returns:
            A `kerasnqs.stats.Stats` with `mean`, `error_of_mean` and `variance`; a dict or
            list of them for a dict or list of operators; as `kerasnqs.estimate`.
            Under a distribution strategy, the samples are split across its replicas
            (`n_samples` must be a multiple of their number).
        """
        strategy = distributed.strategy_of(self)
        if strategy is not None:
            return distributed.estimate(
                strategy,
                self.wavefunction,
                self.hamiltonian if operator is None else operator,
                n_samples,
                seed=self.seed + 1 if seed is None else seed,
                chunk_size=self._chunk_size_setting,
                memory_budget=self.memory_budget,
                covariance=covariance,
            )
        return estimate(
            self.wavefunction,
            self.hamiltonian if operator is None else operator,
            n_samples=n_samples,
            seed=self.seed + 1 if seed is None else seed,
            chunk_size=self._chunk_size_setting,
            memory_budget=self.memory_budget,
            covariance=covariance,
            progress=progress,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            wavefunction=keras.saving.serialize_keras_object(self.wavefunction),
            hamiltonian=self.hamiltonian.get_config(),
            n_samples=self.n_samples,
            chunk_size=self._chunk_size_setting,
            seed=self.seed,
            memory_budget=self._memory_budget_setting,
            preconditioner=None
            if self.preconditioner is None
            else keras.saving.serialize_keras_object(self.preconditioner),
        )
        return config


def _objective_gradient_loss(log_psi, centered_objective):
    """A surrogate whose gradient is `2 Re < d(log psi)^* (eps - <eps>) >`.

    With `eps = E_loc + T log P` and `log P = 2 Re log psi`, this is the energy gradient
    plus `T < d(log P) (log P - <log P>) >`, the gradient of the entropy term.
    """
    centered_objective = tf.stop_gradient(centered_objective)
    if log_psi.dtype.is_complex:
        return 2.0 * tf.reduce_mean(tf.math.real(tf.math.conj(log_psi) * centered_objective))
    return 2.0 * tf.reduce_mean(log_psi * tf.math.real(centered_objective))


def resolve_verbose(verbose):
    """`fit`'s `verbose`, with `"auto"` as 1 on a terminal or in a notebook, else 2.

    Example:

    >>> resolve_verbose(0), resolve_verbose(2)
    (0, 2)
    """
    if verbose != "auto":
        return verbose
    interactive = getattr(sys.stdout, "isatty", lambda: False)() or "ipykernel" in sys.modules
    return 1 if interactive else 2


class _NonFiniteGuard(keras.callbacks.Callback):
    """Stops training after a step whose energy or gradient was not finite."""

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.nonfinite_step.numpy()) >= 0:
            self.model.stop_training = True


def _validate_preconditioner(preconditioner):
    """A ValueError unless `preconditioner` is None or has the documented two methods."""
    if preconditioner is None or (
        _takes(getattr(preconditioner, "linear_system", None), 4)
        and _takes(getattr(preconditioner, "solve", None), 3)
    ):
        return
    raise ValueError(
        "`preconditioner` must be None or a preconditioner with the methods "
        "`linear_system(wavefunction, configs, local_objective, reduction)` and "
        f"`solve(system, step, variables)`, such as kerasnqs.vmc.SR(), got {preconditioner!r}."
    )


def _takes(method, n_arguments):
    """Whether `method` is callable with `n_arguments` positional arguments."""
    if not callable(method):
        return False
    try:
        inspect.signature(method).bind(*[None] * n_arguments)
    except (TypeError, ValueError):
        return False
    return True


def _validate(wavefunction, hamiltonian, n_samples, seed):
    if not isinstance(wavefunction, Wavefunction):
        raise ValueError(
            "`wavefunction` must be a kerasnqs.models.Wavefunction, "
            f"got {type(wavefunction).__name__}."
        )
    if getattr(hamiltonian, "n_sites", None) != wavefunction.n_sites:
        raise ValueError(
            f"`hamiltonian` must act on the wavefunction's {wavefunction.n_sites} sites, "
            f"got {getattr(hamiltonian, 'n_sites', type(hamiltonian).__name__)}."
        )
    validation.sample_count("n_samples", n_samples)
    validation.seed("seed", seed)
