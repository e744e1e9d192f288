"""Open training settings take the measured best for the system; explicit ones win."""

import json

import pytest

import kerasnqs
from kerasnqs import run_folder
from kerasnqs.cli.main import main
from kerasnqs.recipes import tuned


@pytest.mark.parametrize(
    "system,want",
    [
        ({"system": "tfim"}, (True, 0.05, 1e-4)),
        ({"system": "heisenberg", "pbc": True}, (True, 0.05, 1e-5)),
        ({"system": "j1j2", "j2": 0.2, "pbc": True}, (True, 0.05, 1e-5)),
        ({"system": "tfim", "lattice": "square", "size": "4x4", "h": 3.0}, (True, 0.05, 1e-5)),
        ({"system": "heisenberg", "lattice": "square", "size": "6x6"}, (True, 0.1, 1e-5)),
    ],
)
def test_open_settings_take_the_tuned_row_of_the_system(system, want):
    recipe = kerasnqs.Recipe(**system).resolved()
    assert (recipe.sr, recipe.lr, recipe.diag_shift) == want
    row = tuned.tuned_for(recipe.system, recipe.lattice)
    assert (row.sr, row.lr, row.diag_shift) == want


def test_explicit_settings_win_and_the_rest_is_still_chosen():
    recipe = kerasnqs.Recipe(system="heisenberg", pbc=True, lr=0.3).resolved()
    assert (recipe.sr, recipe.lr, recipe.diag_shift) == (True, 0.3, 1e-5)
    adam = kerasnqs.Recipe(system="heisenberg", pbc=True, sr=False).resolved()
    assert (adam.sr, adam.lr) == (False, tuned.UNTUNED["lr"])
    given = kerasnqs.Recipe(sr=True, lr=0.2, diag_shift=1e-3)
    assert given.resolved() == given and given.training_choice() == ""


def test_a_model_no_row_measured_gets_adams_defaults_and_says_so():
    recipe = kerasnqs.Recipe(model="transformer")
    assert (recipe.resolved().sr, recipe.resolved().lr) == (False, 1e-2)
    assert "no SR measurement" in recipe.training_choice()
    with_sr = kerasnqs.Recipe(model="transformer", sr=True)
    assert with_sr.resolved().lr == tuned.SR_DEFAULTS["lr"]
    assert "no measurement for this model" in with_sr.training_choice()


def test_resolving_is_idempotent_and_replace_reresolves_a_new_system():
    open_recipe = kerasnqs.Recipe(size=8)
    assert open_recipe.resolved().resolved() == open_recipe.resolved()
    square = open_recipe.replace(system="heisenberg", lattice="square", size="4x4")
    assert square.resolved().lr == 0.1 and open_recipe.resolved().lr == 0.05


def test_the_command_prints_and_records_its_choice(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--size", "6", "--units", "4", "--samples", "16", "--steps", "2"]
    assert main([*argv, "--eval-samples", "100", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("training: SR (SGD 0.05, diag shift 0.0001); chose sr, lr")
    config = json.loads((out / run_folder.CONFIG).read_text())
    assert (config["sr"], config["lr"], config["diag_shift"]) == (True, 0.05, 1e-4)
    assert config[run_folder.TRAINING_CHOICE] == printed.splitlines()[0][len("training: ") :]
    assert (
        kerasnqs.Recipe.from_dict(
            {k: v for k, v in config.items() if k in kerasnqs.recipes.recipe.KEYS}
        ).fingerprint()
        == config[run_folder.FINGERPRINT]
    )


def test_explicit_flags_print_no_choice(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--size", "6", "--units", "4", "--samples", "16", "--steps", "2"]
    argv += ["--no-sr", "--lr", "0.02", "--eval-samples", "100", "--out", str(out)]
    assert main(argv) == 0
    assert not capsys.readouterr().out.startswith("training:")
    config = json.loads((out / run_folder.CONFIG).read_text())
    assert (config["sr"], config["lr"]) == (False, 0.02)
    assert run_folder.TRAINING_CHOICE not in config


def test_the_zoo_recipes_keep_the_optimizer_their_models_were_trained_with():
    for name in kerasnqs.zoo.available():
        recipe = kerasnqs.zoo.recipe(name)
        optimizer = kerasnqs.zoo.info(name)["recipe"]["optimizer"]
        assert recipe.sr is not None, name
        assert recipe.resolved().sr == (optimizer == "SGD"), name
