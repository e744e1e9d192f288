"""A one-dimensional chain of sites."""

import numpy as np

from kerasnqs.lattice.lattice import Lattice, validate_size


class Chain(Lattice):
    """A chain of `n` sites, open or periodic.

    Nearest-neighbour bonds join `i` and `i + 1`, next-nearest bonds join `i` and `i + 2`
    (with wrap-around when `pbc=True`). The sublattice colour of site `i` is `i % 2`.
    The autoregressive path is the natural order `0, 1, ..., n - 1`, and step `k` reads
    step `k - 1`.

    Symmetries (see `symmetries`): the translation `i -> i + 1 (mod n)` when periodic,
    and the reflection `i -> n - 1 - i`; together they generate the dihedral group of
    `2 n` elements.

    Args:
        n: number of sites, an integer >= 2.
        pbc: periodic boundary conditions. Defaults to `False`.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> chain = Chain(4, pbc=True)
    >>> chain.bonds.tolist()
    [[0, 1], [0, 3], [1, 2], [2, 3]]
    >>> chain.autoregressive_neighbors[:, 0].tolist()
    [-1, 0, 1, 2]
    """

    def __init__(self, n, pbc=False):
        n = validate_size("n", n)
        self.n = n
        sites = np.arange(n)
        bonds = [(i, i + 1) for i in range(n - 1)]
        next_nearest = [(i, i + 2) for i in range(n - 2)]
        if pbc:
            bonds.append((n - 1, 0))
            next_nearest += [(n - 2, 0), (n - 1, 1)] if n > 2 else []
        super().__init__(
            n_sites=n,
            bonds=bonds,
            next_nearest_bonds=next_nearest,
            sublattice=sites % 2,
            order=sites,
            autoregressive_neighbors=(sites - 1)[:, None],
            pbc=pbc,
        )

    @property
    def shape(self):
        """The lattice extent, `(n,)`."""
        return (self.n,)

    def _symmetry_generators(self, kind):
        sites = np.arange(self.n)
        if kind == "translation":
            if not self.pbc:
                raise ValueError("Translations are symmetries of a periodic chain only (pbc=True).")
            return [(sites + 1) % self.n]
        if kind == "reflection":
            return [self.n - 1 - sites]
        return super()._symmetry_generators(kind)

    def get_config(self):
        return {"name": "chain", "n": self.n, "pbc": self.pbc}
