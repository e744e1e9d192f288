"""Exact samples drawn in batches, for the observables that read them outside a graph."""

import numpy as np

from kerasnqs import seeds
from kerasnqs.vmc import memory_budget as budget_lib


def samples_per_call(wavefunction, n_connected, n_samples, memory_budget):
    """The samples evaluated per call when each needs `n_connected` amplitudes.

    The working memory stays within `memory_budget`
    (`kerasnqs.vmc.memory_budget.samples_that_fit`).
    """
    batch = budget_lib.batch_size_for(n_samples)
    if n_connected == 0:
        return batch
    fitting = budget_lib.samples_that_fit(wavefunction, n_connected, memory_budget)
    return int(max(1, min(batch, fitting)))


def sample_batches(wavefunction, n_samples, seed, batch_size):
    """Yields `(configs, log_psi)` numpy arrays of `batch_size` samples (the last fewer).

    Batch `k` uses the seed `fold_in(as_seed(seed), k)` (see `kerasnqs.seeds.batches`),
    so the samples depend on `seed` and `batch_size` only.
    """
    for n, batch_seed in seeds.batches(n_samples, batch_size, seed):
        configs, log_psi = wavefunction.sample(n, batch_seed)
        yield np.asarray(configs), np.asarray(log_psi)
