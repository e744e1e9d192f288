"""`TFIM`: the transverse-field Ising model."""

from kerasnqs import validation
from kerasnqs.operators.spin_model import SpinModel, as_lattice


class TFIM(SpinModel):
    """The transverse-field Ising model on a lattice.

    Mathematical details:

    `H = -J sum_<ij> Z_i Z_j - h sum_i X_i`, with Pauli matrices and the sum over the
    lattice's nearest-neighbour `bonds`. `J > 0` is ferromagnetic, `J < 0`
    antiferromagnetic; the sign of `h` does not change the spectrum. All matrix
    elements are real; `max_conn` is `n_sites` (one flip per site) when `h != 0`.

    Args:
        lattice: a `kerasnqs.lattice.Lattice`, or the dict of its `get_config()`.
        h: the transverse field, a finite real number.
        J: the Ising coupling, a finite real number. Defaults to 1.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import TFIM
    >>> H = TFIM(Chain(3), h=0.5)
    >>> H
    TFIM(lattice=Chain(n=3, pbc=False), h=0.5, J=1.0)
    >>> print(H)
    -1.0 * Z0 Z1 - 1.0 * Z1 Z2 - 0.5 * X0 - 0.5 * X1 - 0.5 * X2
    >>> H.diagonal([[0, 0, 1]]).numpy().tolist()
    [0.0]
    """

    title = "TFIM"
    couplings = ("h", "J")

    def __init__(self, lattice, h, J=1.0):
        lattice = as_lattice(lattice)
        self.h = validation.finite_real("h", h)
        self.J = validation.finite_real("J", J)
        ising = [(-self.J, f"Z{i} Z{j}") for i, j in lattice.bonds.tolist()]
        field = [(-self.h, f"X{i}") for i in range(lattice.n_sites)]
        super().__init__(lattice, ising + field)

    def get_config(self):
        return {"name": "tfim", "lattice": self.lattice.get_config(), "h": self.h, "J": self.J}
