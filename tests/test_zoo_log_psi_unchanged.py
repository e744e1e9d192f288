"""The zoo models give the same `log_psi` as before the `AutoregressiveWavefunction` refactor.

`tests/data/zoo_log_psi.json` holds, for every shipped zoo model, four fixed
configurations and their `log_psi` computed BY MAIN'S CODE at commit 90d5aa7 (before
`RNNWavefunction` became a subclass of `AutoregressiveWavefunction`), with
`zoo.load(name).log_psi(configs)` (configurations written as strings of 0 and 1):
random configurations from
`numpy.random.default_rng(0)`, permutations of the sector's spins for a model with a
magnetization. Nothing in it is computed by the code under test, so a refactor that
changes a saved model's weights' meaning, or the order of the path, fails here.
"""

import json
import pathlib

import numpy as np
import pytest

from kerasnqs import zoo

FIXTURE = json.loads((pathlib.Path(__file__).parent / "data" / "zoo_log_psi.json").read_text())


@pytest.mark.parametrize("name", sorted(FIXTURE))
def test_zoo_model_gives_the_log_psi_recorded_before_the_refactor(name):
    recorded = FIXTURE[name]
    model = zoo.load(name)
    configs = np.array([[int(spin) for spin in row] for row in recorded["configs"]], np.int32)
    log_psi = np.asarray(model.log_psi(configs))
    expected = np.asarray(recorded["log_psi_real"]) + 1j * np.asarray(recorded["log_psi_imag"])
    # Relative: float32 log psi of 15-45 carries an ulp of 1-4e-6, and another CPU's
    # kernels round differently; a changed weight or path moves log psi by far more.
    np.testing.assert_allclose(log_psi, expected, rtol=1e-6, atol=0)


def test_every_zoo_model_has_a_recorded_log_psi():
    assert sorted(FIXTURE) == sorted(zoo.available())
