"""Observables from exact samples: correlations, structure factors, Rényi-2 entropies.

Each function draws one set of exact samples (two for `renyi2`) and returns a
`kerasnqs.stats.Stats` with error bars; `kerasnqs.exact` holds the exact counterparts
for small systems (`correlation_matrix`, `renyi2_entropy`). Several operators given as
`PauliSum`s are estimated from one sample set by `kerasnqs.estimate` with a dict.
"""

from kerasnqs.observables.correlations import (
    correlations,
    lattice_momenta,
    site_positions,
    staggered_magnetization,
    structure_factor,
)
from kerasnqs.observables.renyi import renyi2

__all__ = [
    "correlations",
    "lattice_momenta",
    "renyi2",
    "site_positions",
    "staggered_magnetization",
    "structure_factor",
]
