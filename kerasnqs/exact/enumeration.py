"""Exact properties of a wavefunction by enumerating its configurations.

On small systems every amplitude of a model can be listed: `wavefunction_vector` gives
the normalized state vector in the basis order of `kerasnqs.hilbert.basis`, and
`expectation` the exact `<psi|O|psi>` that Monte Carlo estimates are checked against.
"""

import numpy as np

from kerasnqs import hilbert as hilbert_lib
from kerasnqs.hilbert import basis
from kerasnqs.operators import MAX_DIMENSION, PauliSum

_BATCH = 2**14
"""Configurations evaluated per call of `log_psi`."""


def wavefunction_vector(wavefunction, hilbert=None):
    """Returns the normalized state vector of a wavefunction, by enumeration.

    Every configuration of the space `hilbert` (the whole space, or a sector) is evaluated with
    `wavefunction.log_psi`, in batches; the vector `psi(sigma) = exp(log_psi(sigma))` is
    then divided by its norm, which removes the rounding of the model's normalization
    (and, in a sector the model is not confined to, gives the normalized projection).

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction` (anything with `n_sites` and
            `log_psi`).
        hilbert: `None` (the default) for all `2^n_sites` configurations in basis
            order (configurations outside the model's sector, if it has one, get 0); or
            a `kerasnqs.hilbert.SpinHalf`, for its configurations in the order of
            `hilbert.indices()` (`wavefunction.hilbert` gives the model's own sector).

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
    >>> wavefunction_vector(model, model.hilbert).shape
    (6,)
    """
    n_sites = _n_sites(wavefunction)
    hilbert = hilbert_lib.resolve(hilbert, n_sites)
    indices = _enumerated_indices(hilbert)
    psi = np.empty(len(indices), dtype=np.complex128)
    for start in range(0, len(indices), _BATCH):
        configs = basis.indices_to_configs(indices[start : start + _BATCH], n_sites)
        log_psi = np.asarray(wavefunction.log_psi(configs.astype(np.int32)))
        psi[start : start + _BATCH] = np.exp(log_psi.astype(np.complex128))
    norm = np.linalg.norm(psi)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError(
            f"`wavefunction` has no finite, nonzero amplitude on the {len(indices)} "
            f"configurations of {hilbert!r}; norm {norm}."
        )
    return psi / norm


def expectation(wavefunction, operator):
    """Returns `<psi|O|psi>` exactly, by enumerating the wavefunction's amplitudes.

    The reference a Monte Carlo estimate (`kerasnqs.estimate`) converges to. When the
    wavefunction lives in a magnetization sector (its `hilbert` is a sector) and the
    operator conserves `S^z`, both the vector and the matrix (`operator.to_sparse`) are
    restricted to the sector; otherwise the whole space is used.

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
    hilbert = getattr(wavefunction, "hilbert", None)
    if not operator.conserves_magnetization:
        hilbert = None
    psi = wavefunction_vector(wavefunction, hilbert)
    value = np.vdot(psi, operator.to_sparse(hilbert) @ psi)
    return float(value.real) if operator.is_hermitian else complex(value)


def _n_sites(wavefunction):
    n_sites = getattr(wavefunction, "n_sites", None)
    if not isinstance(n_sites, int) or not hasattr(wavefunction, "log_psi"):
        raise ValueError(
            "`wavefunction` must be a kerasnqs.models.Wavefunction (with n_sites and "
            f"log_psi), got {type(wavefunction).__name__}."
        )
    return n_sites


def _enumerated_indices(hilbert):
    """The basis indices of `hilbert` to enumerate, checked against the limit."""
    if hilbert.size > MAX_DIMENSION:
        raise ValueError(
            f"`wavefunction` has {hilbert.size:,} configurations to enumerate "
            f"({hilbert!r}), above the limit of {MAX_DIMENSION:,}; use a magnetization "
            "sector or fewer sites."
        )
    return hilbert.indices()
