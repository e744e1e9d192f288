"""A saved `VMC` loads back with its optimizer state, and without a warning."""

import warnings

import keras
import numpy as np
import pytest

import kerasnqs
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM


def _vmc(optimizer):
    chain = Chain(4)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), n_samples=16)
    vmc.compile(optimizer=optimizer)
    return vmc


def _save_and_load(vmc, path):
    vmc.save(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = keras.saving.load_model(path)
    return loaded, [str(warning.message) for warning in caught]


def _optimizer_state(vmc):
    return {variable.path: variable.numpy() for variable in vmc.optimizer.variables}


@pytest.mark.parametrize(
    "optimizer",
    [
        pytest.param(lambda: keras.optimizers.Adam(1e-2), id="adam"),
        pytest.param(
            lambda: keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(1e-2, 10), 0.9),
            id="sgd-momentum-schedule",
        ),
    ],
)
def test_optimizer_state_is_restored_after_training(optimizer, tmp_path):
    vmc = _vmc(optimizer())
    vmc.fit(epochs=1, steps_per_epoch=3, verbose=0)
    loaded, caught = _save_and_load(vmc, tmp_path / "vmc.keras")
    assert not [message for message in caught if "Skipping variable loading" in message]
    saved, restored = _optimizer_state(vmc), _optimizer_state(loaded)
    assert sorted(restored) == sorted(saved) and len(saved) > 2  # moments, not just the count
    assert int(restored[vmc.optimizer.iterations.path]) == 3
    for path, value in saved.items():
        np.testing.assert_array_equal(restored[path], value, err_msg=path)
    assert any(np.any(value != 0) for path, value in saved.items() if "momentum" in path)


def test_model_saved_before_training_loads_without_skipping_optimizer_variables(tmp_path):
    loaded, caught = _save_and_load(_vmc(keras.optimizers.Adam(1e-2)), tmp_path / "vmc.keras")
    assert not [message for message in caught if "Skipping variable loading" in message]
    assert loaded.optimizer.built
    history = loaded.fit(epochs=1, steps_per_epoch=2, verbose=0)
    assert np.isfinite(history.history["energy"][0])
