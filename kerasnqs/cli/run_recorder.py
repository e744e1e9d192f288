"""The callback that writes a training run's history and checkpoint after every epoch."""

import os

import keras

from kerasnqs.cli import run_files


class RunRecorder(keras.callbacks.Callback):
    """Writes `history.csv` and `checkpoint.keras` into a run folder after every epoch.

    At the end of each epoch the epoch's logs become a row of `history.csv` (see
    `run_files.write_history`), rewritten atomically; then, if the epoch ran all its
    steps, the whole model with its optimizer state is saved atomically to
    `checkpoint.keras`, as `keras.callbacks.BackupAndRestore` does with
    `save_freq="epoch"`. An epoch cut short (by a stop request or a non-finite step)
    gets its history row, with its true `step`, but no checkpoint: the checkpoint
    always lies on an epoch boundary, where `fit(initial_epoch=...)` resumes. The
    history is written before the checkpoint, so it never has fewer epochs than the
    checkpoint.

    Resuming: load the checkpoint's state into the rebuilt model (`load_weights`),
    pass the history rows of the epochs before it as `rows`, and call `fit` with
    `initial_epoch` the number of those epochs.

    Args:
        folder: the run folder.
        steps_per_epoch: the training steps of a full epoch.
        rows: the history rows of the epochs already trained, when resuming. Defaults
            to none.
        settings: a JSON-serializable dict that every checkpoint carries, as its entry
            `run_files.CHECKPOINT_SETTINGS`: the settings of the run, by which
            `--resume` recognizes its checkpoints. Defaults to None (no entry).

    Example:

    >>> import tempfile
    >>> recorder = RunRecorder(tempfile.mkdtemp(), steps_per_epoch=25)
    >>> recorder.rows
    []
    """

    def __init__(self, folder, steps_per_epoch, rows=(), settings=None):
        super().__init__()
        self.folder = folder
        self.steps_per_epoch = int(steps_per_epoch)
        self.rows = list(rows)
        self.settings = settings

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        self.rows.append({"epoch": epoch, "step": step, **(logs or {})})
        run_files.write_history(os.path.join(self.folder, run_files.HISTORY), self.rows)
        if step == (epoch + 1) * self.steps_per_epoch:
            with run_files.atomic_path(os.path.join(self.folder, run_files.CHECKPOINT)) as path:
                self.model.save(path)
                if self.settings is not None:
                    run_files.add_json_to_archive(
                        path, run_files.CHECKPOINT_SETTINGS, self.settings
                    )
