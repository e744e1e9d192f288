"""The NetKet side of `peers.py`: trains one system for a wall-clock budget, prints JSON.

Runs in NetKet's own environment (see `netket_venv.py`). The system comes as a JSON
object with kerasnqs's system keys (`system`, `lattice`, `size`, `pbc`, `h`, `j2`,
`magnetization`, as in `kerasnqs train`), and the script builds NetKet's version of it:

- `tfim`: `IsingJax(J=-1, h)`, that is `H = -sum Z_i Z_j - h sum X_i`, as kerasnqs's
  `TFIM`.
- `heisenberg`: `Heisenberg(J=1)` with Marshall's sign rule, and `j1j2`:
  `Heisenberg(J=[1, j2], sign_rule=[True, False])` on the graph with next-nearest
  neighbours. NetKet's Heisenberg uses Pauli matrices, `sigma_i . sigma_j = 4 S_i . S_j`,
  so every energy, error and variance is converted to kerasnqs's `S = sigma / 2`
  (energies divided by 4) before it is printed.

Methods (their settings in `SETTINGS`; `--settings` overrides those in `OVERRIDABLE`):

- `rbmsymm-sr`: `RBMSymm(alpha=4)`, symmetrized over the translation group of a
  periodic lattice or over the automorphisms (reflections, point group) of an open one;
  `MetropolisLocal` for the TFIM, `MetropolisExchange` on the graph's edges for the
  Heisenberg models, whose Hilbert space is then the `S^z = 0` sector (`total_sz=0`: the
  chains start at zero magnetization and exchange moves keep it); SGD 0.02 preconditioned
  by `SR(diag_shift=0.01)`; 1008 samples per step. Its parameters are real by default,
  so the state is positive; `param_dtype = "complex128"` gives it a phase.
- `gru-adam`: `FastGRUNet1D(layers=2, features)` in float32 with `ARDirectSampler`
  (exact sampling, hence the full Hilbert space: it cannot be restricted to a sector),
  Adam 1e-3, 1008 samples per step. The sites are visited in NetKet's order: along the
  chain, row by row on a square lattice.

The clock starts when the variational state is built (parameters initialized) and
counts everything after it, JIT compilation included; the driver stops at the first
step that ends past the budget. The energy is then estimated with `--eval-samples`
fresh samples (Metropolis chains continue from training, after NetKet's default burn-in),
with NetKet's error of the mean (corrected for autocorrelation) and the variance of the
local energy. Up to 2^20 configurations, `FullSumState` also sums the trained state's
energy exactly. The JSON also holds the settings used and the library versions.

With `--exact`, the script prints instead the exact ground-state energy of NetKet's
version of the system (Lanczos, in kerasnqs's units), so that `peers.py
--check-conventions` can compare it with kerasnqs's on small systems.
"""

import argparse
import json
import math
import time

SETTINGS = {
    "rbmsymm-sr": {
        "model": "RBMSymm",
        "alpha": 4,
        "param_dtype": "float64",
        "optimizer": "sgd",
        "lr": 0.02,
        "diag_shift": 0.01,
        "n_samples": 1008,
    },
    "gru-adam": {
        "model": "FastGRUNet1D",
        "layers": 2,
        "features": 32,
        "optimizer": "adam",
        "lr": 1e-3,
        "n_samples": 1008,
    },
}
"""The settings of each method (the issue's, not tuned); `method_settings` overrides some."""

OVERRIDABLE = ("lr", "diag_shift", "n_samples", "alpha", "features", "param_dtype")
"""The settings `--settings` (and `peers.py --set-netket`) may change."""

FULL_SUM_LIMIT = 2**20
"""Up to this many configurations, the trained state's energy is also summed exactly."""


def method_settings(method, overrides=None):
    """Returns a method's settings with `overrides` applied.

    Args:
        method: `"rbmsymm-sr"` or `"gru-adam"`.
        overrides: a dict with some of the keys of `OVERRIDABLE` that the method has
            (other keys of `SETTINGS[method]` may be given with their fixed value).

    Returns:
        A dict: `SETTINGS[method]` updated by `overrides`.

    Raises:
        ValueError: naming a key the method does not have or that cannot be changed.
    """
    if method not in SETTINGS:
        raise ValueError(f"`method` must be one of {list(SETTINGS)}, got {method!r}.")
    settings = dict(SETTINGS[method])
    for key, value in (overrides or {}).items():
        if key in settings and settings[key] == value:
            continue  # full settings, as `peers.py` passes them, repeat the fixed ones
        if key not in OVERRIDABLE or key not in settings:
            allowed = [key for key in OVERRIDABLE if key in settings]
            raise ValueError(f"NetKet's {method} takes settings {allowed}, got {key!r}.")
        settings[key] = value
    return settings


def build_graph(spec):
    """Returns NetKet's graph for a kerasnqs lattice spec."""
    import netket as nk

    size = str(spec["size"]).lower()
    order = 2 if spec["system"] == "j1j2" else 1
    if spec["lattice"] == "chain":
        return nk.graph.Chain(int(size), pbc=spec["pbc"], max_neighbor_order=order)
    if "x" in size:
        lx, ly = (int(side) for side in size.split("x"))
    else:
        lx = ly = math.isqrt(int(size))
    return nk.graph.Grid([lx, ly], pbc=spec["pbc"], max_neighbor_order=order)


def build_system(spec, sector):
    """Returns `(graph, hilbert, hamiltonian, energy_scale)` for a kerasnqs system spec.

    Args:
        spec: a dict of kerasnqs system keys.
        sector: restrict the Heisenberg models to their `S^z = magnetization` sector.

    Returns:
        The NetKet objects and the factor that turns NetKet's energies into kerasnqs's.
    """
    import jax.numpy as jnp
    import netket as nk

    graph = build_graph(spec)
    magnetization = spec.get("magnetization")
    if spec["system"] == "tfim":
        hilbert = nk.hilbert.Spin(0.5, N=graph.n_nodes)
        hamiltonian = nk.operator.IsingJax(hilbert, graph, h=spec["h"], J=-1.0, dtype=jnp.float64)
        return graph, hilbert, hamiltonian, 1.0
    total_sz = magnetization if sector and magnetization is not None else None
    hilbert = nk.hilbert.Spin(0.5, N=graph.n_nodes, total_sz=total_sz)
    if spec["system"] == "heisenberg":
        hamiltonian = nk.operator.Heisenberg(hilbert, graph, J=1.0, sign_rule=True)
    else:
        hamiltonian = nk.operator.Heisenberg(
            hilbert, graph, J=[1.0, spec["j2"]], sign_rule=[True, False]
        )
    return graph, hilbert, hamiltonian, 0.25


def symmetry_group(graph, periodic):
    """The translations of a periodic lattice, the automorphisms of an open one."""
    return graph.translation_group() if periodic else graph.automorphisms()


def build_state(method, spec, settings, seed):
    """Returns `(state, driver, hamiltonian, energy_scale)` for a method on a system.

    Args:
        method: `"rbmsymm-sr"` or `"gru-adam"`.
        spec: a dict of kerasnqs system keys.
        settings: the method's settings (`method_settings`).
        seed: the seed of the parameters (the sampler's is `seed + 1`).
    """
    import jax.numpy as jnp
    import netket as nk
    import optax

    if method == "rbmsymm-sr":
        graph, hilbert, hamiltonian, scale = build_system(spec, sector=True)
        model = nk.models.RBMSymm(
            symmetries=symmetry_group(graph, spec["pbc"]),
            alpha=settings["alpha"],
            param_dtype=getattr(jnp, settings["param_dtype"]),
        )
        if spec["system"] == "tfim":
            sampler = nk.sampler.MetropolisLocal(hilbert)
        else:
            sampler = nk.sampler.MetropolisExchange(hilbert, graph=graph)
        optimizer = nk.optimizer.Sgd(learning_rate=settings["lr"])
        preconditioner = nk.optimizer.SR(diag_shift=settings["diag_shift"])
    elif method == "gru-adam":
        graph, hilbert, hamiltonian, scale = build_system(spec, sector=False)
        from netket.experimental.models import FastGRUNet1D

        # Sites in NetKet's order (the chain's; row by row on a square): with the J1-J2
        # graph the model would read next-nearest neighbours too, which it does not support.
        model = FastGRUNet1D(
            hilbert=hilbert,
            layers=settings["layers"],
            features=settings["features"],
            param_dtype=jnp.float32,
        )
        sampler = nk.sampler.ARDirectSampler(hilbert)
        optimizer = optax.adam(settings["lr"])
        preconditioner = None
    else:
        raise ValueError(f"`--method` must be rbmsymm-sr or gru-adam, got {method!r}.")
    n_samples = settings["n_samples"]
    state = nk.vqs.MCState(sampler, model, n_samples=n_samples, seed=seed, sampler_seed=seed + 1)
    kwargs = {} if preconditioner is None else {"preconditioner": preconditioner}
    driver = nk.driver.VMC(hamiltonian, optimizer, variational_state=state, **kwargs)
    return state, driver, hamiltonian, scale


def versions():
    """The versions of NetKet, JAX and jaxlib."""
    import jax
    import jaxlib
    import netket

    return {"netket": netket.__version__, "jax": jax.__version__, "jaxlib": jaxlib.__version__}


def train(spec, method, seconds, eval_samples, settings, seed):
    """Trains for `seconds` of wall time and estimates the energy; returns a dict.

    Args:
        spec: a dict of kerasnqs system keys.
        method: `"rbmsymm-sr"` or `"gru-adam"`.
        seconds: the wall-clock budget of training.
        eval_samples: the samples of the final estimate.
        settings: the method's settings (`method_settings`).
        seed: the seed of the parameters (the sampler's is `seed + 1`).

    Returns:
        A dict of JSON values: energy, error, variance (kerasnqs's units), the exact
        `<H>` of the trained state or `None`, steps, seconds, settings, versions, and
        `notes` on the sampler (`sampler_notes`).
    """
    import jax

    state, driver, hamiltonian, scale = build_state(method, spec, settings, seed)
    start = time.perf_counter()
    steps = []

    def within_budget(step, log_data, driver):
        steps.append(step)  # called once after every step
        return time.perf_counter() - start < seconds

    driver.run(n_iter=10**9, callback=within_budget, show_progress=False)
    jax.block_until_ready(state.parameters)
    train_seconds = time.perf_counter() - start

    begin = time.perf_counter()
    state.n_samples = eval_samples
    stats = state.expect(hamiltonian)
    estimate_seconds = time.perf_counter() - begin
    notes = sampler_notes(state)
    variational_energy = None
    if state.hilbert.is_indexable and state.hilbert.n_states <= FULL_SUM_LIMIT:
        import netket as nk

        full_sum = nk.vqs.FullSumState(state.hilbert, state.model, variables=state.variables)
        variational_energy = float(full_sum.expect(hamiltonian).mean.real) * scale
    n_parameters = sum(x.size for x in jax.tree_util.tree_leaves(state.parameters))
    tau = float(stats.tau_corr) if stats.tau_corr is not None else None
    return {
        "method": method,
        "energy": float(stats.mean.real) * scale,
        "energy_error": float(stats.error_of_mean) * scale,
        "variance": float(stats.variance) * scale**2,
        "tau_corr": tau,
        "variational_energy": variational_energy,
        "eval_samples": int(state.n_samples),
        "steps": len(steps),
        "train_seconds": train_seconds,
        "estimate_seconds": estimate_seconds,
        "n_parameters": int(n_parameters),
        "label": label(method, settings),
        "settings": settings,
        "versions": versions(),
        "library": f"netket {__import__('netket').__version__}",
        "notes": notes,
    }


def sampler_notes(state):
    """What the sampler did, to tell a stalled state from a slow one: how many of the
    estimate's samples are distinct, and for Metropolis chains their acceptance rate over
    the whole run. A state that collapsed onto a few configurations, or chains that stopped
    moving, show as a handful of distinct samples or an acceptance near zero."""
    import numpy as np

    samples = np.asarray(state.samples).reshape(-1, state.hilbert.size)
    distinct = len(np.unique(samples, axis=0))
    notes = [f"{distinct} distinct configurations among the estimate's {len(samples)} samples"]
    acceptance = getattr(state.sampler_state, "acceptance", None)
    if acceptance is not None:
        notes.append(f"Metropolis acceptance {float(acceptance):.3f} over the run")
    return notes


def label(method, settings):
    """A short description of a method and its settings, for tables."""
    if method == "rbmsymm-sr":
        kind = " complex" if "complex" in settings["param_dtype"] else ""
        return (
            f"NetKet RBMSymm alpha {settings['alpha']}{kind} + SR {settings['diag_shift']:g}, "
            f"SGD {settings['lr']:g}"
        )
    return f"NetKet FastGRUNet1D {settings['features']} + Adam {settings['lr']:g}"


def exact_energy(spec):
    """NetKet's exact ground-state energy of the system, in kerasnqs's units."""
    import netket as nk

    _, _, hamiltonian, scale = build_system(spec, sector=True)
    return {"exact_energy": float(nk.exact.lanczos_ed(hamiltonian, k=1)[0]) * scale}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", required=True, help="JSON object of kerasnqs system keys")
    parser.add_argument("--method", choices=["rbmsymm-sr", "gru-adam"], default="rbmsymm-sr")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--eval-samples", type=int, default=50000)
    parser.add_argument(
        "--settings", default="{}", help=f"JSON object overriding some of {list(OVERRIDABLE)}"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exact", action="store_true", help="print the exact energy only")
    args = parser.parse_args()

    spec = json.loads(args.system)
    if args.exact:
        result = exact_energy(spec)
    else:
        settings = method_settings(args.method, json.loads(args.settings))
        result = train(spec, args.method, args.seconds, args.eval_samples, settings, args.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
