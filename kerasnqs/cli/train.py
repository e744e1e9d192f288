"""`kerasnqs train`: train a wavefunction by VMC and compare it with the exact energy."""

import os
import shlex
import signal
import sys
import tempfile
import time

from kerasnqs import validation
from kerasnqs.cli import flag_checks, run_files, system_args, training_plot

TRAINING_DEFAULTS = {
    "model": "rnn",
    "cell": "gru",
    "units": 32,
    "depth": 1,
    "d_model": 32,
    "heads": 4,
    "layers": 2,
    "phase": False,
    "n_components": 8,
    "samples": 500,
    "steps": 1000,
    "lr": 1e-2,
    "sr": False,
    "diag_shift": 1e-4,
    "seed": 0,
    "chunk_size": None,
    "eval_samples": 50000,
    "steps_per_epoch": 25,
    "init_from": None,
    "symmetries": None,
    "out": "kerasnqs-run",
    "distribute": "none",
    "devices": None,
}

MODELS = ("rnn", "transformer", "mixture")
"""The names `--model` accepts."""

DISTRIBUTE = ("none", "mirrored", "multi-worker")
"""The names `--distribute` accepts: `kerasnqs.vmc.distributed.STRATEGIES`, spelled here
so that the command line starts without TensorFlow (a test checks they agree)."""

SYMMETRIES = ("translation", "reflection", "rotation", "spin-flip")
"""The names `--symmetries` accepts (see `kerasnqs.models.SymmetricWavefunction`)."""


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
    group.add_argument("--model", choices=MODELS, help="wavefunction family (rnn)")
    group.add_argument("--cell", help="RNN cell: gru or vanilla (gru)")
    group.add_argument("--units", type=int, help="hidden units per cell (32)")
    group.add_argument("--depth", type=int, help="stacked RNN cells (1)")
    group.add_argument("--d-model", type=int, help="transformer width (32)")
    group.add_argument("--heads", type=int, help="transformer attention heads (4)")
    group.add_argument("--layers", type=int, help="transformer blocks (2)")
    group.add_argument("--phase", action="store_true", help="complex wavefunction with a phase")
    group.add_argument("--n-components", type=int, help="mixture components (8)")
    group.add_argument("--samples", type=int, help="samples per training step (500)")
    group.add_argument("--steps", type=int, help="training steps (1000)")
    group.add_argument("--steps-per-epoch", type=int, help="steps per logged epoch (25)")
    group.add_argument(
        "--lr", type=float, help="initial learning rate (0.01), of Adam, or of SGD with --sr"
    )
    group.add_argument(
        "--sr",
        action="store_true",
        help="precondition with stochastic reconfiguration (kerasnqs.vmc.SR) and train "
        "with SGD instead of Adam",
    )
    group.add_argument("--diag-shift", type=float, help="SR diagonal shift (0.0001)")
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
    group.add_argument(
        "--symmetries",
        metavar="LIST",
        help="average the model over a symmetry group, keeping exact sampling; a "
        "comma-separated subset of " + ", ".join(SYMMETRIES) + ": translation needs --pbc, "
        "rotation the square lattice (90 degrees when LX = LY, else 180), spin-flip no "
        "--magnetization or 0, and each must be a symmetry of the Hamiltonian (not "
        "translation with --marshall-sign on an odd ring, for example); a step costs one "
        "model evaluation per group element and configuration (on a 20-site ring: 20 "
        "elements with translation, 40 with translation,reflection) (none)",
    )
    group.add_argument("--out", help="output folder (kerasnqs-run)")
    group.add_argument(
        "--distribute",
        choices=DISTRIBUTE,
        help="train on several devices (mirrored) or machines (multi-worker, cluster from "
        "TF_CONFIG or Slurm; only the chief writes --out); see docs/distributed.md (none)",
    )
    group.add_argument(
        "--devices", type=int, help="split the CPU into N logical devices (to try --distribute)"
    )
    group.add_argument("--config", help="a TOML file with the same keys as the flags")
    add_run_control_arguments(parser)
    # Every flag defaults to None so that a config file can fill what the command line
    # leaves out; the real defaults are applied in `resolve_settings`.
    defaults = vars(parser.parse_args([]))
    parser.set_defaults(**dict.fromkeys(defaults), flag_defaults=defaults)
    return parser


RUN_CONTROL = ("config", "resume", "overwrite")
"""Flags that say how to run, not what to train: they are not settings of the run."""

RUN_LOCATION = ("out",)
"""Settings that say where the run writes, not what it trains: left out of
`run_fingerprint`, so that a run folder can be moved."""

FINGERPRINT = "settings_sha256"
"""The key of `config.json` that records `run_fingerprint` of the run's settings."""


def add_run_control_arguments(parser):
    """Adds `--resume` and `--overwrite` to the `train` parser."""
    group = parser.add_argument_group("interruption and resumption")
    group.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the run in DIR (interrupted, or stopped by Ctrl-C or SIGTERM) from "
        "its last checkpoint to its planned number of steps, with the settings of its "
        "config.json; takes no other flag. A checkpoint is written at the end of every "
        "epoch",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run already in --out (refused without this flag)",
    )


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
        if key not in RUN_CONTROL and getattr(args, key) is not None
    }
    settings = _default_settings(args)
    if args.config is not None:
        settings.update(read_config(args.config, known=settings.keys()))
    settings.update(explicit)
    return settings


def _default_settings(args):
    settings = {**args.flag_defaults, **TRAINING_DEFAULTS}
    for key in RUN_CONTROL:
        settings.pop(key)
    return settings


def resume_settings(args):
    """The settings of the run that `--resume DIR` continues: those of `DIR/config.json`.

    Args:
        args: the parsed `argparse.Namespace`, with `resume` set.

    Returns:
        A dict of settings, keyed by flag name with underscores, with `out` set to DIR.

    Raises:
        ValueError: if another flag is given, or DIR holds no readable run settings.
    """
    folder = args.resume
    others = [
        "--" + key.replace("_", "-")
        for key in args.flag_defaults
        if key != "resume" and getattr(args, key) is not None
    ]
    if others:
        raise ValueError(
            f"--resume {folder!r} continues that run with the settings of its "
            f"{run_files.CONFIG}; drop {', '.join(others)}"
        )
    path = os.path.join(folder, run_files.CONFIG)
    if not os.path.isfile(path):
        raise ValueError(f"--resume {folder!r} holds no training run: no {run_files.CONFIG}")
    saved = run_files.read_json(path, "the settings of the run to resume")
    settings = _default_settings(args)
    if isinstance(saved, dict):
        saved.pop(FINGERPRINT, None)
    if not isinstance(saved, dict) or set(saved) - set(settings):
        raise ValueError(
            f"--resume: {path!r} does not hold the settings of a run; expected a JSON "
            f"object with keys among {sorted(settings)}"
        )
    settings.update(saved, out=folder)
    return settings


def trained_settings(settings):
    """The settings that define what a run trains: the system, the model and the recipe.

    Returns:
        The dict `settings` without `RUN_LOCATION`.
    """
    return {key: value for key, value in settings.items() if key not in RUN_LOCATION}


def run_fingerprint(settings):
    """The sha256 of `trained_settings(settings)` as canonical JSON, as a hex string."""
    from kerasnqs.zoo.metadata import json_sha256

    return json_sha256(trained_settings(settings))


def check_resumed_settings(out, settings, checkpoint):
    """Refuses to resume a run whose `config.json` or checkpoint is not the run's own.

    The checkpoint carries the settings it was trained with
    (`run_files.CHECKPOINT_SETTINGS`), which must be those of `config.json`; without a
    checkpoint, `config.json` must still match the fingerprint recorded in it when the
    run started.

    Args:
        out: the run folder.
        settings: the settings read from its `config.json`.
        checkpoint: the path of its checkpoint, or None.

    Raises:
        ValueError: naming the settings that differ.
    """
    current = trained_settings(settings)
    if checkpoint is not None:
        try:
            trained = run_files.read_json_from_archive(checkpoint, run_files.CHECKPOINT_SETTINGS)
        except ValueError as error:
            raise ValueError(f"--resume: cannot load the checkpoint: {error}") from None
        if not isinstance(trained, dict):
            raise ValueError(
                f"--resume {out!r}: {run_files.CHECKPOINT} does not record the settings it "
                "was trained with (it was not written by this run of kerasnqs train); "
                "start again with a new --out"
            )
        differences = [
            f"{key} {trained.get(key)!r} in {run_files.CHECKPOINT} but "
            f"{current.get(key)!r} in {run_files.CONFIG}"
            for key in sorted(set(trained) | set(current))
            if trained.get(key) != current.get(key)
        ]
        if differences:
            raise ValueError(
                f"--resume {out!r}: {run_files.CHECKPOINT} was trained with other settings "
                f"than {run_files.CONFIG}: {'; '.join(differences)}"
            )
    config = run_files.read_json(os.path.join(out, run_files.CONFIG), "the run's settings")
    if config.get(FINGERPRINT, run_fingerprint(settings)) != run_fingerprint(settings):
        raise ValueError(
            f"--resume {out!r}: {run_files.CONFIG} was edited after the run started (its "
            f"settings no longer match their {FINGERPRINT}); put back the settings the run "
            "started with, or start again with a new --out"
        )


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
    except UnicodeDecodeError as error:
        raise ValueError(
            f"--config {path!r} is not UTF-8 text (byte {error.start}): a TOML file is expected"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"--config {path!r} is not valid TOML: {error}") from None
    config = {key.replace("-", "_"): value for key, value in raw.items()}
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ValueError(f"--config {path!r} has unknown keys {unknown}; allowed: {sorted(known)}")
    return config


def build_wavefunction(settings, lattice):
    """Returns the wavefunction the settings describe."""
    from kerasnqs.models import MixtureWavefunction, RNNWavefunction, TransformerWavefunction

    if settings["model"] == "transformer":
        return TransformerWavefunction(
            lattice,
            d_model=settings["d_model"],
            n_heads=settings["heads"],
            n_layers=settings["layers"],
            phase=settings["phase"],
            magnetization=settings["magnetization"],
        )
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


def parse_symmetries(value):
    """Returns the `--symmetries` names as a list (empty for none).

    Args:
        value: `None`, a comma-separated str such as `"translation,spin-flip"`, or a
            list of names (from a config file).

    Returns:
        A list of distinct names from `SYMMETRIES`, in the order given.
    """
    if value is None:
        return []
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"--symmetries must be a comma-separated list of names, got {value!r}")
    names = [name.strip() for name in names if name.strip()]
    unknown = [name for name in names if name not in SYMMETRIES]
    if unknown:
        raise ValueError(
            f"--symmetries has unknown name(s) {unknown}; choose from {', '.join(SYMMETRIES)}"
        )
    return list(dict.fromkeys(names))


def symmetrize(wavefunction, names, hamiltonian):
    """Wraps `wavefunction` in a `SymmetricWavefunction` over the named symmetries.

    Args:
        wavefunction: the model built from the settings.
        names: the list from `parse_symmetries`; empty returns `wavefunction` itself.
        hamiltonian: the operator trained for; every named symmetry must leave it
            invariant.

    Returns:
        A `kerasnqs.models.Wavefunction`.

    Raises:
        ValueError: for a symmetry the lattice, the model or the Hamiltonian does not have.
    """
    if not names:
        return wavefunction
    from kerasnqs.models import SymmetricWavefunction
    from kerasnqs.operators.symmetry import is_symmetry

    try:
        symmetric = SymmetricWavefunction(wavefunction, names)
    except ValueError as error:
        raise ValueError(f"--symmetries: {error}") from None
    for name in names:
        if name == "spin-flip":
            invariant = is_symmetry(hamiltonian, spin_flip=True)
        else:
            generators = wavefunction.lattice.symmetry_generators(name)
            invariant = all(is_symmetry(hamiltonian, g) for g in generators)
        if not invariant:
            raise ValueError(
                f"--symmetries {name}: {hamiltonian!r} is not invariant under the {name}, so "
                "it is not a symmetry of the ground state"
            )
    return symmetric


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
    from kerasnqs.models import SymmetricWavefunction, TransformerWavefunction

    if not isinstance(source, str):
        raise ValueError(f"--init-from must be a zoo name or a path, got {source!r}")
    try:
        if source.endswith(".keras"):
            trained = evaluate.load_vmc(source).wavefunction
        else:
            trained = zoo.load(source)
    except (ValueError, OSError) as error:
        raise ValueError(f"--init-from: {error}") from None
    if isinstance(trained, SymmetricWavefunction):
        trained = trained.wavefunction  # its weights are those of the inner model
    if isinstance(wavefunction, TransformerWavefunction) and type(trained) is type(wavefunction):
        try:  # across lattice sizes: see TransformerWavefunction.set_weights_from
            return wavefunction.set_weights_from(trained)
        except ValueError as error:
            raise ValueError(f"--init-from {source!r}: {error}") from None
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
    """Checks the training settings, whether they come from flags or a config file.

    `keys` are the settings that must be positive integers (or `None`), at most
    `flag_checks.MAX_COUNT`, and numbers of samples at least 2; the others are checked
    by type: `--lr` a finite positive number, `--seed` an integer in [0, 2**63), `--phase`
    true or false, `--model` and `--cell` a known name, `--out` and `--init-from` text.

    Raises:
        ValueError: naming the first setting that is not what is expected.
    """
    for key in keys:
        if key in ("samples", "eval_samples"):
            flag_checks.samples(settings[key], f"--{_flag(key)}")
        elif settings[key] is not None:
            flag_checks.positive_integer(f"--{_flag(key)}", settings[key])
    lr = settings["lr"]
    if not validation.is_finite_positive(lr):
        raise ValueError(f"--lr must be a finite positive number, got {lr!r}")
    flag_checks.seed(settings["seed"])
    if not isinstance(settings["phase"], bool):
        raise ValueError(f"--phase must be true or false, got {settings['phase']!r}")
    for key, choices in (
        ("model", MODELS),
        ("cell", ("gru", "vanilla")),
        ("distribute", DISTRIBUTE),
    ):
        if settings[key] not in choices:
            raise ValueError(f"--{key} must be one of {', '.join(choices)}, got {settings[key]!r}")
    for key in ("out", "init_from"):
        value = settings[key]
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"--{_flag(key)} must be a path (text), got {value!r}")


def check_memory(wavefunction, hamiltonian, settings):
    """Refuses `--samples`, `--eval-samples` or `--size` whose step or final estimate
    cannot stay within `--memory-budget` (see `kerasnqs.vmc.memory_budget`)."""
    from kerasnqs.vmc import memory_budget

    # Parsed as VMC parses it, so that a bad budget gets the same message as before.
    budget = memory_budget.parse_memory_budget(settings["memory_budget"])
    memory_budget.check_training_fits(
        wavefunction,
        hamiltonian,
        settings["samples"],
        budget,
        jit_compile=True,
        names=("--samples", "--memory-budget"),
    )
    names = ("--eval-samples", "--memory-budget")
    memory_budget.check_estimate_fits(settings["eval_samples"], budget, names=names)


def _flag(key):
    return key.replace("_", "-")


def _check_sr(settings):
    if not isinstance(settings["sr"], bool):
        raise ValueError(f"sr must be true or false, got {settings['sr']!r}")
    shift = settings["diag_shift"]
    if not validation.is_finite_positive(shift):
        raise ValueError(f"--diag-shift must be a finite number > 0, got {shift!r}")


def epoch_length(steps, steps_per_epoch):
    """The steps of each epoch of a run of `steps` steps: all epochs are equally long.

    Like `keras.Model.fit`, a run is a whole number of epochs of `steps_per_epoch`
    steps, so `steps` must be a multiple of it; a run shorter than one epoch is one
    epoch of `steps` steps.

    Returns:
        `steps_per_epoch`, or `steps` if that is smaller.

    Raises:
        ValueError: if `steps` is larger than `steps_per_epoch` but not a multiple of it.
    """
    if steps <= steps_per_epoch:
        return steps
    if steps % steps_per_epoch:
        raise ValueError(
            f"--steps ({steps}) must be a multiple of --steps-per-epoch ({steps_per_epoch}), "
            f"for example --steps {steps - steps % steps_per_epoch} or "
            f"{steps - steps % steps_per_epoch + steps_per_epoch}"
        )
    return steps_per_epoch


def run(args):
    resuming = args.resume is not None
    settings = resume_settings(args) if resuming else resolve_settings(args)
    _check_positive(
        settings,
        *("samples", "eval_samples", "steps", "steps_per_epoch", "chunk_size", "units"),
        *("depth", "n_components", "d_model", "heads", "layers", "devices"),
    )
    settings["steps_per_epoch"] = epoch_length(settings["steps"], settings["steps_per_epoch"])
    _check_sr(settings)
    settings["symmetries"] = parse_symmetries(settings["symmetries"])
    from kerasnqs.vmc import distributed

    strategy = distributed.make_strategy(settings["distribute"], settings["devices"])
    if strategy is not None and not distributed.is_chief(strategy):
        # The other workers train in step with the chief and write to a private folder.
        settings = dict(settings, out=os.path.join(tempfile.mkdtemp(prefix="kerasnqs-"), "run"))
        print(f"kerasnqs: not the chief; this worker's copy of the run goes to {settings['out']}")
    with run_files.RunLock(settings["out"], "--resume" if resuming else "--out"):
        return train_in_folder(settings, resuming, overwrite=bool(args.overwrite))


def train_in_folder(settings, resuming, overwrite):
    """Builds the run's VMC, trains it and writes its files; the caller holds the lock.

    Args:
        settings: the checked settings.
        resuming: whether the run continues the one in `settings["out"]` (`--resume`).
        overwrite: the value of `--overwrite`.

    Returns:
        The exit status (see `train_and_write`).
    """
    out = settings["out"]
    checkpoint = None
    if resuming:
        checkpoint = find_checkpoint(out, settings["steps_per_epoch"])
        check_resumed_settings(out, settings, checkpoint)
    else:
        run_files.check_out(out, overwrite=overwrite)
    lattice, hamiltonian = system_args.build_system(settings)

    import keras

    import kerasnqs
    from kerasnqs.exact import reference_energy

    keras.utils.set_random_seed(settings["seed"])  # before any weight is initialized
    wavefunction = build_wavefunction(settings, lattice)
    if settings["init_from"] is not None and checkpoint is None:
        load_initial_weights(wavefunction, settings["init_from"])
    wavefunction = symmetrize(wavefunction, settings["symmetries"], hamiltonian)
    check_memory(wavefunction, hamiltonian, settings)
    exact_energy, exact_source = reference_energy(hamiltonian, settings["magnetization"])
    if exact_energy is not None:
        print(f"exact energy: {exact_energy:.10f} ({exact_source})")
    if resuming:
        run_files.remove_temporary_files(out)
    else:
        run_files.prepare_out(out, overwrite=overwrite)
        config = {**settings, FINGERPRINT: run_fingerprint(settings)}
        run_files.write_json(os.path.join(out, run_files.CONFIG), config)

    vmc = kerasnqs.VMC(
        wavefunction,
        hamiltonian,
        n_samples=settings["samples"],
        chunk_size="auto" if settings["chunk_size"] is None else settings["chunk_size"],
        seed=settings["seed"],
        preconditioner=kerasnqs.vmc.SR(settings["diag_shift"]) if settings["sr"] else None,
        memory_budget=settings["memory_budget"],
    )
    steps_per_epoch = settings["steps_per_epoch"]
    epochs = settings["steps"] // steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        settings["lr"], decay_steps=epochs * steps_per_epoch, alpha=0.01
    )
    optimizer = (
        keras.optimizers.SGD(schedule) if settings["sr"] else keras.optimizers.Adam(schedule)
    )
    vmc.compile(optimizer=optimizer, jit_compile=True)

    return train_and_write(vmc, settings, epochs, steps_per_epoch, exact_energy, checkpoint)


def train_and_write(vmc, settings, epochs, steps_per_epoch, exact_energy, checkpoint=None):
    """Trains (from `checkpoint` if given), estimates the energy and writes the run's files.

    A checkpoint is written at the end of every epoch (`RunRecorder`). SIGINT or
    SIGTERM stops training after the current step (`SignalStop`), or stops the final
    estimate: the files are written for the steps done, without the final estimate, and
    one line says how to resume. A second signal stops at once, leaving the last
    checkpoint.

    Returns:
        The exit status: 0, or 128 + the signal's number after an interruption.
    """
    from kerasnqs.cli.run_recorder import RunRecorder
    from kerasnqs.cli.signal_stop import SignalStop
    from kerasnqs.vmc import TrainingMonitor

    out = settings["out"]
    initial_epoch, rows = 0, []
    if checkpoint is not None:
        initial_epoch, rows = restore_checkpoint(vmc, checkpoint, steps_per_epoch, epochs)
    recorder = RunRecorder(out, steps_per_epoch, rows, settings=trained_settings(settings))
    stop = SignalStop()
    start = time.perf_counter()
    try:
        with stop:
            vmc.fit(
                epochs=epochs,
                steps_per_epoch=steps_per_epoch,
                callbacks=[recorder, stop, TrainingMonitor(exact_energy)],
                verbose=2,
                initial_epoch=initial_epoch,
            )
            train_time = time.perf_counter() - start
            if stop.signum is None:
                stats = final_estimate(vmc, settings["eval_samples"], stop)
            else:
                stats = None
            summary = summarize(vmc, stats, exact_energy, epochs * steps_per_epoch)
            summary.update(wall_time_s=time.perf_counter() - start, train_time_s=train_time)
            write_outputs(vmc, out, summary, recorder.rows, exact_energy)
    except KeyboardInterrupt:
        print(f"kerasnqs: interrupted; {resume_hint(out)}", file=sys.stderr)
        return 128 + (stop.last_signum or signal.SIGINT)
    if stop.signum is not None:
        print(stop_message(stop.signum, summary, steps_per_epoch, out), file=sys.stderr)
        return 128 + stop.signum
    os.remove(os.path.join(out, run_files.CHECKPOINT))  # The run is complete.
    print(format_result(stats, exact_energy, summary["relative_error"], summary["wall_time_s"]))
    print(f"wrote {out}/: config.json history.csv energy.png model.keras summary.json")
    return 0


def final_estimate(vmc, n_samples, stop):
    """The final estimate of the energy, or None if a signal stopped it.

    Args:
        vmc: the trained `kerasnqs.VMC`.
        n_samples: the value of `--eval-samples`.
        stop: the `SignalStop` whose handler turns a signal outside training into a
            `KeyboardInterrupt`; its `signum` is set to the signal that stopped the
            estimate.

    Returns:
        The `kerasnqs.vmc.Stats` of the energy, or None.
    """
    try:
        return vmc.estimate(n_samples)
    except KeyboardInterrupt:
        stop.signum = stop.last_signum or signal.SIGINT
        return None


def find_checkpoint(out, steps_per_epoch):
    """The checkpoint of the run in `out` that `--resume` continues, or None to start over.

    Only a run stopped before its first epoch ended has no checkpoint and starts again
    from step 0.

    Raises:
        ValueError: if the run in `out` has finished (nothing to resume), or if its
            history records finished epochs but their checkpoint is missing.
    """
    path = os.path.join(out, run_files.CHECKPOINT)
    if os.path.isfile(path):
        return path
    summary_path = os.path.join(out, run_files.SUMMARY)
    if os.path.isfile(summary_path):
        summary = run_files.read_json(summary_path, "the summary of the run to resume")
        if not summary.get("interrupted", False):
            raise ValueError(
                f"--resume {out!r} holds a finished run ({summary.get('steps')} steps): "
                "nothing to resume"
            )
    history_path = os.path.join(out, run_files.HISTORY)
    rows = run_files.read_history(history_path) if os.path.isfile(history_path) else []
    done = max((row["step"] for row in rows), default=0)
    if done >= steps_per_epoch:
        raise ValueError(
            f"--resume {out!r}: {run_files.HISTORY} records {done // steps_per_epoch} "
            f"finished epoch(s) but {run_files.CHECKPOINT} is missing, so the run cannot "
            "continue; start it again with a new --out (or --overwrite on this one)"
        )
    return None  # Stopped before its first epoch ended: it starts again from step 0.


def restore_checkpoint(vmc, path, steps_per_epoch, epochs):
    """Loads the checkpoint `path` into the compiled `vmc`, to resume training.

    The weights, the optimizer state (its step count sets the learning rate and the
    random seed of every later step) and the VMC state (the temperature) come back as
    they were at the end of the checkpoint's epoch.

    Args:
        vmc: the `kerasnqs.VMC` built and compiled from the run's settings.
        path: the checkpoint, in the run folder beside the history.
        steps_per_epoch: the training steps per epoch.
        epochs: the planned number of epochs.

    Returns:
        `(initial_epoch, rows)`: the epochs done, to pass to `fit`, and their rows of
        the history.

    Raises:
        ValueError: if the checkpoint does not fit the run's settings or its history.
    """
    out = os.path.dirname(path)
    vmc.optimizer.build(vmc.wavefunction.trainable_variables)
    try:
        vmc.load_weights(path)
    except Exception as error:  # Keras raises many types for a file it cannot read.
        raise ValueError(f"--resume: cannot load the checkpoint {path!r}: {error}") from None
    step = int(vmc.optimizer.iterations.numpy())
    initial_epoch, remainder = divmod(step, steps_per_epoch)
    if remainder or initial_epoch > epochs:
        raise ValueError(
            f"--resume: the checkpoint {path!r} is at step {step}, not at the end of one of "
            f"the {epochs} epochs of {steps_per_epoch} steps of this run"
        )
    rows = run_files.read_history(os.path.join(out, run_files.HISTORY))[:initial_epoch]
    if [row["step"] for row in rows] != [steps_per_epoch * (e + 1) for e in range(initial_epoch)]:
        raise ValueError(
            f"--resume: {run_files.HISTORY} in {out!r} does not hold the {initial_epoch} "
            f"epochs of the checkpoint at step {step}"
        )
    print(f"resuming {out} from the checkpoint at step {step} (epoch {initial_epoch} of {epochs})")
    return initial_epoch, rows


def summarize(vmc, stats, exact_energy, planned_steps):
    """The contents of `summary.json` but the times; `stats` is None after an interruption.

    `energy_error_of_mean` is the final estimate's error bar (the columns `energy` and
    `energy_error` of `history.csv` are those of each epoch's steps). An interrupted run
    has no final estimate: its energy entries are None, `interrupted` is true, and
    `steps` counts the steps done.
    """
    summary = {
        "energy": None,
        "energy_error_of_mean": None,
        "variance": None,
        "exact_energy": exact_energy,
        "relative_error": None,
        "steps": int(vmc.optimizer.iterations.numpy()),
        "planned_steps": planned_steps,
        "interrupted": stats is None,
    }
    if stats is not None:
        energy = float(stats.mean.real)
        summary.update(
            energy=energy, energy_error_of_mean=stats.error_of_mean, variance=stats.variance
        )
        if exact_energy is not None:
            from kerasnqs.exact import relative_error

            summary["relative_error"] = relative_error(energy, exact_energy)
    return summary


def write_outputs(vmc, out, summary, rows, exact_energy):
    """Writes `model.keras`, `summary.json` and `energy.png` (`history.csv` is written
    after every epoch by `RunRecorder`)."""
    with run_files.atomic_path(os.path.join(out, run_files.MODEL)) as temporary:
        vmc.save(temporary)
    run_files.write_json(os.path.join(out, run_files.SUMMARY), summary)
    training_plot.plot_training(
        os.path.join(out, run_files.PLOT),
        rows,
        exact_energy,
        training_plot.run_title(vmc.hamiltonian, vmc.wavefunction),
    )


def stop_message(signum, summary, steps_per_epoch, out):
    """The line printed when a signal stopped training or the final estimate."""
    name = signal.Signals(signum).name
    if summary["steps"] == summary["planned_steps"]:
        return (
            f"kerasnqs: stopped by {name} after all {summary['steps']} steps, before the "
            f"final estimate ended; wrote {out}/ without it (summary.json says "
            f"interrupted); make it with: kerasnqs train --resume {shlex.quote(out)}"
        )
    checkpoint_step = summary["steps"] // steps_per_epoch * steps_per_epoch
    checkpoint = (
        f"its checkpoint is at step {checkpoint_step}"
        if checkpoint_step
        else "no epoch ended, so there is no checkpoint and it starts again"
    )
    return (
        f"kerasnqs: stopped by {name} after step {summary['steps']} "
        f"of {summary['planned_steps']}; wrote {out}/ (summary.json says interrupted); "
        f"{checkpoint}; {resume_hint(out)}"
    )


def resume_hint(out):
    """The end of the line printed when a run is interrupted."""
    return f"continue with: kerasnqs train --resume {shlex.quote(out)}"


def format_result(stats, exact_energy, relative_error, wall_time=None):
    """Returns the lines that report an energy estimate against the exact energy."""
    lines = [f"energy:         {stats}"]
    if exact_energy is not None:
        lines.append(f"exact energy:   {exact_energy:.10f}")
        lines.append(f"relative error: {relative_error:.2e}")
    if wall_time is not None:
        lines.append(f"wall time:      {wall_time:.1f} s")
    return "\n".join(lines)
