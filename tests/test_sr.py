"""Stochastic reconfiguration: per-sample derivatives, the SR direction, and training."""

import json

import keras
import numpy as np
import pytest
import support
import tensorflow as tf
from keras import ops
from support import jacobian

import kerasnqs
from kerasnqs import seeds
from kerasnqs.lattice import Chain, Square
from kerasnqs.layers.per_sample import PerSampleProbes, dense
from kerasnqs.models import MixtureWavefunction, SymmetricWavefunction
from kerasnqs.operators import J1J2, TFIM
from kerasnqs.vmc import SR, local_values, log_derivatives
from kerasnqs.vmc import sr as sr_module

MODELS = [
    pytest.param(Chain(5), dict(units=3, depth=2, phase=True), id="chain-deep-complex"),
    pytest.param(Square(2, 3), dict(units=3, phase=True), id="square-complex"),
    pytest.param(Chain(5), dict(units=3, cell="vanilla", magnetization=0.5), id="chain-sector"),
]


@pytest.mark.parametrize("lattice, kwargs", MODELS)
def test_log_derivatives_equal_the_jacobian(lattice, kwargs):
    model = support.make_model(lattice, dtype="float64", **kwargs)
    configs, _ = model.sample(7, seed=3)
    derivatives = log_derivatives(model, configs).numpy()
    np.testing.assert_allclose(derivatives, jacobian(model, configs), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("phase", [False, True], ids=["real", "complex"])
def test_log_derivatives_of_a_symmetric_model_sum_over_its_images(phase):
    # The inner model sees |G| rows per sample; each sample's derivative sums over them.
    inner = support.make_model(Chain(5, pbc=True), units=3, phase=phase, dtype="float64")
    model = SymmetricWavefunction(inner, symmetries=("translation", "reflection"))
    configs, _ = model.sample(6, seed=2)
    derivatives = log_derivatives(model, configs).numpy()
    np.testing.assert_allclose(derivatives, jacobian(model, configs), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_log_derivatives_compile(jit_compile):
    model = support.make_model(Chain(5), units=3, phase=True, dtype="float64")
    configs, _ = model.sample(6, seed=1)
    compiled = tf.function(lambda c: log_derivatives(model, c), jit_compile=jit_compile)
    np.testing.assert_allclose(compiled(configs), jacobian(model, configs), rtol=1e-9, atol=1e-11)


class _TwiceUsedKernelCell(kerasnqs.layers.RNNCell):
    """`h = tanh(U tanh(U h_prev) + W x)`: `U` enters two products in every step."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units))

    def call(self, inputs, neighbor_states):
        (h_prev,) = neighbor_states
        inner = ops.tanh(dense(h_prev, self.recurrent_kernel))
        return ops.tanh(dense(inner, self.recurrent_kernel) + dense(inputs, self.kernel))


def test_log_derivatives_of_a_weight_used_twice_in_a_step_sum_both_uses():
    # Only a weight's first product in a step gets a per-step probe; the second falls
    # back to the whole-weight probe. Dropping either use's share fails this test.
    cell = _TwiceUsedKernelCell(3, dtype="float64")
    model = support.make_model(Chain(5), cell=cell, dtype="float64")
    configs, _ = model.sample(6, seed=4)
    derivatives = log_derivatives(model, configs).numpy()
    np.testing.assert_allclose(derivatives, jacobian(model, configs), rtol=1e-10, atol=1e-12)


def test_the_steps_of_a_loop_probe_every_weight_the_step_uses():
    # The derivatives of an RNN are formed from per-step probes, sum_t x_t (x) g_t,
    # not from whole-weight probes whose gradient the loop would add at every step.
    model = support.make_model(Square(2, 3), units=3)
    configs, _ = model.sample(4, seed=0)

    used = []

    @tf.function
    def traced(configs):
        with tf.GradientTape() as tape:
            probes = PerSampleProbes(model.trainable_variables, 4, "float32", tape.watch)
            with probes:
                log_psi = model.log_psi(configs)
        used.extend(model.trainable_variables[step.index].path for step in probes.step_probes)
        return log_psi

    traced(configs)
    assert sorted(used) == sorted(variable.path for variable in model.trainable_variables)


def exact_system(model, hamiltonian):
    """Every configuration of the model's support, its probability and local energy."""
    configs = support.all_configurations(model.n_sites)
    log_prob = model.log_prob(configs).numpy()
    keep = np.isfinite(log_prob)
    configs = configs[keep]
    return configs, np.exp(log_prob[keep]), local_values(model, hamiltonian, configs).numpy()


SYSTEMS = [
    pytest.param(dict(units=4), lambda c: TFIM(c, h=0.7), id="tfim-real"),
    pytest.param(
        dict(units=4, phase=True, magnetization=0),
        lambda c: J1J2(c, j2=0.4),
        id="j1j2-complex-sector",
    ),
]


@pytest.mark.parametrize("kwargs, make_hamiltonian", SYSTEMS)
@pytest.mark.parametrize("solver", ["parameter", "sample"])
def test_sr_direction_solves_the_exact_sr_equation(kwargs, make_hamiltonian, solver):
    chain = Chain(6, pbc=True)
    model = support.make_model(chain, dtype="float64", scale=0.5, **kwargs)
    configs, probabilities, local_energies = exact_system(model, make_hamiltonian(chain))
    # The SR equation written out independently: S = Re Cov(O*, O), F = Re Cov(O*, E_loc).
    o = jacobian(model, configs)
    do = o - probabilities @ o
    de = local_energies - probabilities @ local_energies
    s = np.real((probabilities[:, None] * do.conj()).T @ do)
    f = np.real((probabilities[:, None] * do.conj()).T @ de)
    expected = np.linalg.solve(s + 1e-3 * np.eye(len(s)), f)

    direction = SR(diag_shift=1e-3, solver=solver).direction(
        log_derivatives(model, configs), local_energies, weights=probabilities
    )
    np.testing.assert_allclose(direction, expected, rtol=1e-6, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize("phase", [False, True], ids=["real", "complex"])
def test_sample_space_solver_equals_parameter_space_solver(phase):
    model = support.make_model(Chain(8), units=6, phase=phase, dtype="float64")
    configs, _ = model.sample(20, seed=5)  # 20 (or 40) rows, fewer than the weights
    energies = local_values(model, TFIM(Chain(8), h=1.0), configs)
    derivatives = log_derivatives(model, configs)
    minsr = SR(1e-2, solver="sample").direction(derivatives, energies)
    sr = SR(1e-2, solver="parameter").direction(derivatives, energies)
    np.testing.assert_allclose(minsr, sr, rtol=1e-8, atol=1e-10 * np.abs(sr).max())


@pytest.mark.parametrize("solver", ["sample", "parameter"])
def test_the_system_of_float32_derivatives_is_formed_in_float64(solver):
    # Derivatives of very different sizes, as a TFIM chain of 50 sites at h = 0.5 gave:
    # a float32 kernel then had eigenvalues down to -1e-3, as large as the shift, and
    # training diverged. Formed in float64 it is positive to 1e-12 of its largest.
    rng = np.random.default_rng(1)
    derivatives = (0.05 * rng.standard_normal((100, 20))).astype(np.float32)
    derivatives[:, 0] *= 3000
    system = SR(solver=solver).system_from_derivatives(derivatives, rng.standard_normal(100))
    matrix = system["kernel" if solver == "sample" else "covariance"]
    assert matrix.dtype == tf.float64
    values = np.linalg.eigvalsh(matrix.numpy())
    assert values[0] > -1e-12 * values[-1]


def test_a_kernel_made_indefinite_by_float32_rounding_is_solved_with_clipped_eigenvalues():
    # As in a TFIM chain of 50 sites at h = 0.5: one derivative 3000 times the others
    # makes the float32 kernel's rounding (about 1e-7 of its largest eigenvalue) exceed
    # the diagonal shift, so the zero eigenvalues of this rank-20 kernel turn negative
    # beyond it, and the Cholesky factor of the shifted kernel is NaN.
    rng = np.random.default_rng(0)
    matrix = (0.05 * rng.standard_normal((100, 20))).astype(np.float32)
    matrix[:, 0] *= 3000
    kernel = tf.cast(tf.matmul(matrix, matrix, transpose_b=True), tf.float64)
    diag_shift = 1e-3
    shifted = kernel.numpy() + diag_shift * np.eye(100)
    assert np.linalg.eigvalsh(shifted)[0] < 0  # the case this test is about
    rhs = rng.standard_normal(100)
    system = {"kernel": kernel, "rhs": tf.constant(rhs), "matrix": tf.constant(matrix, "float64")}

    solution = sr_module._shifted_solve(kernel, tf.constant(rhs[:, None]), diag_shift)
    update = SR(diag_shift).solve(system, step=0).numpy()

    values, vectors = np.linalg.eigh(kernel.numpy())
    clipped = vectors @ ((vectors.T @ rhs) / (np.maximum(values, 0) + diag_shift))
    # The condition number (2e4 / 1e-3) allows float64 differences near 1e-8; a wrong
    # clipping or a missing shift changes the solution at order one.
    np.testing.assert_allclose(solution.numpy()[:, 0], clipped, rtol=1e-6)
    assert np.all(np.isfinite(update))


def test_vmc_step_applies_the_sr_update_to_the_step_samples():
    chain = Chain(6)
    model = support.make_model(chain, units=4, phase=True, dtype="float64", scale=0.5)
    hamiltonian = J1J2(chain, j2=0.3)
    sr = SR(diag_shift=1e-2)
    vmc = kerasnqs.VMC(model, hamiltonian, n_samples=32, seed=4, preconditioner=sr)
    vmc.compile(optimizer=keras.optimizers.SGD(0.1))
    before = [w.numpy() for w in model.trainable_variables]
    configs, log_psi = model.sample(32, seeds.fold_in(seeds.as_seed(4), 0))
    energies = local_values(model, hamiltonian, configs, log_psi)
    expected = sr.direction(log_derivatives(model, configs), energies).numpy()

    vmc.fit(epochs=1, steps_per_epoch=1, verbose=0)
    after = [w.numpy() for w in model.trainable_variables]
    change = np.concatenate([(a - b).ravel() for a, b in zip(after, before, strict=True)])
    np.testing.assert_allclose(change, -0.1 * expected, rtol=1e-6, atol=1e-12)


def test_sr_reaches_a_lower_energy_than_adam_in_the_same_steps():
    # Measured: after 30 steps, the exact <H> of the trained model (64 configurations:
    # no sampling noise) has relative errors 4.9e-2 (Adam) and 3.4e-4 (SR, SGD 0.1).
    chain = Chain(6, pbc=True)
    hamiltonian = TFIM(chain, h=1.0)
    exact, _ = kerasnqs.exact.exact_energy(hamiltonian)
    errors = {}
    for name, optimizer, preconditioner in (
        ("adam", keras.optimizers.Adam(1e-2), None),
        ("sr", keras.optimizers.SGD(0.1), SR(diag_shift=1e-3)),
    ):
        keras.utils.set_random_seed(0)
        model = kerasnqs.models.RNNWavefunction(chain, units=8)
        vmc = kerasnqs.VMC(model, hamiltonian, n_samples=100, preconditioner=preconditioner)
        vmc.compile(optimizer=optimizer)
        vmc.fit(epochs=1, steps_per_epoch=30, verbose=0)
        energy = kerasnqs.exact.expectation(model, hamiltonian).real
        errors[name] = abs(energy - exact) / abs(exact)
    assert errors["sr"] < 0.05 * errors["adam"], errors


def test_diag_shift_follows_a_schedule_and_round_trips_through_saving(tmp_path):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    sr = SR(diag_shift=schedule, solver="sample")
    assert float(sr.shift_at(10)) == pytest.approx(0.05)
    chain = Chain(4)
    vmc = kerasnqs.VMC(
        kerasnqs.models.RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), preconditioner=sr
    )
    vmc.compile(optimizer=keras.optimizers.SGD(0.01))
    vmc.save(tmp_path / "vmc.keras")
    loaded = keras.saving.load_model(tmp_path / "vmc.keras")
    assert isinstance(loaded.preconditioner, SR)
    assert loaded.preconditioner.solver == "sample"
    assert float(loaded.preconditioner.shift_at(20)) == pytest.approx(0.025)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(diag_shift=0.0), "diag_shift"),
        (dict(diag_shift=float("nan")), "diag_shift"),
        (dict(diag_shift="big"), "diag_shift"),
        (dict(solver="cg"), "solver"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SR(**kwargs)


class ThreeArgumentLinearSystem:
    """A preconditioner of the contract before the reduction was passed."""

    def linear_system(self, wavefunction, configs, local_objective):
        return {}

    def solve(self, system, step, variables):
        return []


def test_a_preconditioner_whose_linear_system_takes_no_reduction_is_refused():
    chain = Chain(4)
    with pytest.raises(
        ValueError, match=r"linear_system\(wavefunction, configs, local_objective, reduction\)"
    ):
        kerasnqs.VMC(
            support.make_model(chain, units=3),
            TFIM(chain, h=1.0),
            preconditioner=ThreeArgumentLinearSystem(),
        )


def test_models_whose_weights_are_not_probed_are_refused():
    model = MixtureWavefunction(Chain(4), n_components=2)
    with pytest.raises(ValueError, match="per_sample"):
        log_derivatives(model, np.zeros((3, 4), "int32"))


def test_kerasnqs_train_sr_records_the_preconditioner(tmp_path):
    from kerasnqs.cli.main import main
    from kerasnqs.training import load_vmc

    out = tmp_path / "run"
    flags = ["--size", "6", "--steps", "10", "--samples", "64", "--units", "6"]
    assert main(["train", *flags, "--eval-samples", "500", "--sr", "--diag-shift", "0.01",
                 "--lr", "0.05", "--out", str(out)]) == 0  # fmt: skip
    config = json.loads((out / "config.json").read_text())
    assert config["sr"] is True and config["diag_shift"] == 0.01
    vmc = load_vmc(str(out / "model.keras"))
    assert isinstance(vmc.preconditioner, SR) and vmc.preconditioner.diag_shift == 0.01
    assert isinstance(vmc.optimizer, keras.optimizers.SGD)


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan"])
def test_kerasnqs_train_rejects_a_bad_diag_shift(value, capsys):
    from kerasnqs.cli.main import main

    assert main(["train", "--sr", "--diag-shift", value]) == 2
    assert "--diag-shift" in capsys.readouterr().err
