"""Classical baselines to compare neural-network quantum states and generative models with."""

from kerasnqs.baselines.gaussian_mixture import GaussianMixture

__all__ = ["GaussianMixture"]
