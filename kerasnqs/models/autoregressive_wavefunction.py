"""The base class of autoregressive wavefunctions: everything but the model's own step."""

import collections
import functools
import math

import keras
import numpy as np
from keras import ops

from kerasnqs import seeds
from kerasnqs.hilbert import SpinHalf
from kerasnqs.layers import SoftmaxHead, SoftsignHead
from kerasnqs.models import autoregressive_loops as loops
from kerasnqs.models.wavefunction import Wavefunction, validate_dtype

# Compile `sample` with XLA when called eagerly (see benchmarks/sampling.py).
JIT_COMPILE_SAMPLING = True
# At most this many shards in one call of `sample` (see `sample_shard_size`).
MAX_SAMPLE_SHARDS = 64
# Segments of the path in `log_psi_of_flips`: more segments skip more shared work but
# add loops, each compiled and run on its own (see benchmarks/NOTES.md). A segment spans
# at least `FLIP_SEGMENT_MIN_STEPS` steps: on a short path, a loop per step or two costs
# more in compile time than it saves.
FLIP_SEGMENTS = 8
FLIP_SEGMENT_MIN_STEPS = 3

# What the loop over steps carries: the model's own state, the spin taken at the
# previous step (int32), the number of down spins so far, and the running sums of
# log-conditionals and phases (an empty tuple without phases: XLA failed to compile
# three or more loops carrying the same unchanged zeros); every leaf has a batch axis.
_Carry = collections.namedtuple("_Carry", ["state", "spin", "n_down", "log_prob", "phase"])


@keras.saving.register_keras_serializable(package="kerasnqs")
class AutoregressiveWavefunction(Wavefunction):
    """Base class of autoregressive wavefunctions, exactly normalized and sampled exactly.

    The sites are visited in the lattice's autoregressive `order` (step `n` visits site
    `order[n]`). At each step the model gives the conditional probabilities of the spin
    there given the spins of the earlier steps and, when `phase=True`, the phase each
    spin value contributes. This class does everything that follows from that: it
    normalizes the conditionals, applies the magnetization sector, sums the steps into
    `log_prob` and `log_psi`, draws exact samples, returns the `conditionals` and
    evaluates flipped configurations reusing their shared prefix
    (`log_psi_of_flips`), with dtype and input checks and one cached compiled function
    per public method.

    Mathematical details::

        P(sigma) = prod_n softmax(l_n)[sigma_n]
        phi(sigma) = sum_n phi_n[sigma_n]
        psi(sigma) = sqrt(P(sigma)) * exp(i * phi(sigma))

    with `l_n` and `phi_n` the logits and phases of step `n` (each of shape `(2,)`,
    index 0 spin up, 1 spin down), functions of `sigma_0 .. sigma_{n-1}` only (in
    path order). With `magnetization=m` the state lives in the sector of total
    `S^z = m`, that is `n_down = n_sites / 2 - m` (its `hilbert` is
    `kerasnqs.hilbert.SpinHalf(n_sites, m)`): at each step a spin value after which the
    sector can no longer be reached gets probability zero and the other value probability
    one; otherwise the conditional is unchanged. Sampling and `log_prob` apply the same
    rule, so `P` stays normalized over the sector, and configurations outside it get
    `log_prob = -inf`.

    Sampling draws the spin of step `n` with probability `softmax(l_n)[1]` of being
    down, from stateless uniform numbers seeded by folding `n` into the seed (see
    `kerasnqs.models.autoregressive_loops`); the same seed gives the same samples
    eagerly, in a `tf.function` and under XLA. Called eagerly, `sample` compiles with
    XLA once per `n_samples`; `log_prob`, `log_psi`, `conditionals` and
    `log_psi_of_flips` are compiled without XLA so that one trace serves every batch.

    A subclass whose step XLA runs on one core (small fused loops rather than matrix
    products, such as attention over a cache) can set the class attribute
    `sample_shard_size`: `sample(n)` then draws shards of at most that many samples
    (of more when `n` would need more than 64 shards), shard `i` with the seed
    `fold_in(seed, i)`, each its own XLA function, which TensorFlow runs concurrently
    when `sample` is called eagerly (inside a traced function the shards run one after
    the other and draw the same samples). A request of at most `sample_shard_size`
    samples is one shard with the seed itself.

    The subclassing contract:

    - `initial_state(batch_size)` returns the model's state before the first step: a
      tensor or a nested tuple of tensors, each with the batch on axis 0 (or rolling
      windows from `autoregressive_loops.new_window`, slots first, batch second).
    - `step(step, state, previous_spin)` returns `(logits, phases, state)`: the logits
      `(batch, 2)` of the spin at `step` (any real numbers; the base applies the
      log-softmax), the phases `(batch, 2)` of its two values (`None` when
      `self.phase` is False) and the new state, of the same structure, shapes and
      dtypes. `step` is an int32 scalar tensor, `previous_spin` the int32 spins
      `(batch,)` taken at `step - 1` (zeros at step 0, which has no previous spin).
      Write it with `keras.ops` (it runs inside a `tf.while_loop`, also under XLA),
      and pass weights through `kerasnqs.layers.per_sample.dense`/`add_bias` so that
      `kerasnqs.vmc.log_derivatives` (and so `kerasnqs.vmc.SR`) works.
    - `tile_state_rows(state, rows, multiples)` and `concat_state_rows(first,
      second)`: how the first `rows` batch rows of a state are repeated, and how two
      states are joined along the batch, for the prefix reuse of
      `log_psi_of_flips`. The defaults handle tensors with the batch on axis 0 and
      rolling windows; override them for another layout.
    - With `segment_length` set, `start_segment(state, start, length)` returns the
      state for the segment of `length` steps from `start` (called before every
      segment but the first; `initial_state` makes the first one's state).
    - `build()` builds the model's layers and weights; the public methods call it
      when the model is not built yet. The output heads
      `SoftmaxHead` and `SoftsignHead` are there to be used: `make_heads()` creates
      them as `probability_head` and `phase_head` (`None` without `phase`), and
      `head_outputs(hidden)` returns `(logits, phases)` from a hidden vector.
    - `get_config()` adds the subclass's own constructor arguments.

    Args:
        lattice: a `kerasnqs.lattice.Lattice` (or its config).
        phase: add the phases, making `log_psi` complex. Defaults to `False`.
        magnetization: `None` (no constraint, the default) or the total `S^z` of the
            sector, with `n_sites / 2 - magnetization` an integer in `[0, n_sites]`.
        dtype: `"float32"` (default) or `"float64"`, for weights and computations; a
            complex `log_psi` is `complex64` or `complex128` accordingly.
        **kwargs: passed to `keras.Model` (for example `name`).

    Example:

    A minimal model: the logits of step `n` are a learned row `W[n]` plus `U` times
    the previous spin, a Markov chain along the path.

    >>> import keras
    >>> import numpy as np
    >>> from keras import ops
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.layers.per_sample import dense
    >>> from kerasnqs.models import AutoregressiveWavefunction
    >>> class MarkovWavefunction(AutoregressiveWavefunction):
    ...     def build(self, input_shape=None):
    ...         self.site_logits = self.add_weight(shape=(self.n_sites, 2), name="w")
    ...         self.coupling = self.add_weight(shape=(2, 2), name="u")
    ...         self.built = True
    ...     def initial_state(self, batch_size):
    ...         return ops.zeros((batch_size,), "int32")  # no state needed: a placeholder
    ...     def step(self, step, state, previous_spin):
    ...         rows = ops.one_hot(ops.full_like(previous_spin, step), self.n_sites)
    ...         spin = ops.one_hot(previous_spin, 2) * ops.cast(step > 0, "float32")
    ...         logits = dense(rows, self.site_logits) + dense(spin, self.coupling)
    ...         return logits, None, state
    >>> model = MarkovWavefunction(Chain(4), magnetization=0)
    >>> every_config = (np.arange(16)[:, None] >> np.arange(4)[::-1]) & 1
    >>> round(float(np.exp(model.log_prob(every_config)).sum()), 5)
    1.0
    >>> configs, log_psi = model.sample(3, seed=0)
    >>> bool(np.allclose(model.log_psi(configs), log_psi, atol=1e-6))
    True
    """

    sample_shard_size = None
    """The most samples `sample` draws in one compiled loop; `None`: no limit."""

    segment_length = None
    """The steps of each loop over the path (see `start_segment`); `None`: one loop."""

    def __init__(self, lattice, phase=False, magnetization=None, dtype="float32", **kwargs):
        dtype = validate_dtype(dtype)
        super().__init__(lattice, dtype=dtype, **kwargs)
        self.phase = _validate_phase(phase)
        self._hilbert = SpinHalf(self.lattice.n_sites, magnetization)
        self.magnetization = self._hilbert.magnetization
        self.probability_head = None
        self.phase_head = None
        order = np.asarray(self.lattice.order, dtype=np.int32)
        self._order = order
        self._step_of_site = np.argsort(order).astype(np.int32)

    @property
    def hilbert(self):
        """The `kerasnqs.hilbert.SpinHalf` the amplitudes live on: the sector if any."""
        return self._hilbert

    @property
    def is_complex(self):
        return self.phase

    # The subclass's part.

    def initial_state(self, batch_size):
        """The model's state before the first step (see the class docstring)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `initial_state`.")

    def step(self, step, state, previous_spin):
        """Returns `(logits, phases, state)` of one step (see the class docstring)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `step`.")

    def start_segment(self, state, start, length):
        """The state for the `length` steps from `start`; by default `state` itself."""
        return state

    def tile_state_rows(self, state, rows, multiples):
        """The first `rows` batch rows of `state`, repeated `multiples` times."""
        return loops.tile_first_rows(state, rows, multiples)

    def concat_state_rows(self, first, second):
        """The rows of `first` followed by those of `second`."""
        return loops.concat_rows(first, second)

    def make_heads(self):
        """Creates `probability_head` (a `SoftmaxHead`) and, with `phase`, `phase_head`."""
        self.probability_head = SoftmaxHead(dtype=self.dtype_policy.name, name="softmax_head")
        if self.phase:
            self.phase_head = SoftsignHead(dtype=self.dtype_policy.name, name="softsign_head")

    def build_heads(self, hidden_size):
        """Builds the heads made by `make_heads` for hidden vectors of `hidden_size`."""
        for head in (self.probability_head, self.phase_head):
            if head is not None and not head.built:
                head.build((None, hidden_size))

    def head_outputs(self, hidden):
        """`(logits, phases)` of the heads for a hidden vector `(batch, hidden_size)`."""
        logits = self.probability_head.logits(hidden)
        phases = self.phase_head(hidden) if self.phase_head is not None else None
        return logits, phases

    # The public API.

    def log_prob(self, configs):
        """Returns `log P(sigma)`, shape `(batch,)`; `-inf` outside the magnetization sector.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
        """
        return self._built_and_compiled("log_prob", self._log_prob)(self._validate_configs(configs))

    def log_psi(self, configs):
        """Returns `log psi(sigma) = 0.5 * log P(sigma) + i * phi(sigma)`, shape `(batch,)`.

        Real (the model's float dtype) when `phase=False`, else complex64/complex128.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
        """
        return self._built_and_compiled("log_psi", self._log_psi)(self._validate_configs(configs))

    def conditionals(self, configs):
        """Returns the conditional probabilities `(batch, n_sites, 2)`, indexed by site.

        Entry `[b, i, s]` is the probability that site `i` holds spin `s` given the
        spins of `configs[b]` at the sites visited before `i` (those earlier in
        `lattice.order`), under the magnetization constraint if any. Each row sums to
        one, except after a step that has already left the magnetization sector,
        where it is zero.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
        """
        return self._built_and_compiled("conditionals", self._conditionals)(
            self._validate_configs(configs)
        )

    def log_psi_of_flips(self, configs, flip_masks):
        """Returns `log psi(configs[b] XOR flip_masks[k])`, shape `(batch, K)`.

        A flipped configuration agrees with `configs[b]` on every step before its first
        flipped site, so the model's states there are shared. The path is cut into
        `FLIP_SEGMENTS` segments (fewer on a path shorter than `FLIP_SEGMENTS *
        FLIP_SEGMENT_MIN_STEPS`); a flipped configuration gets its own pass only from
        the segment holding its first flipped site, starting from a copy of the
        unflipped configuration's carry at that segment's start. For single spin flips
        this costs about `(1 + 1 / S) / 2` of evaluating every flipped configuration
        from the first site, with `S` segments.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
            flip_masks: a numpy array `(K, n_sites)` of 0s and 1s.

        Returns:
            A tensor `(batch, K)` of the dtype of `log_psi`.
        """
        flip_masks = self._validate_flip_masks(flip_masks)
        key = ("log_psi_of_flips", flip_masks.tobytes(), flip_masks.shape)
        fn = functools.partial(self._log_psi_of_flips, flip_masks)
        return self._built_and_compiled(key, fn)(self._validate_configs(configs))

    def sample(self, n_samples, seed):
        """Draws exact samples and their `log_psi` in one autoregressive pass.

        Args:
            n_samples: the number of configurations, a Python int >= 1.
            seed: an int or an integer tensor of shape `(2,)`; the same seed gives the
                same samples.

        Returns:
            `(configs, log_psi)`: int32 `(n_samples, n_sites)` in site order, and
            `(n_samples,)` as returned by `log_psi`.
        """
        n_samples = self._validate_n_samples(n_samples)
        seed = seeds.as_seed(seed)
        sizes = _shard_sizes(n_samples, self.sample_shard_size)
        if len(sizes) == 1:
            sample = functools.partial(self._sample, n_samples)
            return self._built_and_compiled(("sample", n_samples), sample, JIT_COMPILE_SAMPLING)(
                seed
            )
        # Eagerly: one graph (without XLA) calling an XLA function per shard, which
        # TensorFlow's inter-op threads run concurrently.
        shards = functools.partial(self._sample_in_shards, sizes, loops.executing_eagerly())
        return self._built_and_compiled(("sample", sizes), shards)(seed)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "phase": self.phase,
                "magnetization": self.magnetization,
                "dtype": self.dtype_policy.name,
            }
        )
        return config

    # The passes below are traced once per input signature; `_compiled` caches them.

    def _built_and_compiled(self, key, fn, jit_compile=False):
        """`_compiled(key, fn, jit_compile)`, after building the model if it is not built."""
        if not self.built:
            self.build()
        return self._compiled(key, fn, jit_compile)

    def _log_prob(self, configs):
        carry, _ = self._teacher_forced(configs)
        return carry.log_prob

    def _log_psi(self, configs):
        carry, _ = self._teacher_forced(configs)
        return self._combine(carry.log_prob, carry.phase)

    def _conditionals(self, configs):
        _, (log_conditionals,) = self._teacher_forced(configs, collect_conditionals=True)
        by_step = ops.transpose(ops.exp(log_conditionals), (1, 0, 2))
        return ops.take(by_step, self._step_of_site, axis=1)

    def _sample(self, n_samples, seed):
        def draw(step, log_conditional):
            return loops.bernoulli_at_step(seed, step, ops.exp(log_conditional[:, 1]))

        def output(spin, log_conditional):
            return (spin,)

        carry, (spins,) = self._run_path(
            functools.partial(self._carry_step, choose_spin=draw, output=output),
            self._initial_carry(n_samples),
            0,
            self.n_sites,
            output_specs=(((n_samples,), "int32"),),
        )
        configs = ops.take(ops.transpose(spins), self._step_of_site, axis=1)
        return configs, self._combine(carry.log_prob, carry.phase)

    def _sample_in_shards(self, sizes, compile_shards, seed):
        """Draws shard `i` of `sizes[i]` samples with the seed `fold_in(seed, i)`; joins them.

        The seeds are those of `kerasnqs.seeds.seeded_batches`.
        """
        configs, log_psi = [], []
        for size, shard_seed in seeds.seeded_batches(sizes, seed):
            draw = functools.partial(self._sample, size)
            if compile_shards:  # the cache entry of `sample(size)` itself
                draw = self._cached_function(("sample", size), draw, JIT_COMPILE_SAMPLING)
            shard_configs, shard_log_psi = draw(shard_seed)
            configs.append(shard_configs)
            log_psi.append(shard_log_psi)
        return ops.concatenate(configs, axis=0), ops.concatenate(log_psi, axis=0)

    def _log_psi_of_flips(self, flip_masks, configs):
        n_masks = flip_masks.shape[0]
        # The step at which each mask first flips a spin (a mask flipping nothing: the end).
        flipped = flip_masks[:, self._order] != 0
        first_step = np.where(flipped, np.arange(self.n_sites), self.n_sites - 1).min(axis=1)
        by_first_step = np.argsort(first_step, kind="stable")
        n_segments = max(1, min(FLIP_SEGMENTS, self.n_sites // FLIP_SEGMENT_MIN_STEPS))
        bounds = np.unique(np.linspace(0, self.n_sites, n_segments + 1).round().astype(int))

        # Rows: the unflipped configurations first, then one block per mask (sorted by
        # first flipped step); a block joins at the segment of its first flipped step.
        batch_size = ops.shape(configs)[0]
        masks = np.concatenate([np.zeros_like(flip_masks[:1]), flip_masks[by_first_step]])
        rows = ops.abs(configs[None, :, :] - ops.convert_to_tensor(masks)[:, None, :])
        rows = ops.reshape(rows, (-1, self.n_sites))
        spins_by_step = ops.transpose(ops.take(rows, self._order, axis=1))

        carry, n_blocks = self._initial_carry(batch_size), 1
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            n_new = int(np.sum((first_step >= start) & (first_step < stop)))
            if n_new:
                carry, n_blocks = self._add_blocks(carry, batch_size, n_new), n_blocks + n_new
            carry = self._run_segment(carry, spins_by_step[:, : n_blocks * batch_size], start, stop)

        log_psi = self._combine(carry.log_prob, carry.phase)[batch_size:]
        log_psi = ops.reshape(log_psi, (n_masks, batch_size))
        return ops.transpose(ops.take(log_psi, np.argsort(by_first_step), axis=0))

    def _add_blocks(self, carry, batch_size, n_new):
        """The carry with `n_new` copies of its first `batch_size` rows appended."""
        sums = carry._replace(state=())
        new_sums = loops.tile_first_rows(sums, batch_size, n_new)
        new_state = self.tile_state_rows(carry.state, batch_size, n_new)
        joined = loops.concat_rows(sums, new_sums)
        return joined._replace(state=self.concat_state_rows(carry.state, new_state))

    def _run_segment(self, carry, spins_by_step, start, stop):
        """Runs steps `start .. stop - 1` reading the given spins; returns the carry."""

        def given(step, log_conditional):
            return ops.take(spins_by_step, step, axis=0)

        carry, _ = self._run_path(
            functools.partial(self._carry_step, choose_spin=given, output=lambda *_: ()),
            carry,
            int(start),
            int(stop),
        )
        return carry

    def _run_path(self, step_fn, carry, start, stop, output_specs=()):
        """Runs steps `start .. stop - 1` (`loops.run_steps`), a loop per model segment.

        The carry passed in and returned is the one before `start_segment` of a segment
        starting at `start` or `stop`: a path run in consecutive pieces starts every
        segment once.
        """
        bounds = [start, stop]
        if self.segment_length is not None:
            bounds = sorted({start, stop, *range(0, self.n_sites, self.segment_length)})
            bounds = [bound for bound in bounds if start <= bound <= stop]
        pieces = []
        for first, last in zip(bounds[:-1], bounds[1:], strict=True):
            if first > 0 and self.segment_length is not None and first % self.segment_length == 0:
                length = min(self.segment_length, self.n_sites - first)
                carry = carry._replace(state=self.start_segment(carry.state, first, length))
            carry, outputs = loops.run_steps(step_fn, carry, last, output_specs, start=first)
            pieces.append(outputs)
        if len(pieces) == 1:
            return carry, pieces[0]
        return carry, tuple(ops.concatenate(parts, axis=0) for parts in zip(*pieces, strict=True))

    def _teacher_forced(self, configs, collect_conditionals=False):
        """Runs the model along the path reading the spins of `configs`."""
        spins_by_step = ops.transpose(ops.take(configs, self._order, axis=1))

        def given(step, log_conditional):
            return ops.take(spins_by_step, step, axis=0)

        def output(spin, log_conditional):
            return (log_conditional,) if collect_conditionals else ()

        batch_size = ops.shape(configs)[0]
        specs = (((configs.shape[0], 2), self.compute_dtype),) if collect_conditionals else ()
        return self._run_path(
            functools.partial(self._carry_step, choose_spin=given, output=output),
            self._initial_carry(batch_size),
            0,
            self.n_sites,
            output_specs=specs,
        )

    def _initial_carry(self, batch_size):
        """The carry before the first step: the model's initial state and zero sums."""
        zeros = ops.zeros((batch_size,), self.compute_dtype)
        return _Carry(
            state=self.initial_state(batch_size),
            spin=ops.zeros((batch_size,), "int32"),
            n_down=ops.zeros((batch_size,), "int32"),
            log_prob=zeros,
            phase=zeros if self.phase else (),
        )

    def _carry_step(self, step, carry, choose_spin, output):
        """One step of the path: conditionals, the spin (given or drawn), the new carry."""
        logits, phases, state = self.step(step, carry.state, carry.spin)
        log_conditional = self._sector_masked(step, ops.log_softmax(logits, axis=-1), carry.n_down)
        spin = choose_spin(step, log_conditional)
        is_down = ops.equal(spin, 1)
        log_prob = carry.log_prob + ops.where(is_down, log_conditional[:, 1], log_conditional[:, 0])
        phase = carry.phase
        if self.phase:
            phase = phase + ops.where(is_down, phases[:, 1], phases[:, 0])
        carry = _Carry(
            state=state, spin=spin, n_down=carry.n_down + spin, log_prob=log_prob, phase=phase
        )
        return carry, output(spin, log_conditional)

    def _sector_masked(self, step, log_conditional, n_down):
        """`log_conditional` `(batch, 2)` with the magnetization sector's rule applied."""
        if self.magnetization is None:
            return log_conditional
        still_needed = self._hilbert.n_down - n_down
        steps_after = self.n_sites - 1 - step
        can_be_up = ops.logical_and(still_needed >= 0, still_needed <= steps_after)
        can_be_down = ops.logical_and(still_needed >= 1, still_needed - 1 <= steps_after)
        allowed = ops.stack([can_be_up, can_be_down], axis=-1)
        forced = ops.where(allowed, 0.0, -math.inf)
        free = ops.logical_and(can_be_up, can_be_down)[:, None]
        return ops.where(free, log_conditional, ops.cast(forced, log_conditional.dtype))

    def _combine(self, log_prob, phase):
        """`log_psi` from the sums of log-conditionals and of phases."""
        if not self.phase:
            return 0.5 * log_prob
        complex_dtype = {"float32": "complex64", "float64": "complex128"}[self.compute_dtype]
        return ops.cast(0.5 * log_prob, complex_dtype) + ops.cast(phase, complex_dtype) * 1j


def _shard_sizes(n_samples, shard_size):
    """`n_samples` split into shards of `shard_size` and a last, smaller one, as a tuple.

    Beyond `MAX_SAMPLE_SHARDS * shard_size` samples the shards grow instead, so that the
    graph holds at most `MAX_SAMPLE_SHARDS` loops.
    """
    if shard_size is None or n_samples <= shard_size:
        return (n_samples,)
    shard_size = max(shard_size, -(-n_samples // MAX_SAMPLE_SHARDS))
    full, rest = divmod(n_samples, shard_size)
    return (shard_size,) * full + ((rest,) if rest else ())


def _validate_phase(phase):
    if not isinstance(phase, (bool, np.bool_)):
        raise ValueError(f"`phase` must be True or False, got {phase!r}.")
    return bool(phase)
