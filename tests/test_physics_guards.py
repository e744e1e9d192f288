"""Physics guards: stoquasticity, the sign-problem warning and the spin-value checks."""

import warnings

import numpy as np
import pytest
import tensorflow as tf

from kerasnqs.lattice import Chain, Square
from kerasnqs.models import MixtureWavefunction, RNNWavefunction
from kerasnqs.operators import J1J2, TFIM, Heisenberg, PauliSum
from kerasnqs.vmc import VMC
from kerasnqs.vmc.sign_problem import SignProblemWarning

NAMED_OPERATORS = {
    "tfim-h1": TFIM(Chain(5), h=1.0),
    "tfim-h-neg": TFIM(Chain(5), h=-0.5),
    "heisenberg": Heisenberg(Chain(6)),
    "heisenberg-marshall": Heisenberg(Chain(6, pbc=True), marshall_sign=True),
    "heisenberg-odd-ring-marshall": Heisenberg(Chain(5, pbc=True), marshall_sign=True),
    "heisenberg-square-marshall": Heisenberg(Square(2, 3), marshall_sign=True),
    "j1j2-marshall": J1J2(Chain(6, pbc=True), j2=0.5, marshall_sign=True),
    "xx-plus-yy-negative": PauliSum.parse(3, "-X0 X1 - Y0 Y1 + Z2"),
    "y-field": PauliSum.parse(2, "Y0"),
    "x-with-small-zx": PauliSum.parse(2, "-X0 - 0.5 X0 Z1"),
    "x-with-large-zx": PauliSum.parse(2, "-X0 - 2 X0 Z1"),
    "x-with-three-signs": PauliSum.parse(3, "-X0 - 0.3 X0 Z1 - 0.3 X0 Z2 - 0.3 X0 Z1 Z2"),
}


def _random_operator(seed):
    rng = np.random.default_rng(seed)
    terms = []
    for _ in range(rng.integers(1, 6)):
        factors = [f"{'XYZ'[rng.integers(0, 3)]}{site}" for site in range(3) if rng.random() < 0.7]
        terms.append((float(rng.choice([-1.0, -0.5, 0.5, 1.0])), " ".join(factors) or "I"))
    return PauliSum(3, terms)


def _stoquastic_by_matrix(operator):
    matrix = operator.to_sparse().toarray()
    off_diagonal = matrix - np.diag(np.diag(matrix))
    return bool(np.all(off_diagonal.real <= 1e-12) and np.all(np.abs(off_diagonal.imag) <= 1e-12))


@pytest.mark.parametrize(
    "operator",
    [*NAMED_OPERATORS.values(), *(_random_operator(seed) for seed in range(40))],
    ids=[*NAMED_OPERATORS, *(f"random-{seed}" for seed in range(40))],
)
def test_is_stoquastic_agrees_with_the_dense_matrix(operator):
    assert operator.is_stoquastic is _stoquastic_by_matrix(operator)


def test_is_stoquastic_decides_large_operators_without_the_matrix():
    chain = Chain(200, pbc=True)
    assert Heisenberg(chain, marshall_sign=True).is_stoquastic
    assert not Heisenberg(chain).is_stoquastic


def _sign_warnings(build):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build()
    return [str(w.message) for w in caught if issubclass(w.category, SignProblemWarning)]


def test_positive_rnn_on_heisenberg_warns_once_recommending_the_marshall_sign():
    chain = Chain(4)
    messages = _sign_warnings(lambda: VMC(RNNWavefunction(chain, units=2), Heisenberg(chain)))
    assert len(messages) == 1
    assert "--marshall-sign" in messages[0] and "--phase" in messages[0]


def test_positive_mixture_on_negative_field_tfim_warns_recommending_a_phase():
    chain = Chain(4)
    wavefunction = MixtureWavefunction(chain, n_components=2)
    messages = _sign_warnings(lambda: VMC(wavefunction, TFIM(chain, h=-1.0)))
    assert len(messages) == 1
    assert "--phase" in messages[0] and "Marshall" not in messages[0]


@pytest.mark.parametrize(
    "phase, hamiltonian",
    [
        (False, Heisenberg(Chain(4), marshall_sign=True)),
        (False, TFIM(Chain(4), h=1.0)),
        (True, Heisenberg(Chain(4))),
    ],
    ids=["marshall-sign", "tfim", "phase"],
)
def test_no_warning_when_the_ground_state_is_representable(phase, hamiltonian):
    wavefunction = RNNWavefunction(Chain(4), units=2, phase=phase)
    assert _sign_warnings(lambda: VMC(wavefunction, hamiltonian)) == []


def test_spin_values_are_checked_for_a_constant_inside_a_tf_function():
    wavefunction = RNNWavefunction(Chain(3), units=2)

    @tf.function
    def log_psi():
        return wavefunction.log_psi(tf.constant([[0, 2, 1]]))

    with pytest.raises(ValueError, match="got 2 at"):
        log_psi()


def test_spin_values_computed_inside_a_tf_function_fail_when_it_runs():
    wavefunction = RNNWavefunction(Chain(3), units=2)

    @tf.function
    def log_psi(configs):
        return wavefunction.log_psi(configs * 2)

    assert log_psi(tf.constant([[0, 0, 0]])).shape == (1,)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must hold only 0"):
        log_psi(tf.constant([[0, 1, 0]]))


def test_operator_rejects_spin_values_computed_inside_a_tf_function():
    operator = TFIM(Chain(3), h=1.0)

    @tf.function
    def diagonal(configs):
        return operator.diagonal(configs - 1)

    with pytest.raises(tf.errors.InvalidArgumentError, match="must hold only 0"):
        diagonal(tf.constant([[0, 1, 1]]))
