"""Training a recipe: `kerasnqs.train` and the pieces it is made of.

- `train(recipe, out=None, ...)`: trains a `kerasnqs.Recipe`, returns a `TrainingRun`
  (`kerasnqs.training.run`);
- `build_wavefunction`, `build_optimizer`, `build_vmc`, `symmetrize`,
  `load_initial_weights`, `check_memory`: the objects a recipe trains
  (`kerasnqs.training.build`);
- `load_vmc(path)`: a saved `kerasnqs.VMC`, with clear errors (`kerasnqs.training.load`);
- `kerasnqs.training.resume`: what resuming a run folder checks.

The run folder's files are written by `kerasnqs.run_folder` and by the
`kerasnqs.callbacks`. The names load on first use (PEP 562), so `kerasnqs.train` is
reached without TensorFlow, which loads when a run starts.
"""

import importlib

_NAMES = {
    "train": "run",
    "TrainingRun": "run",
    "build_wavefunction": "build",
    "build_optimizer": "build",
    "build_vmc": "build",
    "symmetrize": "build",
    "load_initial_weights": "build",
    "check_memory": "build",
    "load_vmc": "load",
}

__all__ = sorted(_NAMES)


def __getattr__(name):
    if name in _NAMES:
        return getattr(importlib.import_module(f"kerasnqs.training.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'kerasnqs.training' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
