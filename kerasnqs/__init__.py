"""kerasnqs: autoregressive neural-network quantum states in TensorFlow and Keras.

The subpackages follow the data flow of a calculation: `lattice` -> `operators` (with
`exact` references); `lattice` -> `models` (built from `layers`); models and operators
-> `vmc` (training and estimates); `zoo` wraps saved models.
"""

__version__ = "0.1.0"

# Importing the Keras subpackages registers their serializable classes, so that
# `import kerasnqs` is enough for `keras.saving.load_model` to read a saved model.
from kerasnqs import (
    baselines,
    datasets,
    exact,
    lattice,
    layers,
    models,
    operators,
    vmc,
    zoo,
)
from kerasnqs.vmc import VMC, estimate

__all__ = [
    "VMC",
    "__version__",
    "baselines",
    "datasets",
    "estimate",
    "exact",
    "lattice",
    "layers",
    "models",
    "operators",
    "vmc",
    "zoo",
]
