"""Spin configurations: the one check of their shape, dtype and values.

A configuration is a row of `n_sites` integers, 0 (spin up, `Z = +1`) or 1 (spin down,
`Z = -1`); a batch is an integer tensor `(batch, n_sites)`. Models and operators call
`check_spins` on every batch a user can pass them.

The values are checked wherever that is possible:

- eagerly, and inside a `tf.function` when the batch is a constant of the graph: a
  `ValueError` at once (at trace time in a graph);
- inside a `tf.function` for a batch computed in the graph: an assertion that raises
  `tf.errors.InvalidArgumentError` with the same message when the function runs. XLA
  (`jit_compile=True`) compiles assertions away, so there the values go unchecked.

Cost (`python benchmarks/spin_checks.py`, a 2-core CPU shared with other jobs): the
graph assertion is one comparison per spin and a reduction, negligible next to an RNN;
`log_psi` of 2000 x 50 spins (GRU, 32 units) inside a `tf.function` took 134 and 104 ms
with it against 86 and 431 ms without it in two runs, and `estimate` of 2000 samples
8.3 and 13.1 s against 7.9 and 14.1 s: no difference beyond the noise. The eager check
takes about 1 ms per batch of 10,000 x 50 spins (0.5 ms for the conversion alone).
"""

import numpy as np
import tensorflow as tf

_EXPECTED = "only 0 (spin up) and 1 (spin down)"


def check_spins(configs, n_sites, argument="configs"):
    """Returns `configs` as an integer tensor `(batch, n_sites)` of 0s and 1s.

    Args:
        configs: an integer array or tensor `(batch, n_sites)`.
        n_sites: the number of spins a row must have.
        argument: the name of the argument, for the error message.

    Returns:
        A tensor `(batch, n_sites)` of the integer dtype of `configs`.

    Raises:
        ValueError: naming `argument`, for another rank or width, a non-integer dtype,
            or (eagerly, or for a constant) a value other than 0 and 1.

    Example:

    >>> from kerasnqs.spins import check_spins
    >>> check_spins([[0, 1, 1]], 3).numpy().tolist()
    [[0, 1, 1]]
    >>> check_spins([[1, -1, 1]], 3)
    Traceback (most recent call last):
    ...
    ValueError: `configs` must hold only 0 (spin up) and 1 (spin down); got -1 at [0, 1] (spins in the +1/-1 convention? use (1 - s) // 2).
    """  # noqa: E501
    try:
        configs = tf.convert_to_tensor(configs)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{argument}` must be an integer array (batch, {n_sites}) of 0s and 1s, "
            f"got {type(configs).__name__}."
        ) from None
    if not configs.dtype.is_integer:
        raise ValueError(
            f"`{argument}` must be an integer tensor of 0s and 1s, got dtype {configs.dtype.name}."
        )
    if configs.shape.rank != 2 or configs.shape[-1] not in (None, n_sites):
        raise ValueError(
            f"`{argument}` must have shape (batch, {n_sites}), got shape {tuple(configs.shape)}."
        )
    if configs.shape[-1] is None:
        configs = tf.reshape(configs, [-1, n_sites])
    values = _known_values(configs)
    if values is not None:
        _check_values(values, argument)
        return configs
    valid = tf.reduce_all((configs == 0) | (configs == 1))
    assertion = tf.debugging.Assert(valid, [f"`{argument}` must hold {_EXPECTED}."])
    with tf.control_dependencies([assertion]):
        return tf.identity(configs)


def _known_values(configs):
    """The values of `configs` as numpy when known now (eager or constant), else None."""
    if tf.executing_eagerly():
        return configs.numpy()
    return tf.get_static_value(configs)


def _check_values(values, argument):
    values = np.asarray(values)
    if values.size == 0 or (values.min() >= 0 and values.max() <= 1):
        return
    index = tuple(int(i) for i in np.argwhere((values != 0) & (values != 1))[0])
    hint = ""
    if np.all(np.isin(values, (-1, 1))):
        hint = " (spins in the +1/-1 convention? use (1 - s) // 2)"
    raise ValueError(
        f"`{argument}` must hold {_EXPECTED}; got {values[index]} at {list(index)}{hint}."
    )
