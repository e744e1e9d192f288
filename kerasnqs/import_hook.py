"""`WrappingFinder`: the base of the import hooks of kerasnqs.

Two hooks run code around the loading of a module: `kerasnqs.keras_registration`
registers the Keras classes once Keras has loaded, and `kerasnqs.quiet_tensorflow`
hides TensorFlow's start-up lines. This module imports neither.
"""

import importlib.abc
import sys


class WrappingFinder(importlib.abc.MetaPathFinder):
    """An import hook that wraps the loading of the modules in `names`.

    It finds nothing itself: for a module in `names` it asks the other finders on
    `sys.meta_path` for the module's spec and replaces the loader's `exec_module` with
    `self.wrap(exec_module)`. Subclasses set `names` and implement `wrap`.
    """

    names = ()

    def find_spec(self, name, path=None, target=None):
        if name not in self.names:
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
            spec.loader.exec_module = self.wrap(spec.loader.exec_module)
        return spec

    def wrap(self, exec_module):
        """Returns the function that loads a module in place of `exec_module`."""
        raise NotImplementedError
