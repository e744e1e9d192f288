"""The best exact reference energy available for an operator, and the relative error."""

import numpy as np

from kerasnqs import hilbert as hilbert_lib
from kerasnqs.exact.free_fermions import tfim_chain_energy
from kerasnqs.exact.lanczos import ground_state_energy
from kerasnqs.lattice import Chain, Square
from kerasnqs.operators import J1J2, MAX_DIMENSION, TFIM, Heisenberg


def exact_energy(operator, hilbert=None):
    """Returns `(energy, method)`: the exact ground-state energy and how it was found.

    The TFIM on a chain uses the free-fermion solution (any size). Heisenberg and J1-J2
    models are SU(2) symmetric, so every energy level has a member in the sector of
    smallest `|S^z|`; their ground state is searched there (with Lanczos), which is much
    cheaper than the full space. Every other operator is diagonalized by Lanczos on
    `hilbert`: a sector when given one, else the whole space.

    Args:
        operator: a Hermitian `kerasnqs.operators.PauliSum`.
        hilbert: `None` (the whole space) or a `kerasnqs.hilbert.SpinHalf`, for example
            a model's `hilbert`.

    Returns:
        A pair `(energy, method)` of a float and a short description.

    Raises:
        ValueError: when the space to diagonalize is above the size limit.

    Example:

    >>> from kerasnqs.exact import exact_energy
    >>> from kerasnqs.lattice import Chain, Square
    >>> from kerasnqs.operators import Heisenberg
    >>> energy, method = exact_energy(Heisenberg(Chain(8, pbc=True)))
    >>> round(energy, 8), method
    (-3.65109341, 'Lanczos, S^z = 0 sector of dimension 70')
    """
    hilbert = hilbert_lib.resolve(hilbert, operator.n_sites)
    if isinstance(operator, TFIM) and isinstance(operator.lattice, Chain) and not hilbert.is_sector:
        chain = operator.lattice
        return tfim_chain_energy(chain.n, operator.h, operator.J, chain.pbc), "free fermions"
    if isinstance(operator, Heisenberg | J1J2) and not hilbert.is_sector:
        sector = hilbert_lib.SpinHalf(operator.n_sites, (operator.n_sites % 2) / 2)
        energy = ground_state_energy(operator, sector)
        return energy, (
            f"Lanczos, S^z = {sector.magnetization:g} sector of dimension {sector.size}"
        )
    energy = ground_state_energy(operator, hilbert)
    return energy, f"Lanczos, dimension {hilbert.size}"


PUBLISHED = {("heisenberg", "square", 6, 6, False): (-0.60352184 * 36, "ED, varbench")}
"""Exact energies beyond Lanczos here, for `J = 1` (`S = sigma / 2`, totals), by
`(model, lattice, lx, ly, pbc)`: the open 6x6 Heisenberg model, -0.60352184 per site by
exact diagonalization in the varbench collection (Wu et al., arXiv 2302.04919)."""


def reference_energy(operator, hilbert=None):
    """Like `exact_energy`, but returns `(None, reason)` when no exact answer is affordable.

    Past the size limit, a published exact energy (`PUBLISHED`) is returned when there is
    one for the operator.

    Args:
        operator: a Hermitian `kerasnqs.operators.PauliSum`.
        hilbert: `None` (the whole space) or a `kerasnqs.hilbert.SpinHalf`.

    Returns:
        `(energy, method)`, or `(None, reason)` when the space is above the size limit.

    Example:

    >>> from kerasnqs.exact import reference_energy
    >>> from kerasnqs.lattice import Square
    >>> from kerasnqs.operators import TFIM
    >>> reference_energy(TFIM(Square(6), h=3.0))
    (None, 'no exact reference: 36 sites is above the Lanczos limit')
    >>> from kerasnqs.operators import Heisenberg
    >>> reference_energy(Heisenberg(Square(6)))
    (-21.72678624, 'ED, varbench')
    """
    hilbert = hilbert_lib.resolve(hilbert, operator.n_sites)
    try:
        return exact_energy(operator, hilbert)
    except ValueError as error:
        if hilbert.size <= MAX_DIMENSION:
            raise
        del error
        published = _published_energy(operator, hilbert)
        if published is not None:
            return published
        return None, f"no exact reference: {operator.n_sites} sites is above the Lanczos limit"


def _published_energy(operator, hilbert):
    """The `PUBLISHED` `(energy, source)` of an operator's ground state, or None."""
    lattice = operator.lattice
    if not (isinstance(operator, Heisenberg) and isinstance(lattice, Square)):
        return None
    if operator.J != 1.0 or hilbert.magnetization not in (None, 0):
        return None
    return PUBLISHED.get(("heisenberg", "square", lattice.lx, lattice.ly, lattice.pbc))


def relative_error(energy, reference):
    """Returns the relative error of `energy` against a `reference` energy.

    Mathematical details:

    `|E - E_ref| / |E_ref|`; a complex `E` counts by the modulus of `E - E_ref`.

    Args:
        energy: a number, or an array of numbers (for example a training curve).
        reference: the reference energy, a nonzero real number.

    Returns:
        A float, or a NumPy array of the shape of `energy`.

    Raises:
        ValueError: naming `reference` when it is zero.

    Example:

    >>> from kerasnqs.exact import relative_error
    >>> round(relative_error(-9.9, -10.0), 12)
    0.01
    >>> relative_error([-9.0, -11.0], -10.0).tolist()
    [0.1, 0.1]
    """
    if reference == 0:
        raise ValueError("`reference` must be a nonzero energy, got 0.")
    error = np.abs(np.asarray(energy) - reference) / abs(reference)
    return float(error) if error.ndim == 0 else error
