"""Times VMC training steps on 1 and 2 replicas of a `MirroredStrategy` on this CPU.

Each configuration runs in a fresh process (the logical CPU devices must be set before
TensorFlow starts) with one intra-op thread per replica, and prints one JSON line: the
median seconds per step after warm-up and the samples per second; each configuration is
also a record of the results store (`benchmarks/results/`, or `--results DIR`;
comparison "replicas"), from which `benchmarks/report.py` writes `docs/benchmarks.md`.
The two-worker run on localhost is timed from the command line (see
benchmarks/NOTES.md).

Usage:

    nice -n 19 python benchmarks/distributed.py --sites 20 --samples 512 --steps 10
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

import results as store


def measure(replicas, sites, samples, units, steps, warmup):
    """Runs in the child process: the timings of one configuration."""
    import time

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * replicas
    )
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(replicas)
    import kerasnqs
    from kerasnqs.lattice import Chain
    from kerasnqs.models import RNNWavefunction
    from kerasnqs.operators import TFIM

    strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(replicas)])
    with strategy.scope():
        chain = Chain(sites)
        vmc = kerasnqs.VMC(RNNWavefunction(chain, units=units), TFIM(chain, h=1.0), samples)
        vmc.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=True)

    class Timer(keras.callbacks.Callback):
        times = []

        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    vmc.fit(epochs=1, steps_per_epoch=warmup + steps, callbacks=[Timer()], verbose=0)
    step = statistics.median(Timer.times[warmup:])
    return {
        "replicas": replicas,
        "sites": sites,
        "samples": samples,
        "units": units,
        "s_per_step": round(step, 4),
        "samples_per_s": round(samples / step, 1),
    }


def replicas_record(result):
    """The results-store record of one configuration (`result`: the child's JSON)."""
    replicas = result["replicas"]
    system = {"system": "tfim", "lattice": "chain", "size": result["sites"], "h": 1.0}
    return store.timing_record(
        "median step",
        "s",
        result["s_per_step"],
        comparison="replicas",
        row=f"tfim-chain-{result['sites']}-h1",
        system=system,
        method=f"replicas-{replicas}",
        label=f"{replicas} replica{'' if replicas == 1 else 's'}",
        settings={
            "cell": "gru",
            "units": result["units"],
            "samples": result["samples"],
            "intra_op_threads": 1,
        },
        how_chosen="distributed.py's command line",
        versions=store.kerasnqs_versions(),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--results", default=str(store.RESULTS_DIR), help="the folder records go to"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = (args.sites, args.samples, args.units, args.steps, args.warmup)
    if args.child is not None:
        print(json.dumps(measure(args.child, *settings)))
        return
    for replicas in args.replicas:
        argv = [sys.argv[0], "--child", str(replicas)]
        argv += ["--sites", str(args.sites), "--samples", str(args.samples)]
        argv += ["--units", str(args.units), "--steps", str(args.steps)]
        argv += ["--warmup", str(args.warmup)]
        result = subprocess.run([sys.executable, *argv], capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stderr)
            continue
        line = result.stdout.strip().splitlines()[-1]
        print(line)
        store.write_record(replicas_record(json.loads(line)), args.results)


if __name__ == "__main__":
    main()
