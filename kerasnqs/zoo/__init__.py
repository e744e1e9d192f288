"""The model zoo: pretrained wavefunctions that load by name, and the format to share yours.

Each model is a folder with its Keras config (`config.json`), its weights
(`model.weights.h5`) and a `metadata.json` (the Hamiltonian, the training recipe, the
energy with its error bar against the exact energy, the sha256 of the three files, ...).
The shipped models live inside the package (`kerasnqs/zoo/models/NAME/`), so they load
after a plain `pip install` from any working directory; their training recipes are in
the repository's `zoo/recipes/`.

- `available()`: the names of the shipped models;
- `info(name_or_path)`: a model's metadata (checked against its recorded sha256);
- `load(name_or_path)`: the trained wavefunction (safe mode, weights checked);
- `hamiltonian(name_or_path)`: the operator it was trained for;
- `recipe(name_or_path)`: the `kerasnqs.Recipe` it was trained with;
- `save(wavefunction, hamiltonian, path, ...)`: writes your own model in the same layout.

Example:

>>> import kerasnqs
>>> from kerasnqs import zoo
>>> wavefunction = zoo.load("tfim-chain-20-h1")
>>> stats = kerasnqs.estimate(wavefunction, zoo.hamiltonian("tfim-chain-20-h1"), 1000)
>>> abs(stats.mean - zoo.info("tfim-chain-20-h1")["exact_energy"]) < 0.05
True
"""

import importlib

from kerasnqs.zoo.metadata import FORMAT_VERSION, hamiltonian, info, recipe
from kerasnqs.zoo.registry import available

__all__ = ["FORMAT_VERSION", "available", "hamiltonian", "info", "load", "recipe", "save"]


def __getattr__(name):
    # `load` and `save` need Keras (and so TensorFlow); `available`, `info`,
    # `hamiltonian` and `recipe` do not, so `kerasnqs zoo list` starts without it.
    if name in ("load", "save"):
        return getattr(importlib.import_module("kerasnqs.zoo.model_folder"), name)
    raise AttributeError(f"module 'kerasnqs.zoo' has no attribute {name!r}")
