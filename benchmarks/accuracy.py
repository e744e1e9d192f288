"""Trains a table of systems with `kerasnqs train` and prints energies against exact ones.

Each row runs `kerasnqs train --config` in its own process (the same code path users
run) and reads the run's `summary.json`, and writes one record into the results store
(`benchmarks/results/`, or `--results DIR`; comparison "accuracy" for the main table,
"mixture" for the mixture table), from which `benchmarks/report.py` writes
`docs/benchmarks.md`. Not run in CI: the full table takes tens of minutes on a 2-core
CPU.

Usage:

    python benchmarks/accuracy.py                     # the main table
    python benchmarks/accuracy.py --table mixture     # mixture vs RNN, TFIM chain of 20
    python benchmarks/accuracy.py --only tfim-chain-20-h1 --out runs/accuracy
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import results

RECIPES = pathlib.Path(__file__).resolve().parents[1] / "zoo" / "recipes"

J1J2_RING = {
    "system": "j1j2",
    "size": "20",
    "pbc": True,
    "marshall_sign": True,
    "magnetization": 0.0,
    "phase": True,
    "units": 48,
    "steps": 2000,
    "lr": 5e-3,
    "sr": False,
}
"""The J1-J2 rows: beyond j2 = 0 the Marshall-rotated ground state has signs, hence `phase`."""

MAIN_TABLE = {
    # Systems with a zoo model train its recipe, so the table and the zoo agree.
    "tfim-chain-20-h1": RECIPES / "tfim-chain-20-h1.toml",
    "tfim-chain-50-h1": RECIPES / "tfim-chain-50-h1.toml",
    "tfim-square-4x4-h3": RECIPES / "tfim-square-4x4-h3.toml",
    "heisenberg-chain-20-pbc": RECIPES / "heisenberg-chain-20-pbc.toml",
    **{f"j1j2-chain-20-j2-{j2}": {**J1J2_RING, "j2": j2} for j2 in (0.2, 0.5)},
}

MIXTURE_TABLE = {
    f"tfim-chain-20-h{h:g}-{model}": {"h": h, **settings}
    for h in (0.5, 1.0, 2.0)
    for model, settings in (
        ("mixture", {"model": "mixture", "n_components": 16, "steps": 1000}),
        ("rnn", {"sr": False}),
    )
}


def to_toml(settings):
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        return repr(v)

    return "".join(f"{key} = {value(v)}\n" for key, v in settings.items())


HOW_CHOSEN = {
    "main": "the zoo recipe",
    "main-dict": "accuracy.py's J1J2_RING",
    "mixture-mixture": "accuracy.py's MIXTURE_TABLE",
    "mixture-rnn": "kerasnqs train's defaults",
}
"""How each kind of row's settings were chosen (the `how_chosen` of its records)."""


def load_recipe(recipe):
    """Returns a recipe (a TOML path or a dict) as a dict of settings keyed with underscores."""
    if not isinstance(recipe, dict):
        from kerasnqs.recipes.recipe import KEYS, read_toml

        recipe = read_toml(str(recipe), known=KEYS)
    return {key.replace("-", "_"): value for key, value in recipe.items()}


def row_record(name, settings, summary, table):
    """The results-store record of one row's run.

    Args:
        name: the row's name in its table (a mixture row ends with `-mixture` or `-rnn`).
        settings: the row's recipe (a TOML path or a dict of keys).
        summary: the run's `summary.json`, or `{"error": message}`.
        table: `"main"` or `"mixture"`.

    Returns:
        A record (`results.run_record`): comparison "accuracy" or "mixture", the row
        without the model's suffix and the model as the method for the mixture table.
    """
    from kerasnqs.recipes.system import system_config

    recipe = load_recipe(settings)
    system = system_config(recipe)
    if table == "main":
        comparison, row, method = "accuracy", name, "kerasnqs-train"
        how_chosen = HOW_CHOSEN["main-dict" if isinstance(settings, dict) else "main"]
    else:
        comparison = "mixture"
        row, method = name.rsplit("-", 1)
        how_chosen = HOW_CHOSEN[f"mixture-{method}"]
    result = summary
    if "error" not in summary:
        result = {
            "energy": summary["energy"],
            "energy_error": summary["energy_error_of_mean"],
            "variance": summary["variance"],
            "steps": summary["steps"],
            "train_seconds": summary["train_time_s"],
            "eval_samples": recipe.get("eval_samples"),
            "versions": results.kerasnqs_versions(),
        }
    shown = {key: value for key, value in recipe.items() if key not in system and key != "seed"}
    exact = (summary.get("exact_energy"), summary.get("exact_source"))
    return results.run_record(
        result,
        exact,
        comparison=comparison,
        row=row,
        system=system,
        method=method,
        settings=shown,
        how_chosen=how_chosen,
        seed=recipe.get("seed", 0),
    )


def run_row(name, settings, out):
    """Trains one row: `settings` is a dict of `kerasnqs train` keys or a recipe path."""
    folder = os.path.join(out, name)
    if isinstance(settings, dict):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as file:
            file.write(to_toml(settings))
        config = file.name
    else:
        config = str(settings)
    command = [sys.executable, "-m", "kerasnqs.cli.main", "train", "--config", config]
    # A new measurement replaces the one of an earlier invocation.
    argv = [*command, "--out", folder, "--overwrite"]
    result = subprocess.run(argv, capture_output=True, text=True)
    if isinstance(settings, dict):
        os.remove(config)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["?"])[-1]}
    with open(os.path.join(folder, "summary.json")) as summary:
        return json.load(summary)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", choices=["main", "mixture"], default="main")
    parser.add_argument("--only", nargs="*", help="row names to run")
    parser.add_argument("--out", default="runs/accuracy")
    parser.add_argument(
        "--results", default=str(results.RESULTS_DIR), help="the folder records go to"
    )
    args = parser.parse_args()

    table = MAIN_TABLE if args.table == "main" else MIXTURE_TABLE
    rows = {name: s for name, s in table.items() if not args.only or name in args.only}
    print(
        f"{'system':<26} {'energy':>14} {'error':>8} {'exact':>14} {'rel. error':>10} {'time s':>7}"
    )
    for name, settings in rows.items():
        summary = run_row(name, settings, args.out)
        results.write_record(row_record(name, settings, summary, args.table), args.results)
        if "error" in summary:
            print(f"{name:<26} failed: {summary['error']}")
            continue
        exact = summary["exact_energy"]
        relative = summary["relative_error"]
        print(
            f"{name:<26} {summary['energy']:>14.6f} {summary['energy_error_of_mean']:>8.1e} "
            f"{exact if exact is not None else float('nan'):>14.6f} "
            f"{relative if relative is not None else float('nan'):>10.2e} "
            f"{summary['wall_time_s']:>7.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
