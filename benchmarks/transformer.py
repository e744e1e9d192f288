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
- `equal-time`: each model trains for `--budget` seconds of wall time on each system,
  then `estimate` with 20,000 samples gives the relative error against the exact energy.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import timing  # noqa: E402  (benchmarks/timing.py, beside this script)

import kerasnqs  # noqa: E402
from kerasnqs.exact import reference_energy  # noqa: E402
from kerasnqs.lattice import Chain  # noqa: E402
from kerasnqs.models import RNNWavefunction, TransformerWavefunction  # noqa: E402
from kerasnqs.operators import TFIM, Heisenberg  # noqa: E402

SYSTEMS = {
    "tfim-chain-20": lambda: (TFIM(Chain(20), h=1.0), None),
    "tfim-chain-50": lambda: (TFIM(Chain(50), h=1.0), None),
    "heisenberg-ring-20": lambda: (Heisenberg(Chain(20, pbc=True)), 0),
}


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


def bench_sampling(repeats):
    for label, model in models(Chain(100), None):
        median, minimum = timed(lambda m=model: m.sample(10_000, seed=0)[0].numpy(), repeats)
        print(f"chain 100, {label}: sample(10,000) {median:.3f} s [{minimum:.3f}]", flush=True)


def make_vmc(model, hamiltonian):
    vmc = kerasnqs.VMC(model, hamiltonian, n_samples=500, seed=0)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=True)
    return vmc


def bench_steps(repeats):
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


class _Deadline(keras.callbacks.Callback):
    def __init__(self, seconds):
        super().__init__()
        self.deadline = time.perf_counter() + seconds

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() > self.deadline:
            self.model.stop_training = True


def bench_equal_time(budget):
    for system, make in SYSTEMS.items():
        hamiltonian, magnetization = make()
        exact, _ = reference_energy(hamiltonian, magnetization)
        for label, model in models(hamiltonian.lattice, magnetization):
            vmc = make_vmc(model, hamiltonian)
            start = time.perf_counter()
            history = vmc.fit(
                epochs=10**6, steps_per_epoch=25, verbose=0, callbacks=[_Deadline(budget)]
            )
            steps = 25 * len(history.history.get("energy", [])) if history else None
            stats = kerasnqs.estimate(model, hamiltonian, 20_000)
            error = abs(stats.mean - exact) / abs(exact)
            print(
                f"{system}, {label}: {time.perf_counter() - start:.0f} s, about {steps} steps, "
                f"relative error {error:.1e} (+- {stats.error_of_mean / abs(exact):.0e})",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["sampling", "steps", "equal-time"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per model")
    args = parser.parse_args()
    if args.what == "sampling":
        bench_sampling(args.repeats)
    elif args.what == "steps":
        bench_steps(args.repeats)
    else:
        bench_equal_time(args.budget)


if __name__ == "__main__":
    main()
