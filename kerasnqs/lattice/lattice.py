"""The base class shared by all lattices."""

import numbers

import numpy as np


def validate_size(name, value, minimum=2):
    """Returns `value` as an int, or raises a `ValueError` naming `name`.

    Args:
        name: the argument's name, used in the message.
        value: the user's value; must be an integer (not a bool) >= `minimum`.
        minimum: the smallest allowed value.

    Returns:
        The value as a Python int.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value}.")
    return int(value)


def _sorted_unique_bonds(pairs):
    """Sorts each pair, drops self-bonds and duplicates, returns an int array (n_bonds, 2)."""
    bonds = sorted({(min(i, j), max(i, j)) for i, j in pairs if i != j})
    return np.asarray(bonds, dtype=np.int64).reshape(-1, 2)


class Lattice:
    """A finite lattice of spin-1/2 sites, with its bonds and autoregressive path.

    Subclasses fill in the geometry; this class holds what every model and operator
    reads: `n_sites`, the nearest- and next-nearest-neighbour `bonds`, a two-colouring
    `sublattice` (used by the Marshall sign), the autoregressive `order` in which an RNN
    visits the sites, and `autoregressive_neighbors`, the earlier steps an RNN reads
    at each step.

    Sites are numbered `0 .. n_sites - 1`. Steps of the autoregressive path are
    numbered the same way: step `k` visits site `order[k]`.

    Args:
        n_sites: number of sites.
        bonds: pairs `(i, j)` of nearest-neighbour sites.
        next_nearest_bonds: pairs `(i, j)` of next-nearest-neighbour sites.
        sublattice: the colour (0 or 1) of each site.
        order: the site visited at each step of the autoregressive path.
        autoregressive_neighbors: for each step, the earlier steps whose hidden states
            and spins an RNN reads, `-1` where there is none; shape `(n_sites, k)`.
        pbc: whether the boundary conditions are periodic.
    """

    def __init__(
        self, n_sites, bonds, next_nearest_bonds, sublattice, order, autoregressive_neighbors, pbc
    ):
        self.n_sites = n_sites
        self.pbc = bool(pbc)
        self.bonds = _sorted_unique_bonds(bonds)
        self.next_nearest_bonds = _sorted_unique_bonds(next_nearest_bonds)
        self.sublattice = np.asarray(sublattice, dtype=np.int64)
        self.order = np.asarray(order, dtype=np.int64)
        self.autoregressive_neighbors = np.asarray(autoregressive_neighbors, dtype=np.int64)

    @property
    def is_bipartite(self):
        """True when every nearest-neighbour bond joins the two sublattices."""
        colours = self.sublattice[self.bonds]
        return bool(np.all(colours[:, 0] != colours[:, 1]))

    def get_config(self):
        """Returns a JSON-serializable dict from which `from_config` rebuilds the lattice."""
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
