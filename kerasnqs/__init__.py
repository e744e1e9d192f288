"""kerasnqs: autoregressive neural-network quantum states in TensorFlow and Keras.

The subpackages follow the data flow of a calculation: `lattice` -> `operators` (with
`exact` references); `lattice` -> `models` (built from `layers`); models and operators
-> `vmc` (training and estimates); `zoo` wraps saved models.
"""

import os
import sys

__version__ = "0.1.0"

if os.path.basename(sys.argv[0]) == "kerasnqs":
    # The `kerasnqs` command keeps TensorFlow's C++ log quiet; the level must be set
    # before TensorFlow loads, below. A library import leaves the user's setting alone.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

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
