"""TensorFlow machinery of autoregressive models: the loop over steps and stateless draws.

This is the only TensorFlow-specific module of `kerasnqs.models`; the per-step math
of the models is written with `keras.ops`. The loop is a `tf.while_loop` whose
per-step outputs go to `tf.TensorArray`s, so it runs eagerly, inside any
`tf.function` and under XLA (`jit_compile=True`). The rolling windows of recent
steps are `tf.TensorArray`s too: writing a slot replaces one element in place, where
a dense `(window, batch, units)` tensor would be copied whole at every step outside
XLA. Random draws are stateless, with the seed of step `k` derived from the user's
seed by folding in `k`.
"""

import tensorflow as tf

from kerasnqs import seeds


def executing_eagerly():
    """True outside any `tf.function` trace."""
    return tf.executing_eagerly()


def bernoulli_at_step(seed, step, probability):
    """Draws `1` with `probability` and `0` otherwise, elementwise, as int32.

    The seed of the step is `stateless_fold_in(seed, step)`, so each step draws
    independently and the same `(seed, step)` always draws the same numbers. The
    uniform numbers are made here from 64 random bits, `u = (bits >> 11) * 2**-53`,
    because TensorFlow's own float conversion differs between XLA and the other
    modes: this way a seed gives the same samples eagerly, in a `tf.function` and
    under XLA. A probability of exactly 0 never draws 1 and exactly 1 always does.

    Args:
        seed: an int64 tensor of shape `(2,)`.
        step: the step index, an integer scalar tensor.
        probability: a float tensor of shape `(batch,)`.
    """
    step_seed = seeds.fold_in(seed, step)
    bits = tf.random.stateless_uniform(
        tf.shape(probability), step_seed, minval=None, maxval=None, dtype=tf.uint64, alg="philox"
    )
    uniform = tf.cast(tf.bitwise.right_shift(bits, tf.constant(11, tf.uint64)), tf.float64)
    uniform = uniform * 2.0**-53
    return tf.cast(uniform < tf.cast(probability, tf.float64), tf.int32)


def run_steps(step_fn, carry, n_steps, output_specs=(), start=0):
    """Runs `carry, outputs = step_fn(step, carry)` for `step` in `start .. n_steps - 1`.

    Args:
        step_fn: a function of an int32 scalar `step` and the `carry` (a nested
            structure of tensors), returning the new carry (same structure, shapes and
            dtypes) and a tuple of per-step outputs.
        carry: the initial carry.
        n_steps: the step to stop before, a Python int.
        output_specs: one `(shape, dtype)` pair per output of `step_fn`.
        start: the first step, a Python int. Defaults to 0.

    Returns:
        `(carry, outputs)`: the final carry and a tuple of the per-step outputs stacked
        along a new leading axis of size `n_steps - start`.
    """
    arrays = tuple(
        tf.TensorArray(dtype, size=n_steps - start, element_shape=shape)
        for shape, dtype in output_specs
    )

    def body(step, carry, arrays):
        carry, outputs = step_fn(step, carry)
        written = zip(arrays, outputs, strict=True)
        arrays = tuple(array.write(step - start, value) for array, value in written)
        return step + 1, carry, arrays

    _, carry, arrays = tf.while_loop(
        lambda step, *_: step < n_steps,
        body,
        (tf.constant(start, tf.int32), carry, arrays),
        maximum_iterations=n_steps - start,
    )
    return carry, tuple(array.stack() for array in arrays)


def tile_first_rows(carry, rows, multiples):
    """The first `rows` batch rows of a carry, repeated `multiples` times."""

    def tile(value):
        if isinstance(value, tf.TensorArray):  # slots first, then the batch axis
            stacked = value.stack()[:, :rows]
            tiled = tf.tile(stacked, [1, multiples] + [1] * (stacked.shape.rank - 2))
            return _as_window(tiled, value)
        return tf.tile(value[:rows], [multiples] + [1] * (value.shape.rank - 1))

    return tf.nest.map_structure(tile, carry)


def concat_rows(first, second):
    """Concatenates two carries of the same structure along their batch rows."""

    def concat(a, b):
        if isinstance(a, tf.TensorArray):
            return _as_window(tf.concat([a.stack(), b.stack()], axis=1), a)
        return tf.concat([a, b], axis=0)

    return tf.nest.map_structure(concat, first, second)


def _as_window(stacked, like):
    """A `TensorArray` window like `like` holding `stacked` (slots first)."""
    window = tf.TensorArray(
        like.dtype, size=like.size(), clear_after_read=False, element_shape=stacked.shape[1:]
    )
    return window.unstack(stacked)


def new_window(size, zeros):
    """A rolling window of `size` slots, each holding `zeros`, a tensor `(batch, ...)`.

    A window of one slot (a chain, where each step reads only the previous one) is
    the tensor itself, which is cheaper to carry than a one-element `TensorArray`.
    """
    if size == 1:
        return zeros
    window = tf.TensorArray(
        zeros.dtype, size=size, clear_after_read=False, element_shape=zeros.shape
    )
    return window.unstack(tf.repeat(zeros[None], size, axis=0))


def read_window(window, slot):
    """The value in `slot` (an int32 scalar), `(batch, ...)`.

    Each slot is read on its own rather than with one `gather`: the gradient of a
    gather scatters into the slots, so two reads of the same slot (an absent
    neighbour points at slot 0) would overwrite each other's gradient instead of
    adding up.
    """
    if not isinstance(window, tf.TensorArray):
        return window
    return window.read(slot)


def write_window(window, slot, value):
    """The window with `value` stored in `slot` (an int32 scalar), replacing what was there."""
    if not isinstance(window, tf.TensorArray):
        return value
    return window.write(slot, value)


def uniform_integers(seed, n, maxval):
    """Draws `n` integers uniformly from `0 .. maxval - 1`, as int32.

    Made from 64 random bits like `bernoulli_at_step`, `floor(u * maxval)` with
    `u = (bits >> 11) * 2**-53`, so a seed gives the same draws eagerly, in a
    `tf.function` and under XLA; each value has probability `1 / maxval` to within
    `2**-53`.

    Args:
        seed: an int64 tensor of shape `(2,)`.
        n: the number of draws, a Python int.
        maxval: the number of values, a Python int >= 1.
    """
    bits = tf.random.stateless_uniform(
        (n,), seed, minval=None, maxval=None, dtype=tf.uint64, alg="philox"
    )
    uniform = tf.cast(tf.bitwise.right_shift(bits, tf.constant(11, tf.uint64)), tf.float64)
    scaled = tf.floor(uniform * (2.0**-53 * maxval))
    return tf.minimum(tf.cast(scaled, tf.int32), maxval - 1)
