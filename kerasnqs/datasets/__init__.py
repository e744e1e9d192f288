"""Small data sets shipped with kerasnqs, for tutorials, baselines and tests."""

from kerasnqs.datasets.two_gaussians import two_gaussians

__all__ = ["two_gaussians"]
