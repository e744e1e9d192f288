"""`kerasnqs zoo info` and `kerasnqs zoo recipe` name nothing the installed package lacks."""

import pathlib
import re
import sys

import pytest

from kerasnqs import zoo
from kerasnqs.cli.main import build_parser, main
from kerasnqs.cli.train import recipe_and_out
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM
from kerasnqs.recipes import Recipe
from kerasnqs.zoo.registry import find

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name", zoo.available())
def test_recipe_is_a_train_config_that_gives_back_the_recorded_settings(name, capsys, tmp_path):
    status, out, _ = _run(capsys, "zoo", "recipe", name)
    assert status == 0
    path = tmp_path / f"{name}.toml"
    path.write_text(out)
    args = build_parser().parse_args(["train", "--config", str(path)])
    settings = recipe_and_out(args)[0].to_dict()
    recorded = zoo.info(name)["recipe"]["settings"]
    assert {key: settings[key] for key in recorded} == recorded


@pytest.mark.parametrize("name", zoo.available())
def test_info_names_no_recipe_file_but_the_command_that_prints_it(name, capsys):
    status, out, _ = _run(capsys, "zoo", "info", name)
    assert status == 0
    assert not re.search(r"\.toml\b", out)
    assert re.search(rf"^recipe: +`kerasnqs zoo recipe {re.escape(name)}` prints it$", out, re.M)


def test_every_file_of_a_zoo_model_is_package_data():
    with open(ROOT / "pyproject.toml", "rb") as file:
        patterns = tomllib.load(file)["tool"]["setuptools"]["package-data"]["kerasnqs"]
    package = ROOT / "kerasnqs"
    shipped = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    for name in zoo.available():
        files = {path for path in find(name).iterdir() if path.is_file()}
        assert files and files <= shipped, name


def test_recipe_of_a_model_saved_without_settings_is_a_clear_error(capsys, tmp_path):
    chain = Chain(4)
    energy = {"mean": -4.5, "error_of_mean": 0.01, "variance": 0.3, "n_samples": 1000}
    folder = zoo.save(
        RNNWavefunction(chain, units=4),
        TFIM(chain, h=1.0),
        tmp_path / "m",
        description="An untrained test model.",
        energy=energy,
    )
    status, out, err = _run(capsys, "zoo", "recipe", str(folder))
    assert status == 2 and out == ""
    assert "records no training settings" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("name", zoo.available())
def test_zoo_recipe_is_the_recipe_file_it_was_built_from(name):
    assert zoo.recipe(name) == Recipe.from_toml(ROOT / "zoo" / "recipes" / f"{name}.toml")


def test_zoo_recipe_grows_a_model_to_a_larger_lattice():
    grown = zoo.recipe("tfim-chain-20-h1").replace(size=30, init_from="tfim-chain-20-h1")
    assert grown.build_system()[0].n_sites == 30
    assert grown.replace(size=20, init_from=None) == zoo.recipe("tfim-chain-20-h1")
