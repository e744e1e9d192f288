"""Sparse matrices of Pauli sums in the computational basis (scipy CSR).

The rows are built in chunks of basis states, straight from a `FlipTable`: row `s` has
the diagonal element and one element per flip mask `x`, in column `s XOR x`, with value
`sum_t a_t (-1)^{popcount(s AND z_t)}`. Restricted to a magnetization sector the columns
are found by binary search in the sector's sorted basis indices; elements whose column
leaves the sector are dropped (they vanish for an operator that conserves `S^z`).
"""

import numpy as np
import scipy.sparse

from kerasnqs.hilbert import basis

MAX_DIMENSION = 2**22
"""The largest matrix dimension `to_sparse` builds (4,194,304 basis states)."""

MAX_STORED_ELEMENTS = 2**28
"""The largest number of candidate matrix elements (`dimension * (max_conn + 1)`)."""

_CHUNK = 2**18


def check_size(dimension, max_conn=None):
    """Raises a `ValueError` when a matrix is too large to build.

    Args:
        dimension: the number of basis states (rows).
        max_conn: the number of off-diagonal elements per row, or `None` to check only
            the dimension (which is known before the operator's flip table is built).
    """
    if dimension > MAX_DIMENSION:
        raise ValueError(
            f"The matrix dimension {_format_size(dimension)} exceeds the limit of "
            f"{MAX_DIMENSION:,} "
            f"basis states (2^{MAX_DIMENSION.bit_length() - 1}); use a magnetization "
            "sector or fewer sites."
        )
    if max_conn is not None and dimension * (max_conn + 1) > MAX_STORED_ELEMENTS:
        raise ValueError(
            f"The matrix would hold up to {_format_size(dimension * (max_conn + 1))} elements "
            f"({dimension:,} rows of {max_conn + 1}), above the limit of "
            f"{MAX_STORED_ELEMENTS:,}; use a magnetization sector or fewer sites."
        )


def _format_size(number):
    """`1,048,576`, or `2^100` style for numbers too long to read."""
    return f"{number:,}" if number < 10**15 else f"about 2^{number.bit_length() - 1}"


def to_csr(table, states, is_real):
    """Returns the matrix of a `FlipTable` between the given basis states.

    Args:
        table: the `FlipTable` of the operator.
        states: increasing int64 array of the basis indices spanning rows and columns;
            `None` for the full space.
        is_real: store float64 values instead of complex128.

    Returns:
        A `scipy.sparse.csr_matrix` of shape `(len(states), len(states))`.
    """
    n_sites = table.n_sites
    dimension = 2**n_sites if states is None else len(states)
    flips = _as_integers(table.flip_masks, n_sites)
    signs = _as_integers(table.sign_masks, n_sites)
    amplitudes = table.amplitudes.real if is_real else table.amplitudes
    flips = np.concatenate([np.zeros(1, dtype=np.int64), flips])
    chunks = []
    for start in range(0, dimension, _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, dimension), dtype=np.int64)
        row_states = rows if states is None else states[rows]
        chunks.append(_chunk_rows(row_states, flips, signs, amplitudes, states))
    counts = np.concatenate([c[0] for c in chunks])
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.concatenate([c[1] for c in chunks])
    data = np.concatenate([c[2] for c in chunks])
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(dimension, dimension))


def _chunk_rows(row_states, flips, signs, amplitudes, states):
    """Returns `(nonzeros per row, column indices, values)` for one chunk of rows."""
    values = np.zeros((len(row_states), len(flips)), dtype=amplitudes.dtype)
    for sign_mask, row_amplitudes in zip(signs, amplitudes, strict=True):
        parity = np.bitwise_count(row_states & sign_mask) & 1
        sign = (1 - 2 * parity.astype(np.int8))[:, None]
        used = np.flatnonzero(row_amplitudes)
        values[:, used] += sign * row_amplitudes[used]
    columns = row_states[:, None] ^ flips[None, :]
    if states is not None:
        columns, inside = _positions(states, columns)
        values[~inside] = 0
    order = np.argsort(columns, axis=1)
    columns = np.take_along_axis(columns, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    keep = values != 0
    return keep.sum(axis=1), columns[keep].astype(np.int32), values[keep]


def _positions(states, columns):
    """Returns the positions of `columns` in the sorted `states`, and which are there."""
    positions = np.searchsorted(states, columns)
    positions = np.minimum(positions, len(states) - 1)
    return positions, states[positions] == columns


def _as_integers(masks, n_sites):
    """Returns each 0/1 mask row as its basis index (site 0 is the most significant bit)."""
    if len(masks) == 0:
        return np.zeros(0, dtype=np.int64)
    return basis.configs_to_indices(masks)
