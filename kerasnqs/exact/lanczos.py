"""Ground states by exact diagonalization (Lanczos)."""

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from kerasnqs import hilbert as hilbert_lib
from kerasnqs.operators import MAX_DIMENSION, PauliSum

DENSE_LIMIT = 256
"""Matrices up to this dimension are diagonalized densely."""


def ground_state_energy(operator, hilbert=None):
    """Returns the lowest eigenvalue of a Hermitian operator on a Hilbert space.

    The sparse matrix comes from `operator.to_sparse(hilbert)`, so its size limit
    applies (2^22 basis states, see `kerasnqs.operators.MAX_DIMENSION`); in a
    magnetization sector the full space may be larger. The implicitly restarted Lanczos
    method of ARPACK (`scipy.sparse.linalg.eigsh`, `which="SA"`) finds the eigenvalue,
    from a fixed starting vector; matrices of dimension up to 256 use a dense
    `eigvalsh`.

    Args:
        operator: a Hermitian `kerasnqs.operators.PauliSum`.
        hilbert: `None` for the whole space, or a `kerasnqs.hilbert.SpinHalf` (a sector
            of total `S^z`, which the operator must conserve).

    Returns:
        The ground-state energy (the total, not per site), a Python float.

    Example:

    >>> from kerasnqs.exact import ground_state_energy
    >>> from kerasnqs.hilbert import SpinHalf
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import Heisenberg
    >>> round(ground_state_energy(Heisenberg(Chain(2))), 12)
    -0.75
    >>> round(ground_state_energy(Heisenberg(Chain(2)), SpinHalf(2, magnetization=1)), 12)
    0.25
    """
    _check_hermitian(operator)
    matrix = operator.to_sparse(hilbert)
    if matrix.nnz == 0:
        return 0.0
    if matrix.shape[0] <= DENSE_LIMIT:
        return float(scipy.linalg.eigvalsh(matrix.toarray())[0])
    start = np.random.default_rng(0).standard_normal(matrix.shape[0])
    (energy,) = scipy.sparse.linalg.eigsh(
        matrix, k=1, which="SA", v0=start, return_eigenvectors=False
    )
    return float(energy)


def ground_state(operator, hilbert=None):
    """Returns the ground-state energy and vector of a Hermitian operator.

    As `ground_state_energy` (dense `eigh` up to dimension 256, ARPACK Lanczos above),
    with the eigenvector. The vector is always in the full basis of
    `kerasnqs.hilbert.basis` (length `2^n_sites`, site 0 the most significant bit),
    also when a sector is given: the sector's amplitudes are placed at
    `hilbert.indices()` and the rest is zero.
    So `2^n_sites` must not exceed `kerasnqs.operators.MAX_DIMENSION`. The global phase
    is fixed so that the largest amplitude is real and positive. A degenerate ground
    state gives one vector of the ground space.

    Args:
        operator: a Hermitian `kerasnqs.operators.PauliSum`.
        hilbert: `None` for the whole space, or a `kerasnqs.hilbert.SpinHalf` (a sector
            of total `S^z`, which the operator must conserve).

    Returns:
        A pair `(energy, vector)`: a Python float and a complex128 numpy array of unit
        norm and length `2^n_sites`.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.exact import ground_state
    >>> from kerasnqs.hilbert import SpinHalf
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import Heisenberg
    >>> energy, vector = ground_state(Heisenberg(Chain(2)), SpinHalf(2, magnetization=0))
    >>> round(energy, 12), np.round(vector.real, 6).tolist()  # the singlet
    (-0.75, [0.0, 0.707107, -0.707107, 0.0])
    """
    _check_hermitian(operator)
    if 2**operator.n_sites > MAX_DIMENSION:
        raise ValueError(
            f"`operator` has {operator.n_sites} sites: its ground-state vector in the full "
            f"basis would have 2^{operator.n_sites} entries, above the limit of "
            f"{MAX_DIMENSION:,}."
        )
    hilbert = hilbert_lib.resolve(hilbert, operator.n_sites)
    matrix = operator.to_sparse(hilbert)
    if matrix.shape[0] <= DENSE_LIMIT:
        energies, vectors = scipy.linalg.eigh(matrix.toarray())
        energy, vector = energies[0], vectors[:, 0]
    else:
        start = np.random.default_rng(0).standard_normal(matrix.shape[0])
        energies, vectors = scipy.sparse.linalg.eigsh(matrix, k=1, which="SA", v0=start)
        energy, vector = energies[0], vectors[:, 0]
    vector = vector.astype(np.complex128)
    largest = vector[np.argmax(np.abs(vector))]
    vector = vector * (abs(largest) / largest) / np.linalg.norm(vector)
    if not hilbert.is_sector:
        return float(energy), vector
    full = np.zeros(2**operator.n_sites, dtype=np.complex128)
    full[hilbert.indices()] = vector
    return float(energy), full


def _check_hermitian(operator):
    if not isinstance(operator, PauliSum):
        raise ValueError(
            f"`operator` must be a kerasnqs.operators.PauliSum, got {type(operator).__name__}."
        )
    if not operator.is_hermitian:
        raise ValueError(f"`operator` must be Hermitian (real coefficients), got {operator!r}.")
