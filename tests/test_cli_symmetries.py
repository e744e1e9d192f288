"""`kerasnqs train --symmetries`: symmetric models from the command line."""

import json
import re

import pytest

from kerasnqs.cli.main import main
from kerasnqs.models import SymmetricWavefunction
from kerasnqs.recipes import parse_symmetries
from kerasnqs.training import load_vmc

QUICK = ["--steps", "2", "--samples", "16", "--units", "4", "--eval-samples", "200"]


@pytest.mark.slow  # 12 s; CI: tests/test_symmetric_wavefunction.py covers the saved model
def test_train_with_symmetries_saves_a_symmetric_model(tmp_path):
    argv = ["--system", "heisenberg", "--size", "4", "--pbc", "--marshall-sign"]
    argv += ["--magnetization", "0", "--symmetries", "translation,spin-flip"]
    assert main(["train", *argv, *QUICK, "--out", str(tmp_path)]) == 0
    settings = json.loads((tmp_path / "config.json").read_text())
    assert settings["symmetries"] == ["translation", "spin-flip"]
    wavefunction = load_vmc(str(tmp_path / "model.keras")).wavefunction
    assert isinstance(wavefunction, SymmetricWavefunction)
    assert wavefunction.order == 8


def test_parse_symmetries_accepts_a_string_or_a_list():
    assert parse_symmetries(None) == []
    assert parse_symmetries("translation, reflection,translation") == ["translation", "reflection"]
    assert parse_symmetries(["spin-flip"]) == ["spin-flip"]


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--symmetries", "translation"], "translation.*periodic"),
        (["--symmetries", "rotation", "--pbc"], "no rotation"),
        (["--symmetries", "glide"], "unknown name"),
        (
            ["--system", "heisenberg", "--magnetization", "1", "--symmetries", "spin-flip"],
            "magnetization",
        ),
        (
            ["--system", "heisenberg", "--size", "5", "--pbc", "--marshall-sign"]
            + ["--symmetries", "translation"],
            "not invariant under the translation",
        ),
    ],
    ids=["open-chain", "chain-rotation", "unknown", "flip-with-sector", "marshall-odd-ring"],
)
def test_a_symmetry_the_system_does_not_have_is_a_one_line_error(argv, match, capsys, tmp_path):
    assert main(["train", "--size", "6", *argv, "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1
    assert re.search(match, error)


def test_help_lists_the_symmetries(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "translation, reflection, rotation, spin-flip" in " ".join(
        capsys.readouterr().out.split()
    )
