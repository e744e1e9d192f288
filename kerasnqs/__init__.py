"""kerasnqs: autoregressive neural-network quantum states in TensorFlow and Keras.

The subpackages follow the data flow of a calculation: `lattice` and `hilbert` (the
spins and their sector) -> `operators` (with `exact` references) and -> `models` (built
from `layers`); models and operators
-> `vmc` (training and estimates); `zoo` wraps saved models. A `Recipe` (`recipes`)
names a whole run, and `train(recipe)` (`training`, with the `callbacks`) runs it.

`import kerasnqs` is light: the subpackages load on first use (PEP 562), so the
`kerasnqs` command, `kerasnqs.lattice`, `kerasnqs.operators` and `kerasnqs.exact` start
without TensorFlow. The Keras classes are registered as soon as Keras is loaded (see
`kerasnqs.keras_registration`), so `import kerasnqs` is still enough for
`keras.saving.load_model` to read a saved `VMC`. TensorFlow's start-up log is hidden
unless `TF_CPP_MIN_LOG_LEVEL` is set (see `kerasnqs.quiet_tensorflow`).
"""

import importlib

from kerasnqs import keras_registration, quiet_tensorflow

__version__ = "0.1.0"

_SUBPACKAGES = (
    "baselines",
    "callbacks",
    "datasets",
    "exact",
    "hilbert",
    "lattice",
    "layers",
    "models",
    "observables",
    "operators",
    "recipes",
    "stats",
    "training",
    "vmc",
    "zoo",
)
_TOP_LEVEL = {
    "VMC": "kerasnqs.vmc",
    "estimate": "kerasnqs.vmc",
    "Recipe": "kerasnqs.recipes",
    "train": "kerasnqs.training",
    "TrainingRun": "kerasnqs.training",
}
"""Names of `kerasnqs` itself, and the subpackage each comes from."""

__all__ = ["__version__", *_TOP_LEVEL, *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"kerasnqs.{name}")
    if name in _TOP_LEVEL:
        return getattr(importlib.import_module(_TOP_LEVEL[name]), name)
    raise AttributeError(f"module 'kerasnqs' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})


keras_registration.register_when_keras_loads()
quiet_tensorflow.quiet_tensorflow_unless_configured()
