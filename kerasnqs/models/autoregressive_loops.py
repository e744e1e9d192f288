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

import contextlib

import tensorflow as tf

from kerasnqs import seeds
from kerasnqs.layers import per_sample


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

    Inside a `kerasnqs.layers.per_sample.PerSampleProbes` context that can watch new
    probes, the loop gives the weights per-step probes (`StepProbes`).

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
    step_probes = StepProbes.for_loop(per_sample.active(), n_steps - start, _rows(carry))

    def body(step, carry, arrays):
        with step_probes.at(step - start) if step_probes else contextlib.nullcontext():
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


def _rows(carry):
    """The static number of batch rows of a carry, or `None` if unknown."""
    for leaf in tf.nest.flatten(carry):
        if not isinstance(leaf, tf.TensorArray) and leaf.shape.rank:
            return leaf.shape[0]
    return None


class StepProbes:
    """The per-step probes of one loop, for per-sample derivatives.

    Under `PerSampleProbes`, a weight's probe `Z` of shape `(n_samples, in, out)`
    enters every step, and the backward pass of the loop adds a whole
    `(rows, in, out)` gradient of `Z` at each step. Here each weight instead gets a
    zero probe per step, read from a `tf.TensorArray`: for a matrix `W` the probe of
    step `t` has shape `(rows, in + out)`, and its gradient is set (by a custom
    gradient) to the pair `[x_t, g_t]` of the product's input and output gradient;
    for a vector weight used as `values * z` it is `values_t * g_t`. After the loop,

        dlog psi / dW = sum_t x_t (x) g_t,      dlog psi / dz = sum_t values_t g_t,

    one batched product over the steps (`derivatives`), where the whole-weight probe
    would have added `(rows, in, out)` at every step. Only the first product of a
    weight in a step is probed this way; further ones in the same step fall back to
    the whole-weight probe, so a weight used twice per step stays correct.

    Args:
        probes: the active `PerSampleProbes`.
        n_steps: the number of steps of the loop.
        rows: the loop's batch rows, a multiple of `probes.n_samples`.
    """

    def __init__(self, probes, n_steps, rows):
        self.probes, self.n_steps, self.rows = probes, n_steps, rows
        self.step = None
        self._claimed = set()
        # Made before the loop, so that the tape watches them; a weight the loop does
        # not use leaves its probe out of the graph.
        self._arrays, self._records = {}, []
        for index, variable in enumerate(probes.variables):
            if len(variable.shape) not in (1, 2):
                continue
            width = sum(variable.shape)
            probe = tf.zeros((n_steps, rows, width), probes.dtype)
            probes.watch(probe)
            self._arrays[index] = tf.TensorArray(
                probes.dtype, size=n_steps, element_shape=(rows, width)
            ).unstack(probe)
            self._records.append(_StepProbe(index, probe, variable.shape))

    @classmethod
    def for_loop(cls, probes, n_steps, rows):
        """The loop's `StepProbes`, or `None` where the whole-weight probes serve
        (no probe context, one that cannot watch new probes, a loop within a loop, or
        rows of unknown number)."""
        if probes is None or probes.watch is None or probes.loop is not None:
            return None
        if rows is None or rows % probes.n_samples or n_steps < 1:
            return None
        return cls(probes, n_steps, rows)

    @contextlib.contextmanager
    def at(self, step):
        """Makes this loop's probes those of `step` (a scalar tensor) while it traces."""
        self.step, self.probes.loop = step, self
        try:
            yield
        finally:
            self.step, self.probes.loop = None, None
            self._add_used_records()

    def product_term(self, index, inputs):
        """The zero term of `inputs @ W`'s per-step probe, or `None` (see the class)."""
        if not self._claim(index, inputs, rank=2):
            return None
        return _product_probe(inputs, self._arrays[index].read(self.step))

    def scale_term(self, index, values):
        """The zero term of `values * z`'s per-step probe, or `None` (see the class)."""
        if not self._claim(index, values, rank=1):
            return None
        return _scale_probe(values, self._arrays[index].read(self.step))

    def _claim(self, index, values, rank):
        """Whether this product takes the weight's probe of the step (see the class);
        not when its rows are not the loop's (the carry's rows were guessed wrong)."""
        if index in self._claimed or index not in self._arrays or values.shape[0] != self.rows:
            return False
        if len(self.probes.variables[index].shape) != rank:
            return False
        self._claimed.add(index)
        return True

    def _add_used_records(self):
        known = {id(record) for record in self.probes.step_probes}
        for record in self._records:
            if record.index in self._claimed and id(record) not in known:
                self.probes.step_probes.append(record)


class _StepProbe:
    """One weight's per-step probe `(n_steps, rows, width)` and how its gradient turns
    into per-sample derivatives."""

    def __init__(self, index, probe, shape):
        self.index, self.probe, self.shape = index, probe, tuple(shape)

    def derivatives(self, gradient, n_samples):
        """`(n_samples, *shape)`: the sum over steps (and a sample's rows) of the
        gradient's products `x_t (x) g_t`, or of `values_t g_t` for a vector."""
        n_steps, rows, width = gradient.shape
        gradient = tf.reshape(gradient, (n_steps, rows // n_samples, n_samples, width))
        if len(self.shape) == 1:
            return tf.reduce_sum(gradient, axis=(0, 1))
        n_inputs = self.shape[0]
        inputs, outputs = gradient[..., :n_inputs], gradient[..., n_inputs:]
        return tf.einsum("tkbi,tkbo->bio", inputs, outputs)


@tf.custom_gradient
def _product_probe(inputs, probe_t):
    """Zeros `(rows, out)`; the gradient of `probe_t` `(rows, in + out)` is `[x, g]`."""
    n_inputs = inputs.shape[-1]

    def gradient(upstream):
        return None, tf.concat([tf.stop_gradient(inputs), upstream], axis=-1)

    return probe_t[:, n_inputs:], gradient


@tf.custom_gradient
def _scale_probe(values, probe_t):
    """Zeros like `values`; the gradient of `probe_t` is `values * g`."""

    def gradient(upstream):
        return None, tf.stop_gradient(values) * upstream

    return probe_t, gradient


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
