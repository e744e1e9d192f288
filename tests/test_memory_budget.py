"""The memory budget: chunk sizes chosen from bytes, used by estimate, VMC and the CLI."""

import importlib
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kerasnqs
from kerasnqs.cli.main import main
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM, Heisenberg
from kerasnqs.vmc import memory_budget

# The module, which `kerasnqs.vmc.estimate` (the function) hides.
estimate_module = importlib.import_module("kerasnqs.vmc.estimate")
vmc_module = importlib.import_module("kerasnqs.vmc.vmc")


@pytest.fixture(scope="module")
def chain_model():
    chain = Chain(6)
    keras.utils.set_random_seed(0)
    return RNNWavefunction(chain, units=8), TFIM(chain, h=1.0)


@pytest.fixture
def recorded_chunk_sizes(monkeypatch):
    """The `chunk_size` of every `local_values` call that `estimate` traces."""
    recorded = []
    real_local_values = estimate_module.local_values

    def recording(wavefunction, operator, configs, log_psi=None, chunk_size=None):
        recorded.append(chunk_size)
        return real_local_values(wavefunction, operator, configs, log_psi, chunk_size)

    monkeypatch.setattr(estimate_module, "local_values", recording)
    estimate_module._COMPILED.clear()  # trace again, so that the recorder is called
    yield recorded
    estimate_module._COMPILED.clear()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1GB", 10**9),
        ("1.5 GB", 1_500_000_000),
        ("800MB", 800_000_000),
        ("2GiB", 2 * 1024**3),
        ("512mib", 512 * 1024**2),
        ("3G", 3 * 10**9),
        ("123456", 123456),
        (2e9, 2_000_000_000),
        (None, memory_budget.DEFAULT_MEMORY_BUDGET),
    ],
    ids=str,
)
def test_parse_memory_budget_reads_sizes_with_units(text, expected):
    assert memory_budget.parse_memory_budget(text) == expected


@pytest.mark.parametrize("bad", ["", "GB", "1 parsec", "-1GB", "0", 0, -5, float("inf"), True])
def test_parse_memory_budget_rejects_what_is_not_a_size(bad):
    with pytest.raises(ValueError, match=r"`memory_budget` must be a positive number of bytes"):
        memory_budget.parse_memory_budget(bad)


def test_chunks_are_the_fewest_equal_chunks_of_whole_samples_within_the_budget():
    chain = Chain(100)
    wavefunction = RNNWavefunction(chain, units=48)
    hamiltonian = TFIM(chain, h=1.0)
    per_config = memory_budget.bytes_per_connected_configuration(wavefunction)
    most = 10**9 // per_config
    chunk = memory_budget.chunk_size_for(wavefunction, hamiltonian, 10000, 10**9)
    assert chunk % hamiltonian.max_conn == 0 and chunk * per_config <= 10**9
    n_chunks = -(-10000 * hamiltonian.max_conn // chunk)
    assert n_chunks == -(-10000 // (most // hamiltonian.max_conn))
    assert n_chunks * chunk - 10000 * hamiltonian.max_conn < n_chunks * hamiltonian.max_conn


def test_bytes_per_connected_configuration_grow_with_sites_and_units_and_shrink_with_xla():
    small = RNNWavefunction(Chain(20), units=16)
    more_sites = RNNWavefunction(Chain(40), units=16)
    more_units = RNNWavefunction(Chain(20), units=32)
    per_config = memory_budget.bytes_per_connected_configuration
    assert per_config(more_sites) > per_config(small)
    assert per_config(more_units) > per_config(small)
    assert per_config(small, jit_compile=True) < per_config(small)


def test_no_chunking_when_every_connected_configuration_fits(chain_model):
    wavefunction, hamiltonian = chain_model
    assert memory_budget.chunk_size_for(wavefunction, hamiltonian, 100, "1GB") is None


def test_a_chunk_holds_at_least_one_sample(chain_model):
    wavefunction, hamiltonian = chain_model
    chunk = memory_budget.chunk_size_for(wavefunction, hamiltonian, 100, 1)
    assert chunk == hamiltonian.max_conn


@pytest.mark.parametrize("bad", ["big", 0, -3, 2.5, True])
def test_a_bad_chunk_size_is_a_value_error_naming_it(bad):
    with pytest.raises(ValueError, match=r"`chunk_size` must be 'auto', None or an integer"):
        memory_budget.validate_chunk_size(bad)


@pytest.mark.parametrize("n_samples", [1, 0, -2])
def test_estimate_needs_at_least_two_samples(chain_model, n_samples):
    wavefunction, hamiltonian = chain_model
    with pytest.raises(ValueError, match=r"`n_samples` must be an integer >= 2"):
        kerasnqs.estimate(wavefunction, hamiltonian, n_samples=n_samples)


def test_estimate_chunks_by_the_budget_and_gets_the_unchunked_estimate(
    chain_model, recorded_chunk_sizes
):
    wavefunction, hamiltonian = chain_model
    chunked = kerasnqs.estimate(wavefunction, hamiltonian, n_samples=64, memory_budget=20000)
    unchunked = kerasnqs.estimate(wavefunction, hamiltonian, n_samples=64, chunk_size=None)
    # `estimate` compiles one operator with XLA (jit_compile="auto"), which needs less
    # memory per connected configuration.
    expected = memory_budget.chunk_size_for(
        wavefunction,
        hamiltonian,
        64,
        20000,
        jit_compile=True,
        most=memory_budget.ESTIMATE_CHUNK_SIZE,
    )
    assert expected is not None and expected < 64 * hamiltonian.max_conn
    assert recorded_chunk_sizes == [expected, None]
    np.testing.assert_allclose(chunked.mean, unchunked.mean, rtol=1e-6)
    np.testing.assert_allclose(chunked.variance, unchunked.variance, rtol=1e-4)


def test_estimate_chunks_at_most_estimate_chunk_size_whatever_the_budget(
    chain_model, recorded_chunk_sizes
):
    wavefunction, hamiltonian = chain_model
    n_samples = 1000  # 6000 connected configurations
    kerasnqs.estimate(wavefunction, hamiltonian, n_samples=n_samples, memory_budget="8GB")
    assert recorded_chunk_sizes == [3000]  # two equal chunks of 500 samples
    assert 3000 <= memory_budget.ESTIMATE_CHUNK_SIZE < n_samples * hamiltonian.max_conn


def test_an_explicit_chunk_size_wins_over_the_budget(chain_model, recorded_chunk_sizes):
    wavefunction, hamiltonian = chain_model
    kerasnqs.estimate(wavefunction, hamiltonian, n_samples=64, chunk_size=7, memory_budget=1)
    assert recorded_chunk_sizes == [7]


def test_vmc_resolves_auto_for_training_and_passes_it_on_to_estimate(monkeypatch):
    chain = Chain(8, pbc=True)
    hamiltonian = Heisenberg(chain)
    wavefunction = RNNWavefunction(chain, units=8)
    per_config = memory_budget.bytes_per_connected_configuration(wavefunction)
    budget = 16 * hamiltonian.max_conn * per_config  # just what 16 samples need
    vmc = kerasnqs.VMC(wavefunction, hamiltonian, n_samples=16, memory_budget=budget)
    assert vmc.chunk_size is None
    assert kerasnqs.VMC(wavefunction, hamiltonian, 17, memory_budget=budget).chunk_size
    calls = []
    monkeypatch.setattr(vmc_module, "estimate", lambda *args, **kwargs: calls.append(kwargs))
    vmc.estimate(n_samples=400)  # estimate chooses for its own 400 samples
    assert calls[0]["chunk_size"] == "auto"
    assert calls[0]["memory_budget"] == budget


def test_vmc_with_an_explicit_chunk_size_uses_it():
    chain = Chain(6)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), chunk_size=12)
    assert vmc.chunk_size == 12


def test_vmc_config_keeps_auto_and_the_budget():
    chain = Chain(6)
    vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), memory_budget="2GB")
    config = vmc.get_config()
    assert config["chunk_size"] == "auto"
    assert config["memory_budget"] == "2GB"
    rebuilt = kerasnqs.VMC.from_config(config)
    assert rebuilt.memory_budget == 2 * 10**9
    assert rebuilt.chunk_size == vmc.chunk_size


def test_vmc_rejects_a_bad_memory_budget():
    chain = Chain(6)
    with pytest.raises(ValueError, match=r"`memory_budget` must be"):
        kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), memory_budget="lots")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--memory-budget", "lots"], "--memory-budget must be a positive number of bytes"),
        (
            ["--samples", "1"],
            "--samples must be an integer >= 2 (the error of the mean needs at least two "
            "samples), got 1",
        ),
    ],
    ids=["memory-budget", "one-sample"],
)
def test_evaluate_reports_a_bad_flag_in_one_line(capsys, flags, message):
    status = main(["evaluate", "tfim-chain-20-h1", *flags])
    _, err = capsys.readouterr()
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert message in err


def _peak_gb_of(command):
    """Runs `command` in a fresh process; returns its peak resident memory in GB."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output
    return usage.ru_maxrss / 1024**2  # ru_maxrss is in kB on Linux


@pytest.mark.slow
def test_evaluate_of_the_largest_zoo_model_stays_under_3_gb_by_default():
    command = [sys.executable, "-m", "kerasnqs.cli.main", "evaluate", "tfim-chain-100-h1"]
    assert _peak_gb_of(command) < 3.0


@pytest.mark.slow
def test_estimate_of_100000_samples_of_the_100_site_chain_stays_under_3_gb():
    script = (
        "import kerasnqs; from kerasnqs import zoo; "
        "s = kerasnqs.estimate(zoo.load('tfim-chain-100-h1'), "
        "zoo.hamiltonian('tfim-chain-100-h1'), n_samples=100000); "
        "print(s)"
    )
    assert _peak_gb_of([sys.executable, "-c", script]) < 3.0


def test_train_passes_the_memory_budget_to_vmc(capsys, tmp_path):
    argv = ["train", "--size", "6", "--units", "4", "--memory-budget", "lots"]
    status = main([*argv, "--steps", "1", "--out", str(tmp_path / "run")])
    _, err = capsys.readouterr()
    assert status == 2
    assert "`memory_budget` must be a positive number of bytes" in err


@pytest.mark.parametrize("n_connected", [1, 7, 20])
def test_samples_that_fit_is_the_largest_count_within_the_budget(n_connected):
    wavefunction = RNNWavefunction(Chain(20), units=8)
    per_sample = memory_budget.bytes_per_connected_configuration(wavefunction) * n_connected
    for budget in (per_sample - 1, per_sample, 5 * per_sample + 3, 10**7):
        fitting = memory_budget.samples_that_fit(wavefunction, n_connected, budget)
        assert fitting * per_sample <= budget < (fitting + 1) * per_sample


def test_every_budget_check_agrees_with_samples_that_fit():
    from kerasnqs.observables.sample_batches import samples_per_call

    chain = Chain(20)
    wavefunction, hamiltonian = RNNWavefunction(chain, units=8), TFIM(chain, h=1.0)
    budget = 3 * 10**6
    fitting = memory_budget.samples_that_fit(wavefunction, 1, budget)
    memory_budget.check_training_fits(wavefunction, hamiltonian, fitting, budget)
    with pytest.raises(ValueError, match=f"at most {fitting:,} samples fit"):
        memory_budget.check_training_fits(wavefunction, hamiltonian, fitting + 1, budget)
    per_call = samples_per_call(wavefunction, hamiltonian.max_conn, 10**6, budget)
    assert per_call == memory_budget.samples_that_fit(wavefunction, hamiltonian.max_conn, budget)
    chunk = memory_budget.chunk_size_for(wavefunction, hamiltonian, 10**6, budget)
    assert chunk // hamiltonian.max_conn <= per_call
