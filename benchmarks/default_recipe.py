"""`kerasnqs train` with only the system flags, against the benchmark recipe in its time.

A user who names only the system gets the training settings of `kerasnqs.recipes.tuned`
and the recipe's 1000 steps. For each row this script runs that command in a fresh
process (`kerasnqs train --system ... --out DIR`, nothing else), reads its run folder
(the final estimate of `summary.json`, and the trained state's exact `<H>` where its
space has at most 2^20 configurations), and then trains `peers.py`'s `kerasnqs-sr`
(the benchmark recipe, whose cosine decay follows the wall clock) for the seconds the
command's training took. Both go into the results store as comparison
`"default-recipe"`, a table of `docs/benchmarks.md`. The issue's check: the command
reaches within 2x of the benchmark recipe's error in the same time.

Not run in CI (minutes per row).

Usage:

    python benchmarks/default_recipe.py --rows tfim-chain-20-h1 heisenberg-chain-20-pbc
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import peers
import results

HOW_CHOSEN = "kerasnqs train with only the system flags (kerasnqs.recipes.tuned)"


def system_flags(keys):
    """The `kerasnqs train` flags that name a system: its keys that differ from the default."""
    from kerasnqs.recipes.system import DEFAULTS

    flags = []
    for key, value in keys.items():
        if value == DEFAULTS[key] and type(value) is type(DEFAULTS[key]):
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            flags += [flag] if value else []
        elif value is not None:
            flags += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return flags


def exact_expectation(out):
    """The exact `<H>` of the model a run folder holds, or None past 2^20 configurations."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from kerasnqs.training import load_vmc

    vmc = load_vmc(os.path.join(out, "model.keras"))
    return peers.variational_energy(vmc.wavefunction, vmc.hamiltonian)


def run_command(name, keys, exact, results_dir):
    """Runs `kerasnqs train` with only the system flags; records and returns its run."""
    out = os.path.join(tempfile.mkdtemp(prefix="kerasnqs-default-"), "run")
    command = ["kerasnqs", "train", *system_flags(keys), "--out", out]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as file:
        summary = json.load(file)
    with open(os.path.join(out, "config.json")) as file:
        config = json.load(file)
    result = {
        "label": "kerasnqs train (system flags only)",
        "energy": summary["energy"],
        "energy_error": summary["energy_error_of_mean"],
        "variance": summary["variance"],
        "variational_energy": exact_expectation(out),
        "eval_samples": config["eval_samples"],
        "steps": summary["steps"],
        "train_seconds": summary["train_time_s"],
        "notes": [config.get("training_choice", "")],
    }
    shown = {key: config[key] for key in ("units", "samples", "steps", "sr", "lr", "diag_shift")}
    budget = math.ceil(summary["train_time_s"])
    record = results.run_record(
        result,
        exact,
        comparison="default-recipe",
        row=name,
        system=keys,
        method="kerasnqs-cli-default",
        settings=shown,
        how_chosen=HOW_CHOSEN,
        seed=config["seed"],
        budget_seconds=budget,
    )
    results.write_record(record, results_dir)
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", default=["tfim-chain-20-h1"], choices=peers.RECIPES)
    parser.add_argument("--eval-samples", type=int, default=50000)
    parser.add_argument("--results", default=str(results.RESULTS_DIR))
    args = parser.parse_args(argv)
    for name in args.rows:
        recipe = peers.load_recipe(peers.RECIPES[name])
        keys = peers.system_keys(recipe)
        exact = peers.exact_energy(recipe)
        command = run_command(name, keys, exact, args.results)
        budget = command["budget_seconds"]
        peer_args = argparse.Namespace(
            set=[], set_netket=[], eval_samples=args.eval_samples, results=args.results
        )
        benchmark = peers.run_one(
            name, "kerasnqs-sr", 0, budget, exact, peer_args, comparison="default-recipe"
        )
        for record in (command, benchmark):
            value, kind = results.headline(record)
            print(f"{name}, {budget} s: {record['method']}: {kind} {value:.2e}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
