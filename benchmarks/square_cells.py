"""Trains the square lattice's two gated cells side by side: MDGRUCell against TensorizedGRUCell.

The open Heisenberg square (Marshall sign, `S^z = 0`) is trained by VMC with stochastic
reconfiguration and SGD, the 6x6 square's SR recipe of `benchmarks/peers.py`
(`SR_ROW_SETTINGS`: shift 1e-5, SGD 0.1 with the cosine decay over the budget, 500
samples), once per cell, each for the same wall-time budget. The clock starts once the
model is built and counts XLA compilation (reported apart, with the step rate after the
first step). By default the units are chosen for roughly
equal parameter counts: `tensor-gru` has `--units` (18 u^2 + 4 u + 2 weights with its
softmax head), `gru` the size whose count is closest (8 u^2 + 20 u + 2, so about
1.5x the units); both counts are printed, and a warning is printed when they differ by
more than 10%. `--units-gru` sets the gru size explicitly (for example equal units).

Each run prints its steps, steps per second, the energy estimated from fresh samples,
the exact `<psi|H|psi>` summed over the sector when it has at most 2^20 configurations
(`kerasnqs.exact.expectation`, free of sampling noise), their relative errors against
the exact ground-state energy (`kerasnqs.exact.reference_energy`) and the parameter
count, and writes one record per run into the results store (`benchmarks/results/`,
or `--results DIR`; see `benchmarks/results.py`), comparison `"square-cells"`.

Not run in CI. Timings are wall-clock on whatever else the machine is doing.

Usage:

    python benchmarks/square_cells.py --seconds 90
    python benchmarks/square_cells.py --cells tensor-gru --units 24 --seconds 30
    python benchmarks/square_cells.py --units 32 --units-gru 32     # equal units
"""

import argparse
import os
import time

import results
from timing import wall_clock_budget

CELLS = ("gru", "tensor-gru")
SR_RECIPE = {"samples": 500, "diag_shift": 1e-5, "lr": 0.1}
"""The 6x6 Heisenberg square's SR row of `benchmarks/peers.py`."""

FULL_SUM_LIMIT = 2**20
"""Past this many configurations in the sector, the exact `<psi|H|psi>` is skipped."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4, help="the square's side (default 4)")
    parser.add_argument("--seconds", type=float, default=120.0, help="budget per cell")
    parser.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--units", type=int, default=32, help="units of tensor-gru")
    parser.add_argument(
        "--units-gru", type=int, default=None, help="units of gru (default: match parameters)"
    )
    parser.add_argument("--eval-samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--results", default=str(results.RESULTS_DIR), help="the folder records go to"
    )
    return parser.parse_args(argv)


def system_keys(size):
    """The system keys of the open Heisenberg square (as a recipe gives them)."""
    from kerasnqs.recipes.system import system_config

    keys = {"system": "heisenberg", "lattice": "square", "size": f"{size}x{size}"}
    return system_config({**keys, "marshall_sign": True, "magnetization": 0.0})


def heisenberg_square(size):
    """The open Heisenberg square in the Marshall basis and its exact ground-state energy."""
    from kerasnqs.exact import reference_energy
    from kerasnqs.hilbert import SpinHalf
    from kerasnqs.lattice import Square
    from kerasnqs.operators import Heisenberg

    hamiltonian = Heisenberg(Square(size), marshall_sign=True)
    exact, method = reference_energy(hamiltonian, SpinHalf(hamiltonian.n_sites, magnetization=0))
    return hamiltonian, exact, method


def build_model(lattice, cell, units):
    from kerasnqs.models import RNNWavefunction

    return RNNWavefunction(lattice, cell=cell, units=units, magnetization=0)


def n_parameters(model):
    return int(sum(weight.numpy().size for weight in model.trainable_weights))


def matching_units(lattice, cell, target, guess):
    """The units of `cell` whose parameter count is closest to `target`, near `guess`."""
    candidates = range(max(1, guess - 4), guess + 5)
    counts = {units: n_parameters(build_model(lattice, cell, units)) for units in candidates}
    return min(counts, key=lambda units: abs(counts[units] - target))


def step_stamps():
    """A Keras callback that records the wall time at the end of every training step."""
    import keras

    class Stamps(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter())

    return Stamps()


def train(hamiltonian, cell, units, seconds, eval_samples, seed):
    """Trains one cell for `seconds` of wall time.

    Returns:
        A dict as `peers.py`'s children print it (`energy`, `energy_error`, `variance`,
        `variational_energy`, `steps`, `train_seconds`, ...), for `results.run_record`.
    """
    import keras
    import tensorflow as tf

    import kerasnqs
    from kerasnqs.exact import expectation
    from kerasnqs.hilbert import basis

    keras.utils.set_random_seed(seed)
    model = build_model(hamiltonian.lattice, cell, units)
    start = time.perf_counter()
    vmc = kerasnqs.VMC(
        model,
        hamiltonian,
        n_samples=SR_RECIPE["samples"],
        seed=seed,
        preconditioner=kerasnqs.vmc.SR(SR_RECIPE["diag_shift"]),
    )
    vmc.compile(optimizer=keras.optimizers.SGD(SR_RECIPE["lr"]), jit_compile=True)
    budget = wall_clock_budget(seconds, start, SR_RECIPE["lr"])
    stamps = step_stamps()
    vmc.fit(epochs=10**6, steps_per_epoch=10, callbacks=[budget, stamps], verbose=0)
    train_seconds = time.perf_counter() - start
    steps = int(vmc.optimizer.iterations.numpy())
    first_step_seconds = stamps.times[0] - start
    later = stamps.times[-1] - stamps.times[0]
    rate = f"{(steps - 1) / later:.2f} steps/s after it" if later > 0 else "one step"

    begin = time.perf_counter()
    stats = vmc.estimate(n_samples=eval_samples, seed=seed + 1)
    full_sum = None
    if basis.sector_size(model.n_sites, 0) <= FULL_SUM_LIMIT:
        full_sum = expectation(model, hamiltonian)
    return {
        "label": f"{type(model.cells[0]).__name__}, {units} units",
        "n_parameters": n_parameters(model),
        "steps": steps,
        "train_seconds": train_seconds,
        "energy": float(stats.mean.real),
        "energy_error": float(stats.error_of_mean),
        "variance": float(stats.variance),
        "variational_energy": full_sum,
        "eval_samples": eval_samples,
        "estimate_seconds": time.perf_counter() - begin,
        "notes": [f"compile and first step {first_step_seconds:.1f} s, {rate}"],
        "versions": {
            "kerasnqs": kerasnqs.__version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
        },
    }


def record_of(result, args, system, exact, cell, units, how_chosen):
    """The results-store record of one cell's run."""
    settings = {"cell": cell, "units": units, "sr": True, **SR_RECIPE}
    return results.run_record(
        result,
        exact,
        comparison="square-cells",
        row=f"heisenberg-square-{args.size}x{args.size}",
        system=system,
        method=cell,
        settings=settings,
        how_chosen=how_chosen,
        seed=args.seed,
        budget_seconds=args.seconds,
    )


def summary(record):
    """One line for the terminal."""
    line = (
        f"{record['method']:>10} ({record['label']}, {record['n_parameters']} parameters): "
        f"{record['steps']} steps in {record['seconds_used']:.1f} s "
        f"({record['steps'] / record['seconds_used']:.2f}/s; {record['notes'][0]}); "
        f"E = {record['energy']:.5f} +- {record['energy_error']:.5f} "
        f"(rel. error {record['relative_error']:.2e})"
    )
    if record["exact_expectation"] is not None:
        line += (
            f"; exact <H> {record['exact_expectation']:.6f} "
            f"(rel. error {record['exact_expectation_relative_error']:.2e})"
        )
    return line


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = parse_args(argv)
    hamiltonian, exact, method = heisenberg_square(args.size)
    lattice = hamiltonian.lattice
    units = {"tensor-gru": args.units, "gru": args.units_gru}
    counts = {"tensor-gru": n_parameters(build_model(lattice, "tensor-gru", args.units))}
    how_chosen = "the 6x6 square's SR row of peers.py; units given by hand"
    if units["gru"] is None:
        units["gru"] = matching_units(lattice, "gru", counts["tensor-gru"], round(1.5 * args.units))
        how_chosen = "the 6x6 square's SR row of peers.py; gru's units match the parameters"
    counts["gru"] = n_parameters(build_model(lattice, "gru", units["gru"]))
    mismatch = abs(counts["gru"] - counts["tensor-gru"]) / counts["tensor-gru"]
    print(
        f"open Heisenberg square {args.size}x{args.size}, Marshall sign, S^z = 0; exact "
        f"{exact:.8f} ({method}); SR {SR_RECIPE['diag_shift']:g} + SGD {SR_RECIPE['lr']}, "
        f"{SR_RECIPE['samples']} samples, {args.seconds:g} s per cell"
    )
    print(
        f"parameters: gru {units['gru']} units {counts['gru']}, tensor-gru {units['tensor-gru']} "
        f"units {counts['tensor-gru']} (differ by {100 * mismatch:.1f}%)"
    )
    if mismatch > 0.1:
        print("warning: the parameter counts differ by more than 10%")
    system = system_keys(args.size)
    for cell in args.cells:
        result = train(hamiltonian, cell, units[cell], args.seconds, args.eval_samples, args.seed)
        record = record_of(result, args, system, (exact, method), cell, units[cell], how_chosen)
        results.write_record(record, args.results)
        print(summary(record), flush=True)


if __name__ == "__main__":
    main()
