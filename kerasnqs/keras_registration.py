"""Registers the Keras classes of kerasnqs as soon as Keras is loaded.

`keras.saving.load_model` finds a saved class such as `kerasnqs>VMC` only in Keras's
registry of serializable classes: it never imports a third-party module named in a saved
file. The registry is filled when the module defining a class is imported, and those
modules import TensorFlow, which takes seconds; the `kerasnqs` command must start
without it. So `import kerasnqs` calls `register_when_keras_loads()`:

- if Keras is loaded already, it imports the modules that define Keras classes now;
- otherwise it installs an import hook that does so right after the outermost import of
  `keras` or `tensorflow` completes (they import each other, so registration waits until
  both are whole), and then removes itself.

A script that loads a model must import Keras to call `load_model`, so the classes are
registered before it is called, whatever the order of `import kerasnqs` and
`import keras`.
"""

import importlib
import importlib.abc
import sys

KERAS_MODULES = ("kerasnqs.layers", "kerasnqs.models", "kerasnqs.baselines", "kerasnqs.vmc")
"""The subpackages whose import registers every serializable kerasnqs class."""

_TRIGGERS = ("keras", "tensorflow")


def register_keras_classes():
    """Imports the subpackages of `KERAS_MODULES`, registering their Keras classes."""
    for name in KERAS_MODULES:
        importlib.import_module(name)


def register_when_keras_loads():
    """Registers the Keras classes now if Keras is loaded, else right after it loads."""
    if "keras" in sys.modules:
        register_keras_classes()
    elif not any(isinstance(finder, _AfterKerasLoads) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKerasLoads())


class _AfterKerasLoads(importlib.abc.MetaPathFinder):
    """An import hook that calls `register_keras_classes` once `keras` and `tensorflow` load.

    It finds nothing itself: for `keras` and `tensorflow` it asks the other finders for
    the module's spec and wraps the loader's `exec_module`, counting nested imports; when
    the outermost one completes it removes itself and registers.
    """

    def __init__(self):
        self._depth = 0

    def find_spec(self, name, path=None, target=None):
        if name not in _TRIGGERS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader.exec_module = self._wrap(spec.loader.exec_module)
        return spec

    def _wrap(self, exec_module):
        def exec_then_register(module):
            self._depth += 1
            try:
                exec_module(module)
            finally:
                self._depth -= 1
            if self._depth == 0:
                if self in sys.meta_path:
                    sys.meta_path.remove(self)
                register_keras_classes()

        return exec_then_register
