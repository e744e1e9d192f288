"""`EpochRows`: one row per epoch of `fit`: the epoch, the steps done and the logs."""

import keras


class EpochRows(keras.callbacks.Callback):
    """Keeps one row per epoch of `VMC.fit`, as a run folder's `history.csv` holds them.

    Each row is a dict with `epoch` (from 0), `step` (the optimizer's steps at the end
    of the epoch; fewer than a full epoch for one cut short by a stop) and the epoch's
    logs (`energy`, `energy_error`, `variance`, ...). Unlike `keras.callbacks.History`,
    the rows carry on across a resumed run (`rows`).

    Args:
        rows: the rows of the epochs trained before, when resuming. Defaults to none.

    Example:

    >>> import kerasnqs
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> vmc = kerasnqs.VMC(RNNWavefunction(Chain(4), units=4), TFIM(Chain(4), h=1.0), n_samples=16)
    >>> vmc.compile(optimizer="adam")
    >>> rows = EpochRows()
    >>> _ = vmc.fit(epochs=2, steps_per_epoch=3, callbacks=[rows], verbose=0)
    >>> [(row["epoch"], row["step"]) for row in rows.rows], "energy" in rows.rows[0]
    ([(0, 3), (1, 6)], True)
    """

    def __init__(self, rows=()):
        super().__init__()
        self.rows = list(rows)

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        self.rows.append({"epoch": epoch, "step": step, **(logs or {})})
