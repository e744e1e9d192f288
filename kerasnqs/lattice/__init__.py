"""Lattices: sites, bonds, sublattices and the autoregressive path an RNN follows."""

from kerasnqs.lattice import permutations
from kerasnqs.lattice.chain import Chain
from kerasnqs.lattice.lattice import SYMMETRY_KINDS, Lattice
from kerasnqs.lattice.square import Square

_LATTICES = {"chain": Chain, "square": Square}


def from_config(config):
    """Rebuilds a lattice from the dict returned by its `get_config()`.

    Args:
        config: a dict with a `"name"` key (`"chain"` or `"square"`) and the
            constructor arguments.

    Returns:
        A `Lattice`.

    Example:

    >>> from kerasnqs import lattice
    >>> lattice.from_config({"name": "chain", "n": 6, "pbc": True})
    Chain(n=6, pbc=True)
    """
    config = dict(config)
    name = config.pop("name", None)
    if name not in _LATTICES:
        raise ValueError(f"Unknown lattice name {name!r}; expected one of {sorted(_LATTICES)}.")
    return _LATTICES[name](**config)


__all__ = ["SYMMETRY_KINDS", "Chain", "Lattice", "Square", "from_config", "permutations"]
