"""`kerasnqs train` and `kerasnqs evaluate` through the command-line entry point."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kerasnqs.cli.main import main
from kerasnqs.training import load_vmc

QUICK = [
    "--size",
    "6",
    "--steps",
    "20",
    "--samples",
    "64",
    "--units",
    "8",
    "--eval-samples",
    "2000",
]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["train", *QUICK, "--out", str(out)]) == 0
    return out


def test_train_writes_every_output_file(trained_run):
    names = {"config.json", "history.csv", "energy.png", "model.keras", "summary.json"}
    assert names <= {path.name for path in trained_run.iterdir()}
    assert not [path for path in trained_run.iterdir() if path.name.startswith(".tmp-")]


def test_summary_compares_with_the_exact_energy(trained_run):
    summary = json.loads((trained_run / "summary.json").read_text())
    for key in (
        "energy",
        "energy_error_of_mean",
        "variance",
        "exact_energy",
        "relative_error",
        "steps",
        "wall_time_s",
    ):
        assert key in summary
    assert "energy_error" not in summary  # history.csv's per-epoch column, not this
    assert summary["steps"] == 20
    assert summary["exact_energy"] == pytest.approx(-7.2962298105)  # free fermions, n=6, h=1
    expected = abs(summary["energy"] - summary["exact_energy"]) / abs(summary["exact_energy"])
    assert summary["relative_error"] == pytest.approx(expected)


def test_history_has_one_row_per_epoch(trained_run):
    lines = (trained_run / "history.csv").read_text().splitlines()
    assert "energy" in lines[0] and "energy_error" in lines[0]
    assert len(lines) == 1 + 1  # 20 steps in one epoch of 20 (steps_per_epoch = min(25, steps))


def test_config_and_summary_record_the_steps_that_ran(trained_run):
    config = json.loads((trained_run / "config.json").read_text())
    summary = json.loads((trained_run / "summary.json").read_text())
    assert (config["steps"], config["steps_per_epoch"]) == (20, 20)  # one epoch, not 25
    assert summary["steps"] == summary["planned_steps"] == 20


def test_history_has_no_empty_validation_columns(trained_run):
    header = (trained_run / "history.csv").read_text().splitlines()[0]
    assert header == "epoch,step,energy,energy_error,loss,variance"


def test_output_files_follow_the_umask(trained_run):
    umask = os.umask(0)
    os.umask(umask)
    for path in trained_run.iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path.name


def test_evaluate_estimates_the_saved_model(trained_run, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(trained_run / "model.keras"), "--samples", "1000"]) == 0
    printed = capsys.readouterr().out
    assert "energy:" in printed and "relative error:" in printed


def test_evaluate_takes_the_run_folder_and_estimates_its_model(trained_run, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(trained_run), "--samples", "1000", "--seed", "3"]) == 0
    from_folder = capsys.readouterr().out
    assert (
        main(["evaluate", str(trained_run / "model.keras"), "--samples", "1000", "--seed", "3"])
        == 0
    )
    from_file = capsys.readouterr().out
    energy_line = [line for line in from_folder.splitlines() if line.startswith("energy:")]
    assert energy_line and energy_line[0] in from_file.splitlines()


def test_evaluate_refuses_a_run_folder_without_its_model(trained_run, tmp_path, capsys):
    (tmp_path / "config.json").write_text((trained_run / "config.json").read_text())
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "has no model.keras yet: it has not ended" in capsys.readouterr().err


def test_evaluate_loads_the_saved_model_in_a_fresh_process(trained_run):
    # A new interpreter has registered nothing yet: `import kerasnqs` must be enough.
    command = ["evaluate", str(trained_run / "model.keras"), "--samples", "500"]
    result = subprocess.run(
        [sys.executable, "-m", "kerasnqs.cli.main", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "relative error:" in result.stdout


def test_init_from_starts_a_larger_chain_with_the_weights_of_a_smaller_one(trained_run, tmp_path):
    source = str(trained_run / "model.keras")
    out = tmp_path / "larger"
    argv = ["--size", "9", "--units", "8", "--steps", "1", "--samples", "16"]
    # A learning rate of 1e-9 moves each weight by about 1e-9 in one Adam step.
    argv += ["--lr", "1e-9", "--eval-samples", "100", "--init-from", source]
    assert main(["train", *argv, "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["init_from"] == source
    larger = load_vmc(str(out / "model.keras")).wavefunction
    assert larger.n_sites == 9
    trained = load_vmc(source).wavefunction.get_weights()
    assert len(larger.get_weights()) == len(trained)
    for started, weight in zip(larger.get_weights(), trained, strict=True):
        np.testing.assert_allclose(started, weight, atol=1e-6)


def test_init_from_refuses_another_architecture(trained_run, capsys, tmp_path):
    argv = ["--units", "4", "--init-from", str(trained_run / "model.keras")]
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("kerasnqs: error: --init-from") and "--units" in error
    assert len(error.strip().splitlines()) == 1


def test_config_file_supplies_settings_and_flags_override_it(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(
        'system = "heisenberg"\nsize = "4"\npbc = true\nmagnetization = 0.0\n'
        "steps = 3\nsamples = 16\nunits = 4\neval-samples = 100\n"
    )
    out = tmp_path / "out"
    assert main(["train", "--config", str(config), "--steps", "2", "--out", str(out)]) == 0
    settings = json.loads((out / "config.json").read_text())
    assert settings["system"] == "heisenberg" and settings["magnetization"] == 0.0
    assert settings["steps"] == 2
    assert json.loads((out / "summary.json").read_text())["steps"] == 2


@pytest.mark.slow  # CI: test_vmc's same-seed history and the bit-for-bit resume cover it
def test_same_seed_gives_the_same_run(tmp_path):
    energies = []
    for name in ("a", "b"):
        args = [
            "train",
            "--size",
            "4",
            "--steps",
            "5",
            "--samples",
            "16",
            "--units",
            "4",
            "--eval-samples",
            "200",
            "--out",
            str(tmp_path / name),
        ]
        assert main(args) == 0
        energies.append(json.loads((tmp_path / name / "summary.json").read_text())["energy"])
    assert energies[0] == energies[1]


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--system", "potts"], "--system"),
        (["--lattice", "square", "--size", "20"], "--size"),
        (["--magnetization", "0.5"], "magnetization"),
        (["--config", "/nonexistent/run.toml"], "--config"),
        (["--steps", "0"], "--steps"),
        (["--lr", "-1"], "--lr"),
        (["--cell", "lstm"], "cell"),
        (["--init-from", "tfim-chain-20-h"], "--init-from"),
    ],
    ids=["system", "size", "magnetization", "config", "steps", "lr", "cell", "init-from"],
)
def test_bad_input_is_one_line_and_exit_code_2(argv, match, capsys, tmp_path):
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert error.startswith("kerasnqs: error:") and match in error
    assert len(error.strip().splitlines()) == 1


def test_config_file_with_a_non_text_init_from_is_a_clear_error(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text("size = 4\ninit-from = 5\n")
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("kerasnqs: error: --init-from must be") and "Traceback" not in error


def test_unreadable_config_file_is_a_clear_error(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("steps = [unclosed\n")
    assert main(["train", "--config", str(config)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_evaluate_refuses_a_missing_file(capsys):
    assert main(["evaluate", "/nonexistent/model.keras"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_train_the_mixture_baseline(tmp_path):
    out = tmp_path / "mixture"
    argv = [
        "train",
        "--model",
        "mixture",
        "--n-components",
        "3",
        "--size",
        "5",
        "--steps",
        "5",
        "--samples",
        "32",
        "--eval-samples",
        "500",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "mixture"
    assert json.loads((out / "summary.json").read_text())["steps"] == 5
