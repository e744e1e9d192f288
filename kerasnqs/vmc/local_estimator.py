"""Local estimators `O_loc(sigma) = sum_sigma' O[sigma, sigma'] psi(sigma') / psi(sigma)`.

This module and `vmc.py` hold the TensorFlow-specific machinery of training (the chunked
map over samples, gradient tapes, stateless seeds).
"""

import tensorflow as tf


def local_values(wavefunction, operator, configs, log_psi=None, chunk_size=None):
    """Returns the local values of `operator` on `configs` under `wavefunction`.

    Mathematical details:

    `O_loc(sigma) = O[sigma, sigma] + sum_k O[sigma, sigma'_k] exp(log psi(sigma'_k) -
    log psi(sigma))`, where `sigma'_k` runs over the off-diagonal connected configurations
    that `operator.off_diagonal` lists. The mean of `O_loc` over samples of `|psi|^2` is an
    unbiased estimate of `<psi|O|psi>`.

    The connected configurations are evaluated in chunks of at most `chunk_size`
    configurations, so that memory stays bounded for long chains and many samples.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        operator: a `kerasnqs.operators.PauliSum` (or any operator with `diagonal`,
            `off_diagonal`, `flip_masks`, `max_conn` and `is_real`).
        configs: integer tensor `(batch, n_sites)`.
        log_psi: `wavefunction.log_psi(configs)` when already known (saves a pass).
        chunk_size: the largest number of connected configurations evaluated at once;
            `None` evaluates all of them together.

    Returns:
        A tensor `(batch,)`: real when both the operator and the wavefunction are real,
        complex otherwise.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> wavefunction = RNNWavefunction(Chain(4), units=8)
    >>> configs, log_psi = wavefunction.sample(16, seed=0)
    >>> local_values(wavefunction, TFIM(Chain(4), h=1.0), configs, log_psi).shape
    TensorShape([16])
    """
    real_dtype = wavefunction.compute_dtype
    complex_result = wavefunction.is_complex or not operator.is_real
    result_dtype = tf.dtypes.as_dtype(real_dtype)
    if complex_result:
        result_dtype = tf.complex64 if result_dtype == tf.float32 else tf.complex128

    if log_psi is None:
        log_psi = wavefunction.log_psi(configs)
    diagonal = tf.cast(operator.diagonal(configs, dtype=real_dtype), result_dtype)
    if operator.max_conn == 0:
        return diagonal

    def off_diagonal_sum(chunk, chunk_log_psi):
        _, elements = operator.off_diagonal(chunk, dtype=real_dtype)
        connected_log_psi = wavefunction.log_psi_of_flips(chunk, operator.flip_masks)
        ratios = tf.exp(tf.cast(connected_log_psi - chunk_log_psi[:, None], result_dtype))
        return tf.reduce_sum(tf.cast(elements, result_dtype) * ratios, axis=1)

    samples_per_chunk = _samples_per_chunk(operator.max_conn, chunk_size)
    return diagonal + _map_in_chunks(
        off_diagonal_sum, configs, log_psi, samples_per_chunk, result_dtype
    )


def _samples_per_chunk(max_conn, chunk_size):
    if chunk_size is None:
        return None
    return max(1, int(chunk_size) // max_conn)


def _map_in_chunks(fn, configs, log_psi, samples_per_chunk, dtype):
    """Applies `fn(configs_chunk, log_psi_chunk)` over chunks of rows, one chunk at a time."""
    n_rows = configs.shape[0]
    if samples_per_chunk is None or n_rows is None or n_rows <= samples_per_chunk:
        return fn(configs, log_psi)
    n_chunks = -(-n_rows // samples_per_chunk)
    padding = n_chunks * samples_per_chunk - n_rows
    # Pad with copies of the first row (a valid configuration) and drop them afterwards.
    padded_configs = tf.concat([configs, tf.repeat(configs[:1], padding, axis=0)], axis=0)
    padded_log_psi = tf.concat([log_psi, tf.repeat(log_psi[:1], padding, axis=0)], axis=0)
    chunks = (
        tf.reshape(padded_configs, (n_chunks, samples_per_chunk, -1)),
        tf.reshape(padded_log_psi, (n_chunks, samples_per_chunk)),
    )
    values = tf.map_fn(
        lambda chunk: fn(*chunk),
        chunks,
        fn_output_signature=tf.TensorSpec((samples_per_chunk,), dtype),
        parallel_iterations=1,
    )
    return tf.reshape(values, (-1,))[:n_rows]
