"""A two-dimensional square lattice."""

import numpy as np

from kerasnqs.lattice.lattice import Lattice, validate_size


class Square(Lattice):
    """A rectangular patch of the square lattice, `lx` columns by `ly` rows.

    Site `(x, y)` has index `y * lx + x` (row-major). Nearest-neighbour bonds join
    horizontal and vertical neighbours; next-nearest bonds join the two diagonal
    neighbours. The sublattice colour of `(x, y)` is `(x + y) % 2`.

    The autoregressive path is a zigzag (snake): row 0 left to right, row 1 right to
    left, and so on. `autoregressive_neighbors[k]` holds two earlier steps for the 2D RNN:
    column 0 is the horizontal neighbour visited just before along the row, column 1 the
    vertical neighbour in the row above; `-1` where there is none. Periodic bonds do not
    add RNN neighbours (the wrap-around neighbour is not yet visited, or not adjacent on
    the path).

    Symmetries (see `symmetries`): the translations by one column and by one row when
    periodic; the reflections `x -> lx - 1 - x` and `y -> ly - 1 - y`, and the diagonal
    one `(x, y) -> (y, x)` when `lx == ly`; the rotation by 90 degrees
    `(x, y) -> (lx - 1 - y, x)` about the centre when `lx == ly`, by 180 degrees
    otherwise. Reflections generate the point group, `C4v` (8 elements) when
    `lx == ly`, `C2v` (4 elements) otherwise.

    Args:
        lx: number of columns, an integer >= 2.
        ly: number of rows, an integer >= 2. Defaults to `lx`.
        pbc: periodic boundary conditions in both directions. Defaults to `False`.

    Example:

    >>> from kerasnqs.lattice import Square
    >>> square = Square(3, 2)
    >>> square.order.tolist()
    [0, 1, 2, 5, 4, 3]
    >>> square.autoregressive_neighbors.tolist()
    [[-1, -1], [0, -1], [1, -1], [-1, 2], [3, 1], [4, 0]]
    """

    def __init__(self, lx, ly=None, pbc=False):
        lx = validate_size("lx", lx)
        ly = lx if ly is None else validate_size("ly", ly)
        self.lx, self.ly = lx, ly

        def index(x, y):
            return (y % ly) * lx + (x % lx)

        bonds, next_nearest = [], []
        for y in range(ly):
            for x in range(lx):
                if pbc or x + 1 < lx:
                    bonds.append((index(x, y), index(x + 1, y)))
                if pbc or y + 1 < ly:
                    bonds.append((index(x, y), index(x, y + 1)))
                if pbc or (x + 1 < lx and y + 1 < ly):
                    next_nearest.append((index(x, y), index(x + 1, y + 1)))
                if pbc or (x >= 1 and y + 1 < ly):
                    next_nearest.append((index(x, y), index(x - 1, y + 1)))

        order = [index(x if y % 2 == 0 else lx - 1 - x, y) for y in range(ly) for x in range(lx)]
        step_of_site = np.empty(lx * ly, dtype=np.int64)
        step_of_site[order] = np.arange(lx * ly)
        neighbors = []
        for step, site in enumerate(order):
            x, y = site % lx, site // lx
            horizontal = step - 1 if step % lx != 0 else -1
            vertical = step_of_site[index(x, y - 1)] if y > 0 else -1
            neighbors.append((horizontal, vertical))

        xs, ys = np.meshgrid(np.arange(lx), np.arange(ly))
        super().__init__(
            n_sites=lx * ly,
            bonds=bonds,
            next_nearest_bonds=next_nearest,
            sublattice=((xs + ys) % 2).ravel(),
            order=order,
            autoregressive_neighbors=neighbors,
            pbc=pbc,
        )

    @property
    def shape(self):
        """The lattice extent, `(lx, ly)`."""
        return (self.lx, self.ly)

    def _symmetry_generators(self, kind):
        xs, ys = np.arange(self.n_sites) % self.lx, np.arange(self.n_sites) // self.lx
        lx, ly = self.lx, self.ly

        def site(x, y):
            return (y % ly) * lx + (x % lx)

        if kind == "translation":
            if not self.pbc:
                raise ValueError(
                    "Translations are symmetries of a periodic square lattice only (pbc=True)."
                )
            return [site(xs + 1, ys), site(xs, ys + 1)]
        if kind == "reflection":
            mirrors = [site(lx - 1 - xs, ys), site(xs, ly - 1 - ys)]
            return mirrors + ([site(ys, xs)] if lx == ly else [])
        if kind == "rotation":
            if lx == ly:
                return [site(lx - 1 - ys, xs)]
            return [site(lx - 1 - xs, ly - 1 - ys)]
        return super()._symmetry_generators(kind)

    def get_config(self):
        return {"name": "square", "lx": self.lx, "ly": self.ly, "pbc": self.pbc}
