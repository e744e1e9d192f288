"""Shared test configuration."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402  (after the environment above)
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same Python, NumPy and Keras random state, so the
    initial weights of a model a test builds and trains are the same on every run."""
    keras.utils.set_random_seed(0)
