"""The Transformer wavefunction against the RNN: parameters, speed and accuracy.

Run from the repository root, niced on a shared machine:

    nice -n 19 python benchmarks/transformer.py sampling
    nice -n 19 python benchmarks/transformer.py steps [--repeats 3]
    nice -n 19 python benchmarks/transformer.py equal-time --budget 300

- `sampling`: `sample(10_000)` of a 100-site chain, Transformer (2 layers, d_model 32,
  4 heads) against the RNN (GRU, 32 units), eager (the cached XLA sampler), after a
  warm-up call that compiles; median and fastest of `--repeats`.
- `steps`: parameters and seconds per VMC step (500 samples, Adam, XLA) on the TFIM
  chain of 20 and 50 sites (h = 1, open) and the Heisenberg ring of 20 sites (sector
  `S^z = 0`), after a compiling warm-up step.
- `equal-time`: each model trains for `--budget` seconds of wall time on each of
  `--systems` (Adam, or SR with `--sr`, the learning rate decaying over the budget); the
  relative error of its exact `<H>` (20 sites) or of a 20,000-sample estimate (50).

Every number is also a record of the results store (`benchmarks/results/`, or
`--results DIR`; comparison "transformer"), from which `benchmarks/report.py` writes
`docs/benchmarks.md`.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import results as store  # noqa: E402  (benchmarks/results.py, beside this script)
import timing  # noqa: E402  (benchmarks/timing.py, beside this script)

import kerasnqs  # noqa: E402
from kerasnqs.exact import reference_energy  # noqa: E402
from kerasnqs.hilbert import SpinHalf  # noqa: E402
from kerasnqs.lattice import Chain  # noqa: E402
from kerasnqs.models import RNNWavefunction, TransformerWavefunction  # noqa: E402
from kerasnqs.operators import TFIM, Heisenberg  # noqa: E402

SYSTEMS = {
    "tfim-chain-20": lambda: (TFIM(Chain(20), h=1.0), None),
    "tfim-chain-50": lambda: (TFIM(Chain(50), h=1.0), None),
    "heisenberg-ring-20": lambda: (Heisenberg(Chain(20, pbc=True)), 0),
}

SYSTEM_KEYS = {
    "chain-100": {"lattice": "chain", "size": 100},
    "tfim-chain-20": {"system": "tfim", "lattice": "chain", "size": 20, "h": 1.0},
    "tfim-chain-50": {"system": "tfim", "lattice": "chain", "size": 50, "h": 1.0},
    "heisenberg-ring-20": {
        "system": "heisenberg",
        "lattice": "chain",
        "size": 20,
        "pbc": True,
        "magnetization": 0,
    },
}
"""Each system's keys, for its records (`chain-100` is the sampling benchmark's chain)."""

MODEL_SETTINGS = {
    "rnn": ("RNN, GRU 32", {"cell": "gru", "units": 32}),
    "transformer": ("Transformer 2 x 32, 4 heads", {"n_layers": 2, "d_model": 32, "n_heads": 4}),
}
"""Each kind of model's label and settings, for its records (see `models`)."""


def record(system, kind, measured=None, result=None, exact=(None, None), **fields):
    """The results-store record of one number of this benchmark.

    Args:
        system: a key of `SYSTEM_KEYS`.
        kind: `"rnn"` or `"transformer"`.
        measured: `(quantity, unit, value)` of a timing, or None for a training run.
        result: a training run's numbers (`results.run_record`'s `result`).
        exact: `(energy, source)` of the system's ground state, for a training run.
        **fields: other fields (`method`, `settings`, `budget_seconds`, ...).
    """
    label, settings = MODEL_SETTINGS[kind]
    fields = {
        "comparison": "transformer",
        "row": system,
        "system": SYSTEM_KEYS[system],
        "method": kind,
        "label": label,
        "how_chosen": "transformer.py's models",
        "versions": store.kerasnqs_versions(),
        **fields,
        "settings": {**settings, **fields.get("settings", {})},
    }
    if measured is not None:
        return store.timing_record(*measured, **fields)
    # `run_record` takes these from the run's numbers.
    copied = {key: fields.pop(key, None) for key in ("label", "versions", "n_parameters")}
    return store.run_record({**copied, **result}, exact, **fields)


def models(lattice, magnetization):
    """The two contenders, freshly initialized with the same seed."""
    keras.utils.set_random_seed(0)
    yield "rnn (gru 32)", RNNWavefunction(lattice, units=32, magnetization=magnetization)
    keras.utils.set_random_seed(0)
    yield (
        "transformer (2x32, 4 heads)",
        TransformerWavefunction(
            lattice, d_model=32, n_heads=4, n_layers=2, magnetization=magnetization
        ),
    )


def timed(fn, repeats):
    """The median and the fastest of `repeats` timed runs of `fn`, after a warm-up."""
    times = timing.repeat_seconds(fn, repeats)
    return statistics.median(times), min(times)


def bench_sampling(repeats, folder):
    for label, model in models(Chain(100), None):
        median, minimum = timed(lambda m=model: m.sample(10_000, seed=0)[0].numpy(), repeats)
        print(f"chain 100, {label}: sample(10,000) {median:.3f} s [{minimum:.3f}]", flush=True)
        notes = [f"median of {repeats}, fastest {minimum:.3f} s"]
        measured = ("sample(10,000)", "s", median)
        store.write_record(record("chain-100", label.split()[0], measured, notes=notes), folder)


def make_vmc(model, hamiltonian):
    vmc = kerasnqs.VMC(model, hamiltonian, n_samples=500, seed=0)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=True)
    return vmc


def bench_steps(repeats, folder):
    for system, make in SYSTEMS.items():
        hamiltonian, magnetization = make()
        for label, model in models(hamiltonian.lattice, magnetization):
            vmc = make_vmc(model, hamiltonian)
            vmc.fit(epochs=1, steps_per_epoch=1, verbose=0)  # compiles
            median, minimum = timed(
                lambda v=vmc: v.fit(epochs=1, steps_per_epoch=5, verbose=0), repeats
            )
            print(
                f"{system}, {label}: {model.count_params()} parameters, "
                f"{median / 5:.3f} s/step [{minimum / 5:.3f}]",
                flush=True,
            )
            measured = ("VMC step, 500 samples, Adam", "s", median / 5)
            fields = {"n_parameters": model.count_params(), "notes": [f"median of {repeats}"]}
            store.write_record(record(system, label.split()[0], measured, **fields), folder)


def bench_equal_time(budget, systems, sr, kinds, folder):
    """Trains each model for `budget` seconds; prints the relative error of `<H>`.

    The learning rate decays by a cosine over the wall-time budget (as in
    benchmarks/peers.py): Adam from 1e-2, or with `sr` SGD from 0.05 preconditioned by
    `kerasnqs.vmc.SR(1e-3)`. The energy of the trained state is summed exactly over its
    configurations where they are at most 2^20 (the 20-site systems), else estimated
    from 20,000 samples.
    """
    for system in systems:
        hamiltonian, magnetization = SYSTEMS[system]()
        exact = reference_energy(hamiltonian, SpinHalf(hamiltonian.n_sites, magnetization))
        for label, model in models(hamiltonian.lattice, magnetization):
            if label.split()[0] not in kinds:
                continue
            preconditioner = kerasnqs.vmc.SR(1e-3) if sr else None
            lr = 0.05 if sr else 1e-2
            vmc = kerasnqs.VMC(
                model, hamiltonian, n_samples=500, seed=0, preconditioner=preconditioner
            )
            optimizer = keras.optimizers.SGD(lr) if sr else keras.optimizers.Adam(lr)
            vmc.compile(optimizer=optimizer, jit_compile=True)
            start = time.perf_counter()
            vmc.fit(
                epochs=10**6,
                steps_per_epoch=25,
                verbose=0,
                callbacks=[timing.wall_clock_budget(budget, start, lr)],
            )
            steps = int(vmc.optimizer.iterations.numpy())
            seconds = time.perf_counter() - start
            result = {"steps": steps, "train_seconds": seconds}
            if hamiltonian.n_sites <= 20:
                energy, how = kerasnqs.exact.expectation(model, hamiltonian), "exact <H>"
                result["variational_energy"] = float(energy.real)
            else:
                stats = kerasnqs.estimate(model, hamiltonian, 20_000, jit_compile=True)
                energy = stats.mean
                how = f"MC +- {stats.error_of_mean / abs(exact[0]):.0e}"
                result.update(
                    energy=float(stats.mean.real),
                    energy_error=stats.error_of_mean,
                    variance=float(stats.variance),
                    eval_samples=stats.n_samples,
                )
            error = kerasnqs.exact.relative_error(energy, exact[0])
            print(
                f"{system}, {label} + {'SR' if sr else 'Adam'}: {seconds:.0f} s, {steps} "
                f"steps, relative error {error:.1e} ({how})",
                flush=True,
            )
            kind = label.split()[0]
            training = {"sr": sr, "lr": lr, "samples": 500}
            if sr:
                training["diag_shift"] = 1e-3
            fields = {
                "method": f"{kind}-{'sr' if sr else 'adam'}",
                "settings": training,
                "how_chosen": "session 5's SR and Adam settings, not tuned",
                "seed": 0,
                "budget_seconds": budget,
                "n_parameters": model.count_params(),
            }
            store.write_record(record(system, kind, None, result, exact, **fields), folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["sampling", "steps", "equal-time"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per model")
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--sr", action="store_true", help="equal-time: SR instead of Adam")
    parser.add_argument(
        "--models", nargs="+", choices=["rnn", "transformer"], default=["rnn", "transformer"]
    )
    parser.add_argument(
        "--results", default=str(store.RESULTS_DIR), help="the folder records go to"
    )
    args = parser.parse_args()
    if args.what == "sampling":
        bench_sampling(args.repeats, args.results)
    elif args.what == "steps":
        bench_steps(args.repeats, args.results)
    else:
        bench_equal_time(args.budget, args.systems, args.sr, args.models, args.results)


if __name__ == "__main__":
    main()
