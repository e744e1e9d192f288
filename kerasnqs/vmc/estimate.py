"""Monte Carlo estimates of operators under a wavefunction."""

import weakref

import keras
import numpy as np
import tensorflow as tf

from kerasnqs import compiled, seeds, validation
from kerasnqs.models.wavefunction import Wavefunction
from kerasnqs.stats import statistics
from kerasnqs.vmc import memory_budget as budget_lib
from kerasnqs.vmc.local_estimator import local_values


def estimate(
    wavefunction,
    operators,
    n_samples=10000,
    seed=0,
    chunk_size="auto",
    batch_size="auto",
    jit_compile="auto",
    memory_budget=None,
    covariance=False,
    progress=False,
):
    """Estimates `<psi|O|psi>` of one or many operators from exact samples.

    Mathematical details: the estimate is the mean of the local values
    `O_loc(sigma) = sum_sigma' O[sigma, sigma'] psi(sigma') / psi(sigma)` over
    `n_samples` independent samples of `|psi|^2`; its error is `sqrt(Var(O_loc) / N)`.
    Many operators are estimated from the same samples (one sampling pass), so their
    estimates are correlated; the covariance of the means of operators `a` and `b` is
    `Cov(a, b) = (1/N^2) sum_n (a_loc(n) - <a>) (b_loc(n) - <b>)^*` (its diagonal is
    `error_of_mean^2`).

    Memory: the samples are drawn and evaluated in batches of `batch_size`; the local
    values of a batch need the amplitudes of its `batch_size * max_conn` connected
    configurations, evaluated `chunk_size` at a time, so the working memory is about
    `chunk_size * bytes_per_connected_configuration(wavefunction)`. By default it stays
    within `memory_budget`. Several operators are evaluated one after the other, each
    with its own chunk size, so the budget holds for each of them.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        operators: a `kerasnqs.operators.PauliSum` (for example a Hamiltonian, the total
            magnetization, or a `Z_i Z_j` correlator) on the wavefunction's sites; or a
            dict of them (name -> operator) or a list of them.
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
            for many operators. `"auto"` (the default) compiles with XLA for one
            operator and without it for a dict or list of several.
        memory_budget: the working memory allowed to the local values of one batch, in
            bytes or as a size such as `"2GB"`; `None` (the default) for
            `kerasnqs.vmc.memory_budget.DEFAULT_MEMORY_BUDGET` (1 GiB). TensorFlow itself
            needs about 1 GB more. Used only when `chunk_size="auto"`.
        covariance: also return the covariance matrix of the estimated means. Defaults
            to False.
        progress: show a Keras progress bar over the samples, updated after each batch.
            Defaults to False.

    Returns:
        For one operator, a `kerasnqs.stats.Stats` with `mean`, `error_of_mean`,
        `variance` and `n_samples`; for a dict or a list, a dict (same keys) or a list
        (same order) of `Stats`. With `covariance=True`, a pair `(result, matrix)` where
        `matrix` is the `(K, K)` numpy covariance of the means of the `K` operators, in
        the order of the dict or list (real unless a local value is complex).

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
    >>> x = PauliSum.parse(4, "X0 + X1 + X2 + X3")
    >>> both, cov = kerasnqs.estimate(
    ...     wavefunction, {"zz": z0z1, "x": x}, 1000, seed=1, covariance=True
    ... )
    >>> both["zz"].mean == stats.mean, cov.shape
    (True, (2, 2))
    """
    operator_list = checked_operators(wavefunction, operators, n_samples, covariance)
    if isinstance(batch_size, str) and batch_size == "auto":
        batch_size = budget_lib.batch_size_for(n_samples)
    elif not validation.is_integer(batch_size, minimum=1):
        raise ValueError(f"`batch_size` must be 'auto' or an integer >= 1, got {batch_size!r}.")
    batch_size = min(int(batch_size), int(n_samples))
    if isinstance(jit_compile, str) and jit_compile == "auto":
        jit_compile = len(operator_list) == 1
    sample_local_values = compiled_sampler(
        wavefunction, operator_list, batch_size, chunk_size, memory_budget, jit_compile
    )
    bar = keras.utils.Progbar(n_samples, unit_name="sample") if progress else None
    batches, done = [], 0
    for n, batch_seed in seeds.batches(n_samples, batch_size, seed):
        batches.append([v.numpy() for v in sample_local_values(n, batch_seed)])
        done += n
        if bar is not None:
            bar.update(done)
    return estimates_of(operators, batches, covariance)


def checked_operators(wavefunction, operators, n_samples, covariance):
    """Validates `estimate`'s arguments; returns the operators as a list."""
    _check_argument_order(wavefunction, operators)
    names, operator_list = _operator_list(operators)
    validation.sample_count("n_samples", n_samples)
    for name, operator in zip(names, operator_list, strict=True):
        if getattr(operator, "n_sites", None) != wavefunction.n_sites:
            raise ValueError(
                f"`{name}` must act on the wavefunction's {wavefunction.n_sites} sites, "
                f"got {getattr(operator, 'n_sites', type(operator).__name__)}."
            )
    if not isinstance(covariance, bool):
        raise ValueError(f"`covariance` must be True or False, got {covariance!r}.")
    return operator_list


def estimates_of(operators, batches, covariance):
    """`estimate`'s result from the local values of batches of samples.

    Args:
        operators: the operator, dict or list given to `estimate`.
        batches: per batch, a list with the local values of each operator.
        covariance: also return the covariance matrix of the means.
    """
    values = [np.concatenate(per_operator) for per_operator in zip(*batches, strict=True)]
    stats = [statistics(v) for v in values]
    if isinstance(operators, dict):
        result = dict(zip(operators, stats, strict=True))
    elif isinstance(operators, list | tuple):
        result = stats
    else:
        result = stats[0]
    if covariance:
        return result, covariance_of_means(values)
    return result


def covariance_of_means(values):
    """Returns the `(K, K)` covariance of the means of `K` sets of local values.

    Args:
        values: a list of `K` 1D arrays of local values of the same `N` samples.

    Returns:
        `C[a, b] = (1/N^2) sum_n (a_n - mean(a)) (b_n - mean(b))^*`, a numpy array, real
        when all values are real.

    Example:

    >>> covariance_of_means([[1.0, 3.0], [2.0, 0.0]]).tolist()
    [[0.5, -0.5], [-0.5, 0.5]]
    """
    stacked = np.stack([np.asarray(v) for v in values])
    stacked = stacked.astype(np.complex128 if np.iscomplexobj(stacked) else np.float64)
    centered = stacked - stacked.mean(axis=1, keepdims=True)
    n = stacked.shape[1]
    return (centered @ centered.conj().T) / n**2


def _operator_list(operators):
    """`(names, operators)`: the names used in messages and the operators as a list."""
    if isinstance(operators, dict):
        if not operators:
            raise ValueError("`operators` must hold at least one operator, got an empty dict.")
        return [f"operators[{key!r}]" for key in operators], list(operators.values())
    if isinstance(operators, list | tuple):
        if not operators:
            raise ValueError("`operators` must hold at least one operator, got an empty list.")
        return [f"operators[{i}]" for i in range(len(operators))], list(operators)
    return ["operators"], [operators]


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


def compiled_sampler(wavefunction, operators, batch_size, chunk_size, memory_budget, jit_compile):
    """`_compiled_sampler` with each operator's chunk size resolved for `batch_size`
    samples per call (see `estimate` for `chunk_size` and `memory_budget`)."""
    memory_budget = budget_lib.parse_memory_budget(memory_budget)
    chunk_sizes = tuple(
        budget_lib.resolve_chunk_size(
            chunk_size,
            wavefunction,
            operator,
            batch_size,
            memory_budget,
            jit_compile,
            most=budget_lib.ESTIMATE_CHUNK_SIZE,
        )
        for operator in operators
    )
    return _compiled_sampler(wavefunction, operators, chunk_sizes, jit_compile)


def _compiled_sampler(wavefunction, operators, chunk_sizes, jit_compile):
    """Returns a `tf.function` that samples and evaluates local values, cached per model.

    The function draws one set of samples and returns a list with the local values of
    each operator, computed one operator after the other (control dependencies; under
    XLA, which rejects them on loops, its memory-aware scheduler orders the work), so
    that their working memories do not add up. Reusing one function per (wavefunction,
    operators, chunk sizes, jit_compile) avoids tracing again at every call.
    """
    cache = _COMPILED.setdefault(wavefunction, {})
    key = (tuple(id(operator) for operator in operators), chunk_sizes, jit_compile)
    if key not in cache:
        # A weak reference: a closure holding the model would keep its own cache key alive.
        model = weakref.ref(wavefunction)

        def sample_local_values(n, seed):
            wavefunction = model()
            configs, log_psi = wavefunction.sample(n, seed)
            results = []
            for operator, chunk_size in zip(operators, chunk_sizes, strict=True):
                # XLA schedules for memory itself (and rejects control edges on loops).
                with tf.control_dependencies([] if jit_compile else results[-1:]):
                    results.append(
                        local_values(wavefunction, operator, configs, log_psi, chunk_size)
                    )
            return results

        compiled_fn = compiled.function(sample_local_values, jit_compile)
        cache[key] = (list(operators), compiled_fn)  # keeps the ids alive
    return cache[key][1]
