"""`estimate` of many operators from one sample set, against exact expectation values.

Statistical threshold: every estimate within 4 error bars of the exact value (for one
estimate, a false alarm about once in 16,000 runs); seeds are fixed. Tracing a model's
passes takes seconds, so the estimates are shared between tests through fixtures.
"""

import gc
import importlib
import weakref

import numpy as np
import pytest
from support import make_model

import kerasnqs
from kerasnqs.exact import expectation
from kerasnqs.lattice import Chain
from kerasnqs.operators import TFIM, Heisenberg, PauliSum
from kerasnqs.vmc import memory_budget

estimate_module = importlib.import_module("kerasnqs.vmc.estimate")
vmc_module = importlib.import_module("kerasnqs.vmc.vmc")

CHAIN = Chain(8)
ENERGY = TFIM(CHAIN, h=0.9)
YY = PauliSum.parse(8, "Y0 Y2")
ZZ = PauliSum.parse(8, "Z1 Z5")
OPERATORS = {"energy": ENERGY, "zz": ZZ, "yy": YY, "energy+zz": ENERGY + ZZ}
N_SAMPLES = 3000
SEED = 2


@pytest.fixture(scope="module", params=[False, True], ids=["real", "complex"])
def model(request):
    """One model per phase for the whole module: its passes are traced once."""
    return make_model(CHAIN, units=8, phase=request.param, scale=0.5)


@pytest.fixture(scope="module")
def estimates(model):
    """`(result, covariance)` of the dict of operators, from one sample set."""
    return kerasnqs.estimate(model, OPERATORS, N_SAMPLES, seed=SEED, covariance=True)


def test_every_estimate_of_a_dict_is_within_4_error_bars_of_the_exact_value(model, estimates):
    result, _ = estimates
    assert list(result) == list(OPERATORS)
    for name, operator in OPERATORS.items():
        stats = result[name]
        assert stats.n_samples == N_SAMPLES
        assert abs(stats.mean.real - expectation(model, operator)) < 4 * stats.error_of_mean, name


def test_covariance_is_consistent_with_the_variance_of_a_sum(estimates):
    result, covariance = estimates
    assert covariance.shape == (4, 4)
    np.testing.assert_allclose(covariance, covariance.conj().T, atol=1e-12)
    errors = np.array([s.error_of_mean for s in result.values()])
    np.testing.assert_allclose(np.sqrt(np.diag(covariance).real), errors, rtol=1e-6)
    # Local values are linear in the operator: Var(a + b) = Var a + Var b + 2 Re Cov(a, b).
    a, b, total = 0, 1, 3
    expected = covariance[a, a] + covariance[b, b] + 2 * covariance[a, b].real
    assert covariance[total, total].real == pytest.approx(expected.real, rel=1e-4)
    assert abs(covariance[a, b]) > 1e-3 * np.sqrt(covariance[a, a].real * covariance[b, b].real)


def test_each_entry_is_the_single_operator_estimate_from_the_same_seed(model, estimates):
    result, _ = estimates
    single = kerasnqs.estimate(model, YY, N_SAMPLES, seed=SEED)
    assert result["yy"].mean == pytest.approx(single.mean, rel=1e-5, abs=1e-7)
    assert result["yy"].variance == pytest.approx(single.variance, rel=1e-4, abs=1e-7)


def test_a_list_gives_a_list_in_order_and_one_operator_a_stats_with_its_squared_error(model):
    diagonal = [PauliSum.parse(8, "Z0 Z1"), PauliSum.parse(8, "Z2 + Z7")]
    many = kerasnqs.estimate(model, diagonal, n_samples=300, seed=1)
    assert isinstance(many, list) and len(many) == 2
    assert many[1].mean == kerasnqs.estimate(model, diagonal[1], n_samples=300, seed=1).mean
    stats, covariance = kerasnqs.estimate(model, diagonal[0], 300, seed=1, covariance=True)
    assert covariance.shape == (1, 1)
    assert covariance[0, 0] == pytest.approx(stats.error_of_mean**2)


def test_progress_shows_the_samples_done_after_each_batch(model, capsys):
    capsys.readouterr()
    kerasnqs.estimate(model, YY, n_samples=300, seed=1, batch_size=100, progress=True)
    shown = capsys.readouterr().out
    assert "300/300" in shown and "sample" in shown
    kerasnqs.estimate(model, YY, n_samples=300, seed=1, batch_size=100)
    assert capsys.readouterr().out == ""


def test_the_samples_are_drawn_once_for_all_operators(monkeypatch):
    model = make_model(CHAIN, units=4)
    calls = []
    real_sample = model.sample

    def counting_sample(n, seed):
        calls.append(n)
        return real_sample(n, seed)

    monkeypatch.setattr(model, "sample", counting_sample)
    diagonal = {"zz": OPERATORS["zz"], "z": PauliSum.parse(8, "Z0 + Z7")}
    kerasnqs.estimate(model, diagonal, n_samples=300, seed=1)
    assert len(calls) == 1  # one trace, one sampling pass for both operators


def test_each_operator_gets_the_chunk_size_of_its_own_memory_budget(monkeypatch):
    model = make_model(CHAIN, units=4)
    recorded = []
    real_local_values = estimate_module.local_values

    def recording(wavefunction, operator, configs, log_psi=None, chunk_size=None):
        recorded.append(chunk_size)
        return real_local_values(wavefunction, operator, configs, log_psi, chunk_size)

    monkeypatch.setattr(estimate_module, "local_values", recording)
    heisenberg = Heisenberg(CHAIN)
    operators = [heisenberg, ZZ, PauliSum.parse(8, "X3")]
    budget = 20000
    kerasnqs.estimate(model, operators, n_samples=64, memory_budget=budget)
    expected = [
        memory_budget.chunk_size_for(
            model, operator, 64, budget, most=memory_budget.ESTIMATE_CHUNK_SIZE
        )
        for operator in operators
    ]
    assert recorded == expected
    assert expected[0] is not None and expected[0] < 64 * heisenberg.max_conn


def test_vmc_estimate_passes_a_dict_and_covariance_on(monkeypatch):
    vmc = kerasnqs.VMC(make_model(CHAIN, units=4), ENERGY, n_samples=64)
    calls = []
    monkeypatch.setattr(
        vmc_module, "estimate", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    vmc.estimate(n_samples=400, operator=OPERATORS, covariance=True)
    (args, kwargs) = calls[0]
    assert args[1] is OPERATORS
    assert kwargs["covariance"] is True


def test_xla_estimates_of_operators_with_several_flip_loops_equal_the_graph_ones():
    """Four operators that each run `log_psi_of_flips` compile into one XLA function.

    A phase-free model once carried a constant phase sum through every loop, and XLA
    failed to compile three or more loops that carried the same constant ("Cannot find
    body function ..._const_0").
    """
    model = make_model(CHAIN, units=4, phase=False, scale=0.5)
    operators = [Heisenberg(CHAIN), PauliSum.parse(8, "X3"), ENERGY, YY]
    graph = kerasnqs.estimate(model, operators, n_samples=200, seed=SEED)
    xla = kerasnqs.estimate(model, operators, n_samples=200, seed=SEED, jit_compile=True)
    for graph_stats, xla_stats in zip(graph, xla, strict=True):
        np.testing.assert_allclose(xla_stats.mean, graph_stats.mean, rtol=1e-5)


def test_the_compiled_estimate_does_not_keep_its_model_alive():
    """The cache of compiled estimates is keyed weakly by the model; a function that held
    the model in its closure kept every model a process ever estimated (gigabytes over
    the test suite)."""
    model = make_model(CHAIN, units=4, phase=False, scale=0.5)
    kerasnqs.estimate(model, ENERGY, n_samples=16, seed=SEED)
    assert model in estimate_module._COMPILED
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None
