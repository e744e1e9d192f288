"""Keeps TensorFlow's start-up log off the user's terminal.

Loading TensorFlow 2.21 prints lines such as `WARNING: All log messages before
absl::InitializeLog() is called are written to STDERR`, the oneDNN notice and
`Could not find cuda drivers` (twice: two shared libraries each print them). They come
from C++ before any Python setting applies, `TF_CPP_MIN_LOG_LEVEL` included, so the
only way to hide them is to point the process's file descriptor 2 elsewhere while the
libraries load. `quiet_tensorflow_startup()` installs an import hook that does that for
the import of `tensorflow` (whenever a command first needs it, directly or through
Keras) and sets `TF_CPP_MIN_LOG_LEVEL=3` for the C++ log after it. A Python exception
raised while importing still reaches the user: it is printed after stderr is restored.

The `kerasnqs` command always does this. `import kerasnqs` does it too, unless the user
has set `TF_CPP_MIN_LOG_LEVEL` (then TensorFlow logs as that setting says) or TensorFlow
is already loaded (`import kerasnqs` before `import keras` keeps a script quiet).
"""

import contextlib
import os
import sys

from kerasnqs.import_hook import WrappingFinder


def quiet_tensorflow_unless_configured():
    """`quiet_tensorflow_startup()`, unless `TF_CPP_MIN_LOG_LEVEL` is set: what
    `import kerasnqs` does."""
    if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        quiet_tensorflow_startup()


def quiet_tensorflow_startup():
    """Hides TensorFlow's start-up lines in this process (see the module docstring)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    if not any(isinstance(finder, _QuietImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietImport())


@contextlib.contextmanager
def stderr_to_devnull():
    """Points file descriptor 2 at `/dev/null` inside the block, then restores it."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietImport(WrappingFinder):
    """An import hook that runs the import of `tensorflow` inside `stderr_to_devnull`."""

    names = ("tensorflow",)

    def find_spec(self, name, path=None, target=None):
        if name in self.names:
            sys.meta_path.remove(self)  # one import of TensorFlow is all it hides
        return super().find_spec(name, path, target)

    def wrap(self, exec_module):
        def exec_quietly(module):
            with stderr_to_devnull():
                exec_module(module)

        return exec_quietly
