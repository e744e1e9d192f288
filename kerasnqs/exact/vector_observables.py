"""Exact observables of a state vector: spin correlations and Rényi-2 entropies.

The vectors are in the full basis of `kerasnqs.hilbert.basis` (length `2^n_sites`,
site 0 the most significant bit, bit 0 spin up), as returned by `ground_state` and
`wavefunction_vector`. These are the exact counterparts of `kerasnqs.observables`.
"""

import math

import numpy as np

AXES = ("x", "y", "z")


def correlation_matrix(vector, axis="z", connected=False):
    """Returns the exact two-point correlations `<sigma^a_i sigma^a_j>` of a state vector.

    Mathematical details: with `b_i(k)` the bit of site `i` in basis state `k` and
    `m_ij` the mask flipping sites `i` and `j`,

    - `<Z_i Z_j> = sum_k |psi_k|^2 (-1)^(b_i + b_j)`,
    - `<X_i X_j> = sum_k psi_k^* psi_(k XOR m_ij)`,
    - `<Y_i Y_j> = -sum_k psi_k^* psi_(k XOR m_ij) (-1)^(b_i + b_j)`,

    and the connected correlation subtracts `<sigma^a_i> <sigma^a_j>`. The diagonal of
    the plain correlation is 1.

    Args:
        vector: a state vector of length `2^n_sites` (normalized here).
        axis: `"x"`, `"y"` or `"z"`. Defaults to `"z"`.
        connected: return `<s_i s_j> - <s_i><s_j>`. Defaults to False.

    Returns:
        A real float64 numpy array `(n_sites, n_sites)`.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.exact import correlation_matrix
    >>> singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    >>> np.round(correlation_matrix(singlet, "x"), 12).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    psi, n_sites = _normalized(vector)
    axis = check_axis(axis)
    bits = _bits(n_sites)
    signs = 1 - 2 * bits.astype(np.float64)  # (2^n, n): the eigenvalue of Z_i
    probabilities = np.abs(psi) ** 2
    if axis == "z":
        matrix = signs.T @ (probabilities[:, None] * signs)
        means = probabilities @ signs
    else:
        matrix = np.eye(n_sites)
        indices = np.arange(len(psi))
        for i in range(n_sites):
            for j in range(i + 1, n_sites):
                flipped = indices ^ ((1 << (n_sites - 1 - i)) | (1 << (n_sites - 1 - j)))
                products = np.conj(psi) * psi[flipped]
                if axis == "y":
                    products = -products * signs[:, i] * signs[:, j]
                matrix[i, j] = matrix[j, i] = np.sum(products).real
        means = np.array([_one_point(psi, signs, n_sites, i, axis) for i in range(n_sites)])
    if connected:
        matrix = matrix - np.outer(means, means)
    return matrix


def renyi2_entropy(vector, region):
    """Returns the exact second Rényi entropy `S_2(A) = -log Tr rho_A^2` of a region.

    Mathematical details: the vector, reshaped to one axis of size 2 per site and
    transposed so that the sites of `A` come first, is a matrix `M` of shape
    `(2^|A|, 2^|B|)`; `rho_A = M M^dagger` and `Tr rho_A^2 = ||M M^dagger||_F^2`
    (computed as `||M^dagger M||_F^2` when `B` is the smaller side). Natural log.

    Args:
        vector: a state vector of length `2^n_sites` (normalized here).
        region: a list of distinct sites `A`; empty or all sites gives 0.

    Returns:
        A Python float.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.exact import renyi2_entropy
    >>> singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    >>> round(renyi2_entropy(singlet, [0]) / float(np.log(2)), 12)
    1.0
    """
    psi, n_sites = _normalized(vector)
    region = check_region(region, n_sites)
    rest = [site for site in range(n_sites) if site not in region]
    tensor = psi.reshape((2,) * n_sites).transpose(list(region) + rest)
    matrix = tensor.reshape(2 ** len(region), 2 ** len(rest))
    if matrix.shape[0] > matrix.shape[1]:
        matrix = matrix.T
    reduced = matrix @ matrix.conj().T
    purity = float(np.sum(np.abs(reduced) ** 2))
    return -math.log(purity)


def check_axis(axis):
    """Returns `axis` when it is `"x"`, `"y"` or `"z"`, else raises a `ValueError`."""
    if not isinstance(axis, str) or axis not in AXES:
        raise ValueError(f"`axis` must be one of {AXES}, got {axis!r}.")
    return axis


def check_region(region, n_sites):
    """Returns `region` as a tuple of distinct site indices in `[0, n_sites)`.

    Raises:
        ValueError: naming `region`, for anything else.
    """
    try:
        sites = tuple(region)
    except TypeError:
        sites = None
    valid = sites is not None and all(
        isinstance(s, int | np.integer) and not isinstance(s, bool) and 0 <= s < n_sites
        for s in sites
    )
    if not valid or len(set(sites)) != len(sites):
        raise ValueError(
            f"`region` must be a list of distinct sites in [0, {n_sites}), got {region!r}."
        )
    return tuple(int(s) for s in sites)


def _one_point(psi, signs, n_sites, site, axis):
    """`<X_i>` or `<Y_i>` (`Y|b> = i (-1)^b |1 - b>`)."""
    flipped = np.arange(len(psi)) ^ (1 << (n_sites - 1 - site))
    products = np.conj(psi) * psi[flipped]
    if axis == "y":
        products = products * (1j * signs[flipped, site])
    return np.sum(products).real


def _bits(n_sites):
    """`(2^n, n)` array of the bit of each site in each basis state."""
    return (np.arange(2**n_sites)[:, None] >> np.arange(n_sites - 1, -1, -1)) & 1


def _normalized(vector):
    psi = np.asarray(vector, dtype=np.complex128)
    n_sites = int(round(math.log2(psi.size))) if psi.size > 1 else 0
    if psi.ndim != 1 or n_sites < 1 or psi.size != 2**n_sites:
        raise ValueError(
            "`vector` must be a 1D state vector of length 2^n_sites in the full basis, "
            f"got shape {psi.shape}."
        )
    norm = np.linalg.norm(psi)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError(f"`vector` must have a finite, nonzero norm, got {norm}.")
    return psi / norm, n_sites
