"""Stateless seeds for training steps.

A training step folds its step number into the training seed, so every step draws fresh
samples and the same seed reproduces the same run. (Under a distribution strategy the
replica id will be folded in the same way, so that replicas draw different samples.)
"""

import tensorflow as tf


def as_seed(seed):
    """Returns a stateless seed tensor of shape `(2,)` from an integer."""
    return tf.constant([int(seed), 0], dtype=tf.int64)


def step_seed(base_seed, step):
    """Returns the seed of training step `step`: `base_seed` with `step` folded in."""
    return tf.random.experimental.stateless_fold_in(base_seed, tf.cast(step, tf.int64))
