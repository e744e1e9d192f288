"""The 100 one-dimensional samples of the two-Gaussian generative-modelling example."""

from importlib import resources

import numpy as np

_DATA_FILE = "two_gaussians.txt"


def two_gaussians():
    """Returns 100 one-dimensional samples that look like a mixture of two Gaussians.

    The numbers are the training data of a classic first lesson in generative modelling:
    a histogram shows one bump near -0.3 and one near 0.6, and the lesson guesses a
    mixture of two Gaussians with means `(-0.3, 0.6)`, widths `(0.2, 0.2)` and equal
    weights (see `kerasnqs.baselines.GaussianMixture.hand_picked_guess`). They are read
    from a data file shipped with the package, so this works from any directory after
    installation.

    Returns:
        A float64 numpy array of shape `(100,)`, a fresh copy on every call.

    Example:

    >>> from kerasnqs.datasets import two_gaussians
    >>> data = two_gaussians()
    >>> data.shape, data.dtype
    ((100,), dtype('float64'))
    >>> int((data < 0).sum())
    43
    """
    source = resources.files("kerasnqs.datasets").joinpath("data").joinpath(_DATA_FILE)
    with source.open("r", encoding="utf-8") as stream:
        return np.loadtxt(stream, dtype=np.float64, comments="#")
