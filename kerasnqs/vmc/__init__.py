"""Variational Monte Carlo: training, local estimators and statistics."""

from kerasnqs.vmc.annealing_scheduler import AnnealingScheduler
from kerasnqs.vmc.estimate import estimate
from kerasnqs.vmc.local_estimator import local_values
from kerasnqs.vmc.log_derivatives import log_derivatives
from kerasnqs.vmc.sr import SR
from kerasnqs.vmc.statistics import Stats, statistics
from kerasnqs.vmc.training_monitor import TrainingMonitor, TrainingWarning
from kerasnqs.vmc.vmc import VMC

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
