"""`SpinModel`: the base of Hamiltonians defined by a lattice and a few couplings."""

from kerasnqs import lattice as lattice_lib
from kerasnqs.operators import pauli_strings
from kerasnqs.operators.pauli_sum import PauliSum


class SpinModel(PauliSum):
    """A `PauliSum` built from a lattice and named couplings.

    Subclasses build their Pauli terms from `lattice`, return their couplings from
    `get_config()`, and name them in `couplings` (with their `title`, for print).
    Arithmetic on a model gives a plain `PauliSum`.

    Args:
        lattice: a `kerasnqs.lattice.Lattice`, or the dict of its `get_config()`.
        terms: the `(coefficient, string)` pairs of the Hamiltonian.
    """

    title = "spin model"
    """The model's name in print, such as `"J1-J2"`."""

    couplings = ()
    """The attributes holding the model's real couplings, in the order they are printed."""

    def __init__(self, lattice, terms):
        self.lattice = as_lattice(lattice)
        try:
            pauli_strings.check_coefficient_sum([c for c, _ in terms])
        except ValueError as error:
            couplings = ", ".join(f"`{name}`={getattr(self, name)!r}" for name in self.couplings)
            raise ValueError(
                f"{couplings} on {self.lattice.n_sites} sites: "
                f"{str(error).removeprefix('`terms`: ')}"
            ) from None
        super().__init__(self.lattice.n_sites, terms)

    def describe(self):
        """Returns the model, its lattice and couplings, such as `TFIM chain n=20 open, h=1, J=1`.

        Returns:
            A str.

        Example:

        >>> from kerasnqs.lattice import Chain
        >>> from kerasnqs.operators import TFIM
        >>> TFIM(Chain(20), h=1.0).describe()
        'TFIM chain n=20 open, h=1, J=1'
        """
        config = self.lattice.get_config()
        boundary = "periodic" if self.lattice.pbc else "open"
        if config["name"] == "chain":
            where = f"chain n={config['n']} {boundary}"
        else:
            where = f"square {config['lx']}x{config['ly']} {boundary}"
        values = [f"{key}={getattr(self, key):.12g}" for key in self.couplings]
        if getattr(self, "marshall_sign", False):
            values.append("Marshall sign")
        return f"{self.title} {where}, {', '.join(values)}"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash(repr(self))

    def __repr__(self):
        config = self.get_config()
        config.pop("name")
        config["lattice"] = self.lattice
        arguments = ", ".join(f"{key}={value!r}" for key, value in config.items())
        return f"{type(self).__name__}({arguments})"


def as_lattice(lattice):
    """Returns a `Lattice` from a lattice or its config dict, or raises a `ValueError`."""
    if isinstance(lattice, dict):
        lattice = lattice_lib.from_config(lattice)
    if not isinstance(lattice, lattice_lib.Lattice):
        raise ValueError(
            f"`lattice` must be a kerasnqs.lattice.Lattice, got {type(lattice).__name__}."
        )
    return lattice


def exchange_terms(bonds, coupling):
    """Returns the Pauli terms of `coupling * sum_<ij> S_i . S_j`, with `S = sigma / 2`.

    Args:
        bonds: integer array `(n_bonds, 2)` of site pairs.
        coupling: the exchange constant.

    Returns:
        A list of `(coefficient, string)` pairs: `coupling / 4` times `X X`, `Y Y`, `Z Z`.
    """
    return [
        (coupling / 4, f"{letter}{i} {letter}{j}")
        for i, j in bonds.tolist()
        for letter in pauli_strings.LETTERS
    ]


def marshall_rotated(terms, sublattice):
    """Returns the terms of `U H U^dagger` with `U = prod_{i: sublattice[i] == 1} Z_i`.

    Mathematical details:

    `Z X Z = -X` and `Z Y Z = -Y`, so each Pauli string changes sign once per X or Y
    factor on a site of colour 1. For an exchange bond `S_i . S_j` this flips the sign
    of `X X + Y Y` exactly when the two sites have different colours, which makes every
    off-diagonal element of the antiferromagnetic Heisenberg model on a bipartite
    lattice non-positive (Marshall's sign rule). The rotation is unitary, so the
    spectrum is the same on any lattice, bipartite or not.

    Args:
        terms: a list of `(coefficient, string)` pairs.
        sublattice: the colour (0 or 1) of each site.

    Returns:
        The rotated list of `(coefficient, string)` pairs.
    """
    rotated = []
    for coefficient, label in terms:
        _, key = pauli_strings.parse_label(label, len(sublattice))
        flips = sum(int(sublattice[site]) for site, letter in key if letter in "XY")
        rotated.append(((-1) ** flips * coefficient, label))
    return rotated
