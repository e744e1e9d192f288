"""Exact properties of a wavefunction by enumerating its configurations.

On small systems every amplitude of a model can be listed: `wavefunction_vector` gives
the normalized state vector in the basis order of `kerasnqs.operators.basis`, and
`expectation` the exact `<psi|O|psi>` that Monte Carlo estimates are checked against.
"""

import numpy as np

from kerasnqs.operators import MAX_DIMENSION, PauliSum, basis

_BATCH = 2**14
"""Configurations evaluated per call of `log_psi`."""


def wavefunction_vector(wavefunction, magnetization=None):
    """Returns the normalized state vector of a wavefunction, by enumeration.

    Every configuration of the space (or of the sector `magnetization`) is evaluated with
    `wavefunction.log_psi`, in batches; the vector `psi(sigma) = exp(log_psi(sigma))` is
    then divided by its norm, which removes the rounding of the model's normalization
    (and, in a sector the model is not confined to, gives the normalized projection).

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction` (anything with `n_sites` and
            `log_psi`).
        magnetization: `None` (the default) for all `2^n_sites` configurations in basis
            order (configurations outside the model's sector, if it has one, get 0); or
            a total `S^z`, for the configurations of that sector in the order of
            `kerasnqs.operators.sector_indices(n_sites, magnetization)`.

    Returns:
        A complex128 numpy array of unit norm, of length `2^n_sites` or the sector size.

    Raises:
        ValueError: for a space above `kerasnqs.operators.MAX_DIMENSION` (2^22) states.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.exact import wavefunction_vector
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> model = RNNWavefunction(Chain(4), units=4, magnetization=0)
    >>> psi = wavefunction_vector(model)
    >>> psi.shape, round(float(np.linalg.norm(psi)), 12)
    ((16,), 1.0)
    >>> wavefunction_vector(model, magnetization=0).shape
    (6,)
    """
    n_sites = _n_sites(wavefunction)
    indices = _enumerated_indices(n_sites, magnetization)
    psi = np.empty(len(indices), dtype=np.complex128)
    for start in range(0, len(indices), _BATCH):
        configs = basis.indices_to_configs(indices[start : start + _BATCH], n_sites)
        log_psi = np.asarray(wavefunction.log_psi(configs.astype(np.int32)))
        psi[start : start + _BATCH] = np.exp(log_psi.astype(np.complex128))
    norm = np.linalg.norm(psi)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError(
            f"`wavefunction` has no finite, nonzero amplitude on the {len(indices)} "
            f"configurations enumerated (magnetization={magnetization!r}); norm {norm}."
        )
    return psi / norm


def expectation(wavefunction, operator):
    """Returns `<psi|O|psi>` exactly, by enumerating the wavefunction's amplitudes.

    The reference a Monte Carlo estimate (`kerasnqs.estimate`) converges to. When the
    wavefunction lives in a magnetization sector (its `magnetization` attribute is not
    `None`) and the operator conserves `S^z`, both the vector and the matrix
    (`operator.to_sparse(magnetization)`) are restricted to the sector; otherwise the
    full space is used.

    Mathematical details: `<O> = sum_{sigma, sigma'} psi(sigma)^* O[sigma, sigma']
    psi(sigma')` with `psi` from `wavefunction_vector` (normalized).

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        operator: a `kerasnqs.operators.PauliSum` on the wavefunction's sites.

    Returns:
        A Python float for a Hermitian operator, else a complex.

    Example:

    >>> from kerasnqs.exact import expectation
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import PauliSum
    >>> model = RNNWavefunction(Chain(4), units=4, magnetization=0)
    >>> round(expectation(model, PauliSum.parse(4, "Z0 + Z1 + Z2 + Z3")), 6)
    0.0
    """
    n_sites = _n_sites(wavefunction)
    if not isinstance(operator, PauliSum):
        raise ValueError(
            f"`operator` must be a kerasnqs.operators.PauliSum, got {type(operator).__name__}."
        )
    if operator.n_sites != n_sites:
        raise ValueError(
            f"`operator` must act on the wavefunction's {n_sites} sites, got {operator.n_sites}."
        )
    magnetization = getattr(wavefunction, "magnetization", None)
    if not operator.conserves_magnetization:
        magnetization = None
    psi = wavefunction_vector(wavefunction, magnetization)
    value = np.vdot(psi, operator.to_sparse(magnetization) @ psi)
    return float(value.real) if operator.is_hermitian else complex(value)


def _n_sites(wavefunction):
    n_sites = getattr(wavefunction, "n_sites", None)
    if not isinstance(n_sites, int) or not hasattr(wavefunction, "log_psi"):
        raise ValueError(
            "`wavefunction` must be a kerasnqs.models.Wavefunction (with n_sites and "
            f"log_psi), got {type(wavefunction).__name__}."
        )
    return n_sites


def _enumerated_indices(n_sites, magnetization):
    """The basis indices to enumerate: all, or the sector's; checked against the limit."""
    dimension = basis.sector_size(n_sites, magnetization)
    if dimension > MAX_DIMENSION:
        raise ValueError(
            f"`wavefunction` has {dimension:,} configurations to enumerate "
            f"({n_sites} sites, magnetization={magnetization!r}), above the limit of "
            f"{MAX_DIMENSION:,}; use a magnetization sector or fewer sites."
        )
    if magnetization is None:
        return np.arange(dimension, dtype=np.int64)
    return basis.sector_indices(n_sites, magnetization)
