"""Wavefunction models: normalized, exactly sampleable neural-network quantum states."""

from kerasnqs.models.wavefunction import Wavefunction

__all__ = ["Wavefunction"]
