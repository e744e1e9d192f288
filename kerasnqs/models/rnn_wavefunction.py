"""The recurrent-neural-network wavefunction."""

import collections
import functools
import math
import numbers

import keras
import numpy as np
from keras import ops

from kerasnqs import seeds, spins
from kerasnqs.layers import (
    GRUCell,
    MDGRUCell,
    MDRNNCell,
    RNNCell,
    SoftmaxHead,
    SoftsignHead,
    VanillaRNNCell,
)
from kerasnqs.layers.rnn_cell import validate_units
from kerasnqs.models import autoregressive_loops as loops
from kerasnqs.models.wavefunction import Wavefunction

# Cell names, and the class used for each number of neighbour steps the lattice has.
CELLS = {
    "gru": {1: GRUCell, 2: MDGRUCell},
    "vanilla": {1: VanillaRNNCell, 2: MDRNNCell},
}
DEFAULT_UNITS = 32
DTYPES = ("float32", "float64")
# Compile `sample` with XLA when called eagerly (see benchmarks/sampling.py).
JIT_COMPILE_SAMPLING = True
# Segments of the path in `log_psi_of_flips`: more segments skip more shared work but
# add loops (see benchmarks/NOTES.md).
FLIP_SEGMENTS = 8

# What the loop over steps carries: the rolling windows of the last steps' spins
# (int32) and hidden states (one window per layer), the number of down spins so far,
# and the running sums of log-conditionals and phases; every leaf has a batch axis.
_Carry = collections.namedtuple(
    "_Carry", ["spin_window", "state_windows", "n_down", "log_prob", "phase"]
)


@keras.saving.register_keras_serializable(package="kerasnqs")
class RNNWavefunction(Wavefunction):
    """An autoregressive RNN wavefunction, exactly normalized and sampled exactly.

    A stack of recurrent cells walks the sites in the lattice's autoregressive
    `order`: the natural order on a `Chain` (a 1D RNN), the zigzag path on a `Square`
    (a 2D RNN whose cells read the horizontal and the vertical neighbour step). At
    each step `n` the hidden state `h_n` of the top layer gives the conditional
    probabilities of the spin there through a `SoftmaxHead` and, when `phase=True`,
    the phase contributed by each spin state through a `SoftsignHead`.

    Mathematical details::

        P(sigma) = prod_n y_n[sigma_n],          y_n = softmax(U h_n + c)
        phi(sigma) = sum_n phi_n[sigma_n],       phi_n = pi * softsign(U' h_n + c')
        psi(sigma) = sqrt(P(sigma)) * exp(i * phi(sigma))

    with `sigma_n` the spin at the site visited at step `n` (0 up, 1 down). The first
    step reads zero spins and zero states. Layer 1 reads the one-hot spins of the
    neighbour steps; layer `l > 1` reads the hidden state of layer `l - 1` at the same
    step (see `kerasnqs.layers.RNNCell`). Only a rolling window of the last `L`
    steps is kept, `L` the longest lookback of `lattice.autoregressive_neighbors`
    (1 on a chain, `2 * lx - 1` on a square), so memory and work per step do not
    grow with the number of sites.

    With `magnetization=m`, the state lives in the sector of total `S^z = m`, that is
    `n_down = n_sites / 2 - m`: at each step a spin value after which the sector can
    no longer be reached gets probability zero and the other value probability one;
    otherwise the conditional is unchanged. Sampling and `log_prob` apply the same
    rule, so `P` stays normalized over the sector, and configurations outside it get
    `log_prob = -inf` (with finite gradients for the configurations inside).

    Sampling draws the spin of each step with probability `y_n[1]` of being down,
    from stateless uniform numbers seeded by folding the step into the seed (see
    `kerasnqs.models.autoregressive_loops`); the same seed gives the same samples
    eagerly, in a `tf.function` and under XLA. `sample`, `log_prob`, `log_psi` and
    `conditionals` can be called inside any `tf.function`, with `jit_compile=True`
    too. Called eagerly, they run a `tf.function` cached on the model: `sample`
    compiles with XLA once per `n_samples`, the others are compiled without XLA so
    that one trace serves every batch size.

    Args:
        lattice: a `kerasnqs.lattice.Chain` or `Square` (or any lattice whose
            `autoregressive_neighbors` has as many columns as the cell reads).
        cell: `"gru"` or `"vanilla"` (`GRUCell`/`VanillaRNNCell` on a chain,
            `MDGRUCell`/`MDRNNCell` on a square), or an `RNNCell` instance. An
            instance is the first layer's cell; with `depth > 1` the other layers are
            new cells built from its `get_config()` (same class and settings, their
            own weights), named `f"{cell.name}_{i}"`. A dict from
            `keras.saving.serialize_keras_object(cell)` is deserialized first.
            Defaults to `"gru"`.
        units: the hidden size of every layer, an integer >= 1. Defaults to 32 for a
            named cell, and to the instance's `units` for a cell instance (another
            value is then an error).
        depth: the number of stacked cells, an integer >= 1. Defaults to 1.
        phase: add the `SoftsignHead`, making `log_psi` complex. Defaults to `False`.
        magnetization: `None` (no constraint, the default) or the total `S^z` of the
            sector, a multiple of 1/2 with `n_sites / 2 - m` an integer in
            `[0, n_sites]`.
        dtype: `"float32"` (default) or `"float64"`, for weights and computations;
            a complex `log_psi` is `complex64` or `complex128` accordingly.
        **kwargs: passed to `keras.Model` (for example `name`).

    Example:

    >>> import numpy as np
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> model = RNNWavefunction(Chain(6), units=8, magnetization=0)
    >>> configs, log_psi = model.sample(4, seed=1)
    >>> tuple(configs.shape), tuple(log_psi.shape)
    ((4, 6), (4,))
    >>> [int(n_down) for n_down in configs.numpy().sum(axis=1)]
    [3, 3, 3, 3]
    >>> bool(np.allclose(model.log_psi(configs), log_psi, atol=1e-6))
    True
    """

    def __init__(
        self,
        lattice,
        cell="gru",
        units=None,
        depth=1,
        phase=False,
        magnetization=None,
        dtype="float32",
        **kwargs,
    ):
        dtype = _validate_dtype(dtype)
        super().__init__(lattice, dtype=dtype, **kwargs)
        self.depth = _validate_depth(depth)
        self.phase = _validate_phase(phase)
        self.magnetization = _validate_magnetization(magnetization, self.lattice.n_sites)
        self.cells = _make_cells(cell, units, self.depth, self.lattice, dtype)
        self._cell_name = cell if isinstance(cell, str) else None
        self.units = self.cells[0].units
        self.probability_head = SoftmaxHead(dtype=dtype, name="softmax_head")
        self.phase_head = SoftsignHead(dtype=dtype, name="softsign_head") if self.phase else None
        self._path_tables = _PathTables(self.lattice)
        self._compiled_functions = {}
        self.build()

    def build(self, input_shape=None):
        input_dim = 2 * self._path_tables.n_neighbors
        for cell in self.cells:
            if not cell.built:
                cell.build((None, input_dim))
            input_dim = cell.units
        for head in (self.probability_head, self.phase_head):
            if head is not None and not head.built:
                head.build((None, self.units))
        self.built = True

    @property
    def is_complex(self):
        return self.phase

    def log_prob(self, configs):
        """Returns `log P(sigma)`, shape `(batch,)`; `-inf` outside the magnetization sector.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
        """
        return self._compiled("log_prob", self._log_prob)(self._validate_configs(configs))

    def log_psi(self, configs):
        """Returns `log psi(sigma) = 0.5 * log P(sigma) + i * phi(sigma)`, shape `(batch,)`.

        Real (the model's float dtype) when `phase=False`, else complex64/complex128.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
        """
        return self._compiled("log_psi", self._log_psi)(self._validate_configs(configs))

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
        return self._compiled("conditionals", self._conditionals)(self._validate_configs(configs))

    def log_psi_of_flips(self, configs, flip_masks):
        """Returns `log psi(configs[b] XOR flip_masks[k])`, shape `(batch, K)`.

        A flipped configuration agrees with `configs[b]` on every step before its first
        flipped site, so the RNN's states there are shared. The path is cut into
        `FLIP_SEGMENTS` segments; a flipped configuration gets its own pass only from
        the segment holding its first flipped site, starting from a copy of the
        unflipped configuration's carry at that segment's start. For single spin flips
        on `n` sites this costs about `(1 + 1 / FLIP_SEGMENTS) / 2` of evaluating every
        flipped configuration from the first site.

        Args:
            configs: integer tensor `(batch, n_sites)` of spins in site order.
            flip_masks: a numpy array `(K, n_sites)` of 0s and 1s.

        Returns:
            A tensor `(batch, K)` of the dtype of `log_psi`.
        """
        flip_masks = self._validate_flip_masks(flip_masks)
        key = ("log_psi_of_flips", flip_masks.tobytes(), flip_masks.shape)
        fn = functools.partial(self._log_psi_of_flips, flip_masks)
        return self._compiled(key, fn)(self._validate_configs(configs))

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
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
            raise ValueError(f"`n_samples` must be a Python int >= 1, got {n_samples!r}.")
        if n_samples < 1:
            raise ValueError(f"`n_samples` must be a Python int >= 1, got {n_samples}.")
        seed = seeds.as_seed(seed)
        sample = functools.partial(self._sample, int(n_samples))
        return self._compiled(("sample", n_samples), sample, JIT_COMPILE_SAMPLING)(seed)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": self._cell_name or keras.saving.serialize_keras_object(self.cells[0]),
                "units": self.units,
                "depth": self.depth,
                "phase": self.phase,
                "magnetization": self.magnetization,
                "dtype": self.dtype_policy.name,
            }
        )
        return config

    # The passes below are traced once per input signature; `_compiled` caches them.

    def _compiled(self, key, fn, jit_compile=False):
        """Returns `fn`, or when executing eagerly a cached `tf.function` of it."""
        if not loops.executing_eagerly():
            return fn
        if key not in self._compiled_functions:
            self._compiled_functions[key] = loops.compile_function(fn, jit_compile)
        return self._compiled_functions[key]

    def _log_prob(self, configs):
        carry, _ = self._teacher_forced(configs)
        return carry.log_prob

    def _log_psi(self, configs):
        carry, _ = self._teacher_forced(configs)
        return self._combine(carry.log_prob, carry.phase)

    def _conditionals(self, configs):
        _, (log_conditionals,) = self._teacher_forced(configs, collect_conditionals=True)
        by_step = ops.transpose(ops.exp(log_conditionals), (1, 0, 2))
        return ops.take(by_step, self._path_tables.step_of_site, axis=1)

    def _sample(self, n_samples, seed):
        def draw(step, log_conditional):
            return loops.bernoulli_at_step(seed, step, ops.exp(log_conditional[:, 1]))

        def output(spin, log_conditional):
            return (spin,)

        carry, (spins,) = loops.run_steps(
            functools.partial(self._step, choose_spin=draw, output=output),
            self._initial_carry(n_samples),
            self.n_sites,
            output_specs=(((n_samples,), "int32"),),
        )
        configs = ops.take(ops.transpose(spins), self._path_tables.step_of_site, axis=1)
        return configs, self._combine(carry.log_prob, carry.phase)

    def _log_psi_of_flips(self, flip_masks, configs):
        n_masks = flip_masks.shape[0]
        # The step at which each mask first flips a spin (a mask flipping nothing: the end).
        flipped = flip_masks[:, self._path_tables.order] != 0
        first_step = np.where(flipped, np.arange(self.n_sites), self.n_sites - 1).min(axis=1)
        by_first_step = np.argsort(first_step, kind="stable")
        bounds = np.unique(np.linspace(0, self.n_sites, FLIP_SEGMENTS + 1).round().astype(int))

        # Rows: the unflipped configurations first, then one block per mask (sorted by
        # first flipped step); a block joins at the segment of its first flipped step.
        batch_size = ops.shape(configs)[0]
        masks = np.concatenate([np.zeros_like(flip_masks[:1]), flip_masks[by_first_step]])
        rows = ops.abs(configs[None, :, :] - ops.convert_to_tensor(masks)[:, None, :])
        rows = ops.reshape(rows, (-1, self.n_sites))
        spins_by_step = ops.transpose(ops.take(rows, self._path_tables.order, axis=1))

        carry, n_blocks = self._initial_carry(batch_size), 1
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            n_new = int(np.sum((first_step >= start) & (first_step < stop)))
            if n_new:
                new = loops.tile_first_rows(carry, batch_size, n_new)
                carry, n_blocks = loops.concat_rows(carry, new), n_blocks + n_new
            carry = self._run_segment(carry, spins_by_step[:, : n_blocks * batch_size], start, stop)

        log_psi = self._combine(carry.log_prob, carry.phase)[batch_size:]
        log_psi = ops.reshape(log_psi, (n_masks, batch_size))
        return ops.transpose(ops.take(log_psi, np.argsort(by_first_step), axis=0))

    def _run_segment(self, carry, spins_by_step, start, stop):
        """Runs steps `start .. stop - 1` reading the given spins; returns the carry."""

        def given(step, log_conditional):
            return ops.take(spins_by_step, step, axis=0)

        carry, _ = loops.run_steps(
            functools.partial(self._step, choose_spin=given, output=lambda *_: ()),
            carry,
            int(stop),
            start=int(start),
        )
        return carry

    @functools.cached_property
    def _steps(self):
        return np.arange(self.n_sites)

    def _teacher_forced(self, configs, collect_conditionals=False):
        """Runs the RNN along the path reading the spins of `configs`."""
        spins_by_step = ops.transpose(ops.take(configs, self._path_tables.order, axis=1))

        def given(step, log_conditional):
            return ops.take(spins_by_step, step, axis=0)

        def output(spin, log_conditional):
            return (log_conditional,) if collect_conditionals else ()

        batch_size = ops.shape(configs)[0]
        specs = (((configs.shape[0], 2), self.compute_dtype),) if collect_conditionals else ()
        return loops.run_steps(
            functools.partial(self._step, choose_spin=given, output=output),
            self._initial_carry(batch_size),
            self.n_sites,
            output_specs=specs,
        )

    def _initial_carry(self, batch_size):
        """The carry before the first step: empty (zero) windows and sums."""
        size, dtype = self._path_tables.window, self.compute_dtype
        zeros = ops.zeros((batch_size,), dtype)
        return _Carry(
            spin_window=loops.new_window(size, ops.zeros((batch_size,), "int32")),
            state_windows=tuple(
                loops.new_window(size, ops.zeros((batch_size, cell.units), dtype))
                for cell in self.cells
            ),
            n_down=ops.zeros((batch_size,), "int32"),
            log_prob=zeros,
            phase=zeros,
        )

    def _step(self, step, carry, choose_spin, output):
        """One step of the path: conditionals, the spin (given or drawn), the new carry."""
        states = self._hidden_states(step, carry.spin_window, carry.state_windows)
        log_conditional = self._log_conditional(step, states[-1], carry.n_down)
        spin = choose_spin(step, log_conditional)
        is_down = ops.equal(spin, 1)
        log_prob = carry.log_prob + ops.where(is_down, log_conditional[:, 1], log_conditional[:, 0])
        phase = carry.phase
        if self.phase_head is not None:
            phases = self.phase_head(states[-1])
            phase = phase + ops.where(is_down, phases[:, 1], phases[:, 0])
        slot = ops.mod(step, self._path_tables.window)
        carry = _Carry(
            spin_window=loops.write_window(carry.spin_window, slot, spin),
            state_windows=tuple(
                loops.write_window(window, slot, state)
                for window, state in zip(carry.state_windows, states, strict=True)
            ),
            n_down=carry.n_down + spin,
            log_prob=log_prob,
            phase=phase,
        )
        return carry, output(spin, log_conditional)

    def _hidden_states(self, step, spin_window, state_windows):
        """The hidden state of every layer at `step`, read off the neighbour steps."""
        slots = ops.take(self._path_tables.slots, step, axis=0)
        present = ops.cast(ops.take(self._path_tables.present, step, axis=0), self.compute_dtype)

        def neighbors(window, transform=lambda value: value):
            """The values of the neighbour steps in `window`, zeros for absent neighbours."""
            return [
                transform(loops.read_window(window, slots[j])) * present[j]
                for j in range(self._path_tables.n_neighbors)
            ]

        def one_hot(spins):
            return ops.one_hot(spins, 2, dtype=self.compute_dtype)

        inputs = ops.concatenate(neighbors(spin_window, one_hot), axis=-1)
        states = []
        for cell, window in zip(self.cells, state_windows, strict=True):
            inputs = cell(inputs, neighbors(window))
            states.append(inputs)
        return states

    def _log_conditional(self, step, hidden, n_down):
        """`log P(sigma_step = s | earlier spins)`, `(batch, 2)`, masked to the sector."""
        log_conditional = self.probability_head.log_probabilities(hidden)
        if self.magnetization is None:
            return log_conditional
        still_needed = self._n_down_target - n_down
        steps_after = self.n_sites - 1 - step
        can_be_up = ops.logical_and(still_needed >= 0, still_needed <= steps_after)
        can_be_down = ops.logical_and(still_needed >= 1, still_needed - 1 <= steps_after)
        allowed = ops.stack([can_be_up, can_be_down], axis=-1)
        forced = ops.where(allowed, 0.0, -math.inf)
        free = ops.logical_and(can_be_up, can_be_down)[:, None]
        return ops.where(free, log_conditional, ops.cast(forced, log_conditional.dtype))

    @property
    def _n_down_target(self):
        return int(round(self.n_sites / 2 - self.magnetization))

    def _combine(self, log_prob, phase):
        """`log_psi` from the sums of log-conditionals and of phases."""
        if not self.phase:
            return 0.5 * log_prob
        complex_dtype = {"float32": "complex64", "float64": "complex128"}[self.compute_dtype]
        return ops.cast(0.5 * log_prob, complex_dtype) + ops.cast(phase, complex_dtype) * 1j

    def _validate_configs(self, configs):
        """Checks the shape, dtype and 0/1 values of `configs`; returns them as int32."""
        return ops.cast(spins.check_spins(configs, self.n_sites), "int32")


class _PathTables:
    """Index tables of the autoregressive path, as numpy arrays.

    `slots[k, j]` is the slot of the rolling window holding neighbour step
    `autoregressive_neighbors[k, j]` (steps are stored at `step % window`), and
    `present[k, j]` whether that neighbour exists.
    """

    def __init__(self, lattice):
        neighbors = np.asarray(lattice.autoregressive_neighbors, dtype=np.int64)
        steps = np.arange(lattice.n_sites)[:, None]
        exists = neighbors >= 0
        lookback = np.where(exists, steps - neighbors, 0)
        self.n_neighbors = neighbors.shape[1]
        self.window = max(1, int(lookback.max()))
        self.slots = np.where(exists, neighbors % self.window, 0).astype(np.int32)
        self.present = exists
        self.order = np.asarray(lattice.order, dtype=np.int32)
        self.step_of_site = np.argsort(self.order).astype(np.int32)


def _validate_dtype(dtype):
    """Returns `"float32"` or `"float64"` for a dtype name, numpy/TF dtype or dtype policy."""
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name")
    name = getattr(dtype, "name", dtype)
    if isinstance(name, str) and name in DTYPES:
        return name
    raise ValueError(f"`dtype` must be one of {DTYPES}, got {dtype!r}.")


def _validate_depth(depth):
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral) or depth < 1:
        raise ValueError(f"`depth` must be an integer >= 1, got {depth!r}.")
    return int(depth)


def _validate_phase(phase):
    if not isinstance(phase, (bool, np.bool_)):
        raise ValueError(f"`phase` must be True or False, got {phase!r}.")
    return bool(phase)


def _validate_magnetization(magnetization, n_sites):
    if magnetization is None:
        return None
    if (
        isinstance(magnetization, bool)
        or not isinstance(magnetization, numbers.Real)
        or not math.isfinite(magnetization)
    ):
        raise ValueError(
            f"`magnetization` must be None or a multiple of 1/2, got {magnetization!r}."
        )
    twice = 2 * magnetization
    if twice != int(twice):
        raise ValueError(f"`magnetization` must be a multiple of 1/2, got {magnetization!r}.")
    twice = int(twice)
    if abs(twice) > n_sites or (n_sites - twice) % 2:
        raise ValueError(
            f"`magnetization`={magnetization!r} is impossible on {n_sites} sites: the total "
            f"S^z of {n_sites} spins 1/2 is one of -{n_sites}/2, -{n_sites}/2 + 1, ..., "
            f"{n_sites}/2."
        )
    return twice // 2 if twice % 2 == 0 else twice / 2


def _make_cells(cell, units, depth, lattice, dtype):
    """The stack of `depth` cells: the named class or the instance, then clones."""
    n_neighbors = np.asarray(lattice.autoregressive_neighbors).shape[1]
    if isinstance(cell, dict):
        cell = keras.saving.deserialize_keras_object(cell)
    if isinstance(cell, str):
        if cell not in CELLS:
            raise ValueError(f"`cell` must be one of {sorted(CELLS)} or an RNNCell, got {cell!r}.")
        if n_neighbors not in CELLS[cell]:
            raise ValueError(
                f"`cell`={cell!r} has no variant reading {n_neighbors} neighbour steps, as "
                f"{type(lattice).__name__} needs."
            )
        units = DEFAULT_UNITS if units is None else validate_units(units)
        cell_class = CELLS[cell][n_neighbors]
        return [cell_class(units, dtype=dtype, name=f"{cell}_cell_{i}") for i in range(depth)]
    if not isinstance(cell, RNNCell):
        raise ValueError(
            f"`cell` must be one of {sorted(CELLS)} or a kerasnqs.layers.RNNCell, got {cell!r}."
        )
    if cell.n_neighbors != n_neighbors:
        raise ValueError(
            f"`cell` reads {cell.n_neighbors} neighbour step(s) but {type(lattice).__name__} "
            f"gives {n_neighbors} (the columns of lattice.autoregressive_neighbors)."
        )
    if units is not None and validate_units(units) != cell.units:
        raise ValueError(
            f"`units`={units} differs from the units of the `cell` instance ({cell.units}); "
            "leave `units` unset when passing a cell."
        )
    if cell.dtype_policy.name != dtype:
        raise ValueError(
            f"`cell` has dtype {cell.dtype_policy.name!r} but the model has dtype {dtype!r}; "
            f"build the cell with dtype={dtype!r}."
        )
    config = cell.get_config()
    clones = [
        type(cell).from_config({**config, "name": f"{cell.name}_{i}"}) for i in range(1, depth)
    ]
    return [cell, *clones]
