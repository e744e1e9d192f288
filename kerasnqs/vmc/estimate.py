"""Monte Carlo estimates of operators under a wavefunction."""

import weakref

import numpy as np
import tensorflow as tf

from kerasnqs import seeds, validation
from kerasnqs.models.wavefunction import Wavefunction
from kerasnqs.vmc import memory_budget as budget_lib
from kerasnqs.vmc.local_estimator import local_values
from kerasnqs.vmc.statistics import statistics


def estimate(
    wavefunction,
    operator,
    n_samples=10000,
    seed=0,
    chunk_size="auto",
    batch_size="auto",
    jit_compile=False,
    memory_budget=None,
):
    """Estimates `<psi|O|psi>` from exact samples of a wavefunction.

    Mathematical details: the estimate is the mean of the local values
    `O_loc(sigma) = sum_sigma' O[sigma, sigma'] psi(sigma') / psi(sigma)` over
    `n_samples` independent samples of `|psi|^2`; its error is `sqrt(Var(O_loc) / N)`.

    Memory: the samples are drawn and evaluated in batches of `batch_size`; the local
    values of a batch need the amplitudes of its `batch_size * max_conn` connected
    configurations, evaluated `chunk_size` at a time, so the working memory is about
    `chunk_size * bytes_per_connected_configuration(wavefunction)`. By default it stays
    within `memory_budget`.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        operator: a `kerasnqs.operators.PauliSum` (for example a Hamiltonian, the total
            magnetization, or a `Z_i Z_j` correlator) on the wavefunction's sites.
        n_samples: number of samples, an integer >= 2 (one sample has no error bar).
            Defaults to 10000.
        seed: an integer seed. Defaults to 0.
        chunk_size: the largest number of connected configurations evaluated at once:
            `"auto"` (the default) chooses it from `memory_budget`, and at most
            `kerasnqs.vmc.memory_budget.ESTIMATE_CHUNK_SIZE` (see
            `kerasnqs.vmc.memory_budget.chunk_size_for`); an integer >= 1 is used as
            given; `None` evaluates all connected configurations of a batch together,
            with memory growing as `batch_size * max_conn`.
        batch_size: samples drawn and evaluated per compiled call: `"auto"` (the
            default) for `min(n_samples, 10000)`, or an integer >= 1.
        jit_compile: compile with XLA: each call runs several times faster on CPU and
            needs several times less memory, but the first call for an operator compiles
            for several seconds longer. Worth it for many samples of one operator; not
            for many operators. Defaults to False.
        memory_budget: the working memory allowed to the local values of one batch, in
            bytes or as a size such as `"2GB"`; `None` (the default) for
            `kerasnqs.vmc.memory_budget.DEFAULT_MEMORY_BUDGET` (1 GiB). TensorFlow itself
            needs about 1 GB more. Used only when `chunk_size="auto"`.

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
    if not validation.is_integer(n_samples, minimum=2):
        raise ValueError(
            f"`n_samples` must be an integer >= 2 (the error of the mean needs at least two "
            f"samples), got {n_samples!r}."
        )
    if isinstance(batch_size, str) and batch_size == "auto":
        batch_size = budget_lib.batch_size_for(n_samples)
    elif not validation.is_integer(batch_size, minimum=1):
        raise ValueError(f"`batch_size` must be 'auto' or an integer >= 1, got {batch_size!r}.")
    if getattr(operator, "n_sites", None) != wavefunction.n_sites:
        raise ValueError(
            f"`operator` must act on the wavefunction's {wavefunction.n_sites} sites, "
            f"got {getattr(operator, 'n_sites', type(operator).__name__)}."
        )

    memory_budget = budget_lib.parse_memory_budget(memory_budget)
    batch_size = min(int(batch_size), int(n_samples))
    chunk_size = budget_lib.resolve_chunk_size(
        chunk_size,
        wavefunction,
        operator,
        batch_size,
        memory_budget,
        jit_compile,
        most=budget_lib.ESTIMATE_CHUNK_SIZE,
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
