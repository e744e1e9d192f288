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
import sys

from kerasnqs.import_hook import WrappingFinder

KERAS_MODULES = ("kerasnqs.layers", "kerasnqs.models", "kerasnqs.baselines", "kerasnqs.vmc")
"""The subpackages whose import registers every serializable kerasnqs class."""


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


class _AfterKerasLoads(WrappingFinder):
    """An import hook that calls `register_keras_classes` once `keras` and `tensorflow` load.

    It wraps the loading of `keras` and `tensorflow`, counting nested imports; when the
    outermost one completes it removes itself and registers.
    """

    names = ("keras", "tensorflow")

    def __init__(self):
        self._depth = 0

    def wrap(self, exec_module):
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
