"""Variational annealing: a temperature schedule for VMC training."""

import keras


class AnnealingScheduler(keras.callbacks.Callback):
    """Sets the VMC temperature at the start of each epoch, from a schedule.

    With a temperature `T`, `kerasnqs.VMC` minimizes the variational free energy
    `F = <E_loc> + T <log P>` instead of the energy; lowering `T` to zero over training
    (variational annealing) helps the wavefunction through rugged energy landscapes.
    The temperature of each epoch is added to the logs as `temperature`, like
    `keras.callbacks.LearningRateScheduler` adds `learning_rate`.

    Args:
        schedule: a function `(epoch, temperature) -> new temperature` (epoch from 0).
        verbose: 1 to print the temperature at each change. Defaults to 0.

    Example:

    >>> from kerasnqs.vmc import AnnealingScheduler
    >>> linear = AnnealingScheduler(lambda epoch, temperature: max(0.0, 1.0 - epoch / 50))
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError(f"`schedule` must be callable, got {type(schedule).__name__}.")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        current = float(self.model.temperature.numpy())
        temperature = float(self.schedule(epoch, current))
        if not temperature >= 0.0:
            raise ValueError(
                f"The annealing schedule must return a temperature >= 0, got {temperature} "
                f"at epoch {epoch}."
            )
        self.model.temperature.assign(temperature)
        if self.verbose and temperature != current:
            print(f"\nEpoch {epoch + 1}: AnnealingScheduler setting temperature to {temperature}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["temperature"] = float(self.model.temperature.numpy())
