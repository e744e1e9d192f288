"""`kerasnqs evaluate`: estimates the energy of a saved model for its own Hamiltonian."""

import os


def add_parser(subparsers):
    """Adds the `evaluate` sub-command to `subparsers` and returns its parser."""
    parser = subparsers.add_parser(
        "evaluate",
        help="estimate the energy of a saved model",
        description="Estimates the energy of a saved model (a .keras file written by "
        "`kerasnqs train` or `VMC.save`) for the Hamiltonian recorded with it, and compares "
        "it with the exact energy when one can be computed.",
    )
    parser.add_argument("model", help="a .keras file holding a kerasnqs.VMC")
    parser.add_argument("--samples", type=int, default=10000, help="samples (10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--chunk-size", type=int, default=None, help="connected configs per chunk")
    return parser


def load_vmc(path):
    """Loads a saved `kerasnqs.VMC` (safe mode), with a clear error for anything else.

    Args:
        path: a `.keras` file.

    Returns:
        The `kerasnqs.VMC`.
    """
    if not path.endswith(".keras"):
        raise ValueError(f"MODEL must be a .keras file, got {path!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(2, "No such file", path)
    import keras

    import kerasnqs

    try:
        model = keras.saving.load_model(path)
    except Exception as error:  # Keras raises many types for a file it cannot read.
        raise ValueError(f"cannot load {path!r}: {error}") from None
    if not isinstance(model, kerasnqs.VMC):
        raise ValueError(
            f"{path!r} holds a {type(model).__name__}, not a kerasnqs.VMC: it has no "
            "Hamiltonian recorded with it"
        )
    return model


def run(args):
    """Estimates and prints the energy of the model in `args.model`."""
    for name in ("samples", "chunk_size"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    vmc = load_vmc(args.model)
    from kerasnqs.cli.train import format_result
    from kerasnqs.exact import reference_energy
    from kerasnqs.vmc import estimate

    stats = estimate(
        vmc.wavefunction, vmc.hamiltonian, args.samples, seed=args.seed, chunk_size=args.chunk_size
    )
    magnetization = getattr(vmc.wavefunction, "magnetization", None)
    exact, _ = reference_energy(vmc.hamiltonian, magnetization)
    relative_error = None if exact is None else abs(stats.mean.real - exact) / abs(exact)
    print(format_result(stats, exact, relative_error))
