"""`TrainingMonitor` warns when a training fails without a non-finite step (issue #30)."""

import warnings

import keras
import pytest

import kerasnqs
from kerasnqs.cli.main import main
from kerasnqs.exact import exact_energy
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM
from kerasnqs.vmc import TrainingMonitor, TrainingWarning

EXACT = -4.7587704831  # the open TFIM chain of 4 sites at h = 1


def _warnings_of(monitor, epochs):
    """The messages of the `TrainingWarning`s the monitor gives for these epoch logs."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        monitor.on_train_begin()
        for epoch, (energy, error, variance) in enumerate(epochs):
            logs = {"energy": energy, "energy_error": error, "variance": variance}
            monitor.on_epoch_end(epoch, logs)
    return [str(w.message) for w in caught if issubclass(w.category, TrainingWarning)]


def test_a_zero_variance_far_above_the_exact_energy_warns_once():
    messages = _warnings_of(TrainingMonitor(EXACT), [(-3.0, 0.0, 0.0), (-3.0, 0.0, 0.0)])
    assert len(messages) == 1 and "collapsed to 0 at energy -3" in messages[0]


def test_a_zero_variance_at_the_exact_energy_does_not_warn():
    assert _warnings_of(TrainingMonitor(EXACT), [(EXACT, 0.0, 0.0)]) == []


def test_a_zero_variance_without_an_exact_energy_does_not_warn():
    assert _warnings_of(TrainingMonitor(), [(-3.0, 0.0, 0.0)]) == []


def test_an_energy_jump_of_many_error_bars_warns():
    messages = _warnings_of(TrainingMonitor(), [(-4.7, 0.01, 0.5), (-4.0, 0.01, 0.5)])
    assert len(messages) == 1 and "jumped up from -4.7" in messages[0]


def test_a_converging_training_does_not_warn():
    epochs = [(-3.5, 0.05, 2.0), (-4.5, 0.02, 0.5), (-4.51, 0.01, 0.1), (-4.505, 0.01, 0.1)]
    assert _warnings_of(TrainingMonitor(EXACT), epochs) == []


def _fit(learning_rate):
    chain = Chain(4)
    hamiltonian = TFIM(chain, h=1.0)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), hamiltonian, n_samples=50)
    vmc.compile(optimizer=keras.optimizers.Adam(learning_rate))
    monitor = TrainingMonitor(exact_energy(hamiltonian)[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vmc.fit(epochs=3, steps_per_epoch=5, callbacks=[monitor], verbose=0)
    return [w for w in caught if issubclass(w.category, TrainingWarning)]


@pytest.mark.parametrize(
    ("learning_rate", "n_warnings"), [(1e30, 1), (1e-2, 0)], ids=["lr-1e30", "lr-1e-2"]
)
def test_vmc_fit_with_the_monitor_warns_only_for_a_collapsed_training(learning_rate, n_warnings):
    assert len(_fit(learning_rate)) == n_warnings


def test_train_prints_a_warning_for_a_collapsed_training(capsys, tmp_path):
    argv = ["train", "--size", "4", "--units", "4", "--samples", "50", "--steps", "10"]
    argv += ["--steps-per-epoch", "5", "--eval-samples", "200", "--lr", "1e30"]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0
    _, err = capsys.readouterr()
    assert "kerasnqs: warning: epoch 2: the variance of the energy collapsed to 0" in err
