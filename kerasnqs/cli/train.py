"""`kerasnqs train`: train a wavefunction by VMC and compare it with the exact energy."""

import math
import os
import sys
import time

from kerasnqs.cli import run_files, system_args

TRAINING_DEFAULTS = {
    "model": "rnn",
    "cell": "gru",
    "units": 32,
    "depth": 1,
    "phase": False,
    "n_components": 8,
    "samples": 500,
    "steps": 1000,
    "lr": 1e-2,
    "seed": 0,
    "chunk_size": None,
    "eval_samples": 50000,
    "steps_per_epoch": 25,
    "init_from": None,
    "out": "kerasnqs-run",
}


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a wavefunction by variational Monte Carlo",
        description=(
            "Train an autoregressive wavefunction to the ground state of a Hamiltonian and "
            "compare its energy with the exact one. With no flags: the open transverse-field "
            "Ising chain of 20 sites at h = 1."
        ),
    )
    system_args.add_system_arguments(parser)
    group = parser.add_argument_group("model and training")
    group.add_argument("--model", choices=["rnn", "mixture"], help="wavefunction family (rnn)")
    group.add_argument("--cell", help="RNN cell: gru or vanilla (gru)")
    group.add_argument("--units", type=int, help="hidden units per cell (32)")
    group.add_argument("--depth", type=int, help="stacked RNN cells (1)")
    group.add_argument("--phase", action="store_true", help="complex wavefunction with a phase")
    group.add_argument("--n-components", type=int, help="mixture components (8)")
    group.add_argument("--samples", type=int, help="samples per training step (500)")
    group.add_argument("--steps", type=int, help="training steps (1000)")
    group.add_argument("--steps-per-epoch", type=int, help="steps per logged epoch (25)")
    group.add_argument("--lr", type=float, help="initial Adam learning rate (0.01)")
    group.add_argument("--seed", type=int, help="random seed (0)")
    group.add_argument(
        "--chunk-size",
        type=int,
        help="connected configurations evaluated at once (default: the most that fit in "
        "--memory-budget)",
    )
    group.add_argument(
        "--memory-budget",
        metavar="SIZE",
        help="working memory of the local energies, e.g. 2GB or 800MB (1GiB)",
    )
    group.add_argument("--eval-samples", type=int, help="samples of the final estimate (50000)")
    group.add_argument(
        "--init-from",
        metavar="MODEL",
        help="start from the weights of a zoo model (name or folder) or of a model.keras "
        "written by kerasnqs train, with the same architecture; an RNN's weights are "
        "shared by all sites, so a model of a smaller lattice can start a larger one",
    )
    group.add_argument("--out", help="output folder (kerasnqs-run)")
    group.add_argument("--config", help="a TOML file with the same keys as the flags")
    # Every flag defaults to None so that a config file can fill what the command line
    # leaves out; the real defaults are applied in `resolve_settings`.
    defaults = vars(parser.parse_args([]))
    parser.set_defaults(**dict.fromkeys(defaults), flag_defaults=defaults)
    return parser


def resolve_settings(args):
    """Merges flag defaults, training defaults, the config file and the explicit flags.

    Args:
        args: the parsed `argparse.Namespace`.

    Returns:
        A dict of settings, keyed by flag name with underscores.
    """
    explicit = {
        key: getattr(args, key)
        for key in args.flag_defaults
        if key != "config" and getattr(args, key) is not None
    }
    settings = {**args.flag_defaults, **TRAINING_DEFAULTS}
    settings.pop("config")
    if args.config is not None:
        settings.update(read_config(args.config, known=settings.keys()))
    settings.update(explicit)
    return settings


def read_config(path, known):
    """Reads a TOML config file whose keys are flag names (dashes or underscores).

    Args:
        path: the TOML file.
        known: the allowed keys.

    Returns:
        A dict keyed by flag name with underscores.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(path, "rb") as file:
            raw = tomllib.load(file)
    except OSError as error:
        raise ValueError(f"cannot read --config {path!r}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"--config {path!r} is not valid TOML: {error}") from None
    config = {key.replace("-", "_"): value for key, value in raw.items()}
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ValueError(f"--config {path!r} has unknown keys {unknown}; allowed: {sorted(known)}")
    return config


def build_wavefunction(settings, lattice):
    """Returns the wavefunction the settings describe."""
    from kerasnqs.models import MixtureWavefunction, RNNWavefunction

    if settings["model"] == "mixture":
        if settings["phase"] or settings["magnetization"] is not None:
            raise ValueError("--model mixture supports neither --phase nor --magnetization")
        return MixtureWavefunction(lattice, n_components=settings["n_components"])
    return RNNWavefunction(
        lattice,
        cell=settings["cell"],
        units=settings["units"],
        depth=settings["depth"],
        phase=settings["phase"],
        magnetization=settings["magnetization"],
    )


def load_initial_weights(wavefunction, source):
    """Sets the weights of `wavefunction` to those of the model saved at `source`.

    Args:
        wavefunction: the freshly built wavefunction.
        source: a zoo name or folder, or a `.keras` file written by `kerasnqs train`.

    Raises:
        ValueError: if `source` cannot be read or its weights do not fit `wavefunction`.
    """
    from kerasnqs import zoo
    from kerasnqs.cli import evaluate

    if not isinstance(source, str):
        raise ValueError(f"--init-from must be a zoo name or a path, got {source!r}")
    try:
        if source.endswith(".keras"):
            trained = evaluate.load_vmc(source).wavefunction
        else:
            trained = zoo.load(source)
    except (ValueError, OSError) as error:
        raise ValueError(f"--init-from: {error}") from None
    shapes = [tuple(weight.shape) for weight in trained.weights]
    expected = [tuple(weight.shape) for weight in wavefunction.weights]
    if type(trained) is not type(wavefunction) or shapes != expected:
        raise ValueError(
            f"--init-from {source!r} holds a {type(trained).__name__} with weights of "
            f"shapes {shapes}, but the settings build a {type(wavefunction).__name__} with "
            f"{expected}: use the same --model, --cell, --units, --depth, --phase and "
            "lattice dimension"
        )
    wavefunction.set_weights(trained.get_weights())


def _check_positive(settings, *keys):
    for key in keys:
        value = settings[key]
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"--{key.replace('_', '-')} must be a positive integer, got {value!r}")
    if not (isinstance(settings["lr"], int | float) and settings["lr"] > 0):
        raise ValueError(f"--lr must be a positive number, got {settings['lr']!r}")


def run(args):
    settings = resolve_settings(args)
    _check_positive(
        settings, "samples", "steps", "steps_per_epoch", "eval_samples", "chunk_size", "units"
    )
    lattice, hamiltonian = system_args.build_system(settings)

    import keras

    import kerasnqs
    from kerasnqs.exact import reference_energy

    keras.utils.set_random_seed(settings["seed"])  # before any weight is initialized
    wavefunction = build_wavefunction(settings, lattice)
    if settings["init_from"] is not None:
        load_initial_weights(wavefunction, settings["init_from"])
    exact_energy, exact_source = reference_energy(hamiltonian, settings["magnetization"])
    if exact_energy is not None:
        print(f"exact energy: {exact_energy:.10f} ({exact_source})")

    out = settings["out"]
    os.makedirs(out, exist_ok=True)
    run_files.write_json(os.path.join(out, "config.json"), settings)

    vmc = kerasnqs.VMC(
        wavefunction,
        hamiltonian,
        n_samples=settings["samples"],
        chunk_size="auto" if settings["chunk_size"] is None else settings["chunk_size"],
        seed=settings["seed"],
        memory_budget=settings["memory_budget"],
    )
    steps_per_epoch = min(settings["steps_per_epoch"], settings["steps"])
    epochs = math.ceil(settings["steps"] / steps_per_epoch)
    schedule = keras.optimizers.schedules.CosineDecay(
        settings["lr"], decay_steps=epochs * steps_per_epoch, alpha=0.01
    )
    vmc.compile(optimizer=keras.optimizers.Adam(schedule), jit_compile=True)

    start = time.perf_counter()
    history = vmc.fit(
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        callbacks=[keras.callbacks.CSVLogger(os.path.join(out, "history.csv"))],
        verbose=2,
    )
    train_time = time.perf_counter() - start
    stats = vmc.estimate(n_samples=settings["eval_samples"])
    wall_time = time.perf_counter() - start

    energy = float(stats.mean.real)
    relative_error = None
    if exact_energy is not None:
        relative_error = abs(energy - exact_energy) / abs(exact_energy)
    summary = {
        "energy": energy,
        "energy_error": stats.error_of_mean,
        "variance": stats.variance,
        "exact_energy": exact_energy,
        "relative_error": relative_error,
        "steps": epochs * steps_per_epoch,
        "wall_time_s": wall_time,
        "train_time_s": train_time,
    }
    with run_files.atomic_path(os.path.join(out, "model.keras")) as temporary:
        vmc.save(temporary)
    run_files.write_json(os.path.join(out, "summary.json"), summary)
    run_files.plot_energy(
        os.path.join(out, "energy.png"),
        [steps_per_epoch * (epoch + 1) for epoch in history.epoch],
        history.history["energy"],
        history.history["energy_error"],
        exact_energy,
    )
    print(format_result(stats, exact_energy, relative_error, wall_time))
    print(f"wrote {out}/: config.json history.csv energy.png model.keras summary.json")
    return 0


def format_result(stats, exact_energy, relative_error, wall_time=None):
    """Returns the lines that report an energy estimate against the exact energy."""
    lines = [f"energy:         {stats}"]
    if exact_energy is not None:
        lines.append(f"exact energy:   {exact_energy:.10f}")
        lines.append(f"relative error: {relative_error:.2e}")
    if wall_time is not None:
        lines.append(f"wall time:      {wall_time:.1f} s")
    return "\n".join(lines)
