"""Summary statistics of Monte Carlo estimates: `Stats` and `statistics`.

The statistics of samples belong to no training method, so they live at the bottom of
the package (as `netket.stats` does): `kerasnqs.vmc`, `kerasnqs.observables` and
`kerasnqs.zoo` all read them from here. `kerasnqs.vmc.Stats` and
`kerasnqs.vmc.statistics` remain the same objects.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Stats:
    """The statistics of a Monte Carlo estimate from independent samples.

    Autoregressive wavefunctions are sampled exactly, so the samples are independent and
    the error of the mean needs no autocorrelation correction.

    Mathematical details: for local values `x_1 .. x_N`,
    `mean = (1/N) sum_i x_i`, `variance = (1/N) sum_i |x_i - mean|^2` and
    `error_of_mean = sqrt(variance / N)`.

    Args:
        mean: the sample mean (complex when the local values are complex); numpy
            arrays for `mean`, `error_of_mean` and `variance` hold many estimates
            at once, element by element (as `kerasnqs.observables` returns).
        error_of_mean: the standard error of the mean.
        variance: the sample variance of the local values.
        n_samples: the number of samples.

    Example:

    >>> from kerasnqs.stats import statistics
    >>> stats = statistics([1.0, 2.0, 3.0, 4.0])
    >>> stats.mean, stats.variance
    (2.5, 1.25)
    >>> round(stats.error_of_mean, 4)
    0.559
    """

    mean: float | complex
    error_of_mean: float
    variance: float
    n_samples: int

    def to_dict(self):
        """Returns the statistics as a JSON-serializable dict (the real part of the mean)."""
        if np.ndim(self.mean) > 0:  # arrays of estimates (kerasnqs.observables)
            return {
                "mean": np.real(self.mean).tolist(),
                "error_of_mean": np.asarray(self.error_of_mean).tolist(),
                "variance": np.asarray(self.variance).tolist(),
                "n_samples": int(self.n_samples),
            }
        return {
            "mean": float(np.real(self.mean)),
            "error_of_mean": float(self.error_of_mean),
            "variance": float(self.variance),
            "n_samples": int(self.n_samples),
        }

    def __str__(self):
        if np.ndim(self.mean) > 0:
            return f"Stats of shape {np.shape(self.mean)} [N={self.n_samples}]"
        mean = np.real(self.mean)
        return f"{mean:.8g} ± {self.error_of_mean:.2g} [σ²={self.variance:.3g}, N={self.n_samples}]"


def v_score(variance, energy, n_sites):
    """Returns the V-score of an energy estimate, or `None` when it is undefined.

    The V-score of varbench (Wu et al., arXiv 2302.04919) measures a variational state's
    quality without an exact energy, comparably across methods and sizes: it is zero
    for an eigenstate.

    Mathematical details: `V = N Var(E_loc) / E^2`, with `N` the number of sites
    (degrees of freedom) and `E` the energy; undefined for `E = 0`.

    Args:
        variance: the variance of the local energy, or `None`.
        energy: the energy estimate (its real part counts), or `None`.
        n_sites: the number of sites `N`, or `None`.

    Returns:
        A float, or `None` when a factor is missing or `E` is zero.

    Example:

    >>> v_score(variance=0.02, energy=-25.1, n_sites=20)  # doctest: +ELLIPSIS
    0.000634...
    """
    if variance is None or energy is None or n_sites is None:
        return None
    energy = float(np.real(energy))
    return float(n_sites * variance / energy**2) if energy else None


def statistics(values):
    """Returns the `Stats` of independent samples of a local estimator.

    Args:
        values: a 1D array-like (or tensor) of real or complex local values.

    Returns:
        A `Stats` object.

    Example:

    >>> from kerasnqs.stats import statistics
    >>> statistics([0.0, 0.0]).error_of_mean
    0.0
    """
    values = np.asarray(values)
    values = values.astype(np.complex128 if np.iscomplexobj(values) else np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"`values` must be a non-empty 1D array, got shape {values.shape}.")
    mean = values.mean()
    variance = float(np.mean(np.abs(values - mean) ** 2))
    mean = complex(mean) if np.iscomplexobj(values) else float(mean)
    return Stats(
        mean=mean,
        error_of_mean=float(np.sqrt(variance / values.size)),
        variance=variance,
        n_samples=int(values.size),
    )
