"""Trains a zoo model from its recipe and ships it into the package zoo.

Usage, from the repository root:

    python zoo/build.py zoo/recipes/tfim-chain-20-h1.toml

The recipe is a `kerasnqs.Recipe` TOML file (a `kerasnqs train --config` file), and the
build trains it with `kerasnqs.train` (whose seed also seeds the initial weights, so that
a build is reproducible, and whose run is that of `kerasnqs train --config RECIPE`) in a
temporary run folder. It then writes the trained model, with the run's summary (whose
final estimate uses the recipe's `eval-samples`, at least `MIN_EVAL_SAMPLES`), with
`kerasnqs.zoo.save` into `kerasnqs/zoo/models/NAME/` of this repository, NAME being the
recipe's file name. The wall time recorded is the run's: training plus its final
estimate.
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile

MIN_EVAL_SAMPLES = 100_000
"""The fewest samples of the energy estimate recorded with a zoo model."""

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
MODELS_DIR = REPOSITORY / "kerasnqs" / "zoo" / "models"


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python zoo/build.py",
        description="Train a zoo model from its recipe (a `kerasnqs train --config` TOML "
        "file) and save it into the package zoo.",
    )
    parser.add_argument("recipe", help="the recipe, zoo/recipes/NAME.toml")
    parser.add_argument("--name", help="the model's name (default: the recipe's file name)")
    parser.add_argument("--description", help="the model's description (default: generated)")
    parser.add_argument(
        "--models-dir", default=str(MODELS_DIR), help="where to write NAME/ (%(default)s)"
    )
    parser.add_argument("--run-dir", help="keep the training run's files here (default: a temp)")
    parser.add_argument(
        "--from-run",
        action="store_true",
        help="do not train: save the finished run of this recipe in --run-dir",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing model")
    return parser


def check_recipe(path):
    """Reads the recipe; refuses too few samples for the estimate.

    Returns:
        The `kerasnqs.Recipe`.
    """
    from kerasnqs import Recipe

    recipe = Recipe.from_toml(path)
    if recipe.eval_samples < MIN_EVAL_SAMPLES:
        raise ValueError(
            f"{path!r} sets eval-samples = {recipe.eval_samples}; a zoo model needs "
            f"at least {MIN_EVAL_SAMPLES}."
        )
    return recipe


def train_recipe(recipe, run_dir):
    """Trains `recipe` with `kerasnqs.train` in the run folder `run_dir`.

    Returns:
        `(vmc, summary)`: the trained `kerasnqs.VMC` and the run's summary.
    """
    import kerasnqs

    run = kerasnqs.train(recipe, out=run_dir, verbose=2)
    if run.interrupted:
        raise ValueError(_unfinished(run_dir, run.steps))
    return run.vmc, run.summary()


def read_run(run_dir):
    """Reads a finished training run.

    Returns:
        `(vmc, recipe, summary)`: the trained `kerasnqs.VMC` of `model.keras`, the
        `kerasnqs.Recipe` of `config.json` and the dict of `summary.json`.
    """
    from kerasnqs.training import load_vmc
    from kerasnqs.training.resume import read_recipe

    summary = _read_json(os.path.join(run_dir, "summary.json"))
    if summary.get("interrupted"):
        raise ValueError(_unfinished(run_dir, summary["steps"]))
    return load_vmc(os.path.join(run_dir, "model.keras")), read_recipe(run_dir), summary


def _unfinished(run_dir, steps):
    return (
        f"the run in {run_dir!r} stopped after {steps} steps: finish it with "
        f"`kerasnqs train --resume {run_dir}`, then build with --run-dir and --from-run"
    )


def recipe_metadata(path, vmc, recipe, summary):
    """The `recipe` entry of the metadata: the training as it actually ran."""
    import keras

    optimizer = keras.saving.serialize_keras_object(vmc.optimizer)
    schedule = optimizer["config"]["learning_rate"]
    return {
        "file": os.path.basename(path),
        "steps": summary["steps"],
        "samples": recipe.samples,
        "optimizer": optimizer["class_name"],
        "learning_rate": recipe.lr,
        "schedule": {"class": schedule["class_name"], **schedule["config"]}
        if isinstance(schedule, dict)
        else None,
        "seed": recipe.seed,
        "settings": recipe.to_dict(),
    }


def describe_model(vmc):
    """A generated description: the model and the system it was trained for."""
    from kerasnqs.recipes import describe

    model, system = vmc.wavefunction.describe(), describe(vmc.hamiltonian)
    return f"{model}, trained by VMC for the ground state of the {system}."


def build(
    recipe,
    name=None,
    description=None,
    models_dir=MODELS_DIR,
    run_dir=None,
    from_run=False,
    overwrite=False,
):
    """Trains the model of `recipe` and saves it as `models_dir/NAME`; returns the folder.

    With `from_run=True`, `run_dir` holds a finished run of this recipe, which is saved
    without training again.
    """
    name = name or pathlib.Path(recipe).stem
    path = pathlib.Path(models_dir) / name
    if path.exists() and not overwrite:
        raise FileExistsError(17, "The zoo model exists already (pass --overwrite)", str(path))
    trained = check_recipe(recipe)
    os.makedirs(models_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        if from_run:
            vmc, trained, summary = read_run(run_dir)
        else:
            vmc, summary = train_recipe(trained, run_dir or os.path.join(temporary, "run"))
    return save_run(recipe, vmc, trained, summary, path, name, description, overwrite)


def save_run(recipe_path, vmc, recipe, summary, path, name, description=None, overwrite=False):
    """Saves a trained run into the zoo folder `path`, with its metadata."""
    from kerasnqs import zoo
    from kerasnqs.exact import reference_energy

    exact_energy, exact_source = reference_energy(vmc.hamiltonian, vmc.wavefunction.hilbert)
    energy = {
        "mean": summary["energy"],
        "error_of_mean": summary["energy_error_of_mean"],
        "variance": summary["variance"],
        "n_samples": recipe.eval_samples,
    }
    return zoo.save(
        vmc.wavefunction,
        vmc.hamiltonian,
        path,
        name=name,
        description=description or describe_model(vmc),
        energy=energy,
        exact_energy=exact_energy,
        exact_source=exact_source,
        recipe=recipe_metadata(recipe_path, vmc, recipe, summary),
        wall_time_s=summary["wall_time_s"],
        overwrite=overwrite,
    )


def _read_json(path):
    with open(path) as file:
        return json.load(file)


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.from_run and not args.run_dir:
        build_parser().error("--from-run needs --run-dir")
    try:
        folder = build(
            args.recipe,
            name=args.name,
            description=args.description,
            models_dir=args.models_dir,
            run_dir=args.run_dir,
            from_run=args.from_run,
            overwrite=args.overwrite,
        )
    except (ValueError, OSError) as error:
        print(f"build: error: {error}", file=sys.stderr)
        return 2
    from kerasnqs import zoo

    metadata = zoo.info(folder)
    energy = metadata["energy"]
    relative = metadata["relative_error"]
    against = "no exact reference" if relative is None else f"relative error {relative:.2e}"
    print(f"wrote {folder}: energy {energy['mean']:.8g} ± {energy['error_of_mean']:.2g}, {against}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
