"""Helpers shared by the test modules (imported as `support`)."""

import keras
import numpy as np

from kerasnqs.models import RNNWavefunction


def all_configurations(n_sites):
    """Every configuration of `n_sites` spins in basis order, shape (2**n_sites, n_sites)."""
    codes = np.arange(2**n_sites)[:, None]
    return ((codes >> np.arange(n_sites)[::-1]) & 1).astype(np.int32)


def make_model(lattice, seed=0, scale=0.8, **kwargs):
    """A model with fixed random weights, scaled up so its distribution is far from uniform."""
    keras.utils.set_random_seed(seed)
    model = RNNWavefunction(lattice, **kwargs)
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(scale * rng.normal(size=weight.shape))
    return model
