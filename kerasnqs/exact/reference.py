"""The best exact reference energy available for an operator."""

from kerasnqs.exact.free_fermions import tfim_chain_energy
from kerasnqs.exact.lanczos import ground_state_energy
from kerasnqs.lattice import Chain
from kerasnqs.operators import J1J2, MAX_DIMENSION, TFIM, Heisenberg, sector_size


def exact_energy(operator, magnetization=None):
    """Returns `(energy, method)`: the exact ground-state energy and how it was found.

    The TFIM on a chain uses the free-fermion solution (any size). Heisenberg and J1-J2
    models are SU(2) symmetric, so every energy level has a member in the sector of
    smallest `|S^z|`; their ground state is searched there (with Lanczos), which is much
    cheaper than the full space. Every other operator is diagonalized by Lanczos in the
    sector `magnetization` when given, or in the full space.

    Args:
        operator: a Hermitian `kerasnqs.operators.PauliSum`.
        magnetization: `None`, or the `S^z` sector to search.

    Returns:
        A pair `(energy, method)` of a float and a short description.

    Raises:
        ValueError: when the space to diagonalize is above the size limit.

    Example:

    >>> from kerasnqs.exact import exact_energy
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import Heisenberg
    >>> energy, method = exact_energy(Heisenberg(Chain(8, pbc=True)))
    >>> round(energy, 8), method
    (-3.65109341, 'Lanczos, S^z = 0 sector of dimension 70')
    """
    if isinstance(operator, TFIM) and isinstance(operator.lattice, Chain) and magnetization is None:
        chain = operator.lattice
        return tfim_chain_energy(chain.n, operator.h, operator.J, chain.pbc), "free fermions"
    if isinstance(operator, Heisenberg | J1J2) and magnetization is None:
        sector = (operator.n_sites % 2) / 2
        energy = ground_state_energy(operator, sector)
        dimension = sector_size(operator.n_sites, sector)
        return energy, f"Lanczos, S^z = {sector:g} sector of dimension {dimension}"
    energy = ground_state_energy(operator, magnetization)
    dimension = sector_size(operator.n_sites, magnetization)
    return energy, f"Lanczos, dimension {dimension}"


def reference_energy(operator, magnetization=None):
    """Like `exact_energy`, but returns `(None, reason)` when no exact answer is affordable.

    Args:
        operator: a Hermitian `kerasnqs.operators.PauliSum`.
        magnetization: `None`, or the `S^z` sector to search.

    Returns:
        `(energy, method)`, or `(None, reason)` when the space is above the size limit.

    Example:

    >>> from kerasnqs.exact import reference_energy
    >>> from kerasnqs.lattice import Square
    >>> from kerasnqs.operators import TFIM
    >>> reference_energy(TFIM(Square(6), h=3.0))
    (None, 'no exact reference: 36 sites is above the Lanczos limit')
    """
    try:
        return exact_energy(operator, magnetization)
    except ValueError as error:
        if sector_size(operator.n_sites, magnetization) <= MAX_DIMENSION:
            raise
        del error
        return None, f"no exact reference: {operator.n_sites} sites is above the Lanczos limit"
