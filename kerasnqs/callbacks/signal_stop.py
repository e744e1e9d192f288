"""`SignalStop`: Ctrl-C (SIGINT) and SIGTERM stop training cleanly, after the current step."""

import signal
import threading

import keras

SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop training: Ctrl-C, and what job schedulers send before a kill."""


class SignalStop(keras.callbacks.Callback):
    """Stops `fit` after the current step when the process gets SIGINT or SIGTERM.

    Used as a context manager around a training run, it handles `SIGNALS` (in the main
    thread; elsewhere it does nothing). While `fit` runs (from `on_train_begin` to
    `on_train_end`), the first signal only records its number in `signum`, and training
    stops at the end of the step under way, as `keras.callbacks.EarlyStopping` would:
    the callbacks see the end of the epoch and the end of training, and the caller can
    write its outputs. Any other signal, a second one during `fit` or one outside it,
    raises `KeyboardInterrupt` at once. Leaving the context restores the previous
    handlers.

    Attributes:
        signum: the signal that stopped training, or None.
        last_signum: the last signal received, or None (the one behind a
            `KeyboardInterrupt`).

    Example:

    >>> stop = SignalStop()
    >>> with stop:
    ...     pass  # vmc.fit(..., callbacks=[stop]); then check stop.signum
    >>> print(stop.signum)
    None

    `kerasnqs.train` uses it: a run stopped so is returned with `interrupted` set.
    """

    def __init__(self):
        super().__init__()
        self.signum = None
        self.last_signum = None
        self._training = False
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is not threading.main_thread():
            return self  # Only the main thread may handle signals; leave them as they are.
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}
        return False

    def _handle(self, signum, frame):
        del frame
        self.last_signum = signum
        if self._training and self.signum is None:
            self.signum = signum
            return
        raise KeyboardInterrupt(signal.Signals(signum).name)

    def on_train_begin(self, logs=None):
        self._training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.signum is not None:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self._training = False
