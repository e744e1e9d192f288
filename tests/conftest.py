"""Shared test configuration."""

import contextlib
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# kerasnqs first: it hides TensorFlow's start-up log and sets TF_CPP_MIN_LOG_LEVEL=3
# (kerasnqs.quiet_tensorflow), so the test command prints no TensorFlow lines.
import kerasnqs  # noqa: E402, F401, I001
import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same Python, NumPy and Keras random state, so the
    initial weights of a model a test builds and trains are the same on every run."""
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="module")
def benchmarks_importable():
    """Puts `benchmarks/` on `sys.path` for a test module, so that its scripts import as
    they import each other (`import results`, `import peers`, ...)."""
    folder = str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)


@pytest.fixture(scope="session")
def strategy():
    """A `MirroredStrategy` over the two logical CPU devices, one for the whole process:
    two strategies in one process draw the same collective instance keys, and their
    all-reduces of different shapes then abort each other."""
    import tensorflow as tf

    if len(tf.config.list_logical_devices("CPU")) < 2:
        pytest.skip("needs two logical CPU devices (set up by pytest_configure)")
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def pytest_configure(config):
    """Splits the CPU into two logical devices, for the `tf.distribute` tests, before
    TensorFlow initializes its devices (single-device code keeps using the first)."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    # A RuntimeError means the devices are initialized already; the tests then skip.
    with contextlib.suppress(RuntimeError):
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
