"""Where the time of one SR step goes on the open Heisenberg square, part by part.

The step of `kerasnqs train --system heisenberg --lattice square --marshall-sign
--magnetization 0` (the recipe's default model, SR with the tuned settings) is cut into
the parts `VMC.train_step` runs, each compiled on its own as the step compiles it:

- `sample`: drawing the samples and their `log psi` (one autoregressive pass);
- `local energies`: `local_values`, mostly `log psi` of every connected configuration
  (`log_psi_of_flips`, one per bond, sharing the unflipped prefix by segments);
- `derivatives`: the per-sample `d log psi / d theta` (`log_derivatives`);
- `system`: the float64 MinSR kernel `A A^T` (or `A^T A`) from the derivatives;
- `solve`: the shifted Cholesky solve and the update `A^T x` (outside XLA, as in the
  step).

Each part is timed as the median of `--repeats` calls after a warm-up; then the whole
step is timed through `VMC.fit` (median seconds per step after the first epoch). The
parts' sum against the step shows the step's own overhead. Each part also prints a
rough floor: its multiply-adds at the machine's measured float32 (and float64) matmul
rate, so a part far above its floor is where to look.

Not run in CI. Timings are wall-clock on whatever else the machine is doing.

Usage:

    python benchmarks/square_step.py --size 6
    python benchmarks/square_step.py --size 10 --repeats 3
    python benchmarks/square_step.py --size 6 --cell tensor-gru --units 16
"""

import argparse
import statistics

from timing import fit_step_seconds, repeat_seconds


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=6, help="the square's side")
    parser.add_argument("--samples", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--cell", default=None, help="default: the recipe's")
    parser.add_argument("--units", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10, help="timed steps of the whole step")
    return parser.parse_args(argv)


def median_seconds(fn, repeats):
    """The median wall time of `fn()` over `repeats` calls, after one warm-up call."""
    return statistics.median(repeat_seconds(fn, repeats))


def matmul_rate(dtype, size=512, repeats=5):
    """Multiply-adds per second of a square `size` matmul of `dtype` on this machine."""
    import tensorflow as tf

    a = tf.random.normal((size, size), dtype=dtype)
    seconds = median_seconds(lambda: tf.linalg.matmul(a, a).numpy(), repeats)
    return size**3 / seconds


def build(args):
    import keras

    from kerasnqs.recipes import Recipe
    from kerasnqs.training.build import build_vmc, build_wavefunction

    changes = {"samples": args.samples, "cell": args.cell, "units": args.units}
    recipe = Recipe(
        system="heisenberg",
        lattice="square",
        size=f"{args.size}x{args.size}",
        marshall_sign=True,
        magnetization=0.0,
        **{key: value for key, value in changes.items() if value is not None},
    )
    lattice, hamiltonian = recipe.build_system()
    keras.utils.set_random_seed(recipe.seed)
    wavefunction = build_wavefunction(recipe, lattice, hamiltonian)
    return recipe, hamiltonian, wavefunction, build_vmc(recipe, wavefunction, hamiltonian)


def parts(vmc, hamiltonian, repeats):
    """Times each part of a step; returns `{name: seconds}` and the tensors they made."""
    import tensorflow as tf

    from kerasnqs import compiled
    from kerasnqs.vmc import local_values, log_derivatives

    wavefunction, sr, n = vmc.wavefunction, vmc.preconditioner, vmc.n_samples
    sample = compiled.function(lambda seed: wavefunction.sample(n, seed), jit_compile=True)
    energies = compiled.function(
        lambda configs, log_psi: local_values(
            wavefunction, hamiltonian, configs, log_psi, vmc.chunk_size
        ),
        jit_compile=True,
    )
    derivatives = compiled.function(
        lambda configs: log_derivatives(wavefunction, configs), jit_compile=True
    )
    system = compiled.function(sr.system_from_derivatives, jit_compile=True)
    solve = compiled.function(lambda system: sr.solve(system, 0))

    seed = tf.constant([0, 1], tf.int32)
    configs, log_psi = sample(seed)
    local = energies(configs, log_psi)
    objective = local - tf.reduce_mean(local)
    o = derivatives(configs)
    linear = system(o, objective)
    seconds = {
        "sample": median_seconds(lambda: [t.numpy() for t in sample(seed)], repeats),
        "local energies": median_seconds(lambda: energies(configs, log_psi).numpy(), repeats),
        "derivatives": median_seconds(lambda: derivatives(configs).numpy(), repeats),
        "system": median_seconds(
            lambda: [t.numpy() for t in system(o, objective).values()], repeats
        ),
        "solve": median_seconds(lambda: solve(linear).numpy(), repeats),
    }
    return seconds, {"configs": configs, "derivatives": o, "system": linear}


def floors(hamiltonian, tensors, rate32, rate64):
    """Rough lower bounds, in seconds, of each part from its multiply-adds."""
    n, n_sites = tensors["configs"].shape
    n_parameters = tensors["derivatives"].shape[1]
    # A step of the model costs about one multiply-add per weight and sample (almost
    # all weights are in matrices, and each is used once per step).
    sample = n_sites * n * n_parameters
    # Each connected configuration runs from its segment's start to the last site:
    # about half of the sites on average.
    local = hamiltonian.max_conn * (n_sites / 2) * n * n_parameters
    # A forward pass, a backward pass of twice its cost, and the products x_t (x) g_t.
    derivatives = 4 * sample
    rows = tensors["system"]["kernel"].shape[0] if "kernel" in tensors["system"] else n
    system = rows * rows * n_parameters
    solve = rows**3 / 3 + rows * n_parameters
    return {
        "sample": sample / rate32,
        "local energies": local / rate32,
        "derivatives": derivatives / rate32,
        "system": system / rate64,
        "solve": solve / rate64,
    }


def step_seconds(vmc, steps):
    """The median wall time of a training step through `VMC.fit`, after two steps."""
    _, seconds = fit_step_seconds(vmc, steps, warmup=1)
    return statistics.median(seconds)


def main(argv=None):
    import tensorflow as tf

    args = parse_args(argv)
    recipe, hamiltonian, wavefunction, vmc = build(args)
    print(
        f"Heisenberg square {args.size}x{args.size} (open, Marshall sign, S^z = 0): "
        f"{type(wavefunction).__name__} {recipe.cell} {recipe.units} "
        f"units, {wavefunction.count_params()} weights, {vmc.n_samples} samples, "
        f"{hamiltonian.max_conn} connected configurations per sample, "
        f"chunk size {vmc.chunk_size}, {vmc.preconditioner!r}"
    )
    rate32, rate64 = matmul_rate(tf.float32), matmul_rate(tf.float64)
    print(f"matmul: {rate32 / 1e9:.1f} G multiply-adds/s float32, {rate64 / 1e9:.1f} float64")
    seconds, tensors = parts(vmc, hamiltonian, args.repeats)
    floor = floors(hamiltonian, tensors, rate32, rate64)
    total = sum(seconds.values())
    for name, value in seconds.items():
        print(
            f"{name:>15}: {value * 1e3:8.1f} ms  ({value / total:5.1%} of the parts; "
            f"floor {floor[name] * 1e3:7.1f} ms, {value / floor[name]:5.1f}x it)"
        )
    step = step_seconds(vmc, args.steps)
    print(f"{'parts':>15}: {total * 1e3:8.1f} ms")
    print(f"{'whole step':>15}: {step * 1e3:8.1f} ms  ({1 / step:.2f} steps/s)")


if __name__ == "__main__":
    main()
