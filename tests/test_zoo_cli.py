"""`kerasnqs zoo list`, `kerasnqs zoo info` and `kerasnqs evaluate` with zoo models."""

import json
import re
import shutil

import pytest

from kerasnqs import zoo
from kerasnqs.cli.main import main
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM


@pytest.fixture(scope="module")
def user_folder(tmp_path_factory):
    """A small model saved with `kerasnqs.zoo.save`."""
    chain = Chain(4)
    energy = {"mean": -4.5, "error_of_mean": 0.01, "variance": 0.3, "n_samples": 1000}
    return zoo.save(
        RNNWavefunction(chain, units=4),
        TFIM(chain, h=1.0),
        tmp_path_factory.mktemp("zoo") / "my-tfim-4",
        description="An untrained test model.",
        energy=energy,
        exact_energy=-4.758770483143634,
        exact_source="free fermions",
    )


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_zoo_list_prints_a_table_row_per_model(capsys):
    status, out, _ = _run(capsys, "zoo", "list")
    lines = out.splitlines()
    assert status == 0
    assert lines[0].split() == ["name", "system", "sites", "energy", "rel.", "error"]
    assert len(lines) == 1 + len(zoo.available())
    row = next(line for line in lines if line.startswith("tfim-chain-20-h1 "))
    assert "TFIM chain n=20 open, h=1, J=1" in row
    assert " 20 " in row
    assert "-25.10" in row


def test_zoo_info_prints_the_metadata(capsys):
    status, out, _ = _run(capsys, "zoo", "info", "tfim-chain-20-h1")
    metadata = zoo.info("tfim-chain-20-h1")
    assert status == 0
    assert re.search(r"^name: +tfim-chain-20-h1$", out, re.MULTILINE)
    assert metadata["description"] in out
    assert f"{metadata['exact_energy']:.10g} (free fermions)" in out
    assert metadata["weights_sha256"] in out


def test_zoo_info_reads_a_zoo_folder(capsys, user_folder):
    status, out, _ = _run(capsys, "zoo", "info", str(user_folder))
    assert status == 0
    assert "An untrained test model." in out


def test_evaluate_estimates_a_zoo_model_by_name(capsys):
    status, out, _ = _run(capsys, "evaluate", "tfim-chain-20-h1", "--samples", "2000")
    assert status == 0
    assert "exact energy:   -25.1077971116" in out
    assert "relative error:" in out
    assert "zoo energy:" in out
    assert "N=2000]" in out


def test_evaluate_estimates_a_zoo_folder(capsys, user_folder):
    status, out, _ = _run(capsys, "evaluate", str(user_folder), "--samples", "500")
    assert status == 0
    assert "exact energy:   -4.7587704831" in out
    assert "zoo energy:     -4.5 ± 0.01" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["zoo", "info", "tfim-chain-20"], "did you mean tfim-chain-20-h1"),
        (["evaluate", "tfim-chain-20-h"], "did you mean tfim-chain-20-h1"),
        (["zoo"], "required"),
        (["zoo", "show"], "invalid choice"),
        (["evaluate", "missing.keras"], "No such file: missing.keras"),
    ],
    ids=["info-unknown", "evaluate-unknown", "zoo-no-command", "zoo-bad-command", "keras-file"],
)
def test_user_errors_exit_2_with_one_line(capsys, argv, message):
    status, out, err = _run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("kerasnqs: error: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_evaluate_refuses_tampered_weights_with_exit_2(capsys, user_folder, tmp_path):
    folder = shutil.copytree(user_folder, tmp_path / "tampered")
    metadata_path = folder / "metadata.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["weights_sha256"] = "0" * 64
    metadata_path.write_text(json.dumps(metadata))
    status, _, err = _run(capsys, "evaluate", str(folder))
    assert status == 2
    assert "metadata.json" in err and "sha256" in err
    assert len(err.splitlines()) == 1
