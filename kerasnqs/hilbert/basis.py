"""The computational basis: basis indices, configurations and magnetization sectors.

Basis index `k` holds the configuration whose site `i` is `(k >> (n_sites - 1 - i)) & 1`
(site 0 is the most significant bit; 0 is spin up, 1 is spin down). The magnetization
of a configuration is `S^z = (n_up - n_down) / 2`.
"""

import math
import numbers

import numpy as np

from kerasnqs import validation

MAX_SITES = 62
"""The largest number of sites whose basis indices fit in an int64."""


def configs_to_indices(configs):
    """Returns the basis index of each configuration.

    Args:
        configs: integer array `(batch, n_sites)` of 0s and 1s, `n_sites <= 62`.

    Returns:
        An int64 numpy array `(batch,)`.

    Example:

    >>> configs_to_indices([[0, 0, 1], [1, 1, 0]]).tolist()
    [1, 6]
    """
    configs = np.asarray(configs, dtype=np.int64)
    if configs.ndim != 2 or configs.shape[1] > MAX_SITES:
        raise ValueError(
            f"`configs` must have shape (batch, n_sites) with n_sites <= {MAX_SITES}, "
            f"got shape {configs.shape}."
        )
    weights = np.left_shift(1, np.arange(configs.shape[1] - 1, -1, -1, dtype=np.int64))
    return configs @ weights


def indices_to_configs(indices, n_sites):
    """Returns the configurations held by basis indices.

    Args:
        indices: integer array `(batch,)` of basis indices.
        n_sites: the number of sites, at most 62.

    Returns:
        An int8 numpy array `(batch, n_sites)` of 0s and 1s.

    Example:

    >>> indices_to_configs([1, 6], n_sites=3).tolist()
    [[0, 0, 1], [1, 1, 0]]
    """
    n_sites = _check_n_sites(n_sites)
    indices = np.asarray(indices, dtype=np.int64)
    shifts = np.arange(n_sites - 1, -1, -1, dtype=np.int64)
    return ((indices[:, None] >> shifts) & 1).astype(np.int8)


def n_down_spins(n_sites, magnetization, argument="magnetization"):
    """Returns the number of down spins in the sector `S^z = magnetization`.

    Args:
        n_sites: the number of sites.
        magnetization: the total `S^z = (n_up - n_down) / 2`; `n_sites / 2 - magnetization`
            must be an integer between 0 and `n_sites`.
        argument: the user-facing argument name used in the error message.

    Returns:
        The number of down spins, an int.
    """
    valid = (
        isinstance(magnetization, numbers.Real)
        and not isinstance(magnetization, bool)
        and math.isfinite(magnetization)
    )
    n_down = n_sites / 2 - magnetization if valid else None
    if n_down is None or n_down != int(n_down) or not 0 <= n_down <= n_sites:
        raise ValueError(
            f"`{argument}` must be one of -{n_sites / 2:g}, -{n_sites / 2 - 1:g}, ..., "
            f"{n_sites / 2:g} for {n_sites} sites (total S^z with S = sigma / 2), "
            f"got {magnetization!r}."
        )
    return int(n_down)


def sector_size(n_sites, magnetization=None):
    """Returns the number of basis states, in the sector `magnetization` when given.

    Example:

    >>> sector_size(20, magnetization=0)
    184756
    """
    if magnetization is None:
        return 2**n_sites
    return math.comb(n_sites, n_down_spins(n_sites, magnetization))


def sector_indices(n_sites, magnetization):
    """Returns the basis indices of the sector `S^z = magnetization`, in increasing order.

    The indices are built sector by sector (no array over the full space): the states of
    `n` bits with `d` ones are those of `n - 1` bits with `d` ones, followed by
    `2^(n-1)` plus those of `n - 1` bits with `d - 1` ones.

    Args:
        n_sites: the number of sites, at most 62.
        magnetization: the total `S^z = (n_up - n_down) / 2`.

    Returns:
        An increasing int64 numpy array of length `binomial(n_sites, n_down)`.

    Example:

    >>> sector_indices(4, magnetization=1).tolist()
    [1, 2, 4, 8]
    >>> sector_indices(4, magnetization=0).tolist()
    [3, 5, 6, 9, 10, 12]
    """
    n_sites = _check_n_sites(n_sites)
    n_down = n_down_spins(n_sites, magnetization)
    # table[d] holds the states of `bits` bits with `d` ones, for d <= n_down.
    table = [np.zeros(1, dtype=np.int64)] + [np.zeros(0, dtype=np.int64)] * n_down
    for bits in range(n_sites):
        top = np.int64(1) << bits
        table = [table[0]] + [
            np.concatenate([table[d], top + table[d - 1]]) for d in range(1, n_down + 1)
        ]
    return table[n_down]


def _check_n_sites(n_sites):
    n_sites = validation.integer("n_sites", n_sites)
    if n_sites > MAX_SITES:
        raise ValueError(f"`n_sites` must be at most {MAX_SITES} here, got {n_sites}.")
    return n_sites
