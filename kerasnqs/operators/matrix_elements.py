"""Batched matrix elements of a Pauli sum in TensorFlow, compiled-friendly.

Every function works with static shapes and matrix products only, so it runs eagerly,
inside `tf.function` and under XLA (`jit_compile=True`). The sign `(-1)^{z . s}` of every
sign mask is `1 - 2 * ((s @ z^T) mod 2)`; the matrix elements are these signs times the
amplitude matrix of a `FlipTable`.
"""

import tensorflow as tf

from kerasnqs import spins

_REAL_DTYPES = ("float32", "float64")


def check_dtype(dtype):
    """Returns the real `tf.DType` named by `dtype`, or raises a `ValueError`."""
    try:
        real_dtype = tf.as_dtype(dtype)
    except TypeError:
        real_dtype = None
    if real_dtype is None or real_dtype.name not in _REAL_DTYPES:
        raise ValueError(f"`dtype` must be 'float32' or 'float64', got {dtype!r}.")
    return real_dtype


def check_configs(configs, n_sites):
    """Returns `configs` as an integer tensor `(batch, n_sites)` of 0s and 1s.

    See `kerasnqs.spins.check_spins`: a `ValueError` for a wrong shape, dtype or (when
    the values are known) a value other than 0 and 1.
    """
    return spins.check_spins(configs, n_sites)


def matrix_elements(configs, sign_masks, amplitudes, dtype, is_real):
    """Returns `signs(configs) @ amplitudes`, shape `(batch, columns)`.

    Args:
        configs: integer tensor `(batch, n_sites)`.
        sign_masks: numpy int8 array `(U, n_sites)`.
        amplitudes: numpy complex array `(U, columns)`.
        dtype: the real `tf.DType` to compute in.
        is_real: return real values (the imaginary parts are zero).

    Returns:
        A tensor `(batch, columns)` of `dtype`, or of the matching complex dtype.
    """
    counts = tf.matmul(tf.cast(configs, dtype), tf.constant(sign_masks.T, dtype=dtype))
    signs = 1.0 - 2.0 * tf.math.floormod(counts, 2.0)
    real = tf.matmul(signs, tf.constant(amplitudes.real, dtype=dtype))
    if is_real:
        return real
    return tf.complex(real, tf.matmul(signs, tf.constant(amplitudes.imag, dtype=dtype)))


def flipped(configs, flip_masks):
    """Returns `configs XOR flip_mask` for every flip mask, shape `(batch, K, n_sites)`."""
    masks = tf.constant(flip_masks, dtype=configs.dtype)
    return tf.bitwise.bitwise_xor(configs[:, None, :], masks[None, :, :])
