"""Times a VMC step of a `SymmetricWavefunction` against the size of its group.

The system is the zoo's `heisenberg-chain-20-pbc`: the Heisenberg ring of 20 sites with
the Marshall sign, in the sector S^z = 0, one GRU layer of 48 units, 500 samples per
step, float32, Adam, the step compiled with XLA. The groups: none (|G| = 1), the spin
flip (2), the translations (20), translations and reflections (40), translations and the
spin flip (40). Each group runs in a fresh process; the script prints the median wall
time of a training step after warm-up, and the time of compiling plus the first step.

Usage:

    python benchmarks/symmetry_steps.py --steps 5 --warmup 2
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

GROUPS = {
    "none": [],
    "spin-flip": ["spin-flip"],
    "translation": ["translation"],
    "translation,reflection": ["translation", "reflection"],
    "translation,spin-flip": ["translation", "spin-flip"],
}


def measure(group, sites, units, samples, steps, warmup):
    """Runs in the child process: the step times of one group."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import timing

    import kerasnqs
    from kerasnqs.lattice import Chain
    from kerasnqs.models import RNNWavefunction, SymmetricWavefunction
    from kerasnqs.operators import Heisenberg

    keras.utils.set_random_seed(0)
    ring = Chain(sites, pbc=True)
    wavefunction = RNNWavefunction(ring, units=units, magnetization=0)
    if GROUPS[group]:
        wavefunction = SymmetricWavefunction(wavefunction, GROUPS[group])
    order = getattr(wavefunction, "order", 1)
    vmc = kerasnqs.VMC(wavefunction, Heisenberg(ring, marshall_sign=True), n_samples=samples)
    vmc.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
    first_step, step_seconds = timing.fit_step_seconds(vmc, steps, warmup)
    return {
        "group": group,
        "order": order,
        "step_seconds": step_seconds,
        "compile_and_first_step_seconds": first_step,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--units", type=int, default=48)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--groups", default=",".join(GROUPS), help="names of GROUPS, by ';'")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = (args.sites, args.units, args.samples, args.steps, args.warmup)
    if args.child is not None:
        print(json.dumps(measure(args.child, *settings)))
        return
    names = list(GROUPS) if args.groups == ",".join(GROUPS) else args.groups.split(";")
    print(
        f"Heisenberg ring {args.sites}, Marshall, S^z = 0, GRU {args.units}, {args.samples} samples"
    )
    print(f"{'group':<24} {'|G|':>4} {'step (median)':>14} {'compile + 1st':>14}")
    for name in names:
        command = [sys.executable, __file__, "--child", name]
        command += ["--sites", str(args.sites), "--units", str(args.units)]
        command += ["--samples", str(args.samples), "--steps", str(args.steps)]
        command += ["--warmup", str(args.warmup)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.stderr.write(result.stderr[-4000:])
            raise SystemExit(f"benchmark child failed: {name}")
        row = json.loads(result.stdout.strip().splitlines()[-1])
        median = statistics.median(row["step_seconds"])
        print(
            f"{name:<24} {row['order']:>4} {median:>12.3f} s "
            f"{row['compile_and_first_step_seconds']:>12.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
