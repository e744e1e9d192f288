"""Exact references: Lanczos diagonalization, free fermions and enumeration of a model."""

from kerasnqs.exact.enumeration import expectation, wavefunction_vector
from kerasnqs.exact.free_fermions import tfim_chain_correlations, tfim_chain_energy
from kerasnqs.exact.lanczos import ground_state, ground_state_energy
from kerasnqs.exact.reference import exact_energy, reference_energy, relative_error
from kerasnqs.exact.vector_observables import correlation_matrix, renyi2_entropy

__all__ = [
    "correlation_matrix",
    "exact_energy",
    "expectation",
    "ground_state",
    "ground_state_energy",
    "reference_energy",
    "relative_error",
    "renyi2_entropy",
    "tfim_chain_correlations",
    "tfim_chain_energy",
    "wavefunction_vector",
]
