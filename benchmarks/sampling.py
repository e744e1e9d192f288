"""Times exact sampling and the teacher-forced `log_psi` pass of `RNNWavefunction`.

Run from the repository root:

    python benchmarks/sampling.py [--repeats 7]

Each line gives the median wall time of `--repeats` runs after a warm-up run that
compiles, and the fastest run in brackets (on a shared machine the minimum is the
better estimate of the cost). The cases:

- `sample(10_000)` on a 100-site chain with 64 GRU units, called eagerly (which runs
  the model's cached XLA-compiled sampler), and in a `tf.function` without XLA;
- `log_psi` on 25,600 configurations of a 50-site chain with 50 GRU units (512
  samples times 50 connected configurations: the VMC hot path), in a `tf.function`
  without and with XLA;
- the same two passes on a 10x10 square lattice (MDGRU, 32 units), whose rolling
  window holds the last 19 steps;
- `sample(100_000)` on a 200-site chain with 32 GRU units: the memory stays that of
  the output and one hidden state per sample.
"""

import argparse
import os
import statistics

import timing

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasnqs.lattice import Chain, Square  # noqa: E402
from kerasnqs.models import RNNWavefunction  # noqa: E402


def timed(fn, repeats):
    """Runs `fn` once to warm up, then `repeats` times; returns `(median, minimum)` seconds."""
    times = timing.repeat_seconds(fn, repeats)
    return statistics.median(times), min(times)


def report(label, timing):
    median, minimum = timing
    print(f"{label:<58} {median:7.3f} s  [{minimum:.3f}]", flush=True)


def bench_sampling(label, model, n_samples, repeats, graph_too=True):
    report(
        f"{label}: sample({n_samples:,}), eager (XLA)",
        timed(lambda: model.sample(n_samples, seed=0)[0].numpy(), repeats),
    )
    if graph_too:
        seed = tf.constant([0, 0], tf.int64)
        no_xla = tf.function(lambda seed: model.sample(n_samples, seed), jit_compile=False)
        report(
            f"{label}: sample({n_samples:,}), tf.function",
            timed(lambda: no_xla(seed)[0].numpy(), repeats),
        )


def bench_log_psi(label, model, n_configs, repeats):
    rng = np.random.default_rng(0)
    configs = tf.constant(rng.integers(0, 2, (n_configs, model.n_sites)), tf.int32)
    for jit_compile, mode in ((False, "tf.function"), (True, "tf.function XLA")):
        log_psi = tf.function(model.log_psi, jit_compile=jit_compile)
        report(
            f"{label}: log_psi({n_configs:,}), {mode}",
            timed(lambda fn=log_psi: fn(configs).numpy(), repeats),
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per case")
    args = parser.parse_args()
    print(f"median of {args.repeats} runs after warm-up [fastest run]")

    chain100 = RNNWavefunction(Chain(100), cell="gru", units=64)
    bench_sampling("chain(100) GRU 64", chain100, 10_000, args.repeats)

    chain50 = RNNWavefunction(Chain(50), cell="gru", units=50)
    bench_log_psi("chain(50) GRU 50", chain50, 25_600, args.repeats)

    square = RNNWavefunction(Square(10), cell="gru", units=32)
    bench_sampling("square(10x10) MDGRU 32", square, 10_000, args.repeats)
    bench_log_psi("square(10x10) MDGRU 32", square, 25_600, args.repeats)

    chain200 = RNNWavefunction(Chain(200), cell="gru", units=32)
    bench_sampling("chain(200) GRU 32", chain200, 100_000, max(1, args.repeats // 2), False)


if __name__ == "__main__":
    main()
