"""The transverse-field Ising chain from free fermions: exact energies and correlations."""

import numpy as np
import scipy.linalg

from kerasnqs import validation


def tfim_chain_energy(n, h, J=1.0, pbc=False):
    """Returns the exact ground-state energy of the transverse-field Ising chain.

    The Hamiltonian is that of `kerasnqs.operators.TFIM` on `kerasnqs.lattice.Chain(n,
    pbc)`, `H = -J sum_i Z_i Z_{i+1} - h sum_i X_i` (Pauli matrices, total energy). Any
    signs of `h` and `J` and any `n` are covered; thousands of sites take milliseconds.
    As in `Chain`, a periodic chain of two sites has a single bond.

    Mathematical details:

    A Hadamard rotation on every site turns `H` into `-J sum X_i X_{i+1} - h sum Z_i`,
    and the Jordan-Wigner transformation `Z_i = 1 - 2 c_i^dagger c_i` into a quadratic
    form in the fermions `c_i`.

    Open chain: in Majorana fermions the couplings alternate `h, J, h, ..., J, h` along
    a line of `2n` sites. The quasiparticle energies `eps_k` are twice the singular
    values of the bidiagonal matrix with diagonal `h` and superdiagonal `J`; equivalently
    `+-eps_k` are the eigenvalues of the symmetric tridiagonal `2n x 2n` matrix with zero
    diagonal and off-diagonal `2h, 2J, 2h, ..., 2J, 2h`. The ground-state energy is
    `E_0 = -(1/2) sum_k eps_k`.

    Periodic chain: the boundary bond becomes `-P` times the bulk fermion bond, where
    `P = prod_i Z_i = (-1)^{N_f}` is the fermion parity. The even-parity sector has
    antiperiodic fermions, momenta `k = 2 pi (m + 1/2) / n`; the odd-parity sector has
    periodic fermions, `k = 2 pi m / n`, for `m = 0 .. n - 1`. In each sector the
    modes have `eps_k = 2 sqrt(h^2 + J^2 - 2 h J cos k)` and the Bogoliubov vacuum has
    energy `-(1/2) sum_k eps_k`. Its parity is that of the unpaired modes `k = 0, pi`
    (where `eps_k = 2 |h - J cos k|`) that it fills, those with `h - J cos k < 0`; when
    this parity is not the one the sector requires, the lowest state of the sector
    adds the cheapest excitation, `min_k eps_k`. `E_0` is the lower of the two sectors.

    Args:
        n: the number of sites, an integer >= 2.
        h: the transverse field, a finite real number.
        J: the Ising coupling, a finite real number. Defaults to 1.
        pbc: periodic boundary conditions. Defaults to `False`.

    Returns:
        The ground-state energy (the total, not per site), a Python float.

    Example:

    >>> from kerasnqs.exact import tfim_chain_energy
    >>> round(tfim_chain_energy(2, h=0.0), 12)
    -1.0
    >>> round(tfim_chain_energy(20, h=1.0), 9)
    -25.107797112
    """
    n = validation.integer("n", n, minimum=2)
    h, J = validation.finite_real("h", h), validation.finite_real("J", J)
    pbc = validation.flag("pbc", pbc)
    if pbc and n > 2:
        return _periodic_energy(n, h, J)
    return _open_energy(n, h, J)


def tfim_chain_correlations(n, h, J=1.0):
    """Returns the exact ground-state correlations of the open transverse-field Ising chain.

    The chain is that of `tfim_chain_energy` with `pbc=False`,
    `H = -J sum_i Z_i Z_{i+1} - h sum_i X_i`, whose ground state is unique for `h != 0`.
    The cost is one eigendecomposition of a `2n x 2n` matrix and one determinant per
    pair of sites: chains of hundreds of sites, far past exact diagonalization.

    Mathematical details:

    In the rotated frame of `tfim_chain_energy` (`Z <-> X`), the Majorana operators
    `a_{2i} = (prod_{k<i} Z_k) X_i` and `a_{2i+1} = (prod_{k<i} Z_k) Y_i` give
    `Z_i = -i a_{2i} a_{2i+1}`, `X_i X_{i+1} = -i a_{2i+1} a_{2i+2}`, and
    `H = (i/4) sum_{ml} A_ml a_m a_l` with `A` antisymmetric, `A_{m,m+1} = 2h` for even
    `m` and `2J` for odd `m`. The ground state's `Gamma_ml = <(i/2) [a_m, a_l]>` is
    `i sign(iA)`. Back in the frame of `H`:

        <X_i> = -Gamma_{2i, 2i+1},
        <Z_i Z_j> = det [G_kl]_{k,l = i..j-1},   G_kl = -Gamma_{2k+1, 2l+2}   (i < j),

    the second by Wick's theorem on the string `prod_{k=i}^{j-1} (-i a_{2k+1} a_{2k+2})`.

    Args:
        n: the number of sites, an integer >= 2.
        h: the transverse field, a finite real number, not 0.
        J: the Ising coupling, a finite real number. Defaults to 1.

    Returns:
        `(zz, x)`: the float64 matrix `<Z_i Z_j>`, shape `(n, n)` (ones on the
        diagonal), and the vector `<X_i>`, shape `(n,)`.

    Raises:
        ValueError: for `h = 0`, or when the two lowest states are degenerate to
            machine precision (deep in the ordered phase of a long chain, where their
            splitting falls like `|h / J|^n`).

    Example:

    >>> from kerasnqs.exact import tfim_chain_correlations
    >>> zz, x = tfim_chain_correlations(2, h=1.0)
    >>> round(float(zz[0, 1]), 6), round(float(x[0]), 6)
    (0.447214, 0.894427)
    """
    n = validation.integer("n", n, minimum=2)
    h, J = validation.finite_real("h", h), validation.finite_real("J", J)
    if h == 0:
        raise ValueError("`h` must not be 0: the ground state of the chain is then degenerate.")
    couplings = np.empty(2 * n - 1)
    couplings[0::2], couplings[1::2] = 2 * h, 2 * J
    hopping = np.diag(couplings, 1)
    energies, modes = np.linalg.eigh(1j * (hopping - hopping.T))
    lowest = np.min(np.abs(energies))
    if lowest < 1e-10 * np.max(np.abs(energies)):
        raise ValueError(
            f"The ground state of the chain of n={n} sites at h={h}, J={J} is degenerate "
            f"to machine precision (lowest mode {lowest:.1e}); use fewer sites or a larger |h|."
        )
    gamma = np.real(1j * (modes * np.sign(energies)) @ modes.conj().T)
    x = -np.diagonal(gamma[0::2, 1::2]).copy()
    strings = -gamma[1::2, 2::2]  # G_kl = -Gamma_{2k+1, 2l+2}, shape (n, n - 1)
    zz = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            zz[i, j] = zz[j, i] = np.linalg.det(strings[i:j, i:j])
    return zz, x


def _open_energy(n, h, J):
    """`-(1/2) sum eps_k` from the eigenvalues of the Majorana hopping matrix."""
    couplings = np.empty(2 * n - 1)
    couplings[0::2] = 2 * abs(h)
    couplings[1::2] = 2 * abs(J)
    eigenvalues = scipy.linalg.eigvalsh_tridiagonal(np.zeros(2 * n), couplings)
    return float(-0.25 * np.sum(np.abs(eigenvalues)))


def _periodic_energy(n, h, J):
    """The lower of the two parity sectors' lowest energies."""
    even = _sector_energy(n, h, J, momenta=2 * np.pi * (np.arange(n) + 0.5) / n, parity=0)
    odd = _sector_energy(n, h, J, momenta=2 * np.pi * np.arange(n) / n, parity=1)
    return min(even, odd)


def _sector_energy(n, h, J, momenta, parity):
    """The lowest energy among the states of the given fermion parity."""
    energies = 2 * np.sqrt(np.maximum(h**2 + J**2 - 2 * h * J * np.cos(momenta), 0.0))
    unpaired = np.isclose(np.sin(momenta), 0.0, atol=1e-9)
    filled = np.count_nonzero(h - J * np.cos(momenta[unpaired]) < 0)
    energy = -0.5 * np.sum(energies)
    if filled % 2 != parity:
        energy += np.min(energies)
    return float(energy)
