"""`kerasnqs.train`: a recipe in, a `TrainingRun` out; run folders, interruption, resumption."""

import json

import keras
import numpy as np
import pytest

import kerasnqs
from kerasnqs import run_folder
from kerasnqs.callbacks import EpochRows, RunCheckpoint, SignalStop, TrainingMonitor, TrainingPlot
from kerasnqs.cli.main import main
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM
from kerasnqs.training import load_vmc

TINY = kerasnqs.Recipe(size=6, units=4, samples=32, steps=12, steps_per_epoch=4)
TINY = TINY.replace(eval_samples=500)
# TINY leaves the optimizer open, as most users do: `train` trains TINY.resolved() (SR
# for the TFIM chain) and records the choice.


def _weights(vmc):
    return [np.asarray(weight) for weight in vmc.wavefunction.get_weights()]


def _assert_same_weights(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def in_memory():
    return kerasnqs.train(TINY, verbose=0)


def test_train_in_memory_returns_the_run_and_writes_nothing(in_memory):
    run = in_memory
    assert run.out is None and not run.interrupted and run.stopped_by is None
    assert run.recipe == TINY.resolved() and run.steps == run.planned_steps == 12
    assert run.recipe.sr is True
    assert [row["step"] for row in run.history] == [4, 8, 12]
    assert run.exact_source == "free fermions"
    energy = float(run.energy.mean.real)
    assert run.relative_error == pytest.approx(
        abs(energy - run.exact_energy) / abs(run.exact_energy)
    )
    assert run.variance == run.energy.variance
    assert run.v_score == pytest.approx(6 * run.variance / energy**2)
    assert run.wall_time_s >= run.train_time_s > 0


def test_a_recipe_trains_in_a_few_lines():
    recipe = kerasnqs.Recipe(size=6, units=8, samples=128, steps=150, lr=0.02, eval_samples=4000)
    run = kerasnqs.train(recipe, verbose=0)
    error = run.energy.error_of_mean
    assert abs(run.energy.mean.real - run.exact_energy) < 5 * error + 0.02 * abs(run.exact_energy)


def test_train_and_the_command_line_give_the_same_weights(in_memory, tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--size", "6", "--units", "4", "--samples", "32", "--steps", "12"]
    argv += ["--steps-per-epoch", "4", "--eval-samples", "500", "--out", str(out)]
    assert main(argv) == 0
    _assert_same_weights(_weights(load_vmc(str(out / run_folder.MODEL))), _weights(in_memory.vmc))


def test_train_into_a_folder_writes_the_run_files(in_memory, tmp_path):
    out = tmp_path / "run"
    run = kerasnqs.train(TINY, out=out, verbose=0)
    assert run.out == str(out)
    files = set(run_folder.RUN_FILES) - {run_folder.CHECKPOINT}
    assert files <= {path.name for path in out.iterdir()}
    assert not (out / run_folder.CHECKPOINT).exists()
    config = json.loads((out / run_folder.CONFIG).read_text())
    assert config.pop(run_folder.FINGERPRINT) == TINY.resolved().fingerprint()
    assert config.pop(run_folder.TRAINING_CHOICE) == TINY.training_choice()
    assert config.pop("out") == str(out)
    assert kerasnqs.Recipe.from_dict(config) == TINY.resolved()
    summary = json.loads((out / run_folder.SUMMARY).read_text())
    assert summary == run.summary()
    assert summary["v_score"] == pytest.approx(run.v_score)
    _assert_same_weights(_weights(run.vmc), _weights(in_memory.vmc))


def test_train_refuses_a_folder_with_another_run(tmp_path):
    (tmp_path / run_folder.CONFIG).write_text("{}")
    with pytest.raises(ValueError, match="holds another run"):
        kerasnqs.train(TINY, out=tmp_path, verbose=0)


class _InterruptAfterEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_an_interrupted_run_resumes_to_the_weights_of_an_uninterrupted_one(in_memory, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        kerasnqs.train(TINY, out=out, callbacks=[_InterruptAfterEpoch(1)], verbose=0)
    assert (out / run_folder.CHECKPOINT).exists() and not (out / run_folder.MODEL).exists()
    resumed = kerasnqs.train(resume=out, verbose=0)
    assert not resumed.interrupted and resumed.recipe == TINY.resolved()
    assert [row["step"] for row in resumed.history] == [4, 8, 12]
    _assert_same_weights(_weights(resumed.vmc), _weights(in_memory.vmc))
    assert float(resumed.energy.mean.real) == float(in_memory.energy.mean.real)


def test_resume_refuses_a_finished_run_and_a_recipe_beside_it(tmp_path):
    out = tmp_path / "run"
    kerasnqs.train(TINY.replace(steps=4), out=out, verbose=0)
    with pytest.raises(ValueError, match="holds a finished run"):
        kerasnqs.train(resume=out, verbose=0)
    with pytest.raises(ValueError, match="pass no recipe and no out"):
        kerasnqs.train(TINY, resume=out, verbose=0)


def _small_vmc():
    keras.utils.set_random_seed(1)
    chain = Chain(4)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), n_samples=16, seed=1)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    return vmc


def test_the_callbacks_work_in_a_plain_fit(tmp_path):
    vmc = _small_vmc()
    rows = EpochRows()
    checkpoint = RunCheckpoint(str(tmp_path), steps_per_epoch=3, settings={"units": 4})
    plot = TrainingPlot(str(tmp_path / "energy.png"), exact_energy=-4.7587704831)
    stop = SignalStop()
    with stop:
        vmc.fit(
            epochs=2,
            steps_per_epoch=3,
            callbacks=[rows, checkpoint, plot, stop, TrainingMonitor(-4.7587704831)],
            verbose=0,
        )
    assert stop.signum is None
    assert [row["step"] for row in rows.rows] == [3, 6] == [row["step"] for row in plot.rows]
    assert (tmp_path / "energy.png").read_bytes().startswith(b"\x89PNG")
    history = run_folder.read_history(str(tmp_path / run_folder.HISTORY))
    assert [row["energy"] for row in history] == [row["energy"] for row in rows.rows]
    restored = RunCheckpoint(str(tmp_path), steps_per_epoch=3)
    again = _small_vmc()
    assert restored.restore(again, epochs=2) == 2
    assert restored.rows == history
    _assert_same_weights(_weights(again), _weights(vmc))
