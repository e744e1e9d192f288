"""Variational Monte Carlo: energies against exact answers, callbacks, reproducibility."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from support import all_configurations

import kerasnqs
from kerasnqs.exact import expectation as exact_expectation
from kerasnqs.exact import ground_state_energy, tfim_chain_energy
from kerasnqs.hilbert import SpinHalf
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import J1J2, TFIM, Heisenberg, PauliSum
from kerasnqs.vmc import AnnealingScheduler, distributed, local_values


def trained_vmc(wavefunction, hamiltonian, steps, lr, n_samples=256, seed=0, **fit_kwargs):
    vmc = kerasnqs.VMC(wavefunction, hamiltonian, n_samples=n_samples, seed=seed)
    vmc.compile(optimizer=keras.optimizers.Adam(lr))
    history = vmc.fit(epochs=1, steps_per_epoch=steps, verbose=0, **fit_kwargs)
    return vmc, history


@pytest.mark.parametrize("chunk_size", [None, 7, 64], ids=["unchunked", "chunk7", "chunk64"])
@pytest.mark.parametrize("phase", [False, True], ids=["positive", "complex"])
def test_mean_local_energy_over_all_configurations_is_the_exact_expectation(chunk_size, phase):
    chain = Chain(6, pbc=True)
    wavefunction = RNNWavefunction(chain, units=8, phase=phase)
    hamiltonian = Heisenberg(chain)
    configs = all_configurations(6)
    probabilities = np.exp(np.asarray(wavefunction.log_prob(configs)))
    e_loc = np.asarray(local_values(wavefunction, hamiltonian, configs, chunk_size=chunk_size))
    np.testing.assert_allclose(
        np.sum(probabilities * e_loc).real, exact_expectation(wavefunction, hamiltonian), atol=1e-4
    )


def test_estimate_agrees_with_full_enumeration_within_error_bars():
    chain = Chain(6)
    wavefunction = RNNWavefunction(chain, units=8, phase=True)
    operator = PauliSum(6, [(1.0, "Z1 Z4"), (0.5, "X2")])
    stats = kerasnqs.estimate(wavefunction, operator, n_samples=20000, seed=3)
    exact = exact_expectation(wavefunction, operator)
    assert abs(stats.mean.real - exact) < 5 * stats.error_of_mean
    assert stats.n_samples == 20000


@pytest.mark.slow  # a training run; the step's gradient is checked exactly in CI
def test_tfim_chain_of_ten_sites_reaches_relative_error_1e_3():
    chain = Chain(10)
    vmc, _ = trained_vmc(RNNWavefunction(chain, units=16), TFIM(chain, h=1.0), steps=300, lr=1e-2)
    stats = vmc.estimate(n_samples=20000)
    exact = tfim_chain_energy(10, h=1.0)
    assert abs(stats.mean - exact) / abs(exact) <= 1e-3


@pytest.mark.slow  # a training run; the step's gradient is checked exactly in CI
def test_heisenberg_chain_with_marshall_sign_and_zero_magnetization_reaches_1e_2():
    chain = Chain(8)
    hamiltonian = Heisenberg(chain, marshall_sign=True)
    wavefunction = RNNWavefunction(chain, units=16, magnetization=0)
    vmc, _ = trained_vmc(wavefunction, hamiltonian, steps=300, lr=1e-2)
    stats = vmc.estimate(n_samples=20000)
    exact = ground_state_energy(hamiltonian, SpinHalf(hamiltonian.n_sites, magnetization=0))
    assert abs(stats.mean - exact) / abs(exact) <= 1e-2


@pytest.mark.slow  # a training run; the step's gradient is checked exactly in CI
def test_complex_rnn_lowers_its_j1j2_energy_well_below_the_start():
    chain = Chain(6, pbc=True)
    hamiltonian = J1J2(chain, j2=0.2)
    wavefunction = RNNWavefunction(chain, units=16, phase=True, magnetization=0)
    start = kerasnqs.estimate(wavefunction, hamiltonian, n_samples=5000).mean.real
    vmc, _ = trained_vmc(wavefunction, hamiltonian, steps=200, lr=1e-2)
    end = vmc.estimate(n_samples=5000).mean.real
    exact = ground_state_energy(hamiltonian)
    # At least 60% of the way from the random start to the ground state.
    assert end - exact < 0.4 * (start - exact)


def test_the_data_fit_iterates_over_starts_no_tuning_thread(strategy):
    """An autotuned tf.data iterator, when destroyed, waits for its tuning thread, which
    sleeps for up to a minute between rounds: seconds lost after every `fit`. Fails if
    either dataset drops the option."""
    one_device, replicated = distributed.dataset(), distributed.dataset(strategy)
    for data in (one_device, replicated):
        assert data.options().autotune.enabled is False
    assert [int(x) for x in one_device.take(3)] == [0, 0, 0]
    assert next(iter(replicated)).shape == (2,)


def test_history_has_energy_error_and_variance_per_epoch():
    chain = Chain(4)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), n_samples=32)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = vmc.fit(epochs=3, steps_per_epoch=2, verbose=0)
    for key in ("energy", "energy_error", "variance"):
        assert len(history.history[key]) == 3
        assert np.all(np.isfinite(history.history[key]))
    assert all(error > 0 for error in history.history["energy_error"])


def test_same_seed_gives_the_same_history():
    def run():
        keras.utils.set_random_seed(1)
        chain = Chain(5)
        _, history = trained_vmc(
            RNNWavefunction(chain, units=4), TFIM(chain, h=0.7), steps=5, lr=1e-2, n_samples=32
        )
        return history.history["energy"]

    assert run() == run()


def test_standard_callbacks_work(tmp_path):
    chain = Chain(4)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), n_samples=32)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    callbacks = [
        keras.callbacks.ModelCheckpoint(tmp_path / "vmc.keras"),
        keras.callbacks.ModelCheckpoint(tmp_path / "vmc.weights.h5", save_weights_only=True),
        keras.callbacks.CSVLogger(tmp_path / "history.csv"),
        keras.callbacks.EarlyStopping(monitor="energy", mode="min", patience=100),
        keras.callbacks.EarlyStopping(monitor="loss", patience=100),
        keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=100),
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
        AnnealingScheduler(lambda epoch, temperature: 0.1 / (epoch + 1)),
    ]
    history = vmc.fit(epochs=2, steps_per_epoch=2, callbacks=callbacks, verbose=0)
    assert (tmp_path / "vmc.keras").exists() and (tmp_path / "vmc.weights.h5").exists()
    header = (tmp_path / "history.csv").read_text().splitlines()[0]
    assert "energy" in header and "variance" in header
    assert history.history["learning_rate"][-1] == pytest.approx(1e-2 / 4)
    assert history.history["temperature"] == pytest.approx([0.1, 0.05])


def test_tensorboard_callback_when_installed(tmp_path):
    pytest.importorskip("tensorboard")
    chain = Chain(4)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), n_samples=16)
    vmc.compile(optimizer="adam")
    vmc.fit(
        epochs=1,
        steps_per_epoch=2,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(tmp_path / "logs")],
    )
    assert any((tmp_path / "logs").rglob("*"))


def test_checkpoint_resumes_training(tmp_path):
    chain = Chain(4)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), n_samples=32)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    vmc.fit(
        epochs=2,
        steps_per_epoch=3,
        verbose=0,
        callbacks=[keras.callbacks.ModelCheckpoint(tmp_path / "vmc.keras")],
    )
    restored = keras.saving.load_model(tmp_path / "vmc.keras")
    assert isinstance(restored, kerasnqs.VMC)
    assert int(restored.optimizer.iterations.numpy()) == 6
    configs = all_configurations(4)
    np.testing.assert_allclose(
        restored.wavefunction.log_psi(configs), vmc.wavefunction.log_psi(configs), atol=1e-6
    )
    history = restored.fit(epochs=4, steps_per_epoch=3, initial_epoch=2, verbose=0)
    assert len(history.history["energy"]) == 2
    assert int(restored.optimizer.iterations.numpy()) == 12


class ScaledTFIM(TFIM):
    """A TFIM whose diagonal is multiplied by a variable, to inject a non-finite step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = tf.Variable(1.0)

    def diagonal(self, configs, dtype="float32"):
        return super().diagonal(configs, dtype) * tf.cast(self.scale, dtype)


class BreakAtStep(keras.callbacks.Callback):
    def __init__(self, operator, step):
        super().__init__()
        self.operator, self.step, self.good_weights = operator, step, None

    def on_train_batch_begin(self, batch, logs=None):
        if batch + 1 == self.step:
            self.good_weights = [w.numpy().copy() for w in self.model.wavefunction.weights]
            self.operator.scale.assign(float("nan"))


def test_nonfinite_energy_stops_training_and_keeps_the_last_good_weights():
    chain = Chain(4)
    hamiltonian = ScaledTFIM(chain, h=1.0)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), hamiltonian, n_samples=16)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
    breaker = BreakAtStep(hamiltonian, step=4)
    with pytest.raises(FloatingPointError, match="step 4"):
        vmc.fit(epochs=1, steps_per_epoch=10, callbacks=[breaker], verbose=0)
    for kept, good in zip(vmc.wavefunction.weights, breaker.good_weights, strict=True):
        np.testing.assert_array_equal(kept.numpy(), good)
    assert int(vmc.optimizer.iterations.numpy()) == 3


def test_maximum_likelihood_fits_samples_of_an_exact_ground_state():
    chain = Chain(6)
    matrix = TFIM(chain, h=1.0).to_sparse().toarray()
    ground_state = np.linalg.eigh(matrix)[1][:, 0]
    target = ground_state**2
    rng = np.random.default_rng(0)
    indices = rng.choice(64, size=20000, p=target / target.sum())
    configs = all_configurations(6)[indices]
    wavefunction = RNNWavefunction(chain, units=16)
    wavefunction.compile(optimizer=keras.optimizers.Adam(1e-2))
    wavefunction.fit(x=configs, epochs=8, batch_size=500, verbose=0)
    model = np.exp(np.asarray(wavefunction.log_prob(all_configurations(6))))
    kl = np.sum(target * np.log(target / model))
    assert kl < 0.01


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"seed": -1}, "seed"),
    ],
    ids=["zero-samples", "float-samples", "zero-chunk", "negative-seed"],
)
def test_bad_arguments_name_the_argument(kwargs, match):
    chain = Chain(4)
    with pytest.raises(ValueError, match=match):
        kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), **kwargs)


def test_hamiltonian_on_other_sites_is_rejected():
    with pytest.raises(ValueError, match="hamiltonian"):
        kerasnqs.VMC(RNNWavefunction(Chain(4), units=4), TFIM(Chain(5), h=1.0))


def test_vmc_lowers_the_tfim_energy_of_the_mixture_wavefunction():
    from kerasnqs.models import MixtureWavefunction

    keras.utils.set_random_seed(0)
    chain = Chain(8)
    hamiltonian = TFIM(chain, h=1.0)
    wavefunction = MixtureWavefunction(chain, n_components=4)
    start = exact_expectation(wavefunction, hamiltonian)
    trained_vmc(wavefunction, hamiltonian, steps=150, lr=2e-2)
    end = exact_expectation(wavefunction, hamiltonian)
    exact = tfim_chain_energy(8, h=1.0)
    assert end < start - 0.5
    assert end - exact < 0.5 * (start - exact)
