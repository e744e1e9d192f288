"""Hilbert spaces: the basis of spin configurations, and sectors of total `S^z`.

The lowest layer with physics in it: `lattice` says where the spins are, `hilbert` which
configurations a state may have. Models (`kerasnqs.models`) and operators
(`kerasnqs.operators`) both act on a `SpinHalf`, and the exact references
(`kerasnqs.exact`) search one. No TensorFlow is needed.
"""

from kerasnqs.hilbert.basis import (
    MAX_SITES,
    configs_to_indices,
    indices_to_configs,
    n_down_spins,
    sector_indices,
    sector_size,
)
from kerasnqs.hilbert.spin_half import SpinHalf, resolve

__all__ = [
    "MAX_SITES",
    "SpinHalf",
    "configs_to_indices",
    "indices_to_configs",
    "n_down_spins",
    "resolve",
    "sector_indices",
    "sector_size",
]
