"""Wall-clock timing shared by the benchmark scripts (imported as `timing`)."""

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
