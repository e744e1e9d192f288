"""`Heisenberg`: the spin-1/2 Heisenberg model."""

from kerasnqs import validation
from kerasnqs.operators.spin_model import (
    SpinModel,
    as_lattice,
    exchange_terms,
    marshall_rotated,
)


class Heisenberg(SpinModel):
    """The spin-1/2 Heisenberg model on a lattice, optionally in the Marshall basis.

    Mathematical details:

    `H = J sum_<ij> S_i . S_j` with `S = sigma / 2`, that is
    `(J / 4) sum_<ij> (X_i X_j + Y_i Y_j + Z_i Z_j)`, over the lattice's
    nearest-neighbour `bonds`. `J > 0` is antiferromagnetic, `J < 0` ferromagnetic.
    With `marshall_sign=True` the operator is `U H U^dagger`, `U = prod Z_i` over the
    sites of sublattice 1: the sign of `X X + Y Y` flips on every bond joining the two
    sublattices, and the spectrum is unchanged (see `spin_model.marshall_rotated`).
    On a bipartite lattice with `J > 0` the ground state then has positive amplitudes.
    The model conserves the total `S^z`; `max_conn` is the number of bonds.

    Args:
        lattice: a `kerasnqs.lattice.Lattice`, or the dict of its `get_config()`.
        J: the exchange coupling, a finite real number. Defaults to 1.
        marshall_sign: apply the Marshall rotation. Defaults to `False`.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import Heisenberg
    >>> H = Heisenberg(Chain(2), marshall_sign=True)
    >>> H.to_sparse().toarray()
    array([[ 0.25,  0.  ,  0.  ,  0.  ],
           [ 0.  , -0.25, -0.5 ,  0.  ],
           [ 0.  , -0.5 , -0.25,  0.  ],
           [ 0.  ,  0.  ,  0.  ,  0.25]])
    """

    title = "Heisenberg"
    couplings = ("J",)

    def __init__(self, lattice, J=1.0, marshall_sign=False):
        lattice = as_lattice(lattice)
        self.J = validation.finite_real("J", J)
        self.marshall_sign = validation.flag("marshall_sign", marshall_sign)
        terms = exchange_terms(lattice.bonds, self.J)
        if self.marshall_sign:
            terms = marshall_rotated(terms, lattice.sublattice)
        super().__init__(lattice, terms)

    def get_config(self):
        return {
            "name": "heisenberg",
            "lattice": self.lattice.get_config(),
            "J": self.J,
            "marshall_sign": self.marshall_sign,
        }
