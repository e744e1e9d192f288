"""The NetKet side of `vmc_step.py --compare netket`: times NetKet's VMC step for R1.

Runs in NetKet's own environment (see `vmc_step.py`) and prints one JSON line with the
per-step wall times. The configuration mirrors kerasnqs's: open TFIM chain
`H = -sum Z_i Z_{i+1} - h sum X_i` (NetKet's `IsingJax` with `J=-1`), a
`FastGRUNet1D(layers=2, features=units)` (one hidden GRU layer of `units` features and
NetKet's 2-feature output layer), float32 parameters, `ARDirectSampler`, exact local
energies over all connected configurations, plain Adam on the energy gradient.
"""

import argparse
import json
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    import jax
    import jax.numpy as jnp
    import netket as nk
    import optax
    from netket.experimental.models import FastGRUNet1D

    graph = nk.graph.Chain(args.sites, pbc=False)
    hilbert = nk.hilbert.Spin(0.5, N=args.sites)
    hamiltonian = nk.operator.IsingJax(hilbert, graph, h=1.0, J=-1.0, dtype=jnp.float32)
    model = FastGRUNet1D(
        hilbert=hilbert, layers=2, features=args.units, param_dtype=jnp.float32, graph=graph
    )
    state = nk.vqs.MCState(
        nk.sampler.ARDirectSampler(hilbert), model, n_samples=args.samples, seed=0, sampler_seed=1
    )
    driver = nk.driver.VMC(hamiltonian, optax.adam(1e-3), variational_state=state)

    times = []
    last = [None]

    def timer(step, log_data, driver):
        jax.block_until_ready(driver.state.parameters)
        now = time.perf_counter()
        if last[0] is not None:
            times.append(now - last[0])
        last[0] = now
        return True

    driver.run(n_iter=args.warmup + args.steps + 1, callback=timer, show_progress=False)
    n_parameters = sum(x.size for x in jax.tree_util.tree_leaves(state.parameters))
    print(
        json.dumps(
            {
                "step_seconds": times[args.warmup :],
                "n_parameters": int(n_parameters),
                "energy": float(driver.state.expect(hamiltonian).mean.real),
                "netket_version": nk.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
