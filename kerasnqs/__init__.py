"""kerasnqs: autoregressive neural-network quantum states in TensorFlow and Keras.

The subpackages follow the data flow of a calculation: `lattice` -> `operators` (with
`exact` references); `lattice` -> `models` (built from `layers`); models and operators
-> `vmc` (training and estimates); `zoo` wraps saved models.
"""

__version__ = "0.1.0"

__all__ = ["VMC", "__version__", "estimate"]


def __getattr__(name):
    # `kerasnqs.VMC` and `kerasnqs.estimate` load TensorFlow on first use, so that
    # `kerasnqs.lattice`, `kerasnqs.exact` and `kerasnqs exact` start without it.
    if name in ("VMC", "estimate"):
        from kerasnqs import vmc

        return getattr(vmc, name)
    raise AttributeError(f"module 'kerasnqs' has no attribute {name!r}")
