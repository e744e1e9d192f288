"""Wall-clock timing shared by the benchmark scripts (imported as `timing`)."""

import math
import time

import numpy as np


def repeat_seconds(fn, repeats):
    """Runs `fn()` once to warm up, then `repeats` times; returns the seconds of each run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def fit_step_seconds(vmc, steps, warmup):
    """Trains a compiled `kerasnqs.VMC` for `warmup + steps + 1` steps, timing each one.

    Returns:
        `(first, step_seconds)`: the seconds of compiling plus the first step, and the
        wall time of each of the `steps` steps after the first `warmup + 1`.
    """
    import keras

    class StepTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.stamps = []

        def on_train_batch_end(self, batch, logs=None):
            self.stamps.append(time.perf_counter())

    timer = StepTimer()
    start = time.perf_counter()
    vmc.fit(epochs=1, steps_per_epoch=warmup + steps + 1, callbacks=[timer], verbose=0)
    return timer.stamps[0] - start, list(np.diff(timer.stamps[warmup:]))


def cosine_learning_rate(lr, elapsed, seconds, alpha=0.01):
    """The recipe's cosine decay, from `lr` to `alpha * lr` over the wall-time budget."""
    fraction = min(max(elapsed / seconds, 0.0), 1.0)
    return lr * (alpha + (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)))


def wall_clock_shift(initial, final):
    """A diagonal shift for `kerasnqs.vmc.SR` that decays with the wall-time budget.

    `lambda = initial * (final / initial) ** fraction`, where `fraction` (from 0 to 1) is
    the elapsed part of the budget, set by `wall_clock_budget(..., shift=...)`.
    """
    import keras

    class WallClockShift(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self):
            self.fraction = keras.Variable(0.0, dtype="float64", trainable=False)

        def __call__(self, step):
            return initial * (final / initial) ** self.fraction

        def get_config(self):
            return {"initial": initial, "final": final}

    return WallClockShift()


def wall_clock_budget(seconds, start, lr, shift=None):
    """A Keras callback that decays the learning rate with time and stops at `seconds`.

    `shift`, a `wall_clock_shift`, is told the elapsed fraction of the budget too.
    """
    import keras

    class WallClockBudget(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            elapsed = time.perf_counter() - start
            self.model.optimizer.learning_rate.assign(cosine_learning_rate(lr, elapsed, seconds))
            if shift is not None:
                shift.fraction.assign(min(elapsed / seconds, 1.0))

        def on_train_batch_end(self, batch, logs=None):
            if time.perf_counter() - start >= seconds:
                self.model.stop_training = True

    return WallClockBudget()
