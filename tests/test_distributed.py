"""VMC under `tf.distribute.MirroredStrategy` on two logical CPU devices.

The two devices come from `conftest.pytest_configure`, which splits the CPU before
TensorFlow initializes its devices.
"""

import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasnqs
from kerasnqs import seeds
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM, PauliSum
from kerasnqs.vmc import SR, distributed, local_values, log_derivatives
from kerasnqs.vmc.sr import _unflatten
from kerasnqs.vmc.vmc import _objective_gradient_loss

N_SAMPLES = 32
SEED = 5
CHAIN = Chain(4)
HAMILTONIAN = TFIM(CHAIN, h=1.0)


def distributed_vmc(strategy, make_optimizer, preconditioner=None, phase=False, **kwargs):
    with strategy.scope():
        wavefunction = RNNWavefunction(CHAIN, units=4, phase=phase, dtype="float64")
        vmc = kerasnqs.VMC(
            wavefunction,
            HAMILTONIAN,
            n_samples=N_SAMPLES,
            seed=SEED,
            preconditioner=preconditioner,
            **kwargs,
        )
        vmc.compile(optimizer=make_optimizer())
    return vmc


def replica_weights(strategy, vmc):
    """Every trainable weight as a list of its values on the replicas."""
    return [
        [value.numpy() for value in strategy.experimental_local_results(variable.value)]
        for variable in vmc.wavefunction.trainable_variables
    ]


def one_device_update(weights, phase, preconditioner, optimizer):
    """The weights after one step of one device on the samples of both replicas."""
    model = RNNWavefunction(CHAIN, units=4, phase=phase, dtype="float64")
    model(np.zeros((1, CHAIN.n_sites), "int32"))
    model.set_weights(weights)
    base = seeds.as_seed(SEED)
    samples = [
        model.sample(N_SAMPLES // 2, distributed.replica_seed(base, 0, replica))[0]
        for replica in (0, 1)
    ]
    assert not np.array_equal(samples[0], samples[1]), "the replicas drew the same samples"
    configs = tf.concat(samples, axis=0)
    energies = local_values(model, HAMILTONIAN, configs, model.log_psi(configs), None)
    variables = model.trainable_variables
    if preconditioner is None:
        with tf.GradientTape() as tape:
            loss = _objective_gradient_loss(
                model.log_psi(configs), energies - tf.reduce_mean(energies)
            )
        update = tape.gradient(loss, variables)
    else:
        update = _unflatten(
            preconditioner.direction(log_derivatives(model, configs), energies), variables
        )
    optimizer.apply(update, variables)
    return [v.numpy() for v in variables]


# Each case compiles a distributed step (tens of seconds on a busy 2-core CPU): one real
# and one complex case run in CI, the others are marked slow.
CASES = [
    pytest.param(None, True, id="adam-complex"),
    pytest.param("parameter", False, id="sr-real"),
    pytest.param(None, False, id="adam-real", marks=pytest.mark.slow),
    pytest.param("parameter", True, id="sr-complex", marks=pytest.mark.slow),
    pytest.param("sample", False, id="minsr-real", marks=pytest.mark.slow),
    pytest.param("sample", True, id="minsr-complex", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("solver", "phase"), CASES)
def test_a_step_on_two_replicas_is_the_one_device_step_on_both_replicas_samples(
    strategy, solver, phase
):
    preconditioner = None if solver is None else SR(diag_shift=1e-2, solver=solver)

    def make_optimizer():
        return keras.optimizers.Adam(1e-2) if solver is None else keras.optimizers.SGD(0.1)

    vmc = distributed_vmc(strategy, make_optimizer, preconditioner, phase=phase)
    before = [v.numpy() for v in vmc.wavefunction.trainable_variables]
    vmc.fit(epochs=1, steps_per_epoch=1, verbose=0)
    after = replica_weights(strategy, vmc)
    expected = one_device_update(before, phase, preconditioner, make_optimizer())
    for replicas, want, old in zip(after, expected, before, strict=True):
        np.testing.assert_array_equal(replicas[0], replicas[1])
        assert not np.allclose(want, old)
        np.testing.assert_allclose(replicas[0], want, rtol=1e-9, atol=1e-12)


class GradientAsLinearSystem:
    """A preconditioner written only to VMC's documented contract: its "system" is the
    gradient `2 <O (eps - <eps>)>`, summed over replicas by the reduction, and its solve
    returns it as it is (so the step is plain gradient descent)."""

    def linear_system(self, wavefunction, configs, local_objective, reduction):
        derivatives = reduction.local(log_derivatives, wavefunction, configs)
        centered = local_objective - reduction.mean(local_objective)
        share = tf.linalg.matvec(derivatives, centered, transpose_a=True)
        return {"gradient": reduction.sum(share * (2.0 / reduction.n_samples))}

    def solve(self, system, step, variables):
        return _unflatten(system["gradient"], variables)


def test_a_preconditioner_written_to_the_contract_trains_on_two_replicas(strategy):
    def make_optimizer():
        return keras.optimizers.SGD(0.1)

    vmc = distributed_vmc(strategy, make_optimizer, GradientAsLinearSystem())
    before = [v.numpy() for v in vmc.wavefunction.trainable_variables]
    vmc.fit(epochs=1, steps_per_epoch=1, verbose=0)
    expected = one_device_update(before, False, None, make_optimizer())
    for replicas, want in zip(replica_weights(strategy, vmc), expected, strict=True):
        np.testing.assert_array_equal(replicas[0], replicas[1])
        np.testing.assert_allclose(replicas[0], want, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_history(strategy):
    histories = []
    for _ in range(2):
        keras.utils.set_random_seed(0)
        vmc = distributed_vmc(strategy, lambda: keras.optimizers.Adam(1e-2))
        histories.append(vmc.fit(epochs=2, steps_per_epoch=2, verbose=0).history)
    assert histories[0] == histories[1]
    assert histories[0]["energy"][0] != histories[0]["energy"][1]


@pytest.mark.slow
def test_a_short_training_on_two_replicas_reaches_the_one_device_accuracy(strategy):
    exact = kerasnqs.exact.ground_state(HAMILTONIAN)[0]
    errors = []
    for replicas in (strategy, None):
        keras.utils.set_random_seed(0)
        with strategy.scope() if replicas else contextlib.nullcontext():
            vmc = kerasnqs.VMC(
                RNNWavefunction(CHAIN, units=8, dtype="float64"), HAMILTONIAN, 64, seed=SEED
            )
            vmc.compile(optimizer=keras.optimizers.Adam(2e-2))
        vmc.fit(epochs=1, steps_per_epoch=150, verbose=0)
        errors.append(abs(vmc.estimate(4000, seed=1).mean - exact) / abs(exact))
    # Different samples, so different paths; both must train as well (measured: 4.0e-4
    # on two replicas, 4.9e-4 on one device).
    assert max(errors) < 2e-3, errors


class PoisonTemperatureAtStep(keras.callbacks.Callback):
    """Makes the local objective (not the energy) NaN from a given step on."""

    def __init__(self, step):
        super().__init__()
        self.step, self.good_weights = step, None

    def on_train_batch_begin(self, batch, logs=None):
        if batch + 1 == self.step:
            self.good_weights = [w.numpy().copy() for w in self.model.wavefunction.weights]
            self.model.temperature.assign(float("nan"))


def test_a_nonfinite_gradient_stops_training_on_every_replica(strategy):
    vmc = distributed_vmc(strategy, lambda: keras.optimizers.Adam(1e-2))
    poison = PoisonTemperatureAtStep(step=2)
    with pytest.raises(FloatingPointError, match="step 2"):
        vmc.fit(epochs=1, steps_per_epoch=5, callbacks=[poison], verbose=0)
    for replicas, good in zip(replica_weights(strategy, vmc), poison.good_weights, strict=True):
        for value in replicas:
            np.testing.assert_array_equal(value, good)


def test_n_samples_must_split_evenly_across_replicas(strategy):
    with strategy.scope():
        wavefunction = RNNWavefunction(CHAIN, units=4)
        vmc = kerasnqs.VMC(wavefunction, HAMILTONIAN, n_samples=33)
        vmc.compile(optimizer="adam")
    with pytest.raises(ValueError, match="`n_samples` must be a multiple of the 2 replicas"):
        vmc.fit(epochs=1, steps_per_epoch=1, verbose=0)


def test_a_wavefunction_built_outside_the_scope_is_refused(strategy):
    wavefunction = RNNWavefunction(CHAIN, units=4)
    wavefunction(np.zeros((1, CHAIN.n_sites), "int32"))
    with strategy.scope(), pytest.raises(ValueError, match="inside the same"):
        kerasnqs.VMC(wavefunction, HAMILTONIAN, n_samples=32)


def test_estimate_splits_the_samples_across_replicas(strategy):
    vmc = distributed_vmc(strategy, lambda: keras.optimizers.Adam(1e-2))
    stats = vmc.estimate(n_samples=64, seed=3)
    model = RNNWavefunction(CHAIN, units=4, dtype="float64")
    model(np.zeros((1, CHAIN.n_sites), "int32"))
    model.set_weights([v.numpy() for v in vmc.wavefunction.weights])
    values = []
    for replica in (0, 1):
        configs, log_psi = model.sample(32, distributed.replica_seed(seeds.as_seed(3), 0, replica))
        values.append(local_values(model, HAMILTONIAN, configs, log_psi, None).numpy())
    assert not np.array_equal(values[0], values[1])
    expected = kerasnqs.vmc.statistics(np.concatenate(values))
    assert stats.n_samples == 64
    np.testing.assert_allclose(
        [stats.mean, stats.variance], [expected.mean, expected.variance], rtol=1e-10
    )


@pytest.mark.slow  # 27 s; CI: the split across replicas (above) and one sample set on one
# device (tests/test_estimate_many.py) use the same sampler.
def test_estimate_of_several_operators_under_a_strategy_uses_one_sample_set(strategy):
    vmc = distributed_vmc(strategy, lambda: keras.optimizers.Adam(1e-2))
    zz = PauliSum.parse(CHAIN.n_sites, "Z0 Z1")
    both, covariance = vmc.estimate(
        n_samples=64, operator={"h": HAMILTONIAN, "zz": zz}, seed=3, covariance=True
    )
    alone = vmc.estimate(n_samples=64, operator=zz, seed=3)
    energy = vmc.estimate(n_samples=64, seed=3)
    assert set(both) == {"h", "zz"}
    np.testing.assert_allclose(both["zz"].mean, alone.mean, rtol=1e-12)
    np.testing.assert_allclose(both["h"].mean, energy.mean, rtol=1e-12)
    assert covariance.shape == (2, 2)
    np.testing.assert_allclose(covariance[0, 0], energy.error_of_mean**2, rtol=1e-6)


def test_the_host_check_finds_python_callbacks_and_cpu_pinned_ops():
    def step(x):
        with tf.device("/cpu:0"):
            y = x + 1.0
        return tf.py_function(lambda t: t * 2.0, [y], tf.float32)

    found = {op for op, _, _ in distributed.host_bound_ops(tf.function(step), tf.TensorSpec([3]))}
    assert {"AddV2", "EagerPyFunc"} <= found


@pytest.mark.parametrize("preconditioner", [None, SR(1e-2)], ids=["adam", "sr"])
def test_the_training_step_has_no_cpu_pinned_ops_or_python_callbacks(preconditioner):
    chain = Chain(4)
    vmc = kerasnqs.VMC(
        RNNWavefunction(chain, units=4),
        TFIM(chain, h=1.0),
        n_samples=8,
        preconditioner=preconditioner,
    )
    vmc.compile(optimizer="adam", jit_compile=True)
    vmc.optimizer.build(vmc.wavefunction.trainable_variables)
    step = tf.function(vmc.train_step, jit_compile=vmc.jit_compile)
    assert distributed.host_bound_ops(step, tf.TensorSpec([], tf.int32)) == []
