"""Trains a table of systems with `kerasnqs train` and prints energies against exact ones.

Each row runs `kerasnqs train --config` in its own process (the same code path users
run) and reads the run's `summary.json`. Not run in CI: the full table takes tens of
minutes on a 2-core CPU.

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
    args = parser.parse_args()

    table = MAIN_TABLE if args.table == "main" else MIXTURE_TABLE
    rows = {name: s for name, s in table.items() if not args.only or name in args.only}
    print(
        f"{'system':<26} {'energy':>14} {'error':>8} {'exact':>14} {'rel. error':>10} {'time s':>7}"
    )
    for name, settings in rows.items():
        summary = run_row(name, settings, args.out)
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
