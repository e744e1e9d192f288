"""Exact reference energies: Lanczos diagonalization and free fermions."""

from kerasnqs.exact.free_fermions import tfim_chain_energy
from kerasnqs.exact.lanczos import ground_state_energy
from kerasnqs.exact.reference import exact_energy, reference_energy, relative_error

__all__ = [
    "exact_energy",
    "ground_state_energy",
    "reference_energy",
    "relative_error",
    "tfim_chain_energy",
]
