"""Monte Carlo estimates of operators under a wavefunction."""

import weakref

import numpy as np
import tensorflow as tf

from kerasnqs import seeds
from kerasnqs.models.wavefunction import Wavefunction
from kerasnqs.vmc.local_estimator import local_values
from kerasnqs.vmc.statistics import statistics


def estimate(
    wavefunction,
    operator,
    n_samples=10000,
    seed=0,
    chunk_size=None,
    batch_size=10000,
    jit_compile=False,
):
    """Estimates `<psi|O|psi>` from exact samples of a wavefunction.

    Mathematical details: the estimate is the mean of the local values
    `O_loc(sigma) = sum_sigma' O[sigma, sigma'] psi(sigma') / psi(sigma)` over
    `n_samples` independent samples of `|psi|^2`; its error is `sqrt(Var(O_loc) / N)`.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        operator: a `kerasnqs.operators.PauliSum` (for example a Hamiltonian, the total
            magnetization, or a `Z_i Z_j` correlator) on the wavefunction's sites.
        n_samples: number of samples. Defaults to 10000.
        seed: an integer seed. Defaults to 0.
        chunk_size: the largest number of connected configurations evaluated at once.
        batch_size: samples drawn and evaluated per compiled call. Defaults to 10000.
        jit_compile: compile with XLA: each call runs several times faster on CPU, but
            the first call for an operator compiles for several seconds longer. Worth it
            for many samples of one operator; not for many operators. Defaults to False.

    Returns:
        A `kerasnqs.vmc.Stats` with `mean`, `error_of_mean`, `variance` and `n_samples`.

    Example:

    >>> import kerasnqs
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import PauliSum
    >>> wavefunction = RNNWavefunction(Chain(4), units=8)
    >>> z0z1 = PauliSum(4, [(1.0, "Z0 Z1")])
    >>> stats = kerasnqs.estimate(wavefunction, z0z1, n_samples=1000, seed=1)
    >>> -1.0 <= stats.mean <= 1.0
    True
    """
    _check_argument_order(wavefunction, operator)
    for name, value in (("n_samples", n_samples), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    if getattr(operator, "n_sites", None) != wavefunction.n_sites:
        raise ValueError(
            f"`operator` must act on the wavefunction's {wavefunction.n_sites} sites, "
            f"got {getattr(operator, 'n_sites', type(operator).__name__)}."
        )

    sample_local_values = _compiled_sampler(wavefunction, operator, chunk_size, jit_compile)
    base_seed = seeds.as_seed(seed)
    values = []
    for batch, start in enumerate(range(0, n_samples, batch_size)):
        n = min(batch_size, n_samples - start)
        values.append(sample_local_values(n, seeds.fold_in(base_seed, batch)).numpy())
    return statistics(np.concatenate(values))


def _check_argument_order(wavefunction, operator):
    """Raises a `ValueError` unless `wavefunction` is a Wavefunction and `operator` is not."""
    if isinstance(wavefunction, Wavefunction):
        return
    if isinstance(operator, Wavefunction):
        raise ValueError(
            "`wavefunction` and `operator` are swapped: call estimate(wavefunction, "
            f"operator, ...), got a {type(wavefunction).__name__} first and a "
            f"{type(operator).__name__} second."
        )
    raise ValueError(
        f"`wavefunction` must be a kerasnqs.models.Wavefunction, got {type(wavefunction).__name__}."
    )


_COMPILED = weakref.WeakKeyDictionary()


def _compiled_sampler(wavefunction, operator, chunk_size, jit_compile):
    """Returns a `tf.function` that samples and evaluates local values, cached per model.

    Reusing one function per (wavefunction, operator, chunk_size, jit_compile) avoids
    tracing again at every call of `estimate`.
    """
    cache = _COMPILED.setdefault(wavefunction, {})
    key = (id(operator), chunk_size, jit_compile)
    if key not in cache:

        @tf.function(jit_compile=jit_compile)
        def sample_local_values(n, seed):
            configs, log_psi = wavefunction.sample(n, seed)
            return local_values(wavefunction, operator, configs, log_psi, chunk_size)

        cache[key] = (operator, sample_local_values)  # keeps the operator (and its id) alive
    return cache[key][1]
