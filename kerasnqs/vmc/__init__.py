"""Variational Monte Carlo: training, local estimators and estimates.

`Stats` and `statistics` live in `kerasnqs.stats` and are re-exported here.
"""

from kerasnqs import stats as _stats
from kerasnqs.vmc import statistics as _former_home  # noqa: F401 (old import paths)
from kerasnqs.vmc.annealing_scheduler import AnnealingScheduler
from kerasnqs.vmc.estimate import estimate
from kerasnqs.vmc.local_estimator import local_values
from kerasnqs.vmc.log_derivatives import log_derivatives
from kerasnqs.vmc.sr import SR
from kerasnqs.vmc.training_monitor import TrainingMonitor, TrainingWarning
from kerasnqs.vmc.vmc import VMC

# Bound after the former module `kerasnqs.vmc.statistics` is loaded (which sets this
# attribute to the module), so that `kerasnqs.vmc.statistics` is the function, as before.
Stats, statistics = _stats.Stats, _stats.statistics

__all__ = [
    "SR",
    "VMC",
    "AnnealingScheduler",
    "Stats",
    "TrainingMonitor",
    "TrainingWarning",
    "estimate",
    "local_values",
    "log_derivatives",
    "statistics",
]
