"""`energy.png`: the convergence plot of `kerasnqs train` shows the history as it is."""

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from kerasnqs.callbacks.training_plot import plot_training, training_figure

EXACT = -7.2962298105  # the open TFIM chain of 6 sites at h = 1 (free fermions)
ROWS = [
    {"epoch": 0, "step": 10, "energy": -6.5, "energy_error": 0.05, "variance": 2.0},
    {"epoch": 1, "step": 20, "energy": -7.2, "energy_error": 0.01, "variance": 0.3},
    {"epoch": 2, "step": 30, "energy": -7.31, "energy_error": 0.002, "variance": 0.04},
]


@pytest.fixture
def figure_of():
    figures = []

    def draw(*args, **kwargs):
        figures.append(training_figure(*args, **kwargs))
        return figures[-1]

    yield draw
    for figure in figures:
        plt.close(figure)


def test_relative_error_panel_plots_the_history_against_the_exact_energy(figure_of):
    energy_axis, _ = figure_of(ROWS, EXACT).axes
    vmc, error_bar = energy_axis.lines
    np.testing.assert_array_equal(vmc.get_xdata(), [10, 20, 30])
    np.testing.assert_allclose(
        vmc.get_ydata(), [abs(row["energy"] - EXACT) / abs(EXACT) for row in ROWS], rtol=1e-15
    )
    np.testing.assert_allclose(
        error_bar.get_ydata(), [row["energy_error"] / abs(EXACT) for row in ROWS], rtol=1e-15
    )


def test_variance_panel_plots_the_history(figure_of):
    _, variance_axis = figure_of(ROWS, EXACT).axes
    (line,) = variance_axis.lines
    np.testing.assert_array_equal(line.get_xdata(), [10, 20, 30])
    np.testing.assert_array_equal(line.get_ydata(), [2.0, 0.3, 0.04])


def test_both_panels_are_logarithmic_when_the_exact_energy_is_known(figure_of):
    assert [axis.get_yscale() for axis in figure_of(ROWS, EXACT).axes] == ["log", "log"]


def test_without_exact_energy_the_energy_is_plotted_with_its_error_band(figure_of):
    energy_axis, variance_axis = figure_of(ROWS, None).axes
    assert energy_axis.get_yscale() == "linear" and variance_axis.get_yscale() == "log"
    np.testing.assert_array_equal(energy_axis.lines[0].get_ydata(), [-6.5, -7.2, -7.31])
    (band,) = energy_axis.collections
    lower, upper = (
        band.get_paths()[0].vertices[:, 1].min(),
        band.get_paths()[0].vertices[:, 1].max(),
    )
    assert lower == pytest.approx(-7.31 - 0.002) and upper == pytest.approx(-6.5 + 0.05)


def test_a_zero_exact_energy_shows_the_absolute_error(figure_of):
    energy_axis, _ = figure_of(ROWS, 0.0).axes
    np.testing.assert_allclose(energy_axis.lines[0].get_ydata(), [6.5, 7.2, 7.31])
    assert "E_{exact} = 0" in energy_axis.get_ylabel()


def test_title_names_the_system(figure_of):
    figure = figure_of(ROWS, EXACT, title="TFIM chain n=6 open, h=1, J=1 | RNN (gru, 8 units)")
    assert "TFIM chain n=6 open, h=1, J=1" in figure.get_suptitle()


def test_values_a_log_scale_cannot_show_are_left_out(figure_of):
    rows = [
        {"step": 1, "energy": EXACT, "energy_error": 0.0, "variance": -0.0},
        {"step": 2, "energy": math.nan, "energy_error": math.inf, "variance": math.nan},
        {"step": 3, "energy": -7.0, "energy_error": 0.1, "variance": 0.5},
    ]
    energy_axis, variance_axis = figure_of(rows, EXACT).axes
    assert np.isnan(energy_axis.lines[0].get_ydata()[:2]).all()
    np.testing.assert_array_equal(np.isnan(variance_axis.lines[0].get_ydata()), [1, 1, 0])
    assert [axis.get_yscale() for axis in (energy_axis, variance_axis)] == ["log", "log"]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(ROWS[:1], id="one-step"),
        pytest.param([{"step": 1, "energy": math.nan, "variance": -0.0}], id="nothing-finite"),
        pytest.param([], id="no-epoch"),
    ],
)
@pytest.mark.parametrize("exact", [EXACT, None], ids=["exact", "no-exact"])
def test_writes_a_png_without_warnings_for_degenerate_histories(rows, exact, tmp_path):
    path = tmp_path / "energy.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_training(path, rows, exact, title="a title")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["energy.png"]
