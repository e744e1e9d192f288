"""Trains each system with kerasnqs and with NetKet for the same wall time, side by side.

For each row (a physical system) every method trains in its own process, one after the
other on the same machine, until a wall-clock budget is spent, and then estimates the
energy from fresh samples; the table shows energy, error bar, exact energy and relative
error, and, where the Hilbert space (or the sector) has at most 2^20 configurations, the
relative error of the trained state's energy `<psi|H|psi>` summed exactly over all of
them, free of sampling noise. Methods:

- `kerasnqs-adam`: the row's zoo recipe (`RECIPES` below: the zoo recipe or the
  `benchmarks/accuracy.py` settings) with Adam, trained with the Python API. The budget
  replaces the recipe's number of steps, and the learning rate follows the recipe's
  cosine decay over the wall-time budget instead of over the steps. The energy comes
  from `--eval-samples` exact samples.
- `kerasnqs-sr`: the same system with stochastic reconfiguration (`kerasnqs.vmc.SR`)
  and SGD, with the settings of `KERASNQS_METHODS`. `--set diag_shift_final=X` makes
  the diagonal shift decay geometrically from `diag_shift` to `X` over the budget.
- `kerasnqs-sr-sym`: SR on the symmetrized RNN (`kerasnqs.models.SymmetricWavefunction`)
  over the row's cheap symmetries.
- `rbmsymm-sr`: NetKet's `RBMSymm(alpha=4)` with Metropolis sampling and SGD 0.02
  preconditioned by `SR(diag_shift=0.01)`, 1008 samples per step.
- `gru-adam`: NetKet's `FastGRUNet1D(layers=2)` (as many features as the kerasnqs
  recipe's units) with `ARDirectSampler` and Adam 1e-3, 1008 samples per step.

(`benchmarks/netket_peers.py` describes the NetKet side, which runs in NetKet's own
virtual environment, created on first use.)

Equal wall time: each side's clock starts once its model is built and counts
everything after it, compilation (XLA or JAX) included, since a user waits for it too;
training stops at the first step that ends past the budget. The final estimate is not
counted; its time is reported apart. Energies are in kerasnqs's units (`S = sigma / 2`
for the Heisenberg models: NetKet's are divided by 4); `--check-conventions` checks on
small systems that both sides' exact ground-state energies agree, before a row is
trusted. Exact energies come from `kerasnqs.exact.reference_energy` (free fermions,
Lanczos, or for the 6x6 Heisenberg model the published exact diagonalization).

Not run in CI: the full table takes more than an hour of a 2-core CPU.

Usage:

    python benchmarks/peers.py                                    # every row
    python benchmarks/peers.py --only heisenberg-chain-20-pbc --seconds 10
    python benchmarks/peers.py --methods kerasnqs-sr rbmsymm-sr --markdown runs/peers.md
    python benchmarks/peers.py --only tfim-chain-20-h1 --set units=48 --set lr=0.005
    python benchmarks/peers.py --only heisenberg-chain-20-pbc --set diag_shift_final=1e-5
    python benchmarks/peers.py --check-conventions
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

import accuracy
from netket_venv import HERE, ensure_netket
from timing import wall_clock_budget, wall_clock_shift

HEISENBERG_6X6 = {
    "system": "heisenberg",
    "lattice": "square",
    "size": "6x6",
    "pbc": False,
    "marshall_sign": True,
    "magnetization": 0.0,
    "units": 48,
    "samples": 500,
    "lr": 5e-3,
}

RECIPES = {
    "tfim-chain-20-h1": accuracy.MAIN_TABLE["tfim-chain-20-h1"],
    "tfim-chain-50-h0.5": accuracy.RECIPES / "tfim-chain-50-h0.5.toml",
    "heisenberg-chain-20-pbc": accuracy.MAIN_TABLE["heisenberg-chain-20-pbc"],
    "j1j2-chain-20-j2-0.2": accuracy.MAIN_TABLE["j1j2-chain-20-j2-0.2"],
    "j1j2-chain-20-j2-0.5": accuracy.MAIN_TABLE["j1j2-chain-20-j2-0.5"],
    "tfim-square-4x4-h3": accuracy.MAIN_TABLE["tfim-square-4x4-h3"],
    "heisenberg-square-6x6": HEISENBERG_6X6,
}
"""The base recipe of each row (the zoo's Adam recipe): a recipe file or a dict of keys."""

SR_SETTINGS = {"sr": True, "lr": 0.05, "diag_shift": 1e-4, "units": 32}
KERASNQS_METHODS = {
    "kerasnqs-adam": {},
    "kerasnqs-sr": SR_SETTINGS,
    "kerasnqs-sr-sym": {**SR_SETTINGS, "symmetries": "auto"},
}
"""What each kerasnqs method changes in a row's base recipe. `symmetries = "auto"` takes the
cheap symmetries the row has: the spin flip where the sector allows it, and the
reflection of an open chain (the 20 or 40 elements of the translations multiply the
cost of a step as much)."""

SR_ROW_SETTINGS = {
    "heisenberg-chain-20-pbc": {"diag_shift": 1e-5},
    "j1j2-chain-20-j2-0.2": {"diag_shift": 1e-5, "phase": False},
    "j1j2-chain-20-j2-0.5": {"diag_shift": 1e-5, "phase": False, "lr": 0.2},
    "tfim-square-4x4-h3": {"diag_shift": 1e-5},
    "heisenberg-square-6x6": {"diag_shift": 1e-5, "lr": 0.1},
}
"""Where a row's best SR recipe differs from `SR_SETTINGS`: a shift of 1e-5 beat 1e-4 on
the rings and the 4x4 square and lost 9x on the 50-site chain (benchmarks/NOTES.md,
session 8). The J1-J2 rings drop the phase head, which doubles the steps in the budget:
the best positive state in the Marshall basis is at most 1.2e-7 above the ground energy
at j2 = 0.2 (the energy of `|psi_0|`, by Lanczos), and exact at j2 = 0.5, whose dimer
ground states have one sign (`tests/test_operators.py`). At j2 = 0.5, SGD 0.2 beat 0.1
and 0.05 (4.2e-6, 1.4e-5 and 3.1e-5 in 300 s, session 9); on the 6x6 square, shift 1e-5
and SGD 0.1 reached 9.6e-4 in 600 s, against 1.3e-3 with SGD 0.05 and 1.7e-3 with the
shift 1e-4 (SGD 0.2 collapsed it to `<H>` = -1 in session 10)."""

SECONDS = {
    "tfim-chain-20-h1": 60,
    "tfim-chain-50-h0.5": 240,
    "heisenberg-chain-20-pbc": 300,
    "j1j2-chain-20-j2-0.2": 240,
    "j1j2-chain-20-j2-0.5": 300,
    "tfim-square-4x4-h3": 120,
    "heisenberg-square-6x6": 3600,
}
"""The default wall-clock budget of each row, in seconds (`--seconds` overrides)."""

METHODS = {
    "kerasnqs-adam": "kerasnqs RNN + Adam",
    "kerasnqs-sr": "kerasnqs RNN + SR",
    "kerasnqs-sr-sym": "kerasnqs symmetric RNN + SR",
    "rbmsymm-sr": "NetKet RBMSymm + SR",
    "gru-adam": "NetKet FastGRUNet1D + Adam",
}

ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception|Exit)\b")
"""The line of a child's traceback that names the error (the last one is reported)."""

FULL_SUM_LIMIT = 2**20
"""Up to this many configurations, the trained state's energy is also summed exactly."""

SMALL_SIZES = {"chain": 8, "square": "4x4"}
"""The sizes of the small systems on which `--check-conventions` compares exact energies."""


def load_recipe(recipe):
    """Returns a recipe (a TOML path or a dict) as a dict of settings keyed with underscores."""
    if not isinstance(recipe, dict):
        from kerasnqs.recipes.recipe import KEYS, read_toml

        recipe = read_toml(str(recipe), known=KEYS)
    return {key.replace("-", "_"): value for key, value in recipe.items()}


def system_keys(recipe):
    """The system keys of a recipe, defaults filled in (what `netket_peers.py` reads)."""
    from kerasnqs.recipes.system import system_config

    return system_config(recipe)


def parse_setting(text):
    """Parses `--set KEY=VALUE`; VALUE is read as JSON when it can be, else as text."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"--set must be KEY=VALUE, got {text!r}")
    try:
        return key.strip().replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.strip().replace("-", "_"), value


def positive(kind):
    """An argparse type: a finite number of `kind` above zero."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not 0 < value < math.inf:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    return parse


# ---------------------------------------------------------------- the kerasnqs side


def cheap_symmetries(settings):
    """The symmetries of `KERASNQS_METHODS`' `"auto"`: spin flip, and reflection of open chains."""
    kinds = []
    if settings.get("magnetization") in (None, 0, 0.0):
        kinds.append("spin-flip")
    if settings.get("lattice", "chain") == "chain" and not settings.get("pbc"):
        kinds.append("reflection")
    return ",".join(kinds)


def train_kerasnqs(recipe, seconds, eval_samples):
    """Runs in the child process: trains a recipe for `seconds`, returns a dict.

    The model, its initial weights, the chunk size and the memory budget are those of
    `kerasnqs train` (`kerasnqs.training`'s builders); only the learning rate (and, with
    `diag_shift_final`, the diagonal shift) follow the wall clock instead of the steps.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    import kerasnqs
    from kerasnqs import training

    settings = dict(recipe)
    shift_final = settings.pop("diag_shift_final", None)
    if settings.get("symmetries") == "auto":
        settings["symmetries"] = cheap_symmetries(settings)
    settings = kerasnqs.Recipe.from_dict(settings)
    symmetries = settings.symmetries
    lattice, hamiltonian = settings.build_system()
    keras.utils.set_random_seed(settings.seed)
    wavefunction = training.build_wavefunction(settings, lattice, hamiltonian)

    start = time.perf_counter()
    shift, shift_schedule = settings.diag_shift, None
    if shift_final is not None:
        shift = shift_schedule = wall_clock_shift(shift, shift_final)
    optimizer = keras.optimizers.SGD if settings.sr else keras.optimizers.Adam
    vmc = training.build_vmc(
        settings,
        wavefunction,
        hamiltonian,
        optimizer=optimizer(settings.lr),
        preconditioner=kerasnqs.vmc.SR(shift) if settings.sr else None,
    )
    budget = wall_clock_budget(seconds, start, settings.lr, shift=shift_schedule)
    vmc.fit(epochs=10**6, steps_per_epoch=settings.steps_per_epoch, callbacks=[budget], verbose=0)
    train_seconds = time.perf_counter() - start

    begin = time.perf_counter()
    stats = vmc.estimate(n_samples=eval_samples)
    exact_expectation = variational_energy(wavefunction, hamiltonian)
    label = f"kerasnqs RNN {settings.units}" + (" phase" if settings.phase else "")
    if symmetries:
        label += f" ({','.join(symmetries)})"
    if settings.sr:
        label += f" + SR {settings.diag_shift:g}"
        if shift_final is not None:
            label += f" to {shift_final:g}"
        label += ", SGD"
    else:
        label += " + Adam"
    return {
        "label": label,
        "energy": float(stats.mean.real),
        "energy_error": stats.error_of_mean,
        "variance": stats.variance,
        "variational_energy": exact_expectation,
        "eval_samples": stats.n_samples,
        "steps": int(vmc.optimizer.iterations.numpy()),
        "train_seconds": train_seconds,
        "estimate_seconds": time.perf_counter() - begin,
        "n_parameters": int(sum(w.numpy().size for w in wavefunction.trainable_weights)),
        "notes": [],
        "library": f"kerasnqs {kerasnqs.__version__}",
    }


def variational_energy(wavefunction, hamiltonian):
    """`<psi|H|psi>` summed over every configuration, or `None` past `FULL_SUM_LIMIT`.

    The configurations are those of the model's magnetization sector (all of them
    without one), as `kerasnqs.exact.expectation` sums them.
    """
    from kerasnqs.exact import expectation
    from kerasnqs.hilbert import basis

    if basis.sector_size(wavefunction.n_sites, wavefunction.magnetization) > FULL_SUM_LIMIT:
        return None
    return expectation(wavefunction, hamiltonian)


# ---------------------------------------------------------------- the parent


def run_child(command, timeout):
    """Runs a child that prints JSON on its last line; returns it, or `{"error": ...}`."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {timeout:.0f} s"}
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        sys.stderr.write(result.stderr[-3000:])
        errors = [line for line in result.stderr.splitlines() if ERROR_LINE.match(line)]
        return {"error": (errors or result.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(lines[-1])


def child_command(method, recipe, seconds, eval_samples, overrides=None):
    """The command line that trains one method on one row in its own process.

    `overrides` (from `--set`) win over both the row's recipe and the method's settings.
    """
    options = ["--seconds", str(seconds), "--eval-samples", str(eval_samples)]
    if method in KERASNQS_METHODS:
        recipe = {**recipe, **KERASNQS_METHODS[method], **(overrides or {})}
        return [sys.executable, __file__, "--child-recipe", json.dumps(recipe), *options]
    system = json.dumps(system_keys(recipe))
    script = os.path.join(HERE, "netket_peers.py")
    command = [ensure_netket(), script, "--system", system, "--method", method, *options]
    return [
        *command,
        "--features",
        str(recipe.get("units", 32)),
        "--seed",
        str(recipe.get("seed", 0)),
    ]


def exact_energy(recipe):
    """Returns `(energy, source)` for a row, from `kerasnqs.exact.reference_energy`."""
    from kerasnqs.exact import reference_energy
    from kerasnqs.hilbert import SpinHalf
    from kerasnqs.recipes import build_system

    _, hamiltonian = build_system(recipe)
    return reference_energy(
        hamiltonian, SpinHalf(hamiltonian.n_sites, system_keys(recipe)["magnetization"])
    )


def table_header():
    return [
        "| system | method | wall s | steps | energy ± error | exact | relative error "
        "| exact <H> relative error |",
        "|---|---|---|---|---|---|---|---|",
    ]


def table_line(name, result, exact):
    """One markdown table line for one method's result on one row."""
    label = result.get("label") or METHODS.get(result.get("method"), "?")
    if "error" in result:
        return f"| {name} | {label} | | | failed: {result['error']} | | | |"
    from kerasnqs.exact import relative_error

    energy, error = result["energy"], result["energy_error"]
    reference, source = exact
    exact_text, relative, full_sum = source, "-", "-"
    if reference is not None:
        exact_text = f"{reference:.6f} ({source})"
        relative = f"{relative_error(energy, reference):.1e}"
        if result.get("variational_energy") is not None:
            full_sum = f"{relative_error(result['variational_energy'], reference):.1e}"
    return (
        f"| {name} | {label} | {result['train_seconds']:.0f} | {result['steps']} | "
        f"{energy:.6f} ± {error:.1e} | {exact_text} | {relative} | {full_sum} |"
    )


def check_conventions(names):
    """Compares kerasnqs's and NetKet's exact energies on small versions of the rows."""
    from kerasnqs.exact import exact_energy as kerasnqs_exact
    from kerasnqs.exact import relative_error
    from kerasnqs.recipes import build_system

    ring4 = {"system": "heisenberg", "size": 4, "pbc": True, "magnetization": 0.0}
    systems = {"heisenberg-chain-4-pbc": system_keys(ring4)}
    for name in names:
        spec = system_keys(load_recipe(RECIPES[name]))
        small = {**spec, "size": SMALL_SIZES[spec["lattice"]]}
        systems[f"{name} at size {small['size']}"] = small
    worst = 0.0
    print("| system | kerasnqs exact | NetKet exact | difference |\n|---|---|---|---|")
    for label, spec in systems.items():
        _, hamiltonian = build_system(spec)
        ours, _ = kerasnqs_exact(hamiltonian, spec["magnetization"])
        command = [ensure_netket(), os.path.join(HERE, "netket_peers.py"), "--exact"]
        theirs = run_child([*command, "--system", json.dumps(spec)], timeout=600)
        if "error" in theirs:
            raise SystemExit(f"NetKet failed on {label}: {theirs['error']}")
        difference = theirs["exact_energy"] - ours
        worst = max(worst, relative_error(theirs["exact_energy"], ours))
        print(f"| {label} | {ours:.10f} | {theirs['exact_energy']:.10f} | {difference:.1e} |")
    if worst > 1e-9:
        raise SystemExit(f"the conventions differ: relative difference {worst:.1e}")
    print(f"conventions agree (largest relative difference {worst:.1e})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(RECIPES),
        metavar="ROW",
        help=f"rows to run (default: all): {', '.join(RECIPES)}",
    )
    parser.add_argument(
        "--seconds", type=positive(float), help="budget of every row (default: SECONDS)"
    )
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument(
        "--eval-samples", type=positive(int), default=50000, help="samples of the estimate"
    )
    parser.add_argument(
        "--set",
        type=parse_setting,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a kerasnqs recipe key, e.g. units=48",
    )
    parser.add_argument("--markdown", metavar="FILE", help="also write the table to FILE")
    parser.add_argument(
        "--check-conventions",
        action="store_true",
        help="compare both sides' exact energies on small systems, then exit",
    )
    parser.add_argument("--child-recipe", help=argparse.SUPPRESS)
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before kerasnqs loads TensorFlow
    if args.child_recipe:
        result = train_kerasnqs(json.loads(args.child_recipe), args.seconds, args.eval_samples)
        print(json.dumps(result))
        return
    names = args.only or list(RECIPES)
    if args.check_conventions:
        check_conventions(names)
        return

    lines = table_header()
    print("\n".join(lines), flush=True)
    for name in names:
        recipe = {**load_recipe(RECIPES[name]), **dict(args.set)}
        exact = exact_energy(recipe)
        seconds = args.seconds or SECONDS[name]
        for method in args.methods:
            overrides = dict(args.set)
            if KERASNQS_METHODS.get(method, {}).get("sr"):
                overrides = {**SR_ROW_SETTINGS.get(name, {}), **overrides}
            command = child_command(method, recipe, seconds, args.eval_samples, overrides)
            result = run_child(command, timeout=3 * seconds + 900)
            result.setdefault("method", method)
            for note in result.get("notes", []):
                print(f"  ({name}, {method}: {note})", file=sys.stderr)
            lines.append(table_line(name, result, exact))
            print(lines[-1], flush=True)
    if args.markdown:
        with open(args.markdown, "w") as file:
            file.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
