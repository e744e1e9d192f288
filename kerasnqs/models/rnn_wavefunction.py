"""The recurrent-neural-network wavefunction."""

import collections

import keras
import numpy as np
from keras import ops

from kerasnqs.lattice.lattice import validate_size
from kerasnqs.layers import (
    GRUCell,
    MDGRUCell,
    MDRNNCell,
    RNNCell,
    TensorizedGRUCell,
    VanillaRNNCell,
)
from kerasnqs.layers.rnn_cell import validate_units
from kerasnqs.models import autoregressive_loops as loops
from kerasnqs.models.autoregressive_wavefunction import AutoregressiveWavefunction

# Cell names, and the class used for each number of neighbour steps the lattice has.
CELLS = {
    "gru": {1: GRUCell, 2: MDGRUCell},
    "vanilla": {1: VanillaRNNCell, 2: MDRNNCell},
    "tensor-gru": {2: TensorizedGRUCell},
}
DEFAULT_UNITS = 32

# The RNN's state: the rolling windows of the last steps' spins (int32) and hidden
# states (one window per layer); every leaf has a batch axis.
_State = collections.namedtuple("_State", ["spin_window", "state_windows"])


@keras.saving.register_keras_serializable(package="kerasnqs")
class RNNWavefunction(AutoregressiveWavefunction):
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

    Everything else (the magnetization sector, exact sampling, `log_psi_of_flips`,
    compilation) is the base class's, `kerasnqs.models.AutoregressiveWavefunction`.

    Args:
        lattice: a `kerasnqs.lattice.Chain` or `Square` (or any lattice whose
            `autoregressive_neighbors` has as many columns as the cell reads).
        cell: `"gru"` or `"vanilla"` (`GRUCell`/`VanillaRNNCell` on a chain,
            `MDGRUCell`/`MDRNNCell` on a square), `"tensor-gru"` (the tensorized
            `TensorizedGRUCell`, on a square only), or an `RNNCell` instance. An
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
        super().__init__(lattice, phase, magnetization, dtype, **kwargs)
        self.depth = validate_size("depth", depth, minimum=1)
        self.cells = _make_cells(cell, units, self.depth, self.lattice, self.dtype_policy.name)
        self._cell_name = cell if isinstance(cell, str) else None
        self.units = self.cells[0].units
        self.make_heads()
        self._path_tables = _PathTables(self.lattice)
        self.build()

    def build(self, input_shape=None):
        input_dim = 2 * self._path_tables.n_neighbors
        for cell in self.cells:
            if not cell.built:
                cell.build((None, input_dim))
            input_dim = cell.units
        self.build_heads(self.units)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": self._cell_name or keras.saving.serialize_keras_object(self.cells[0]),
                "units": self.units,
                "depth": self.depth,
            }
        )
        return config

    def describe(self, brief=False):
        """Returns the cell, units, depth, phase and sector of the model.

        Args:
            brief: True for the plot-title form, such as `RNN (gru, 32 units, phase)`.

        Returns:
            A str; a model on a square lattice is `2D` in the full form.

        Example:

        >>> from kerasnqs.lattice import Chain
        >>> model = RNNWavefunction(Chain(6), units=8, depth=2, phase=True, magnetization=0)
        >>> model.describe()
        'GRU RNN wavefunction, 8 units x 2 layers, with phase, S^z = 0'
        >>> model.describe(brief=True)
        'RNN (gru, 8 units, depth 2, phase, S^z=0)'
        """
        config = self.get_config()
        if brief:
            details = [config["cell"], f"{config['units']} units"]
            if config["depth"] != 1:
                details.append(f"depth {config['depth']}")
            if config["phase"]:
                details.append("phase")
            if config["magnetization"] is not None:
                details.append(f"S^z={config['magnetization']:g}")
            return f"RNN ({', '.join(details)})"
        cell = config["cell"].upper()
        if config["lattice"]["name"] == "square":
            cell = f"2D {cell}"
        text = f"{cell} RNN wavefunction, {config['units']} units"
        if config["depth"] > 1:
            text += f" x {config['depth']} layers"
        if config["phase"]:
            text += ", with phase"
        if config["magnetization"] is not None:
            text += f", S^z = {config['magnetization']:g}"
        return text

    def initial_state(self, batch_size):
        """Empty (zero) windows of the spins and of every layer's hidden states."""
        size, dtype = self._path_tables.window, self.compute_dtype
        return _State(
            spin_window=loops.new_window(size, ops.zeros((batch_size,), "int32")),
            state_windows=tuple(
                loops.new_window(size, ops.zeros((batch_size, cell.units), dtype))
                for cell in self.cells
            ),
        )

    def step(self, step, state, previous_spin):
        """Stores the previous spin, runs the cells and the heads at `step`."""
        window = self._path_tables.window
        previous_slot = ops.mod(step - 1, window)
        spin_window = loops.write_window(state.spin_window, previous_slot, previous_spin)
        states = self._hidden_states(step, spin_window, state.state_windows)
        logits, phases = self.head_outputs(states[-1])
        slot = ops.mod(step, window)
        state = _State(
            spin_window=spin_window,
            state_windows=tuple(
                loops.write_window(window, slot, hidden)
                for window, hidden in zip(state.state_windows, states, strict=True)
            ),
        )
        return logits, phases, state

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
