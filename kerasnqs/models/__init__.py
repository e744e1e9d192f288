"""Wavefunction models: normalized, exactly sampleable neural-network quantum states."""

from kerasnqs.models.autoregressive_wavefunction import AutoregressiveWavefunction
from kerasnqs.models.mixture_wavefunction import MixtureWavefunction
from kerasnqs.models.rnn_wavefunction import RNNWavefunction
from kerasnqs.models.symmetric_wavefunction import SymmetricWavefunction
from kerasnqs.models.transformer_wavefunction import TransformerWavefunction
from kerasnqs.models.wavefunction import Wavefunction

__all__ = [
    "AutoregressiveWavefunction",
    "MixtureWavefunction",
    "RNNWavefunction",
    "SymmetricWavefunction",
    "TransformerWavefunction",
    "Wavefunction",
]
