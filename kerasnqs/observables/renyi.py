"""The second Rényi entropy of a region, from two independent sets of exact samples."""

import math

import numpy as np

from kerasnqs import seeds, validation
from kerasnqs.exact.vector_observables import check_region
from kerasnqs.observables import sample_batches as batches_lib
from kerasnqs.observables.correlations import _amplitude_ratios
from kerasnqs.stats import Stats, statistics
from kerasnqs.vmc.estimate import _check_argument_order


def renyi2(wavefunction, region, n_samples=10000, seed=0):
    """Estimates the second Rényi entropy `S_2(A) = -log Tr rho_A^2` of a region.

    Mathematical details (the swap, or replica, estimator; Hastings, González, Kallin
    and Melko, PRL 104, 157201 (2010)): draw two independent samples
    `(a, b)` and `(a', b')` of `|psi|^2`, with `a` the spins of `A` and `b` the rest;
    then

        `Tr rho_A^2 = < psi(a', b) psi(a, b') / (psi(a, b) psi(a', b')) >`,

    and `S_2 = -log` of the mean (natural log). For a complex wavefunction the
    estimator is complex but its expectation is real; its real part is averaged. The
    error is propagated through the log to first order: `error(S_2) = error(T) / T`
    with `T` the mean of the swap estimator (and `variance = Var / T^2`). Pairs are
    formed sample by sample, so `n_samples` pairs cost `2 n_samples` samples and
    `2 n_samples` amplitude evaluations.

    When the variance explodes: the estimator is a ratio of amplitudes, bounded by
    nothing; its relative variance is about `1 / Tr rho_A^2 = exp(S_2) - 1` or worse,
    so the number of samples needed for a fixed error on `S_2` grows like
    `exp(S_2(A))`, exponentially in the size of the boundary of `A` (area law) and
    for large entropies: fine for `S_2` up to about 3 with `10^4 - 10^5` samples,
    hopeless for `S_2` of 10. A region is equivalent to its complement (`S_2(A) =
    S_2(B)` for a pure state) but not its variance; choose either. When the mean
    `T` comes out non-positive (noise larger than the signal) the entropy is `nan`:
    use more samples or a smaller region.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction` (real or complex, with or
            without a magnetization sector).
        region: a list of distinct sites `A`.
        n_samples: the number of sample pairs, an integer >= 2. Defaults to 10000.
        seed: an integer seed; the two sample sets use seeds derived from it.
            Defaults to 0.

    Returns:
        A `kerasnqs.stats.Stats` of floats. `kerasnqs.exact.renyi2_entropy` is the exact
        counterpart.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.observables import renyi2
    >>> model = RNNWavefunction(Chain(6), units=4)
    >>> s2 = renyi2(model, region=[0, 1, 2], n_samples=2000, seed=1)
    >>> bool(-0.2 < s2.mean < 3 * 0.7)
    True
    """
    _check_argument_order(wavefunction, None)
    n_samples = validation.sample_count("n_samples", n_samples)
    region = np.asarray(check_region(region, wavefunction.n_sites), dtype=np.int64)
    swap = swap_estimator_values(wavefunction, region, n_samples, seed)
    trace = statistics(swap)
    mean = -math.log(trace.mean) if trace.mean > 0 else math.nan
    return Stats(
        mean=mean,
        error_of_mean=trace.error_of_mean / abs(trace.mean),
        variance=trace.variance / trace.mean**2,
        n_samples=n_samples,
    )


def swap_estimator_values(wavefunction, region, n_samples, seed):
    """Returns the real swap-estimator values of `n_samples` pairs, float64 `(N,)`.

    Their mean estimates `Tr rho_A^2` (see `renyi2`).
    """
    in_region = np.zeros(wavefunction.n_sites, dtype=bool)
    in_region[np.asarray(region, dtype=np.int64)] = True
    base = seeds.as_seed(seed)
    per_call = batches_lib.samples_per_call(wavefunction, 2, n_samples, None)
    first = batches_lib.sample_batches(wavefunction, n_samples, seeds.fold_in(base, 0), per_call)
    second = batches_lib.sample_batches(wavefunction, n_samples, seeds.fold_in(base, 1), per_call)
    values = []
    for (configs, log_psi), (other, other_log_psi) in zip(first, second, strict=True):
        swapped = np.concatenate(
            [np.where(in_region, other, configs), np.where(in_region, configs, other)]
        )
        swapped_log_psi = np.asarray(wavefunction.log_psi(swapped)).reshape(2, -1).T
        values.append(_product_ratio(swapped_log_psi, log_psi, other_log_psi))
    return np.concatenate(values)


def _product_ratio(swapped_log_psi, log_psi, other_log_psi):
    """`exp(log psi(a', b) + log psi(a, b') - log psi(a, b) - log psi(a', b'))`, real part."""
    total = swapped_log_psi.astype(np.complex128).sum(axis=1)[:, None]
    denominator = np.asarray(log_psi).astype(np.complex128) + np.asarray(other_log_psi)
    return _amplitude_ratios(total, denominator)[:, 0].real
