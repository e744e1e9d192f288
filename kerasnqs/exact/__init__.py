"""Exact reference energies: Lanczos diagonalization and free fermions."""

from kerasnqs.exact.free_fermions import tfim_chain_energy
from kerasnqs.exact.lanczos import ground_state_energy

__all__ = ["ground_state_energy", "tfim_chain_energy"]
