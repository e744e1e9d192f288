"""`RunCheckpoint`: writes a run's history and checkpoint after every epoch, and restores them."""

import os

from kerasnqs import run_folder
from kerasnqs.callbacks.epoch_rows import EpochRows


class RunCheckpoint(EpochRows):
    """Writes `history.csv` and `checkpoint.keras` into a run folder after every epoch.

    At the end of each epoch the epoch's row (see `EpochRows`) is added to `history.csv` (see
    `kerasnqs.run_folder.write_history`), rewritten atomically; then, if the
    epoch ran all its steps, the whole model with its optimizer state is saved
    atomically to `checkpoint.keras`, as `keras.callbacks.BackupAndRestore` does with
    `save_freq="epoch"`. An epoch cut short (by a stop request or a non-finite step)
    gets its history row, with its true `step`, but no checkpoint: the checkpoint
    always lies on an epoch boundary, where `fit(initial_epoch=...)` resumes. The
    history is written before the checkpoint, so it never has fewer epochs than the
    checkpoint.

    Resuming: rebuild and compile the model as before, call `restore(vmc, epochs)`,
    which loads the checkpoint and the history rows before it, and call `fit` with the
    `initial_epoch` it returns.

    Args:
        folder: the run folder.
        steps_per_epoch: the training steps of a full epoch.
        rows: the history rows of the epochs already trained. Defaults to none.
        settings: a JSON-serializable dict that every checkpoint carries, as its entry
            `run_folder.CHECKPOINT_SETTINGS`: the settings of the run, by which
            `--resume` recognizes its checkpoints. Defaults to None (no entry).

    Example:

    >>> import tempfile
    >>> import kerasnqs
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> folder = tempfile.mkdtemp()
    >>> vmc = kerasnqs.VMC(RNNWavefunction(Chain(4), units=4), TFIM(Chain(4), h=1.0), n_samples=16)
    >>> vmc.compile(optimizer="adam")
    >>> checkpoint = RunCheckpoint(folder, steps_per_epoch=2)
    >>> _ = vmc.fit(epochs=1, steps_per_epoch=2, callbacks=[checkpoint], verbose=0)
    >>> sorted(os.listdir(folder)), [row["step"] for row in checkpoint.rows]
    (['checkpoint.keras', 'history.csv'], [2])
    """

    def __init__(self, folder, steps_per_epoch, rows=(), settings=None):
        super().__init__(rows)
        self.folder = folder
        self.steps_per_epoch = int(steps_per_epoch)
        self.settings = settings

    @property
    def path(self):
        """The checkpoint file, `checkpoint.keras` in the run folder."""
        return os.path.join(self.folder, run_folder.CHECKPOINT)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        step = self.rows[-1]["step"]
        run_folder.write_history(os.path.join(self.folder, run_folder.HISTORY), self.rows)
        if step == (epoch + 1) * self.steps_per_epoch:
            with run_folder.atomic_path(self.path) as path:
                self.model.save(path)
                if self.settings is not None:
                    run_folder.add_json_to_archive(
                        path, run_folder.CHECKPOINT_SETTINGS, self.settings
                    )

    def restore(self, vmc, epochs):
        """Loads the checkpoint into the compiled `vmc`, to resume training.

        The weights, the optimizer state (its step count sets the learning rate and the
        random seed of every later step) and the VMC state (the temperature) come back
        as they were at the end of the checkpoint's epoch; `rows` becomes the history
        of the epochs before it.

        Args:
            vmc: the `kerasnqs.VMC` built and compiled as the run's was.
            epochs: the planned number of epochs.

        Returns:
            The epochs done: the `initial_epoch` to pass to `fit`.

        Raises:
            ValueError: if the checkpoint does not fit the run or its history.
        """
        path = self.path
        vmc.optimizer.build(vmc.wavefunction.trainable_variables)
        try:
            vmc.load_weights(path)
        except Exception as error:  # Keras raises many types for a file it cannot read.
            raise ValueError(f"--resume: cannot load the checkpoint {path!r}: {error}") from None
        step = int(vmc.optimizer.iterations.numpy())
        initial_epoch, remainder = divmod(step, self.steps_per_epoch)
        if remainder or initial_epoch > epochs:
            raise ValueError(
                f"--resume: the checkpoint {path!r} is at step {step}, not at the end of one "
                f"of the {epochs} epochs of {self.steps_per_epoch} steps of this run"
            )
        history = os.path.join(self.folder, run_folder.HISTORY)
        rows = run_folder.read_history(history)[:initial_epoch]
        expected = [self.steps_per_epoch * (e + 1) for e in range(initial_epoch)]
        if [row["step"] for row in rows] != expected:
            raise ValueError(
                f"--resume: {run_folder.HISTORY} in {self.folder!r} does not hold the "
                f"{initial_epoch} epochs of the checkpoint at step {step}"
            )
        self.rows = rows
        return initial_epoch
