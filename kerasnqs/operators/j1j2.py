"""`J1J2`: the frustrated J1-J2 Heisenberg model."""

from kerasnqs import validation
from kerasnqs.operators.spin_model import (
    SpinModel,
    as_lattice,
    exchange_terms,
    marshall_rotated,
)


class J1J2(SpinModel):
    """The spin-1/2 J1-J2 Heisenberg model on a lattice, optionally in the Marshall basis.

    Mathematical details:

    `H = j1 sum_<ij> S_i . S_j + j2 sum_<<ij>> S_i . S_j` with `S = sigma / 2`; the first
    sum runs over the lattice's nearest-neighbour `bonds`, the second over its
    `next_nearest_bonds`. With `marshall_sign=True` the operator is `U H U^dagger`,
    `U = prod Z_i` over the sites of sublattice 1: `X X + Y Y` flips sign on the j1
    bonds that join the two sublattices and not on the j2 bonds, whose ends share a
    colour. The spectrum is unchanged. On a periodic chain with an even number of
    sites and `j2 = j1 / 2` (the Majumdar-Ghosh point) the ground-state energy is
    `-3 n j1 / 8`.

    Args:
        lattice: a `kerasnqs.lattice.Lattice`, or the dict of its `get_config()`.
        j2: the next-nearest-neighbour coupling, a finite real number.
        j1: the nearest-neighbour coupling, a finite real number. Defaults to 1.
        marshall_sign: apply the Marshall rotation. Defaults to `False`.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import J1J2
    >>> H = J1J2(Chain(8, pbc=True), j2=0.5)
    >>> H
    J1J2(lattice=Chain(n=8, pbc=True), j2=0.5, j1=1.0, marshall_sign=False)
    >>> H.max_conn
    16
    """

    title = "J1-J2"
    couplings = ("j1", "j2")

    def __init__(self, lattice, j2, j1=1.0, marshall_sign=False):
        lattice = as_lattice(lattice)
        self.j2 = validation.finite_real("j2", j2)
        self.j1 = validation.finite_real("j1", j1)
        self.marshall_sign = validation.flag("marshall_sign", marshall_sign)
        terms = exchange_terms(lattice.bonds, self.j1)
        terms += exchange_terms(lattice.next_nearest_bonds, self.j2)
        if self.marshall_sign:
            terms = marshall_rotated(terms, lattice.sublattice)
        super().__init__(lattice, terms)

    def get_config(self):
        return {
            "name": "j1j2",
            "lattice": self.lattice.get_config(),
            "j2": self.j2,
            "j1": self.j1,
            "marshall_sign": self.marshall_sign,
        }
