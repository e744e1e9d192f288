"""Operators: Pauli sums and the spin Hamiltonians built from them."""

from kerasnqs.hilbert.basis import (
    configs_to_indices,
    indices_to_configs,
    sector_indices,
    sector_size,
)
from kerasnqs.operators.heisenberg import Heisenberg
from kerasnqs.operators.j1j2 import J1J2
from kerasnqs.operators.pauli_sum import PauliSum
from kerasnqs.operators.sparse import MAX_DIMENSION
from kerasnqs.operators.spin_model import SpinModel
from kerasnqs.operators.tfim import TFIM

SPIN_MODELS = {"tfim": TFIM, "heisenberg": Heisenberg, "j1j2": J1J2}
"""The spin Hamiltonians by name: the `"name"` of their `get_config()`, which is also
the `--system` of the `kerasnqs` command."""

_OPERATORS = {"pauli_sum": PauliSum, **SPIN_MODELS}


def from_config(config):
    """Rebuilds an operator from the dict returned by its `get_config()`.

    Args:
        config: a dict with a `"name"` key (`"pauli_sum"`, `"tfim"`, `"heisenberg"` or
            `"j1j2"`) and the constructor arguments.

    Returns:
        A `PauliSum` (or one of its subclasses).

    Example:

    >>> from kerasnqs import operators
    >>> operators.from_config(
    ...     {"name": "tfim", "lattice": {"name": "chain", "n": 4, "pbc": True}, "h": 0.5}
    ... )
    TFIM(lattice=Chain(n=4, pbc=True), h=0.5, J=1.0)
    >>> operators.from_config(operators.PauliSum.parse(2, "1j * X0 Y1").get_config())
    PauliSum(n_sites=2, terms=[(1j, 'X0 Y1')])
    """
    if not isinstance(config, dict):
        raise ValueError(f"`config` must be a dict from get_config(), got {config!r}.")
    name = config.get("name")
    if name not in _OPERATORS:
        raise ValueError(
            f"`config` has unknown operator name {name!r}; expected one of {sorted(_OPERATORS)}."
        )
    return _OPERATORS[name].from_config(config)


__all__ = [
    "J1J2",
    "MAX_DIMENSION",
    "TFIM",
    "Heisenberg",
    "SPIN_MODELS",
    "PauliSum",
    "SpinModel",
    "configs_to_indices",
    "from_config",
    "indices_to_configs",
    "sector_indices",
    "sector_size",
]
