"""`kerasnqs exact` and the shared system flags."""

import argparse
import pathlib
import re
import subprocess
import sys

import pytest

from kerasnqs.cli import system_args
from kerasnqs.cli.main import main
from kerasnqs.exact import ground_state_energy, tfim_chain_energy
from kerasnqs.hilbert import SpinHalf
from kerasnqs.lattice import Chain, Square
from kerasnqs.operators import J1J2, TFIM, Heisenberg
from kerasnqs.recipes import build_system

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]


def printed_energy(capsys, argv):
    assert main(argv) == 0
    output = capsys.readouterr().out
    match = re.fullmatch(r"exact ground-state energy: (\S+)  \((.*)\)\n", output)
    assert match, output
    return float(match.group(1)), match.group(2)


def test_exact_prints_the_free_fermion_energy_of_a_tfim_chain(capsys):
    energy, note = printed_energy(capsys, ["exact", "--system", "tfim", "--size", "20", "--h", "1"])
    assert energy == pytest.approx(tfim_chain_energy(20, h=1.0), rel=1e-11)
    assert note == "free fermions, TFIM chain n=20 open, h=1, J=1"


def test_exact_handles_a_tfim_chain_far_beyond_lanczos(capsys):
    energy, _ = printed_energy(capsys, ["exact", "--size", "1000", "--pbc", "--h", "0.5"])
    assert energy == pytest.approx(tfim_chain_energy(1000, h=0.5, pbc=True), rel=1e-11)


@pytest.mark.parametrize(
    "argv,operator,magnetization",
    [
        (
            ["--system", "heisenberg", "--size", "12", "--pbc", "--magnetization", "0"],
            Heisenberg(Chain(12, pbc=True)),
            0,
        ),
        (
            ["--system", "j1j2", "--lattice", "square", "--size", "3x3", "--j2", "0.5"],
            J1J2(Square(3, 3), j2=0.5),
            None,
        ),
        (
            ["--system", "tfim", "--lattice", "square", "--size", "9", "--pbc", "--h", "3"],
            TFIM(Square(3, 3, pbc=True), h=3.0),
            None,
        ),
    ],
    ids=["heisenberg-sector", "j1j2-square", "tfim-square"],
)
def test_exact_prints_the_lanczos_energy_of_other_systems(capsys, argv, operator, magnetization):
    energy, note = printed_energy(capsys, ["exact", *argv])
    assert energy == pytest.approx(
        ground_state_energy(operator, SpinHalf(operator.n_sites, magnetization)), rel=1e-11
    )
    assert note.startswith("Lanczos")


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--size", "abc"], "--size"),
        (["--lattice", "square", "--size", "20"], "--size.*square"),
        (["--system", "ising"], "--system"),
        (["--h", "not-a-number"], "--h"),
        (["--h", "nan"], "--h"),
        (["--system", "tfim", "--j2", "0.3"], "--j2"),
        (["--system", "heisenberg", "--h", "2"], "--h"),
        (["--system", "tfim", "--magnetization", "0"], "--magnetization.*conserve"),
        (["--system", "heisenberg", "--size", "12", "--magnetization", "0.5"], "--magnetization"),
        (["--system", "heisenberg", "--size", "30"], "limit"),
        (["--frobnicate"], "unrecognized"),
    ],
    ids=[
        "size-not-a-number",
        "size-not-square",
        "unknown-system",
        "h-not-a-number",
        "h-nan",
        "j2-for-tfim",
        "h-for-heisenberg",
        "magnetization-for-tfim",
        "half-integer-magnetization",
        "too-large",
        "unknown-flag",
    ],
)
def test_bad_flags_exit_2_with_one_error_line(capsys, argv, match):
    assert main(["exact", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    assert lines[0].startswith("kerasnqs: error: ")
    assert re.search(match, lines[0])


def test_missing_command_is_a_usage_error(capsys):
    assert main([]) == 2
    assert capsys.readouterr().err.startswith("kerasnqs: error: ")


def test_module_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "kerasnqs.cli.main", "exact", "--size", "8", "--h", "0.5"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("exact ground-state energy: ")


def test_module_reports_a_bad_flag_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "kerasnqs.cli.main", "exact", "--size", "x"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("kerasnqs: error: `--size`")


# --- The shared system flags ------------------------------------------------------------


def test_system_flags_have_their_documented_defaults():
    args = system_args.add_system_arguments(argparse.ArgumentParser()).parse_args([])
    lattice, operator = build_system(args)
    assert lattice == Chain(20)
    assert operator == TFIM(Chain(20), h=1.0)
    assert args.magnetization is None


def test_a_mapping_builds_the_same_system_as_the_flags():
    parser = system_args.add_system_arguments(argparse.ArgumentParser())
    argv = ["--system", "j1j2", "--lattice", "square", "--size", "4x2", "--pbc", "--j2", "0.5"]
    from_flags = build_system(parser.parse_args([*argv, "--marshall-sign"]))
    from_mapping = build_system(
        {"system": "j1j2", "lattice": "square", "size": "4x2", "pbc": True, "j2": 0.5,
         "marshall-sign": True, "learning_rate": 0.01}
    )  # fmt: skip
    assert from_flags == from_mapping
    assert from_mapping[1] == J1J2(Square(4, 2, pbc=True), j2=0.5, marshall_sign=True)


@pytest.mark.parametrize(
    "config,match",
    [
        ({"system": "heisenberg", "pbc": "yes"}, "--pbc"),
        ({"system": "heisenberg", "marshall_sign": 1}, "--marshall-sign"),
        ({"system": "tfim", "marshall_sign": True}, "--marshall-sign"),
        ({"lattice": "chain", "size": "4x4"}, "--size"),
        ({"lattice": "square", "size": "1x4"}, "--size"),
        ({"lattice": "hexagonal"}, "--lattice"),
        ({"system": "tfim", "h": "strong"}, "--h"),
    ],
    ids=[
        "pbc-not-bool",
        "marshall-not-bool",
        "marshall-for-tfim",
        "chain-size-2d",
        "square-side-1",
        "unknown-lattice",
        "h-not-a-number",
    ],
)
def test_bad_system_mapping_names_the_flag(config, match):
    with pytest.raises(ValueError, match=match):
        build_system(config)
