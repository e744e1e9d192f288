"""Keras callbacks for `VMC.fit`, as `kerasnqs.train` uses them.

- `EpochRows()`: one row per epoch (epoch, steps done, logs), across resumed runs;
- `RunCheckpoint(folder, steps_per_epoch)`: `history.csv` and `checkpoint.keras` after
  every epoch, and `restore` to resume from them;
- `SignalStop()`: Ctrl-C and SIGTERM stop training after the current step;
- `TrainingPlot(path, exact_energy)`: the convergence plot when training ends;
- `TrainingMonitor(exact_energy)`: a `TrainingWarning` when the energies show a failed
  training (from `kerasnqs.vmc`).
"""

from kerasnqs.callbacks.epoch_rows import EpochRows
from kerasnqs.callbacks.run_checkpoint import RunCheckpoint
from kerasnqs.callbacks.signal_stop import SignalStop
from kerasnqs.callbacks.training_plot import TrainingPlot
from kerasnqs.vmc.training_monitor import TrainingMonitor

__all__ = ["EpochRows", "RunCheckpoint", "SignalStop", "TrainingMonitor", "TrainingPlot"]
