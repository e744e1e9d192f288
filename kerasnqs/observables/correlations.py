"""Two-point spin correlations, structure factors and the staggered magnetization.

All of them are read from one set of exact samples, without building an operator per
pair of sites: for `a = z` the local value of `Z_i Z_j` is the product of the two spins
of the sample; for `a = x, y` the amplitudes of the sample with sites `i` and `j` both
flipped come from one call of `log_psi_of_flips` with the `n (n - 1) / 2` pair masks
(an autoregressive model shares the work before the first flipped site).

Local values of Hermitian operators are real on average; the estimates use their real
parts (for a complex wavefunction the imaginary parts average to zero).
"""

import numpy as np

from kerasnqs import validation
from kerasnqs.exact.vector_observables import check_axis
from kerasnqs.lattice import Chain, Square
from kerasnqs.observables import sample_batches as batches_lib
from kerasnqs.stats import Stats, statistics
from kerasnqs.vmc.estimate import _check_argument_order

N_BLOCKS = 20
"""Blocks of samples for the jackknife errors of connected correlations."""


def correlations(
    wavefunction, axis="z", n_samples=10000, seed=0, connected=False, memory_budget=None
):
    """Estimates the matrix of two-point correlations `<sigma^a_i sigma^a_j>`.

    Mathematical details: the local values are

    - `Z_i Z_j`: `s_i s_j` with `s_i = 1 - 2 sigma_i` (`+1` for spin up);
    - `X_i X_j`: `psi(sigma^(ij)) / psi(sigma)`, where `sigma^(ij)` has sites `i` and
      `j` flipped;
    - `Y_i Y_j`: `-s_i s_j psi(sigma^(ij)) / psi(sigma)`;

    and for the one-point functions of the connected correlation
    `<s_i s_j> - <s_i><s_j>`: `s_i`, `psi(sigma^(i)) / psi(sigma)` and
    `-i s_i psi(sigma^(i)) / psi(sigma)`. The error of a plain correlation is
    `sqrt(Var / N)`; that of a connected one (a product of means) is the jackknife error
    over `N_BLOCKS` blocks of samples, and its `variance` is `N * error^2`.

    Memory: for `x` and `y`, each sample needs `n (n - 1) / 2` (plus `n` when connected)
    amplitudes; samples are evaluated a few at a time so that they fit
    `memory_budget` (see `kerasnqs.vmc.memory_budget`).

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction` with `n` sites.
        axis: `"x"`, `"y"` or `"z"`. Defaults to `"z"`.
        n_samples: the number of exact samples, an integer >= 2. Defaults to 10000.
        seed: an integer seed. Defaults to 0.
        connected: subtract `<sigma^a_i><sigma^a_j>`. Defaults to False.
        memory_budget: bytes or a size such as `"2GB"`; `None` for 1 GiB.

    Returns:
        A `kerasnqs.stats.Stats` whose `mean`, `error_of_mean` and `variance` are
        symmetric float64 arrays `(n, n)`; the diagonal of a plain correlation is 1 with
        no error. `kerasnqs.exact.correlation_matrix` is the exact counterpart.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.observables import correlations
    >>> model = RNNWavefunction(Chain(4), units=4)
    >>> zz = correlations(model, "z", n_samples=500, seed=1)
    >>> zz.mean.shape, float(zz.mean[2, 2]), bool((abs(zz.mean) <= 1).all())
    ((4, 4), 1.0, True)
    """
    axis = _check_arguments(wavefunction, axis, n_samples)
    n = wavefunction.n_sites
    n_samples = int(n_samples)
    pairs = _pairs(n)
    n_blocks = min(N_BLOCKS, n_samples)
    pair_sums = np.zeros((n_blocks, len(pairs)))
    site_sums = np.zeros((n_blocks, n))
    counts = np.zeros(n_blocks)
    pair_squares = np.zeros(len(pairs))
    start = 0
    for pair_values, site_values in _local_values(
        wavefunction, axis, n_samples, seed, memory_budget, with_sites=connected
    ):
        block = (np.arange(start, start + len(pair_values)) * n_blocks) // n_samples
        np.add.at(pair_sums, block, pair_values)
        np.add.at(counts, block, 1)
        if connected:
            np.add.at(site_sums, block, site_values)
        pair_squares += np.sum(pair_values**2, axis=0)
        start += len(pair_values)
    if not connected:
        mean = pair_sums.sum(axis=0) / n_samples
        variance = np.maximum(pair_squares / n_samples - mean**2, 0.0)
        error = np.sqrt(variance / n_samples)
        return Stats(
            mean=_symmetric(mean, pairs, n, 1.0),
            error_of_mean=_symmetric(error, pairs, n, 0.0),
            variance=_symmetric(variance, pairs, n, 0.0),
            n_samples=n_samples,
        )
    full = _connected(pair_sums.sum(0), site_sums.sum(0), n_samples, pairs, n)
    leave_out = [
        _connected(
            pair_sums.sum(0) - pair_sums[b],
            site_sums.sum(0) - site_sums[b],
            n_samples - counts[b],
            pairs,
            n,
        )
        for b in range(n_blocks)
    ]
    leave_out = np.stack(leave_out)
    spread = leave_out - leave_out.mean(axis=0)
    error = np.sqrt((n_blocks - 1) / n_blocks * np.sum(spread**2, axis=0))
    return Stats(mean=full, error_of_mean=error, variance=n_samples * error**2, n_samples=n_samples)


def structure_factor(
    wavefunction, momenta=None, axis="z", n_samples=10000, seed=0, memory_budget=None
):
    """Estimates the static structure factor `S(q)` at one or several momenta.

    Mathematical details: `S(q) = (1/n) sum_{i, j} exp(i q . (r_i - r_j))
    <sigma^a_i sigma^a_j>`, with `r_i` the position of site `i` (`i` on a chain,
    `(x, y)` on a square lattice, unit spacing). Its local value is
    `1 + (2/n) sum_{i < j} cos(q . (r_i - r_j)) (sigma^a_i sigma^a_j)_loc`, one number
    per sample and momentum; for `a = z` it is `(1/n) |sum_j exp(i q . r_j) s_j|^2`.
    The error is `sqrt(Var / N)`.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction` on a `Chain` or `Square` lattice.
        momenta: an array `(n_q, d)` (or `(n_q,)` on a chain) of momenta; `None` (the
            default) for `lattice_momenta(lattice)`.
        axis: `"x"`, `"y"` or `"z"`. Defaults to `"z"`.
        n_samples: the number of exact samples, an integer >= 2. Defaults to 10000.
        seed: an integer seed. Defaults to 0.
        memory_budget: bytes or a size such as `"2GB"`; `None` for 1 GiB.

    Returns:
        A `kerasnqs.stats.Stats` whose `mean`, `error_of_mean` and `variance` are float64
        arrays `(n_q,)`, in the order of `momenta`.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.observables import lattice_momenta, structure_factor
    >>> model = RNNWavefunction(Chain(4), units=4)
    >>> s = structure_factor(model, n_samples=500, seed=1)
    >>> s.mean.shape, bool(np.allclose(lattice_momenta(Chain(4)).ravel() / np.pi, [0, 0.5, 1, 1.5]))
    ((4,), True)
    """  # noqa: E501
    axis = _check_arguments(wavefunction, axis, n_samples)
    positions = site_positions(wavefunction.lattice)
    if momenta is None:
        momenta = lattice_momenta(wavefunction.lattice)
    momenta = _check_momenta(momenta, positions.shape[1])
    n = wavefunction.n_sites
    pairs = _pairs(n)
    separations = positions[pairs[:, 0]] - positions[pairs[:, 1]]
    weights = (2.0 / n) * np.cos(separations @ momenta.T)  # (pairs, n_q)
    return _linear_in_pairs(wavefunction, axis, n_samples, seed, memory_budget, weights, 1.0)


def staggered_magnetization(wavefunction, axis="z", n_samples=10000, seed=0, memory_budget=None):
    """Estimates the squared staggered magnetization `<m_s^2>`.

    Mathematical details: `m_s = (1/n) sum_i eps_i sigma^a_i` with `eps_i = +1` on
    sublattice 0 and `-1` on sublattice 1 (`lattice.sublattice`, a checkerboard), so
    `<m_s^2> = (1/n^2) sum_{i, j} eps_i eps_j <sigma^a_i sigma^a_j>`, whose local value
    is `1/n + (2/n^2) sum_{i < j} eps_i eps_j (sigma^a_i sigma^a_j)_loc`; on a periodic
    bipartite lattice `<m_s^2> = S(q = pi) / n`. The square is returned because its
    estimator is unbiased (the mean of `|m_s|` is not `sqrt(<m_s^2>)`).

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        axis: `"x"`, `"y"` or `"z"`. Defaults to `"z"`.
        n_samples: the number of exact samples, an integer >= 2. Defaults to 10000.
        seed: an integer seed. Defaults to 0.
        memory_budget: bytes or a size such as `"2GB"`; `None` for 1 GiB.

    Returns:
        A `kerasnqs.stats.Stats` of floats.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.observables import staggered_magnetization
    >>> model = RNNWavefunction(Chain(4), units=4)
    >>> 0 <= staggered_magnetization(model, n_samples=500, seed=1).mean <= 1
    True
    """
    axis = _check_arguments(wavefunction, axis, n_samples)
    n = wavefunction.n_sites
    pairs = _pairs(n)
    signs = 1.0 - 2.0 * np.asarray(wavefunction.lattice.sublattice, dtype=np.float64)
    weights = (2.0 / n**2) * (signs[pairs[:, 0]] * signs[pairs[:, 1]])[:, None]
    stats = _linear_in_pairs(wavefunction, axis, n_samples, seed, memory_budget, weights, 1.0 / n)
    return Stats(
        mean=float(stats.mean[0]),
        error_of_mean=float(stats.error_of_mean[0]),
        variance=float(stats.variance[0]),
        n_samples=stats.n_samples,
    )


def site_positions(lattice):
    """Returns the positions of the sites, float64 `(n_sites, d)`: `i` on a `Chain`,
    `(x, y)` (site `y * lx + x`) on a `Square` lattice.

    Example:

    >>> from kerasnqs.lattice import Square
    >>> site_positions(Square(2)).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    """
    sites = np.arange(lattice.n_sites)
    if isinstance(lattice, Chain):
        return sites[:, None].astype(np.float64)
    if isinstance(lattice, Square):
        return np.stack([sites % lattice.lx, sites // lattice.lx], axis=1).astype(np.float64)
    raise ValueError(
        "`wavefunction.lattice` must be a Chain or a Square lattice for a structure "
        f"factor (site positions), got {type(lattice).__name__}."
    )


def lattice_momenta(lattice):
    """Returns the momenta of a lattice's Brillouin zone, float64 `(n_sites, d)`.

    `2 pi k / n`, `k = 0 .. n - 1` on a chain; `(2 pi k_x / l_x, 2 pi k_y / l_y)` on
    a square lattice, `k_x` fastest. These are the allowed momenta of a periodic
    lattice; on an open one `S(q)` is still defined at any `q`.

    Example:

    >>> import numpy as np
    >>> from kerasnqs.lattice import Square
    >>> (lattice_momenta(Square(2)) / np.pi).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    """
    return 2 * np.pi * site_positions(lattice) / np.asarray(lattice.shape, dtype=np.float64)


def _linear_in_pairs(wavefunction, axis, n_samples, seed, memory_budget, weights, constant):
    """`Stats` of `constant + sum_p weights[p, q] (pair p)_loc`, one column per `q`."""
    values = [
        constant + pair_values @ weights
        for pair_values, _ in _local_values(
            wavefunction, axis, int(n_samples), seed, memory_budget, with_sites=False
        )
    ]
    values = np.concatenate(values)
    columns = [statistics(values[:, q]) for q in range(values.shape[1])]
    return Stats(
        mean=np.array([c.mean for c in columns]),
        error_of_mean=np.array([c.error_of_mean for c in columns]),
        variance=np.array([c.variance for c in columns]),
        n_samples=int(n_samples),
    )


def _local_values(wavefunction, axis, n_samples, seed, memory_budget, with_sites):
    """Yields the real local values of the pairs `(b, P)` and sites `(b, n)` (or None)."""
    n = wavefunction.n_sites
    pairs = _pairs(n)
    masks = None
    if axis != "z":
        masks = np.zeros((len(pairs), n), dtype=np.int32)
        masks[np.arange(len(pairs)), pairs[:, 0]] = 1
        masks[np.arange(len(pairs)), pairs[:, 1]] = 1
        if with_sites:
            masks = np.concatenate([masks, np.eye(n, dtype=np.int32)])
    per_call = batches_lib.samples_per_call(
        wavefunction, 0 if masks is None else len(masks), n_samples, memory_budget
    )
    for configs, log_psi in batches_lib.sample_batches(wavefunction, n_samples, seed, per_call):
        signs = 1.0 - 2.0 * configs.astype(np.float64)
        pair_signs = signs[:, pairs[:, 0]] * signs[:, pairs[:, 1]]
        if axis == "z":
            yield pair_signs, signs if with_sites else None
            continue
        ratios = _amplitude_ratios(wavefunction.log_psi_of_flips(configs, masks), log_psi)
        pair_values, site_values = ratios[:, : len(pairs)], ratios[:, len(pairs) :]
        if axis == "y":
            pair_values = -pair_signs * pair_values
            site_values = -1j * signs * site_values if with_sites else site_values
        yield pair_values.real, site_values.real if with_sites else None


def _amplitude_ratios(connected_log_psi, log_psi):
    """`psi(sigma') / psi(sigma)` as complex128, 0 where `psi(sigma') = 0`."""
    connected_log_psi = np.asarray(connected_log_psi).astype(np.complex128)
    log_psi = np.asarray(log_psi).astype(np.complex128)
    outside = np.isneginf(connected_log_psi.real)
    exponent = np.where(outside, 0, connected_log_psi - log_psi[:, None])
    return np.where(outside, 0, np.exp(exponent))


def _connected(pair_sums, site_sums, count, pairs, n):
    """The connected correlation matrix from sums over `count` samples."""
    means = site_sums / count
    plain = _symmetric(pair_sums / count, pairs, n, 1.0)
    return plain - np.outer(means, means)


def _pairs(n):
    """The pairs `i < j`, int array `(n (n - 1) / 2, 2)`."""
    i, j = np.triu_indices(n, k=1)
    return np.stack([i, j], axis=1)


def _symmetric(values, pairs, n, diagonal):
    matrix = np.full((n, n), float(diagonal))
    matrix[pairs[:, 0], pairs[:, 1]] = values
    matrix[pairs[:, 1], pairs[:, 0]] = values
    return matrix


def _check_arguments(wavefunction, axis, n_samples):
    _check_argument_order(wavefunction, None)
    validation.sample_count("n_samples", n_samples)
    return check_axis(axis)


def _check_momenta(momenta, dimension):
    momenta = np.asarray(momenta, dtype=np.float64)
    if momenta.ndim == 1 and dimension == 1:
        momenta = momenta[:, None]
    if momenta.ndim != 2 or momenta.shape[1] != dimension or not np.all(np.isfinite(momenta)):
        raise ValueError(
            f"`momenta` must be a finite array (n_q, {dimension}) of momenta, got shape "
            f"{momenta.shape}."
        )
    return momenta
