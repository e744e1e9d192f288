"""`benchmarks/accuracy.py` and `vmc_step.py` write results-store records (no training here)."""

import pytest


@pytest.fixture(scope="module")
def accuracy(benchmarks_importable):
    """`benchmarks/accuracy.py`, with the benchmarks folder importable (for `vmc_step` too)."""
    import accuracy

    return accuracy


def summary(energy, exact, variance):
    """A `summary.json` as `kerasnqs train` writes it."""
    return {
        "energy": energy,
        "energy_error_of_mean": 1e-4,
        "variance": variance,
        "v_score": None,
        "exact_energy": exact,
        "exact_source": "free fermions",
        "relative_error": abs(energy - exact) / abs(exact),
        "steps": 1000,
        "planned_steps": 1000,
        "interrupted": False,
        "wall_time_s": 130.0,
        "train_time_s": 120.0,
    }


def test_a_zoo_row_records_its_system_settings_and_errors(accuracy):
    name = "tfim-chain-20-h1"
    record = accuracy.row_record(
        name, accuracy.MAIN_TABLE[name], summary(-25.1, -25.107797, 0.02), "main"
    )
    assert (record["comparison"], record["row"], record["method"]) == (
        "accuracy",
        name,
        "kerasnqs-train",
    )
    assert record["system"]["system"] == "tfim" and record["n_sites"] == 20
    assert "units" in record["settings"] and "size" not in record["settings"]
    assert record["relative_error"] == pytest.approx(0.007797 / 25.107797)
    assert record["v_score"] == pytest.approx(20 * 0.02 / 25.1**2)
    assert record["seconds_used"] == 120.0
    assert record["exact_source"] == "free fermions"
    assert record["how_chosen"] == "the zoo recipe"


def test_a_mixture_row_splits_the_model_off_its_name(accuracy):
    name = "tfim-chain-20-h0.5-mixture"
    record = accuracy.row_record(
        name, accuracy.MIXTURE_TABLE[name], summary(-20.0, -20.5, 0.5), "mixture"
    )
    assert (record["comparison"], record["row"], record["method"]) == (
        "mixture",
        "tfim-chain-20-h0.5",
        "mixture",
    )
    assert record["system"]["h"] == 0.5
    assert record["settings"]["model"] == "mixture"


def test_a_failed_row_is_recorded_with_its_error(accuracy):
    name = "tfim-chain-20-h1"
    record = accuracy.row_record(name, accuracy.MAIN_TABLE[name], {"error": "boom"}, "main")
    assert record["error"] == "boom" and record["energy"] is None


def test_vmc_step_records_each_librarys_median_step(accuracy):
    import argparse

    import vmc_step

    args = argparse.Namespace(
        samples=512, units=50, jit=True, chunk_size=None, rounds=3, sweep=False, steps=20
    )
    runs = [{"step_seconds": [0.3, 0.2, 0.25], "n_parameters": 8000}, {"step_seconds": [0.5]}]
    record = vmc_step.step_record("kerasnqs", 50, runs, args)
    assert record["measured"] == {
        "quantity": "median step, 3 alternating rounds",
        "unit": "s",
        "value": 0.275,
    }
    assert (record["row"], record["n_sites"], record["n_parameters"]) == (
        "tfim-chain-50-h1",
        50,
        8000,
    )
    netket = vmc_step.step_record("netket", 50, [{**runs[0], "netket_version": "3.23"}], args)
    assert netket["versions"] == {"netket": "3.23"} and netket["settings"]["features"] == 50


def test_distributed_records_each_replica_count(accuracy):
    import distributed

    result = {"replicas": 2, "sites": 20, "samples": 4096, "units": 32, "s_per_step": 0.374}
    record = distributed.replicas_record(result)
    assert (record["comparison"], record["method"], record["label"]) == (
        "replicas",
        "replicas-2",
        "2 replicas",
    )
    assert record["measured"]["value"] == 0.374 and record["settings"]["samples"] == 4096


def test_transformer_records_a_timing_and_a_training_run(accuracy):
    import transformer

    timing = transformer.record("chain-100", "rnn", ("sample(10,000)", "s", 0.11))
    assert (timing["row"], timing["n_sites"], timing["label"]) == ("chain-100", 100, "RNN, GRU 32")
    assert timing["measured"]["value"] == 0.11
    run = transformer.record(
        "tfim-chain-20",
        "transformer",
        None,
        {"steps": 537, "train_seconds": 300.2, "variational_energy": -25.1},
        (-25.107797, "free fermions"),
        method="transformer-adam",
        settings={"sr": False, "lr": 0.01},
        n_parameters=25000,
    )
    assert run["method"] == "transformer-adam" and run["label"].startswith("Transformer")
    assert run["settings"] == {"n_layers": 2, "d_model": 32, "n_heads": 4, "sr": False, "lr": 0.01}
    assert run["exact_expectation_relative_error"] == pytest.approx(0.007797 / 25.107797)
    assert (run["n_parameters"], run["steps"], run["seconds_used"]) == (25000, 537, 300.2)
