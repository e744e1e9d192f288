"""kerasnqs: autoregressive neural-network quantum states in TensorFlow and Keras.

The subpackages follow the data flow of a calculation: `lattice` -> `operators` (with
`exact` references); `lattice` -> `models` (built from `layers`); models and operators
-> `vmc` (training and estimates); `zoo` wraps saved models.
"""

__version__ = "0.1.0"

from kerasnqs.vmc import VMC, estimate  # noqa: E402

__all__ = ["VMC", "__version__", "estimate"]
