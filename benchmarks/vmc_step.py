"""Times a kerasnqs VMC training step, optionally side by side with NetKet.

The reference configuration R1 is the open TFIM chain of 50 sites at h = 1, one GRU layer
of 50 units, 512 samples per step, float32, Adam. For each configuration the script
prints the median wall time of a full training step (sampling, local energies, gradient
and update) after warm-up, the medians of sampling alone and of local energies alone,
and the peak memory of the process. It measures the path a user gets by default:
`VMC(wavefunction, hamiltonian, n_samples=...)` and `compile(optimizer=...)` with no
other argument, unless `--chunk-size` or `--no-jit` says otherwise, so that a slower
default shows here.

Every measurement runs in a fresh process, so peak memory is per configuration; with
`--compare netket` the two libraries' processes alternate, so that load on a shared
machine hits both alike. NetKet runs from its own virtual environment
(`benchmarks/.venv-netket`, created on first use), because it is not a dependency.
Each library's median step on each size is also a record of the results store
(`benchmarks/results/`, or `--results DIR`; comparison "step-time"), from which
`benchmarks/report.py` writes `docs/benchmarks.md`.

Usage:

    python benchmarks/vmc_step.py                      # R1
    python benchmarks/vmc_step.py --sweep              # 25, 50, 100, 200 sites
    python benchmarks/vmc_step.py --compare netket --rounds 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

import results as store
from netket_venv import HERE, NETKET_PYTHON, ensure_netket


def measure_kerasnqs(sites, samples, units, steps, warmup, chunk_size, jit_compile):
    """Runs in the child process: returns the timings of kerasnqs on one configuration."""
    import resource
    import time

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf
    import timing

    import kerasnqs
    from kerasnqs.lattice import Chain
    from kerasnqs.models import RNNWavefunction
    from kerasnqs.operators import TFIM
    from kerasnqs.vmc import local_values

    keras.utils.set_random_seed(0)
    chain = Chain(sites)
    wavefunction = RNNWavefunction(chain, cell="gru", units=units)
    hamiltonian = TFIM(chain, h=1.0)
    # The defaults, unless the command line set them.
    vmc_options = {} if chunk_size is None else {"chunk_size": chunk_size}
    compile_options = {} if jit_compile else {"jit_compile": False}
    vmc = kerasnqs.VMC(wavefunction, hamiltonian, n_samples=samples, **vmc_options)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-3), **compile_options)
    jit_compile = vmc.jit_compile
    chunk_size = vmc.chunk_size
    first_step, step_seconds = timing.fit_step_seconds(vmc, steps, warmup)

    sample = tf.function(lambda seed: wavefunction.sample(samples, seed), jit_compile=jit_compile)
    configs, log_psi = sample(tf.constant([1, 2], tf.int64))
    energies = tf.function(
        lambda c, lp: local_values(wavefunction, hamiltonian, c, lp, chunk_size),
        jit_compile=jit_compile,
    )

    def timed(fn, *args):
        times = []
        for _ in range(warmup + steps):
            begin = time.perf_counter()
            np_result = fn(*args)
            tf.nest.map_structure(lambda t: t.numpy(), np_result)
            times.append(time.perf_counter() - begin)
        return times[warmup:]

    sample_seconds = timed(sample, tf.constant([3, 4], tf.int64))
    energy_seconds = timed(energies, configs, log_psi)
    return {
        "library": "kerasnqs",
        "step_seconds": step_seconds,
        "sample_seconds": sample_seconds,
        "local_energy_seconds": energy_seconds,
        "compile_and_first_step_seconds": first_step,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "n_parameters": int(sum(w.numpy().size for w in wavefunction.trainable_weights)),
        "energy": float(vmc.estimate(n_samples=samples).mean),
    }


def run_child(command):
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"benchmark child failed: {' '.join(command)}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def kerasnqs_command(args, sites):
    command = [sys.executable, __file__, "--child", "--sites", str(sites)]
    command += ["--samples", str(args.samples), "--units", str(args.units)]
    command += ["--steps", str(args.steps), "--warmup", str(args.warmup)]
    if args.chunk_size:
        command += ["--chunk-size", str(args.chunk_size)]
    if not args.jit:
        command.append("--no-jit")
    return command


def netket_command(args, sites):
    ensure_netket()
    command = [NETKET_PYTHON, os.path.join(HERE, "netket_vmc_step.py"), "--sites", str(sites)]
    command += ["--samples", str(args.samples), "--units", str(args.units)]
    command += ["--steps", str(args.steps), "--warmup", str(args.warmup)]
    return command


def step_record(library, sites, runs, args):
    """The results-store record of one library's median step on one chain (`runs`: the
    children's timings, one per round)."""
    steps = [t for run in runs for t in run["step_seconds"]]
    rounds = "one round" if args.rounds == 1 else f"{args.rounds} alternating rounds"
    settings = {"samples": args.samples, "dtype": "float32", "optimizer": "adam"}
    if library == "kerasnqs":
        settings = {"cell": "gru", "units": args.units, **settings}
        settings.update(jit_compile=args.jit, chunk_size=args.chunk_size)
        label, versions = "kerasnqs RNN" + (" (XLA)" if args.jit else ""), None
    else:
        settings = {"model": "FastGRUNet1D", "layers": 2, "features": args.units, **settings}
        settings["sampler"] = "ARDirectSampler"
        label, versions = "NetKet FastGRUNet1D", {"netket": runs[0].get("netket_version")}
    system = {"system": "tfim", "lattice": "chain", "size": sites, "pbc": False, "h": 1.0}
    return store.timing_record(
        f"median step, {rounds}",
        "s",
        statistics.median(steps),
        comparison="step-time",
        row=f"tfim-chain-{sites}-h1",
        system=system,
        method=library,
        label=label,
        settings=settings,
        how_chosen="vmc_step.py's command line" + (" --sweep" if args.sweep else ""),
        versions=versions or store.kerasnqs_versions(),
        steps=args.steps,
        n_parameters=runs[0].get("n_parameters"),
    )


def median_ms(values):
    return 1000 * statistics.median(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds per library")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--no-jit", dest="jit", action="store_false", help="disable XLA")
    parser.add_argument("--sweep", action="store_true", help="25, 50, 100 and 200 sites")
    parser.add_argument("--compare", choices=["netket"], default=None)
    parser.add_argument(
        "--results", default=str(store.RESULTS_DIR), help="the folder records go to"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = measure_kerasnqs(
            args.sites,
            args.samples,
            args.units,
            args.steps,
            args.warmup,
            args.chunk_size,
            args.jit,
        )
        print(json.dumps(result))
        return

    sizes = [25, 50, 100, 200] if args.sweep else [args.sites]
    print(
        f"TFIM open chain, h=1, GRU {args.units} units, {args.samples} samples, float32, "
        f"XLA {'on' if args.jit else 'off'}, {args.rounds} round(s) of {args.steps} steps"
    )
    header = f"{'sites':>5} {'library':>9} {'step ms':>9} {'sample ms':>10} {'E_loc ms':>9} "
    header += f"{'peak MB':>8} {'params':>7} {'first s':>8}"
    print(header)
    for sites in sizes:
        results = {"kerasnqs": [], "netket": []}
        for _ in range(args.rounds):
            results["kerasnqs"].append(run_child(kerasnqs_command(args, sites)))
            if args.compare:
                results["netket"].append(run_child(netket_command(args, sites)))
        medians = {}
        for library, runs in results.items():
            if not runs:
                continue
            steps = [t for run in runs for t in run["step_seconds"]]
            medians[library] = median_ms(steps)
            store.write_record(step_record(library, sites, runs, args), args.results)
            sample = [t for run in runs for t in run.get("sample_seconds", [])]
            energy = [t for run in runs for t in run.get("local_energy_seconds", [])]
            peak = max(run.get("peak_memory_mb", float("nan")) for run in runs)
            first = max(run.get("compile_and_first_step_seconds", float("nan")) for run in runs)
            print(
                f"{sites:>5} {library:>9} {medians[library]:>9.1f} "
                f"{median_ms(sample) if sample else float('nan'):>10.1f} "
                f"{median_ms(energy) if energy else float('nan'):>9.1f} {peak:>8.0f} "
                f"{runs[0]['n_parameters']:>7} {first:>8.1f}"
            )
        if "netket" in medians:
            ratio = medians["netket"] / medians["kerasnqs"]
            print(f"{sites:>5} {'ratio':>9} NetKet / kerasnqs step time = {ratio:.2f}x")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
