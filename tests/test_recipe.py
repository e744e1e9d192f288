"""`kerasnqs.Recipe`: every setting of a run, checked once, read and written as TOML or JSON."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

import kerasnqs
from kerasnqs.recipes import Recipe

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]

SOME_RECIPES = [
    Recipe(),
    Recipe(size=6, units=8, steps=20, samples=64),
    Recipe(
        system="heisenberg",
        lattice="square",
        size="4x4",
        pbc=True,
        marshall_sign=True,
        magnetization=0.0,
        sr=True,
        diag_shift=1e-5,
        symmetries="translation,rotation",
        memory_budget="800MB",
        init_from="tfim-chain-20-h1",
    ),
    Recipe(model="transformer", d_model=16, heads=2, layers=1, phase=True, chunk_size=64),
]


@pytest.mark.parametrize("recipe", SOME_RECIPES, ids=["default", "small", "square-sr", "tf"])
def test_a_recipe_comes_back_from_its_toml(recipe, tmp_path):
    path = tmp_path / "recipe.toml"
    path.write_text(recipe.to_toml(["a comment"]))
    assert Recipe.from_toml(path) == recipe


@pytest.mark.parametrize("recipe", SOME_RECIPES, ids=["default", "small", "square-sr", "tf"])
def test_a_recipe_comes_back_from_its_dict_through_json(recipe):
    assert Recipe.from_dict(json.loads(json.dumps(recipe.to_dict()))) == recipe


def test_from_dict_reads_dashes_and_fills_the_defaults():
    assert Recipe.from_dict({"steps-per-epoch": 5, "eval-samples": 100}) == Recipe(
        steps_per_epoch=5, eval_samples=100
    )


def test_symmetries_are_a_tuple_of_distinct_names_and_a_list_in_the_dict():
    recipe = Recipe(pbc=True, symmetries="translation, spin-flip,translation")
    assert recipe.symmetries == ("translation", "spin-flip")
    assert recipe.to_dict()["symmetries"] == ["translation", "spin-flip"]


def test_a_run_shorter_than_an_epoch_is_one_epoch():
    assert Recipe(steps=10).steps_per_epoch == 10


def test_replace_checks_the_new_settings():
    with pytest.raises(ValueError, match=r"^--units must be a positive integer, got 0$"):
        Recipe().replace(units=0)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"lr": float("inf")}, "--lr must be a finite positive number, got inf"),
        ({"steps": 3, "steps_per_epoch": 2}, "--steps (3) must be a multiple of --steps-per-epoch"),
        ({"samples": 1}, "--samples must be"),
        ({"model": "cnn"}, "--model must be one of rnn, transformer, mixture, got 'cnn'"),
        ({"symmetries": "mirror"}, "--symmetries has unknown name(s) ['mirror']"),
        ({"size": "3x"}, "`--size` for a chain must be a number of sites >= 2"),
        ({"h": 2.0, "system": "heisenberg"}, "`--h` applies only to --system tfim"),
        ({"magnetization": 0.5, "size": 6}, "--magnetization"),
        ({"sr": "yes"}, "sr must be true or false, got 'yes'"),
        ({"bogus": 1}, "the recipe has unknown keys ['bogus']"),
    ],
)
def test_a_bad_setting_gets_the_message_of_the_command_line(settings, message):
    with pytest.raises(ValueError) as raised:
        Recipe.from_dict(settings)
    assert message in str(raised.value)


def test_a_toml_file_that_is_not_toml_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("units = = 3\n")
    with pytest.raises(ValueError, match="is not valid TOML"):
        Recipe.from_toml(path)


def test_a_toml_file_with_unknown_keys_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("units = 3\nout = 'runs/a'\n")
    with pytest.raises(ValueError, match=r"has unknown keys \['out'\]"):
        Recipe.from_toml(path)


def test_the_fingerprint_is_that_of_the_settings_and_not_of_their_spelling():
    assert Recipe(size=6, symmetries=None).fingerprint() == Recipe(size=6).fingerprint()
    assert Recipe(size=6).fingerprint() != Recipe(size=8).fingerprint()


def test_build_system_gives_the_lattice_and_the_hamiltonian():
    lattice, hamiltonian = Recipe(system="heisenberg", size=6, pbc=True).build_system()
    assert lattice.n_sites == 6 and hamiltonian.conserves_magnetization


def test_recipe_distribute_names_those_of_make_strategy():
    from kerasnqs.recipes.recipe import DISTRIBUTE
    from kerasnqs.vmc.distributed import STRATEGIES

    assert DISTRIBUTE == STRATEGIES


def test_recipe_cells_name_those_of_the_rnn_wavefunction():
    from kerasnqs.models.rnn_wavefunction import CELLS
    from kerasnqs.recipes.recipe import CELLS as RECIPE_CELLS

    assert sorted(RECIPE_CELLS) == sorted(CELLS)


def test_importing_recipe_and_train_loads_no_tensorflow():
    code = (
        "import sys, kerasnqs\n"
        "recipe = kerasnqs.Recipe(size=6).replace(units=8)\n"
        "kerasnqs.train, kerasnqs.zoo.recipe('tfim-chain-20-h1').to_toml()\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_package_exports_recipe_and_train():
    assert kerasnqs.Recipe is Recipe
    assert {"Recipe", "train", "TrainingRun", "callbacks", "recipes", "training"} <= set(
        dir(kerasnqs)
    )
