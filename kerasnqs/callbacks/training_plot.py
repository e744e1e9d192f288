"""`TrainingPlot` and `plot_training`: `energy.png`, how a training run converged.

The top panel shows the relative error of the energy, `|E - E_exact| / |E_exact|`, on a
log scale when the exact energy is known (the error `|E - E_exact|` itself when
`E_exact = 0`), with the error bar of the mean beside it: the error cannot be resolved
below that line. Without an exact energy it shows the energy with its error band. The
bottom panel shows the variance of the local energy, `<|E_loc - <E_loc>|^2>`, on a log
scale: it vanishes for an eigenstate, so it measures convergence without any reference.
Each point is one logged epoch (the means over its steps, as in `history.csv`).
"""

import math
import textwrap

from kerasnqs import run_folder
from kerasnqs.callbacks.epoch_rows import EpochRows


class TrainingPlot(EpochRows):
    """Draws the convergence plot of `VMC.fit` to a PNG file when training ends.

    Each epoch's row (see `EpochRows`: `energy`, `energy_error`, `variance`) becomes a
    point, at the training step reached (see `plot_training` for the panels);
    the file is written atomically at the end of training, also after a stop request.

    Args:
        path: the PNG file, such as the `energy.png` of a run folder.
        exact_energy: the exact ground-state energy, or None (then the energy itself is
            drawn, with its error band).
        rows: the history rows of the epochs trained before, when resuming. Defaults to
            none.
        title: the figure's title; defaults to the system and the wavefunction
            (`run_title`).

    Example:

    >>> import os, tempfile
    >>> import kerasnqs
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> path = os.path.join(tempfile.mkdtemp(), "energy.png")
    >>> vmc = kerasnqs.VMC(RNNWavefunction(Chain(4), units=4), TFIM(Chain(4), h=1.0), n_samples=16)
    >>> vmc.compile(optimizer="adam")
    >>> plot = TrainingPlot(path, exact_energy=-4.7587704831)
    >>> _ = vmc.fit(epochs=2, steps_per_epoch=2, callbacks=[plot], verbose=0)
    >>> open(path, "rb").read(4), [row["step"] for row in plot.rows]
    (b'\\x89PNG', [2, 4])
    """

    def __init__(self, path, exact_energy=None, rows=(), title=None):
        super().__init__(rows)
        self.path = path
        self.exact_energy = exact_energy
        self.title = title

    def on_train_end(self, logs=None):
        title = self.title
        if title is None:
            title = run_title(self.model.hamiltonian, self.model.wavefunction)
        plot_training(self.path, self.rows, self.exact_energy, title)


def plot_training(path, rows, exact_energy=None, title=None):
    """Writes the convergence plot of a training run to the PNG `path`, atomically.

    Args:
        path: the PNG file.
        rows: the history rows, dicts with `step`, `energy`, `energy_error` and
            `variance` (as `RunCheckpoint` keeps them and `run_folder.read_history` reads
            them); a missing or non-finite value is left out of the plot.
        exact_energy: the exact ground-state energy, or None.
        title: the figure's title (see `run_title`), or None.
    """
    import matplotlib.pyplot as plt

    figure = training_figure(rows, exact_energy, title)
    try:
        with run_folder.atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=120, format="png")
    finally:
        plt.close(figure)


def training_figure(rows, exact_energy=None, title=None):
    """Returns the Matplotlib figure of `plot_training`, with its two axes.

    Args:
        rows: the history rows (see `plot_training`).
        exact_energy: the exact ground-state energy, or None.
        title: the figure's title, or None.

    Returns:
        A `matplotlib.figure.Figure` whose `axes` are the energy panel and the variance
        panel, in that order. Close it with `matplotlib.pyplot.close`.

    Example:

    >>> rows = [{"step": 25, "energy": -7.0, "energy_error": 0.02, "variance": 0.5},
    ...         {"step": 50, "energy": -7.29, "energy_error": 0.001, "variance": 0.01}]
    >>> figure = training_figure(rows, exact_energy=-7.2962298105)
    >>> [axis.get_yscale() for axis in figure.axes]
    ['log', 'log']
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [_value(row, "step") for row in rows]
    figure, (energy_axis, variance_axis) = plt.subplots(
        2, 1, figsize=(6.4, 6.0), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    if exact_energy is None:
        _draw_energy(energy_axis, steps, rows)
    else:
        _draw_error(energy_axis, steps, rows, float(exact_energy))
    variances = [_positive(_value(row, "variance")) for row in rows]
    variance_axis.plot(steps, variances, marker=".", lw=1, color="C2")
    _log_scale_if_possible(variance_axis, variances)
    variance_axis.set_ylabel("variance of $E_{loc}$")
    variance_axis.set_xlabel("training step")
    for axis in (energy_axis, variance_axis):
        axis.grid(True, which="major", alpha=0.3)
    if title:
        figure.suptitle(textwrap.fill(title, 70), fontsize=10)
    figure.tight_layout()
    return figure


def run_title(hamiltonian, wavefunction):
    """The title of a run's plot: the system (model, lattice, size, couplings) and the
    wavefunction.

    Args:
        hamiltonian: the operator trained for.
        wavefunction: the `kerasnqs.models.Wavefunction` trained.

    Returns:
        A str such as `TFIM chain n=20 open, h=1, J=1 | RNN (gru, 32 units)`.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> chain = Chain(6)
    >>> run_title(TFIM(chain, h=0.5), RNNWavefunction(chain, units=8))
    'TFIM chain n=6 open, h=0.5, J=1 | RNN (gru, 8 units)'
    """
    return f"{hamiltonian.describe()} | {wavefunction.describe(brief=True)}"


def _draw_error(axis, steps, rows, exact_energy):
    """The relative error (the absolute one when `exact_energy` is 0) and the error bar."""
    scale = abs(exact_energy) if exact_energy != 0 else 1.0
    errors = [_positive(abs(_value(row, "energy") - exact_energy) / scale) for row in rows]
    bars = [_positive(_value(row, "energy_error") / scale) for row in rows]
    axis.plot(steps, errors, marker=".", lw=1, label="VMC")
    axis.plot(steps, bars, color="0.5", ls="--", lw=1, label="error bar of the mean")
    _log_scale_if_possible(axis, errors + bars)
    if exact_energy != 0:
        axis.set_ylabel("$|E - E_{exact}|\\, /\\, |E_{exact}|$")
    else:
        axis.set_ylabel("$|E - E_{exact}|$  ($E_{exact} = 0$)")
    axis.legend(loc="best", fontsize=8)


def _draw_energy(axis, steps, rows):
    """The energy with its error band, for a system without an exact energy."""
    energies = [_value(row, "energy") for row in rows]
    errors = [_value(row, "energy_error") for row in rows]
    axis.plot(steps, energies, marker=".", lw=1, label="VMC")
    axis.fill_between(
        steps,
        [e - d for e, d in zip(energies, errors, strict=True)],
        [e + d for e, d in zip(energies, errors, strict=True)],
        alpha=0.3,
        label="error bar of the mean",
    )
    axis.set_ylabel("energy $E$ (no exact reference)")
    axis.legend(loc="best", fontsize=8)


def _log_scale_if_possible(axis, values):
    """Puts `axis` on a log scale unless it has no positive value to show."""
    if any(not math.isnan(value) for value in values):
        axis.set_yscale("log")


def _value(row, key):
    """The float `row[key]`, NaN if missing or not finite."""
    value = row.get(key)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def _positive(value):
    """`value` if it can be drawn on a log scale (> 0), else NaN."""
    return value if value > 0 else math.nan
