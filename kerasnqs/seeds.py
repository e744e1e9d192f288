"""Stateless random seeds, the one way randomness enters kerasnqs.

A seed is a Python int or an integer tensor of shape `(2,)`. Every random draw is
stateless: the same seed gives the same numbers, eagerly, in a `tf.function` and under
XLA. Derived seeds (one per training step, per site of the autoregressive path, or
later per replica of a distribution strategy) fold an integer into a seed.
"""

import numbers

import tensorflow as tf


def as_seed(seed):
    """Returns `seed` as a stateless seed, an int64 tensor of shape `(2,)`.

    Args:
        seed: a Python int `n` in `[-2**63, 2**63)` (meaning `(n, 0)`), or an integer
            tensor (or array) of shape `(2,)`.

    Returns:
        An int64 tensor of shape `(2,)`.

    Raises:
        ValueError: naming `seed` when it is neither.

    Example:

    >>> from kerasnqs.seeds import as_seed
    >>> as_seed(7).numpy().tolist()
    [7, 0]
    """
    if isinstance(seed, bool):
        raise ValueError(f"`seed` must be an int or an integer tensor of shape (2,), got {seed!r}.")
    if isinstance(seed, numbers.Integral):
        if not -(2**63) <= int(seed) < 2**63:
            raise ValueError(
                f"`seed` must be an int that fits in 64 bits, in [-2**63, 2**63), got {seed!r}."
            )
        return tf.constant([int(seed), 0], dtype=tf.int64)
    try:
        tensor = tf.convert_to_tensor(seed)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"`seed` must be an int or an integer tensor of shape (2,), got {seed!r}."
        ) from error
    if not tensor.dtype.is_integer or tensor.shape.as_list() != [2]:
        raise ValueError(
            "`seed` must be an int or an integer tensor of shape (2,), got a tensor of "
            f"dtype {tensor.dtype.name} and shape {tensor.shape}."
        )
    return tf.cast(tensor, tf.int64)


def fold_in(seed, data):
    """Returns the seed derived from `seed` (shape `(2,)`) and an integer `data`.

    Example:

    >>> from kerasnqs.seeds import as_seed, fold_in
    >>> bool((fold_in(as_seed(0), 1) != fold_in(as_seed(0), 2)).numpy().any())
    True
    """
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(data, tf.int64), alg="philox")


def batches(n_samples, batch_size, seed):
    """Splits a draw of `n_samples` into batches, each with its own seed.

    This is how every batched draw of kerasnqs is seeded, so that the samples depend on
    `seed` and `batch_size` only: batch `k` has `batch_size` samples (the last fewer) and
    the seed `fold_in(as_seed(seed), k)`.

    Args:
        n_samples: the number of samples in all, an int >= 0.
        batch_size: the samples per batch, an int >= 1.
        seed: a seed (see `as_seed`).

    Returns:
        An iterator of `(n, batch_seed)`: the number of samples of the batch and its
        seed (see `seeded_batches`).

    Example:

    >>> from kerasnqs.seeds import batches
    >>> [n for n, _ in batches(10, 4, seed=0)]
    [4, 4, 2]
    """
    sizes = [min(batch_size, n_samples - start) for start in range(0, n_samples, batch_size)]
    return seeded_batches(sizes, seed)


def seeded_batches(sizes, seed):
    """Gives batch `k` of `sizes[k]` samples the seed `fold_in(as_seed(seed), k)`.

    The rule of `batches`, for batches of any given sizes (such as the shards of one
    autoregressive draw).

    Args:
        sizes: the number of samples of each batch, a sequence of ints.
        seed: a seed (see `as_seed`).

    Yields:
        `(n, batch_seed)`: the number of samples of the batch and its seed.

    Example:

    >>> from kerasnqs.seeds import as_seed, fold_in, seeded_batches
    >>> [(n, s.numpy().tolist() == fold_in(as_seed(3), 1).numpy().tolist())
    ...  for n, s in seeded_batches([5, 2], 3)]
    [(5, False), (2, True)]
    """
    base_seed = as_seed(seed)
    for batch, n in enumerate(sizes):
        yield n, fold_in(base_seed, batch)


def tfp_seed(seed):
    """Returns `seed` as the stateless seed TensorFlow Probability takes, an int32 pair.

    TFP wants an int32 tensor of shape `(2,)`; it is drawn statelessly from the int64
    seed `as_seed(seed)`, so every bit of the seed counts.

    Args:
        seed: as in `as_seed`.

    Returns:
        An int32 tensor of shape `(2,)`.

    Example:

    >>> from kerasnqs.seeds import tfp_seed
    >>> bool((tfp_seed(1) == tfp_seed(1)).numpy().all()), tfp_seed(1).dtype.name
    (True, 'int32')
    """
    return tf.random.stateless_uniform(
        [2], seed=as_seed(seed), minval=None, maxval=None, dtype=tf.int32
    )
