"""Times the spin-value check of `kerasnqs.spins` against the work it guards.

For an `RNNWavefunction` (GRU, 32 units) on a chain of 50 sites, prints the median
time of `log_psi` of 2000 configurations inside a `tf.function` (where the check is an
assertion in the graph), of `kerasnqs.estimate` with 2000 samples (assertions in the
compiled sampler and local energies), and of the eager check alone for 10,000 x 50
spins; each with the check and with the check replaced by a bare cast.

Usage:

    python benchmarks/spin_checks.py [--repeats 20]
"""

import argparse
import statistics

import numpy as np
import tensorflow as tf
import timing

import kerasnqs
from kerasnqs import spins
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM


def _unchecked(configs, n_sites, argument="configs"):
    return tf.convert_to_tensor(configs)


def _median_ms(fn, repeats):
    return 1e3 * statistics.median(timing.repeat_seconds(fn, repeats))


def _timings(check, repeats):
    """Median times in ms of the three measurements, with `check` as the spin check."""
    spins.check_spins = check
    chain = Chain(50)
    hamiltonian = TFIM(chain, h=1.0)
    wavefunction = RNNWavefunction(chain, units=32)
    configs = tf.constant(np.random.default_rng(0).integers(0, 2, (2000, 50)), tf.int32)
    eager_batch = np.zeros((10000, 50), "int32")
    log_psi = tf.function(wavefunction.log_psi)
    return {
        "log_psi in tf.function, 2000 x 50": _median_ms(lambda: log_psi(configs).numpy(), repeats),
        "estimate, 2000 samples": _median_ms(
            lambda: kerasnqs.estimate(wavefunction, hamiltonian, 2000, seed=1), repeats
        ),
        "eager check alone, 10000 x 50": _median_ms(lambda: check(eager_batch, 50), repeats),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    repeats = parser.parse_args().repeats
    checked = spins.check_spins
    try:
        for label, check in (("checked", checked), ("unchecked", _unchecked)):
            for name, milliseconds in _timings(check, repeats).items():
                print(f"{name:36s} {label:10s} {milliseconds:9.2f} ms")
    finally:
        spins.check_spins = checked


if __name__ == "__main__":
    main()
