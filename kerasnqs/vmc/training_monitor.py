"""`TrainingMonitor`: a Keras callback that warns when a training has gone wrong."""

import math
import warnings

import keras


class TrainingWarning(UserWarning):
    """A training's epoch energies show that it failed, although every step was finite."""


class TrainingMonitor(keras.callbacks.Callback):
    """Warns (`TrainingWarning`) when the epoch energies of `VMC.fit` show a failure.

    Two signs, read from the `energy`, `energy_error` and `variance` of the epoch logs:

    - collapse: the variance falls to zero (below `1e-12 * energy**2`) while the energy
      is more than `tolerance` (relative) above `exact_energy`. The state has collapsed
      onto a few configurations that are not the ground state, typically after too
      large a learning rate; its error bar of zero looks like convergence.
    - jump: the epoch energy rises above the previous epoch's by more than
      `jump_error_bars` combined error bars and by more than `tolerance` (relative):
      a step threw the state off.

    Each sign warns once per training.

    Args:
        exact_energy: the exact ground-state energy, or `None` (then only jumps are
            watched: a zero variance may be an exact eigenstate).
        tolerance: the relative distance that counts as "far". Defaults to 1e-3.
        jump_error_bars: the rise, in combined error bars, that counts as a jump.
            Defaults to 10.

    Example:

    >>> import warnings
    >>> monitor = TrainingMonitor(exact_energy=-4.76)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     monitor.on_epoch_end(0, {"energy": -3.0, "energy_error": 0.0, "variance": 0.0})
    >>> caught[0].category.__name__
    'TrainingWarning'
    """

    def __init__(self, exact_energy=None, tolerance=1e-3, jump_error_bars=10.0):
        super().__init__()
        self.exact_energy = None if exact_energy is None else float(exact_energy)
        self.tolerance = float(tolerance)
        self.jump_error_bars = float(jump_error_bars)
        self._previous = None
        self._warned = set()

    def on_train_begin(self, logs=None):
        self._previous = None
        self._warned = set()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not all(key in logs for key in ("energy", "energy_error", "variance")):
            return
        energy, error = float(logs["energy"]), float(logs["energy_error"])
        variance = float(logs["variance"])
        if not all(map(math.isfinite, (energy, error, variance))):
            return
        if self._collapsed(energy, variance):
            above = (energy - self.exact_energy) / abs(self.exact_energy)
            self._warn(
                "collapse",
                f"epoch {epoch + 1}: the variance of the energy collapsed to {variance:.3g} "
                f"at energy {energy:.6g}, {above:.1%} above the exact energy "
                f"{self.exact_energy:.6g}: the state is stuck on a few configurations that "
                "are not the ground state, and its error bar of 0 is not convergence; "
                "lower the learning rate (--lr) and train again.",
            )
        if self._previous is not None and self._jumped(energy, error):
            previous, previous_error = self._previous
            self._warn(
                "jump",
                f"epoch {epoch + 1}: the energy jumped up from {previous:.6g} ± "
                f"{previous_error:.2g} to {energy:.6g} ± {error:.2g}, more than "
                f"{self.jump_error_bars:g} error bars: a step threw the state off; lower "
                "the learning rate (--lr).",
            )
        self._previous = (energy, error)

    def _collapsed(self, energy, variance):
        if self.exact_energy is None or self.exact_energy == 0:
            return False
        far = energy - self.exact_energy > self.tolerance * abs(self.exact_energy)
        return far and variance <= 1e-12 * energy**2

    def _jumped(self, energy, error):
        previous, previous_error = self._previous
        rise = energy - previous
        error_bars = math.hypot(error, previous_error)
        return rise > self.jump_error_bars * error_bars and rise > self.tolerance * abs(previous)

    def _warn(self, kind, message):
        if kind not in self._warned:
            self._warned.add(kind)
            warnings.warn(message, TrainingWarning, stacklevel=2)
