"""Ground-state energies by exact diagonalization (Lanczos)."""

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from kerasnqs.operators import PauliSum

DENSE_LIMIT = 256
"""Matrices up to this dimension are diagonalized densely."""


def ground_state_energy(operator, magnetization=None):
    """Returns the lowest eigenvalue of a Hermitian operator.

    The sparse matrix comes from `operator.to_sparse(magnetization)`, so its size limit
    applies (2^22 basis states, see `kerasnqs.operators.MAX_DIMENSION`); in a
    magnetization sector the full space may be larger. The implicitly restarted Lanczos
    method of ARPACK (`scipy.sparse.linalg.eigsh`, `which="SA"`) finds the eigenvalue,
    from a fixed starting vector; matrices of dimension up to 256 use a dense
    `eigvalsh`.

    Args:
        operator: a Hermitian `kerasnqs.operators.PauliSum`.
        magnetization: `None` for the full space, or the total `S^z` of the sector to
            search; the operator must conserve `S^z`.

    Returns:
        The ground-state energy (the total, not per site), a Python float.

    Example:

    >>> from kerasnqs.exact import ground_state_energy
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import Heisenberg
    >>> round(ground_state_energy(Heisenberg(Chain(2))), 12)
    -0.75
    >>> round(ground_state_energy(Heisenberg(Chain(2)), magnetization=1), 12)
    0.25
    """
    if not isinstance(operator, PauliSum):
        raise ValueError(
            f"`operator` must be a kerasnqs.operators.PauliSum, got {type(operator).__name__}."
        )
    if not operator.is_hermitian:
        raise ValueError(f"`operator` must be Hermitian (real coefficients), got {operator!r}.")
    matrix = operator.to_sparse(magnetization)
    if matrix.nnz == 0:
        return 0.0
    if matrix.shape[0] <= DENSE_LIMIT:
        return float(scipy.linalg.eigvalsh(matrix.toarray())[0])
    start = np.random.default_rng(0).standard_normal(matrix.shape[0])
    (energy,) = scipy.sparse.linalg.eigsh(
        matrix, k=1, which="SA", v0=start, return_eigenvectors=False
    )
    return float(energy)
